/**
 * One plugin instance: a program bound to its own memory, helpers and an
 * engine. The convenience the plugin layer and the command build on.
 *
 * @module
 */

import type { Engine, EngineFactory, RunOptions } from "./engine.ts";
import type { HelperContext, HelperTable } from "./helpers.ts";
import { interpreter } from "./interpreter.ts";
import { InstanceMemory, MEMORY_BASE } from "./memory.ts";
import { loadData, type Program } from "./program.ts";
import { verify, type VerifyOptions } from "./verifier.ts";

/** Options of {@link createInstance}. */
export interface InstanceOptions {
  /** Engine factory; default the interpreter. */
  engine?: EngineFactory;
  /** The embedder's per-instance state, given to helpers as `ctx.data`. */
  data?: unknown;
  /** Initial heap bytes. */
  heapSize?: number;
  /** Memory limit in bytes. */
  maxSize?: number;
  /** Verifier options; `verify: false` skips verification (for already-verified programs). */
  verifier?: VerifyOptions | false;
}

/** A program bound to memory and an engine. */
export interface Instance {
  /** The program. */
  readonly program: Program;
  /** Its memory. */
  readonly memory: InstanceMemory;
  /** The helper context (memory and data). */
  readonly ctx: HelperContext;
  /** The engine. */
  readonly engine: Engine;
  /**
   * Runs a function by name or entry pc (default: the program's entry).
   *
   * @param fn name or pc
   * @param args r1..r5
   * @param opts budget
   * @returns r0
   */
  run(fn?: string | number, args?: bigint[], opts?: RunOptions): bigint;
}

/**
 * Verifies a program and binds it to a fresh memory and an engine.
 *
 * @param program the program
 * @param helpers helper table
 * @param opts engine, data, memory sizes
 * @returns the instance
 * @throws PluginFault "verifier" when the program is refused
 *
 * @example
 * ```ts
 * import { createInstance } from "./instance.ts";
 * import { assemble } from "./assembler.ts";
 * import { makeProgram } from "./program.ts";
 * import { HelperTable } from "./helpers.ts";
 * import assert from "node:assert/strict";
 * const inst = createInstance(makeProgram(assemble("mov r0, 3\nexit")), new HelperTable());
 * assert.equal(inst.run(), 3n);
 * ```
 */
export function createInstance(
  program: Program,
  helpers: HelperTable,
  opts: InstanceOptions = {},
): Instance {
  if (opts.verifier !== false) verify(program, helpers, opts.verifier ?? {});
  const memory = new InstanceMemory({
    dataSize: program.rodata.length,
    ...(opts.heapSize === undefined ? {} : { heapSize: opts.heapSize }),
    ...(opts.maxSize === undefined ? {} : { maxSize: opts.maxSize }),
  });
  loadData(program, memory);
  const ctx: HelperContext = { memory, data: opts.data };
  const engine = (opts.engine ?? interpreter).create(program, memory, helpers, ctx);
  return {
    program,
    memory,
    ctx,
    engine,
    run(fn, args = [], runOpts) {
      let pc: number;
      if (fn === undefined) pc = program.entry;
      else if (typeof fn === "number") pc = fn;
      else {
        const found = program.functions.get(fn);
        if (found === undefined) throw new RangeError(`Cannot run "${fn}": no such function`);
        pc = found;
      }
      return engine.run(pc, args, runOpts);
    },
  };
}

/**
 * Copies bytes into the instance heap, as eBPF test suites pass `--mem`.
 *
 * @param memory the instance memory
 * @param bytes input
 * @returns [address, length] for r1 and r2
 */
export function placeInput(memory: InstanceMemory, bytes: Uint8Array): [bigint, bigint] {
  const off = memory.alloc(bytes.length);
  memory.write(off, bytes);
  return [MEMORY_BASE + BigInt(off), BigInt(bytes.length)];
}
