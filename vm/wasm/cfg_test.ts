import assert from "node:assert/strict";
import { assemble } from "../assembler.ts";
import { loadElf } from "../elf.ts";
import { testHelpers } from "../_test_helpers.ts";
import { HelperTable } from "../helpers.ts";
import { interpreter } from "../interpreter.ts";
import { InstanceMemory } from "../memory.ts";
import { makeProgram } from "../program.ts";
import { buildCfg, findLeaders, functionEntries, planStructure } from "./cfg.ts";
import { wasmCompiler } from "./mod.ts";

function cfgOf(text: string, entry = 0) {
  const ins = assemble(text);
  const entries = functionEntries(ins, [entry]);
  return { ins, entries, cfg: buildCfg(ins, findLeaders(ins, entries), entry) };
}

Deno.test("buildCfg() starts blocks at jump targets, after jumps and after calls", () => {
  const { cfg } = cfgOf(`mov r0, 0
mov r1, 3
loop:
add r0, r1
call 1
sub r1, 1
jne r1, 0, loop
exit`);
  assert.deepEqual(
    cfg.blocks.map((b) => [b.start, b.end, b.cost]),
    [[0, 2, 2], [2, 4, 2], [4, 6, 2], [6, 7, 1]],
  );
});

Deno.test("buildCfg() counts lddw once and skips unreachable code", () => {
  const { cfg } = cfgOf("lddw r0, 0x123456789\nja end\nmov r0, 1\nend:\nexit");
  assert.deepEqual(cfg.blocks.map((b) => [b.start, b.end, b.cost]), [[0, 3, 2], [4, 5, 1]]);
});

Deno.test("functionEntries() adds bpf-to-bpf call targets and keeps callees out of the caller", () => {
  const { ins, entries, cfg } = cfgOf("call local f\nexit\nf:\nmov r0, 1\nexit");
  assert.deepEqual(entries, [0, 2]);
  assert.deepEqual(cfg.blocks.map((b) => b.start), [0, 1]);
  const callee = buildCfg(ins, findLeaders(ins, entries), 2);
  assert.deepEqual(callee.blocks.map((b) => [b.start, b.end]), [[2, 4]]);
});

Deno.test("planStructure() nests a loop and the forward jumps inside it", () => {
  const { ins, cfg } = cfgOf(`mov r2, 0
loop:
jeq r1, 0, skip
add r2, 1
skip:
sub r1, 1
jne r1, 0, loop
mov r0, r2
exit`);
  const plan = planStructure(ins, cfg);
  assert.deepEqual(plan?.order, [0, 1, 2, 3, 4]);
  assert.deepEqual(plan?.intervals, [
    { kind: "loop", start: 1, end: 4 },
    { kind: "block", start: 1, end: 3 },
  ]);
});

Deno.test("planStructure() opens a block early so that it encloses a loop it jumps over", () => {
  const { ins, cfg } = cfgOf(`mov r0, 0
loop:
jeq r1, 5, out
add r0, 1
sub r1, 1
jne r1, 0, loop
mov r0, 99
out:
exit`);
  const plan = planStructure(ins, cfg)!.intervals;
  const block = plan.find((i) => i.kind === "block")!;
  const loop = plan.find((i) => i.kind === "loop")!;
  assert.ok(block.start <= loop.start && block.end > loop.end, JSON.stringify(plan));
});

Deno.test("planStructure() gives up on a jump into the middle of a loop", () => {
  const text = `jeq r1, 0, inside
loop:
add r0, 1
inside:
add r0, 2
jlt r0, 20, loop
exit`;
  const { ins, cfg } = cfgOf(text);
  assert.equal(planStructure(ins, cfg), null);
  // The dispatcher fallback still runs it as the interpreter does.
  for (const arg of [0n, 1n]) {
    const results = [interpreter, wasmCompiler].map((f) => {
      const memory = new InstanceMemory();
      const p = makeProgram(assemble(text));
      return f.create(p, memory, new HelperTable(), { memory, data: null }).run(0, [arg]);
    });
    assert.equal(results[1], results[0]);
    assert.ok(results[0]! >= 20n);
  }
  // …and stops it on fuel when it never ends.
  const memory = new InstanceMemory();
  const p = makeProgram(assemble("jeq r1, 0, inside\nloop:\nadd r0, 1\ninside:\nja loop"));
  assert.throws(
    () => wasmCompiler.create(p, memory, new HelperTable(), { memory, data: null }).run(0, []),
    /fuel exhausted/,
  );
});

Deno.test("planStructure() structures every function clang made for the C corpus", () => {
  const dir = new URL("../testdata/c/", import.meta.url);
  let functions = 0;
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.endsWith(".o")) continue;
    const program = loadElf(Deno.readFileSync(new URL(e.name, dir)), testHelpers());
    const ins = program.instructions;
    const entries = functionEntries(ins, [program.entry, ...program.functions.values()]);
    const leaders = findLeaders(ins, entries);
    for (const entry of entries) {
      functions++;
      assert.notEqual(
        planStructure(ins, buildCfg(ins, leaders, entry)),
        null,
        `${e.name} @${entry}`,
      );
    }
  }
  assert.ok(functions >= 10, `only ${functions} functions`);
});

Deno.test("planStructure() lays out a loop entered at its test with the test first", () => {
  // As clang often emits: jump to the test at the bottom, body above it.
  const text = `mov r0, 0
mov r2, 5
ja test
body:
add r0, r2
test:
sub r2, 1
jne r2, 0, body
exit`;
  const { ins, cfg } = cfgOf(text);
  const plan = planStructure(ins, cfg)!;
  assert.notEqual(plan, null);
  const testBlock = cfg.indexOf.get(4)!;
  const bodyBlock = cfg.indexOf.get(3)!;
  assert.ok(plan.position[testBlock]! < plan.position[bodyBlock]!, "test before body");
  const loop = plan.intervals.find((i) => i.kind === "loop")!;
  assert.equal(plan.order[loop.start], testBlock, "the loop opens at the test");
  for (const f of [interpreter, wasmCompiler]) {
    const memory = new InstanceMemory();
    const engine = f.create(makeProgram(assemble(text)), memory, new HelperTable(), {
      memory,
      data: null,
    });
    assert.equal(engine.run(0, []), 4n + 3n + 2n + 1n, f.name);
  }
});
