/**
 * A loaded program: instructions (one per 8-byte slot), its functions, its
 * data, and a digest for caches. Built by the ELF loader, by
 * {@link programFromBytes} for raw bytecode, or by tests from assembler text.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { decodeProgram, encodeProgram } from "./decode.ts";
import type { Instruction } from "./isa.ts";
import type { InstanceMemory } from "./memory.ts";

/** A program ready for `verify()` and the engines. */
export interface Program {
  /** One entry per slot (lddw's second slot is a placeholder, never executed). */
  instructions: Instruction[];
  /** Function name → entry pc (every function, global or static). */
  functions: Map<string, number>;
  /** The pc `run` starts at by default. */
  entry: number;
  /** All data sections laid out; loaded into instance memory at offset 0 (MEMORY_BASE). */
  rodata: Uint8Array;
  /** Helper id → name, for the helpers the program calls (from ELF symbols; may be empty). */
  helperNames: Map<number, string>;
  /** SHA-256 hex of the code bytes and the data, for module caches. */
  digest: string;
}

/** Optional parts of {@link makeProgram}. */
export interface MakeProgramOptions {
  /** Function name → entry pc; default `{ "main": 0 }` (or `entry`). */
  functions?: Map<string, number>;
  /** Default entry pc; default 0. */
  entry?: number;
  /** Data bytes; default empty. */
  rodata?: Uint8Array;
  /** Helper id → name. */
  helperNames?: Map<number, string>;
}

/**
 * SHA-256 of code and data (length-prefixed so the split is unambiguous).
 *
 * @param code encoded instructions
 * @param data data bytes
 * @returns lowercase hex digest
 */
export function programDigest(code: Uint8Array, data: Uint8Array): string {
  const h = createHash("sha256");
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(code.length), true);
  h.update(len);
  h.update(code);
  h.update(data);
  return h.digest("hex");
}

/**
 * Builds a Program from instructions, computing the digest.
 *
 * @param instructions decoded or assembled instructions
 * @param opts functions, entry, data, helper names
 * @returns the program
 */
export function makeProgram(instructions: Instruction[], opts: MakeProgramOptions = {}): Program {
  const entry = opts.entry ?? 0;
  const rodata = opts.rodata ?? new Uint8Array(0);
  return {
    instructions,
    functions: opts.functions ?? new Map([["main", entry]]),
    entry,
    rodata,
    helperNames: opts.helperNames ?? new Map(),
    digest: programDigest(encodeProgram(instructions), rodata),
  };
}

/**
 * Raw bytecode (not ELF) as one function named "main" at pc 0, as PQUIC and
 * uBPF accept it.
 *
 * @param bytes little-endian 8-byte slots
 * @returns the program
 * @throws PluginFault "elf" when the length is not a multiple of 8
 */
export function programFromBytes(bytes: Uint8Array): Program {
  return makeProgram(decodeProgram(bytes));
}

/**
 * Copies a program's data into instance memory at offset 0. Call once per
 * instance before the first run.
 *
 * @param program the program
 * @param memory an instance memory with `dataSize >= program.rodata.length`
 */
export function loadData(program: Program, memory: InstanceMemory): void {
  if (program.rodata.length > memory.dataSize) {
    throw new RangeError(
      `Cannot load ${program.rodata.length} bytes of data into a data region of ${memory.dataSize}`,
    );
  }
  memory.write(0, program.rodata);
}
