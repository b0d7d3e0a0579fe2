/**
 * The interface every execution engine implements (the interpreter, the Wasm
 * compiler), so that any program can run on both (rbpf's engine split).
 *
 * Calling convention (RFC 9669 §4.3.1, uBPF): at entry r1..r5 hold `args`
 * (missing ones are 0), r10 = `memory.frameTop` (the top of frame 0), every
 * other register 0. `exit` in the entry function returns r0 (unsigned
 * 64-bit). A local call (`call` with src = 1) saves r6..r9, moves r10 down by
 * STACK_FRAME_SIZE and jumps to pc + imm + 1; `exit` in a callee restores
 * r6..r9 and r10 and continues after the call. A call that would make more
 * than MAX_CALL_DEPTH frames faults with kind "stack_overflow". Helper calls
 * and local calls leave r1..r5 as they were (eBPF calls them clobbered; both
 * engines keep them, so the engines agree even on programs that read them).
 *
 * Fuel: each run has an instruction budget (`opts.fuel`, default
 * {@link DEFAULT_FUEL}); every executed instruction costs 1 (a helper call
 * counts as one instruction). The interpreter checks per instruction, the Wasm
 * engine per basic block; both fault with kind "fuel" when the budget is
 * spent, so exact counts at the fault may differ, but a program that finishes
 * within budget on one finishes on the other.
 *
 * @module
 */

import type { HelperContext, HelperTable } from "./helpers.ts";
import type { InstanceMemory } from "./memory.ts";
import type { Program } from "./program.ts";

/** Default instruction budget per run (an arbitrary choice). */
export const DEFAULT_FUEL = 1_000_000;

/** Options of one run. */
export interface RunOptions {
  /** Instruction budget; default {@link DEFAULT_FUEL}. */
  fuel?: number;
}

/** A program bound to one instance (memory, helpers, context). */
export interface Engine {
  /**
   * Runs one function.
   *
   * @param fn entry pc (e.g. `program.entry` or a value of `program.functions`)
   * @param args r1..r5 (unsigned or signed; taken modulo 2^64)
   * @param opts budget
   * @returns r0 at the final exit, unsigned 64-bit
   * @throws PluginFault on any fault
   */
  run(fn: number, args: bigint[], opts?: RunOptions): bigint;
  /**
   * Optionally, a function that runs `fn` with these arguments and budget as
   * {@link run} does, every time it is called (nested runs included): an
   * embedder that runs the same entry over and over calls it instead, and
   * skips the lookups `run` makes per call.
   *
   * @param fn entry pc
   * @param args r1..r5
   * @param opts budget
   * @returns the bound run
   * @throws PluginFault when `fn` is not a function entry (as `run` would)
   */
  bind?(fn: number, args: readonly bigint[], opts?: RunOptions): () => bigint;
}

/** Makes engines; one per engine kind. */
export interface EngineFactory {
  /** Short name for tests and the command line ("interpreter", "wasm"). */
  readonly name: string;
  /**
   * Binds a verified program to an instance. The program's data
   * (`program.rodata`) must already be in `memory` at offset 0; see
   * `loadData()` in program.ts.
   *
   * @param program a program that passed `verify()`
   * @param memory the instance memory
   * @param helpers the helper table the program was verified against
   * @param ctx passed to every helper call
   * @returns an engine
   */
  create(
    program: Program,
    memory: InstanceMemory,
    helpers: HelperTable,
    ctx: HelperContext,
  ): Engine;
}
