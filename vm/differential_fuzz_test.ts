/**
 * Differential fuzzing of the two engines (uBPF's differential harness): random
 * valid programs run on the reference interpreter and on the Wasm engine must
 * give the same r0, the same memory and the same fault (kind and message).
 * Seeded, so a failure names the seed that reproduces it.
 */

import assert from "node:assert/strict";
import { assemble } from "./assembler.ts";
import type { EngineFactory } from "./engine.ts";
import { PluginFault } from "./fault.ts";
import type { HelperTable } from "./helpers.ts";
import { interpreter } from "./interpreter.ts";
import { InstanceMemory, MEMORY_BASE } from "./memory.ts";
import { makeProgram, type Program } from "./program.ts";
import { verify } from "./verifier.ts";
import { testHelpers } from "./_test_helpers.ts";
import { BUFFER_SIZE, randomProgram, Rng } from "./wasm/_random_program.ts";
import { ModuleCache, wasmCompilerWith, type WasmEngine } from "./wasm/mod.ts";

const PROGRAMS = 10_000;
const FUEL = 20_000;

interface Outcome {
  result?: bigint;
  fault?: string;
  memory: Uint8Array;
  engine: unknown;
}

function runOn(
  factory: EngineFactory,
  program: Program,
  helpers: HelperTable,
  input: Uint8Array,
  fuel: number,
): Outcome {
  const memory = new InstanceMemory({ heapSize: BUFFER_SIZE });
  memory.write(memory.heapBase, input);
  const engine = factory.create(program, memory, helpers, { memory, data: { log: [] } });
  const args = [MEMORY_BASE + BigInt(memory.heapBase), BigInt(BUFFER_SIZE)];
  try {
    const result = engine.run(program.entry, args, { fuel });
    return { result, memory: memory.bytes(), engine };
  } catch (e) {
    if (!(e instanceof PluginFault)) throw e;
    // Both engines must stop a run on the same fault; for the budget the
    // position may differ (engine.ts: the Wasm engine counts per block).
    const fault = e.kind === "fuel" ? "fuel" : `${e.kind}: ${e.message}`;
    return { fault, memory: memory.bytes(), engine };
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

Deno.test("interpreter and wasm engine agree on 10,000 random programs", () => {
  const helpers = testHelpers();
  const wasm = wasmCompilerWith(new ModuleCache());
  // Every fifth program also through the br_table dispatcher the compiler
  // falls back to for flow that does not nest.
  const dispatch = wasmCompilerWith(new ModuleCache(16, { dispatchOnly: true }));
  const rng = new Rng(0x5eed_0001);
  let faults = 0;
  let refused = 0;
  let fuelChecks = 0;
  for (let i = 0; i < PROGRAMS; i++) {
    const seed = rng.u32();
    const gen = new Rng(seed);
    const text = randomProgram(gen);
    const program = makeProgram(assemble(text));
    try {
      verify(program, helpers);
    } catch (e) {
      if (!(e instanceof PluginFault)) throw e;
      refused++;
      continue;
    }
    const input = new Uint8Array(BUFFER_SIZE);
    for (let j = 0; j < BUFFER_SIZE; j++) input[j] = gen.int(256);
    const a = runOn(interpreter, program, helpers, input, FUEL);
    const b = runOn(wasm, program, helpers, input, FUEL);
    const where = `program ${i} (seed 0x${seed.toString(16)}):\n${text}`;
    assert.equal(b.fault, a.fault, `fault differs, ${where}`);
    assert.equal(b.result, a.result, `r0 differs, ${where}`);
    // After a budget fault the Wasm engine may have run a little further (it
    // tests the balance at loop heads), so memory is compared otherwise only.
    const diff = a.fault === "fuel" ? -1 : sameBytes(a.memory, b.memory);
    assert.equal(diff, -1, `memory differs at offset ${diff}, ${where}`);
    if (i % 5 === 0) {
      const c = runOn(dispatch, program, helpers, input, FUEL);
      assert.equal(c.fault, a.fault, `fault differs (dispatcher), ${where}`);
      assert.equal(c.result, a.result, `r0 differs (dispatcher), ${where}`);
      if (a.fault !== "fuel") {
        assert.equal(sameBytes(a.memory, c.memory), -1, `memory differs (dispatcher), ${where}`);
      }
    }
    if (a.fault !== undefined) faults++;
    // Budget edge: the Wasm engine spent exactly N units; with N both finish, with N-1 both fault.
    if (a.fault === undefined && i % 16 === 0) {
      const spent = FUEL - (b.engine as WasmEngine).fuelLeft;
      const exact = runOn(interpreter, program, helpers, input, spent);
      assert.equal(exact.result, a.result, `budget ${spent} should suffice, ${where}`);
      const short = runOn(interpreter, program, helpers, input, spent - 1);
      assert.equal(short.fault, "fuel", `budget ${spent - 1} should not, ${where}`);
      const shortWasm = runOn(wasm, program, helpers, input, spent - 1);
      assert.equal(shortWasm.fault, "fuel", `budget ${spent - 1} should not, ${where}`);
      fuelChecks++;
    }
  }
  // The generator aims at valid programs that mostly finish: keep it honest.
  assert.ok(refused < PROGRAMS / 100, `${refused} programs refused by the verifier`);
  // (Counted loops over memory run past the end or out of budget on purpose,
  // and calls of helpers with an intrinsic get bad pointers and lengths.)
  assert.ok(faults < PROGRAMS * 0.35, `${faults} programs faulted`);
  assert.ok(faults > PROGRAMS / 200, `only ${faults} programs faulted: faults go untested`);
  assert.ok(fuelChecks > PROGRAMS / 32, `only ${fuelChecks} budget checks`);
});
