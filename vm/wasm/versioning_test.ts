import assert from "node:assert/strict";
import { assemble } from "../assembler.ts";
import type { EngineFactory } from "../engine.ts";
import { PluginFault } from "../fault.ts";
import { interpreter } from "../interpreter.ts";
import { InstanceMemory, MEMORY_BASE } from "../memory.ts";
import { makeProgram, type Program } from "../program.ts";
import { verify } from "../verifier.ts";
import { testHelpers } from "../_test_helpers.ts";
import { buildCfg, findLeaders, functionEntries, planStructure } from "./cfg.ts";
import { planFuel } from "./fuel.ts";
import { ModuleCache, wasmCompilerWith, type WasmEngine } from "./mod.ts";
import { planAccesses } from "./ranges.ts";
import { planVersions, type VersionedLoop } from "./versioning.ts";
import { countedMemoryLoop } from "./_random_loop.ts";
import { BUFFER_SIZE, Rng } from "./_random_program.ts";
import { GF_MAC_ASM } from "../testdata/gf_kernel.ts";

function versionsOf(text: string): VersionedLoop[] {
  const ins = assemble(text);
  const cfg = buildCfg(ins, findLeaders(ins, functionEntries(ins, [0])), 0);
  const plan = planStructure(ins, cfg)!;
  const heads = new Set<number>();
  for (const i of plan.intervals) if (i.kind === "loop") heads.add(plan.order[i.start]!);
  const fuel = planFuel(ins, cfg, heads);
  return [
    ...planVersions(ins, cfg, plan, { covered: planAccesses(ins, cfg).covered, fuel })
      .values(),
  ];
}

const GF = GF_MAC_ASM;

Deno.test("planVersions() proves the GF(2^8) loop's accesses through src, dst and the tables", () => {
  const [v, ...more] = versionsOf(GF);
  assert.equal(more.length, 0);
  assert.ok(v !== undefined);
  assert.equal(v.counter, 8);
  assert.equal(v.limit, 3);
  assert.deepEqual(v.spans.map((s) => [s.base, s.lo, s.hi]).sort(), [[1, 0, 1], [2, 0, 1]]);
  assert.deepEqual(v.flagged, [5]);
  assert.deepEqual([...v.proven].sort((a, b) => a - b), [6, 10, 14, 17, 19]);
  // Blocks of 4 + 12 instructions, and the 2 of `next` paid on either way in
  // (counted on both: a bound, the path through all three costs 18).
  assert.equal(v.iterationCost, 20);
});

Deno.test("planVersions() takes jlt with an immediate, jne and jgt with the operands swapped", () => {
  const loop = (test: string) => `
    mov r3, 0
  top:
    mov r4, r1
    add r4, r3
    ldxdw r0, [r4+8]
    add r3, 1
    ${test}
    exit`;
  for (const test of ["jlt r3, 100, top", "jne r3, r2, top", "jgt r2, r3, top"]) {
    const [v] = versionsOf(loop(test));
    assert.ok(v !== undefined, test);
    assert.equal(v.counter, 3, test);
    assert.deepEqual(v.spans, [{ base: 1, lo: 8, hi: 16 }], test);
  }
  for (
    const test of ["jle r3, r2, top", "jslt r3, r2, top", "jlt32 r3, r2, top", "jlt r3, 0, top"]
  ) {
    assert.deepEqual(versionsOf(loop(test)), [], test);
  }
});

Deno.test("planVersions() refuses loops that move the limit, the base or the counter, or call", () => {
  const loop = (extra: string, after = "") => `
    mov r3, 0
  top:
    mov r4, r1
    add r4, r3
    ldxb r0, [r4]
    ${extra}
    add r3, 1
    ${after}
    jlt r3, r2, top
    exit`;
  assert.equal(versionsOf(loop("")).length, 1);
  assert.deepEqual(versionsOf(loop("add r2, 1")), [], "limit written");
  assert.deepEqual(versionsOf(loop("mov r1, r0")), [], "the only base written");
  assert.deepEqual(versionsOf(loop("add r3, 1")), [], "counter stepped twice");
  assert.deepEqual(versionsOf(loop("", "add r3, 1")), [], "counter stepped twice in the latch");
  assert.deepEqual(versionsOf(loop("call 1")), [], "a call");
  assert.deepEqual(versionsOf(loop("ldxb r5, [r4+1]")).map((v) => [...v.proven]), [[3, 4]]);
  // An access after the increment sees i + 1: not covered by the test.
  assert.deepEqual(versionsOf(loop("", "ldxb r5, [r4]")).map((v) => [...v.proven]), [[3]]);
  // A loop inside the loop: neither is versioned.
  const nested = `
    mov r3, 0
  top:
    mov r5, 3
  inner:
    sub r5, 1
    jne r5, 0, inner
    mov r4, r1
    add r4, r3
    ldxb r0, [r4]
    add r3, 1
    jlt r3, r2, top
    exit`;
  assert.deepEqual(versionsOf(nested), []);
});

interface Outcome {
  result?: bigint;
  fault?: string;
  memory: Uint8Array;
  spent: number;
}

function runOn(factory: EngineFactory, program: Program, input: Uint8Array, fuel: number) {
  const helpers = testHelpers();
  const memory = new InstanceMemory({ heapSize: BUFFER_SIZE });
  memory.write(memory.heapBase, input);
  const engine = factory.create(program, memory, helpers, { memory, data: { log: [] } });
  const args = [MEMORY_BASE + BigInt(memory.heapBase), BigInt(BUFFER_SIZE)];
  const out: Outcome = { memory: memory.bytes(), spent: 0 };
  try {
    out.result = engine.run(program.entry, args, { fuel });
  } catch (e) {
    if (!(e instanceof PluginFault)) throw e;
    out.fault = e.kind === "fuel" ? "fuel" : `${e.kind}: ${e.message}`;
  }
  if (factory.name === "wasm") out.spent = fuel - (engine as WasmEngine).fuelLeft;
  return out;
}

function render(rng: Rng): string {
  const items = countedMemoryLoop(rng, () => `mov r${rng.pick([0, 2, 3, 4, 5, 6, 7])}, 1`, false);
  const labels = new Set(items.flatMap((it) => ("jump" in it ? [it.to] : [])));
  const out = ["mov r0, 0", "mov r2, 0", "mov r3, 0", "mov r4, 0", "mov r5, 0", "mov r6, 0"];
  out.push("mov r7, 0");
  items.forEach((it, k) => {
    if (labels.has(k)) out.push(`l${k}:`);
    out.push("jump" in it ? `${it.jump} l${it.to}` : it.text);
  });
  if (labels.has(items.length)) out.push(`l${items.length}:`);
  out.push("exit");
  return out.join("\n");
}

Deno.test("versioned loops run and fault as the interpreter, with every kind of budget", () => {
  const wasm = wasmCompilerWith(new ModuleCache());
  const checked = wasmCompilerWith(new ModuleCache(16, { noVersions: true }));
  const rng = new Rng(0x100b_0001);
  let versioned = 0;
  let faults = 0;
  let budgets = 0;
  for (let k = 0; k < 1500; k++) {
    const text = render(rng);
    const program = makeProgram(assemble(text));
    verify(program, testHelpers());
    if (versionsOf(text).length > 0) versioned++;
    const input = new Uint8Array(BUFFER_SIZE).map(() => rng.int(4) === 0 ? 0 : rng.int(256));
    const where = `loop ${k}:\n${text}`;
    const a = runOn(interpreter, program, input, 20_000);
    const b = runOn(wasm, program, input, 20_000);
    const c = runOn(checked, program, input, 20_000);
    for (const [o, name] of [[b, "versioned"], [c, "checked"]] as const) {
      assert.equal(o.fault, a.fault, `${name}: fault differs, ${where}`);
      assert.equal(o.result, a.result, `${name}: r0 differs, ${where}`);
      if (a.fault !== "fuel") assert.deepEqual(o.memory, a.memory, `${name}: memory, ${where}`);
    }
    if (a.fault !== undefined) faults++;
    else assert.equal(b.spent, c.spent, `both copies charge the same, ${where}`);
    // Budgets that end before, inside and just after the loop.
    if (a.fault === undefined && k % 3 === 0) {
      for (const fuel of [b.spent, b.spent - 1, rng.int(b.spent + 1), rng.int(b.spent + 1)]) {
        const x = runOn(interpreter, program, input, fuel);
        const y = runOn(wasm, program, input, fuel);
        assert.equal(y.fault, x.fault, `budget ${fuel}: fault differs, ${where}`);
        assert.equal(y.result, x.result, `budget ${fuel}: r0 differs, ${where}`);
        if (fuel < b.spent) assert.equal(y.fault, "fuel", `budget ${fuel} < ${b.spent}, ${where}`);
        budgets++;
      }
    }
  }
  assert.ok(versioned > 1000, `only ${versioned} loops versioned`);
  assert.ok(faults > 100 && faults < 750, `${faults} loops faulted`);
  assert.ok(budgets > 1000, `${budgets} budgets`);
});

Deno.test("a versioned loop reaching the last byte of memory checks what it does not prove", () => {
  const memory = new InstanceMemory({ heapSize: BUFFER_SIZE }); // as runOn()'s
  const last = MEMORY_BASE + BigInt(memory.size) - 16n;
  // r1 = the last 16 bytes; i runs 0..15; the second load uses i + 1.
  const text = (after: string) => `
    lddw r1, 0x${last.toString(16)}
    mov r2, 16
    mov r3, 0
  top:
    mov r4, r1
    add r4, r3
    ldxb r0, [r4]
    stxb [r4], r3
    add r3, 1
    ${after}
    jlt r3, r2, top
    exit`;
  const recompute = "mov r4, r1\nadd r4, r3\nldxb r5, [r4]";
  for (const after of ["", recompute]) {
    const program = makeProgram(assemble(text(after)));
    assert.deepEqual(versionsOf(text(after)).map((v) => [...v.proven]), [[6, 7]]);
    const a = runOn(interpreter, program, new Uint8Array(BUFFER_SIZE), 1000);
    const b = runOn(
      wasmCompilerWith(new ModuleCache()),
      program,
      new Uint8Array(BUFFER_SIZE),
      1000,
    );
    assert.equal(b.fault, a.fault);
    assert.equal(b.result, a.result);
    assert.deepEqual(b.memory, a.memory);
    if (after === "") assert.equal(a.fault, undefined);
    else assert.match(a.fault ?? "", /out of bounds: read of 1 bytes at .* \(pc 11\)/);
  }
});
