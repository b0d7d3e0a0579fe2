/**
 * Test harness: one helper call (`call id` with r1.. set to the arguments)
 * run on one engine over a fresh instance memory, with its outcome — r0 or
 * the fault, and the memory after — for comparing engines. Not part of the
 * public API.
 *
 * @module
 */

import { assemble } from "./assembler.ts";
import type { EngineFactory } from "./engine.ts";
import { PluginFault } from "./fault.ts";
import type { HelperTable } from "./helpers.ts";
import { InstanceMemory } from "./memory.ts";
import { makeProgram } from "./program.ts";
import { verify } from "./verifier.ts";

/** What one helper call did on one engine. */
export interface HelperCallOutcome {
  /** r0, when the call returned. */
  r0?: bigint;
  /** `kind (pc N): message`, when it faulted. */
  fault?: string;
  /** The instance memory afterwards. */
  memory: Uint8Array;
}

/** Where the case's bytes go and how the rest of memory is filled. */
export interface HelperCallSetup {
  /** Linear offset of `init`. */
  readonly at: number;
  /** Bytes written at `at` before the call. */
  readonly init?: Uint8Array | undefined;
  /** Byte i of memory before the call is (i × mul + add) & 0xff. */
  readonly pattern: readonly [mul: number, add: number];
  /** The helper context's `data`. */
  readonly data: unknown;
}

/**
 * Runs `call id` once with `args` in r1.. on `factory`'s engine.
 *
 * @param factory the engine
 * @param helpers the helper table (`id` must be in it)
 * @param id helper id
 * @param args r1, r2, … (as u64)
 * @param setup memory contents and context data
 * @returns r0 or the fault, and the memory afterwards
 */
export function runHelperCall(
  factory: EngineFactory,
  helpers: HelperTable,
  id: number,
  args: readonly bigint[],
  setup: HelperCallSetup,
): HelperCallOutcome {
  const text = args.map((a, i) => `lddw r${i + 1}, 0x${BigInt.asUintN(64, a).toString(16)}`)
    .join("\n") + `\ncall ${id}\nexit`;
  const program = makeProgram(assemble(text));
  verify(program, helpers);
  const memory = new InstanceMemory({ heapSize: 256 });
  const bytes = memory.bytes();
  const [mul, add] = setup.pattern;
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * mul + add) & 0xff;
  if (setup.init !== undefined) bytes.set(setup.init, setup.at);
  const engine = factory.create(program, memory, helpers, { memory, data: setup.data });
  try {
    return { r0: engine.run(program.entry, []), memory: memory.bytes().slice() };
  } catch (e) {
    if (!(e instanceof PluginFault)) throw e;
    return { fault: `${e.kind} (pc ${e.pc}): ${e.message}`, memory: memory.bytes().slice() };
  }
}
