import assert from "node:assert/strict";
import { assemble } from "../assembler.ts";
import { PluginFault } from "../fault.ts";
import { HelperTable } from "../helpers.ts";
import { interpreter } from "../interpreter.ts";
import { InstanceMemory } from "../memory.ts";
import { makeProgram } from "../program.ts";
import type { EngineFactory } from "../engine.ts";
import { buildCfg, findLeaders, functionEntries, planStructure } from "./cfg.ts";
import { planFuel } from "./fuel.ts";
import { ModuleCache, wasmCompilerWith } from "./mod.ts";

function fuelOf(text: string) {
  const ins = assemble(text);
  const entries = functionEntries(ins, [0]);
  const cfg = buildCfg(ins, findLeaders(ins, entries), 0);
  const plan = planStructure(ins, cfg)!;
  const heads = new Set<number>();
  for (const i of plan.intervals) if (i.kind === "loop") heads.add(plan.order[i.start]!);
  const fuel = planFuel(ins, cfg, heads);
  const at = (slot: number) => cfg.indexOf.get(slot)!;
  return { fuel, at, cfg };
}

// if (r1 != 0) r0 += 5; then two more: the join block (slot 4) follows
// `add` straight on and is also the target of the jump.
const JOIN = `
  mov r0, 1
  jeq r1, 0, join
  add r0, 5
  add r0, 6
join:
  add r0, 7
  exit`;

Deno.test("planFuel() charges a join block with its straight predecessor and on its jump", () => {
  const { fuel, at } = fuelOf(JOIN);
  assert.equal(fuel.head[at(0)], 2, "entry block: its own two");
  assert.equal(fuel.head[at(2)], 2 + 2, "the then-block pays for the join");
  assert.equal(fuel.head[at(4)], 0);
  assert.deepEqual([...fuel.onJump], [[at(4), 2]]);
});

Deno.test("planFuel() leaves loop heads, call returns and conditional fall-through alone", () => {
  const loop = fuelOf(`
  mov r0, 0
loop:
  add r0, 1
  jlt r0, 10, loop
  exit`);
  assert.equal(loop.fuel.onJump.size, 0, "the loop head is tested where it is charged");
  const call = fuelOf("mov r1, 1\ncall 1\nadd r0, 1\nexit");
  assert.equal(call.fuel.onJump.size, 0, "a helper call tests the balance before it runs");
  const cond = fuelOf("jeq r1, 0, +1\nmov r0, 1\nmov r0, 2\nexit");
  // Slot 1 is entered by the jeq's fall-through: it keeps its charge (and
  // takes slot 2's, which it runs straight into).
  assert.equal(cond.fuel.head[cond.at(1)], 1 + 2, "fall-through of a conditional jump");
  assert.deepEqual([...cond.fuel.onJump], [[cond.at(2), 2]]);
});

function spend(factory: EngineFactory, text: string, r1: bigint, fuel: number) {
  const program = makeProgram(assemble(text));
  const memory = new InstanceMemory();
  const e = factory.create(program, memory, new HelperTable(), { memory, data: null });
  try {
    return e.run(0, [r1], { fuel });
  } catch (err) {
    if (err instanceof PluginFault && err.kind === "fuel") return "fuel";
    throw err;
  }
}

Deno.test("a charge moved to a jump costs exactly the instructions run on both paths", () => {
  const wasm = wasmCompilerWith(new ModuleCache());
  // Taken: mov, jeq, add, exit = 4; not taken: 6.
  for (const [r1, cost] of [[0n, 4], [1n, 6]] as const) {
    for (const f of [interpreter, wasm]) {
      assert.equal(spend(f, JOIN, r1, cost), r1 === 0n ? 8n : 19n, `${f.name} r1=${r1}`);
      assert.equal(spend(f, JOIN, r1, cost - 1), "fuel", `${f.name} r1=${r1} short`);
    }
  }
});
