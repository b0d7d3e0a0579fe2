/**
 * The conformance corpus format (uBPF's `.data` files) and a runner that
 * executes one case on any engine.
 *
 * ```
 * # free text before the first section is a description
 * -- asm
 * mov r0, 1
 * exit
 * -- mem
 * 00 01 02 03        (hex bytes; r1 = address of a copy, r2 = length)
 * -- args
 * 1, 2, 0x3          (r1..r5; when present they replace the --mem pointer/length)
 * -- fuel
 * 1000               (instruction budget; default 1,000,000)
 * -- result
 * 0x1                (expected r0)
 * -- error
 * out of bounds      (expected substring of the fault message; exclusive with result)
 * -- log
 * hello              (expected helper log lines, one per line)
 * ```
 *
 * @module
 */

import { assemble } from "./assembler.ts";
import type { EngineFactory } from "./engine.ts";
import { PluginFault } from "./fault.ts";
import { createInstance, placeInput } from "./instance.ts";
import { makeProgram } from "./program.ts";
import { type TestHelperData, testHelpers } from "./_test_helpers.ts";

/** One parsed corpus file. */
export interface CorpusCase {
  /** Assembler text. */
  asm: string;
  /** Input bytes, if any. */
  mem?: Uint8Array;
  /** r1..r5, if given. */
  args?: bigint[];
  /** Budget. */
  fuel?: number;
  /** Expected r0. */
  result?: bigint;
  /** Expected error substring. */
  error?: string;
  /** Expected log lines. */
  log?: string[];
}

/** The outcome of running a case. */
export interface CaseOutcome {
  /** r0 when the run finished. */
  result?: bigint;
  /** The fault when it did not. */
  fault?: PluginFault;
  /** Helper log. */
  log: string[];
  /** The instance memory bytes after the run (a copy; empty on verifier refusal). */
  memory: Uint8Array;
}

/**
 * Parses a corpus file.
 *
 * @param text the file
 * @returns the case
 * @throws SyntaxError on an unknown section or a malformed value
 */
export function parseCorpus(text: string): CorpusCase {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split("\n")) {
    const m = /^--\s*(\w+)\s*$/.exec(line);
    if (m !== null) {
      current = [];
      sections.set(m[1]!, current);
    } else current?.push(line);
  }
  const known = new Set(["asm", "mem", "args", "fuel", "result", "error", "log"]);
  for (const k of sections.keys()) {
    if (!known.has(k)) throw new SyntaxError(`unknown section "-- ${k}"`);
  }
  const asm = sections.get("asm");
  if (asm === undefined) throw new SyntaxError("missing section -- asm");
  const out: CorpusCase = { asm: asm.join("\n") };
  const text1 = (k: string) => sections.get(k)?.join("\n").replace(/#.*$/gm, "").trim();
  const mem = text1("mem");
  if (mem !== undefined) {
    const hex = mem.replace(/\s+/g, "");
    if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new SyntaxError("-- mem must be hex bytes");
    out.mem = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.mem.length; i++) out.mem[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  const args = text1("args");
  if (args !== undefined && args !== "") {
    out.args = args.split(/[\s,]+/).map((a) => BigInt.asUintN(64, BigInt(a)));
  }
  const fuel = text1("fuel");
  if (fuel !== undefined) out.fuel = Number(fuel);
  const result = text1("result");
  if (result !== undefined) out.result = BigInt.asUintN(64, BigInt(result));
  const error = text1("error");
  if (error !== undefined) out.error = error;
  const log = sections.get("log");
  if (log !== undefined) {
    while (log.length > 0 && log[log.length - 1]!.trim() === "") log.pop();
    out.log = log;
  }
  if ((out.result === undefined) === (out.error === undefined)) {
    throw new SyntaxError("exactly one of -- result and -- error is required");
  }
  return out;
}

/**
 * Assembles, verifies and runs a case on one engine.
 *
 * @param c the case
 * @param engine engine factory
 * @returns result or fault, log and final memory
 */
export function runCase(c: CorpusCase, engine: EngineFactory): CaseOutcome {
  const data: TestHelperData = { log: [] };
  try {
    const program = makeProgram(assemble(c.asm));
    const inst = createInstance(program, testHelpers(), { engine, data });
    let args: bigint[] = [];
    if (c.mem !== undefined) args = placeInput(inst.memory, c.mem);
    if (c.args !== undefined) args = c.args;
    try {
      const result = inst.run(program.entry, args, c.fuel === undefined ? {} : { fuel: c.fuel });
      return { result, log: data.log, memory: inst.memory.bytes().slice() };
    } catch (e) {
      if (!(e instanceof PluginFault)) throw e;
      return { fault: e, log: data.log, memory: inst.memory.bytes().slice() };
    }
  } catch (e) {
    if (!(e instanceof PluginFault)) throw e;
    return { fault: e, log: data.log, memory: new Uint8Array(0) };
  }
}
