import assert from "node:assert/strict";
import { assemble } from "../assembler.ts";
import { PluginFault } from "../fault.ts";
import { HelperTable } from "../helpers.ts";
import { interpreter } from "../interpreter.ts";
import { InstanceMemory, MEMORY_BASE } from "../memory.ts";
import { makeProgram } from "../program.ts";
import type { EngineFactory } from "../engine.ts";
import { buildCfg, findLeaders, functionEntries } from "./cfg.ts";
import { ModuleCache, wasmCompilerWith } from "./mod.ts";
import { entryRanges, MAX_FLAG_SPAN, planAccesses } from "./ranges.ts";
import { GF_MAC_ASM } from "../testdata/gf_kernel.ts";

function cfgOf(text: string) {
  const ins = assemble(text);
  const entries = functionEntries(ins, [0]);
  return { ins, cfg: buildCfg(ins, findLeaders(ins, entries), 0) };
}

function plan(text: string) {
  const { ins, cfg } = cfgOf(text);
  return planAccesses(ins, cfg);
}

const GF = GF_MAC_ASM;

Deno.test("entryRanges() carries loaded bytes into a loop and widens a counter", () => {
  const { ins, cfg } = cfgOf(GF);
  const ranges = entryRanges(ins, cfg);
  const loop = cfg.indexOf.get(4)!;
  assert.deepEqual(ranges[loop]![7], [0, 255], "r7: a byte loaded before the loop");
  assert.equal(ranges[loop]![8], null, "r8 grows every iteration: widened to unknown");
  assert.equal(ranges[loop]![5], null, "r5: a parameter");
  assert.deepEqual(ranges[cfg.indexOf.get(8)!]![0], [0, 255], "r0 after ldxb");
});

Deno.test("planAccesses() flags a table base and covers only its indexed accesses", () => {
  const p = plan(GF);
  assert.deepEqual([...p.flags], [[5, [0, 767]]]);
  assert.deepEqual([...p.covered.keys()].sort((a, b) => a - b), [10, 14]);
  assert.deepEqual(p.covered.get(14), { base: 5, lo: 256, hi: 767 });
});

Deno.test("planAccesses() follows masks, 32-bit results, shifts and both add orders", () => {
  const p = plan(`
  mov r3, r1
  and r3, 15
  add r3, r2
  ldxw r0, [r3+4]
  mov32 r4, r1
  rsh r4, 24
  add r4, r2
  ldxb r0, [r4-1]
  exit`);
  assert.deepEqual(p.covered.get(3), { base: 2, lo: 4, hi: 23 });
  assert.deepEqual(p.covered.get(7), { base: 2, lo: -1, hi: 255 });
  assert.deepEqual(p.flags.get(2), [-1, 255]);
});

Deno.test("planAccesses() drops facts when the base or the index is written", () => {
  assert.equal(
    plan("ldxb r3, [r1+0]\nmov r4, r2\nadd r4, r3\nmov r2, 0\nldxb r0, [r4+0]\nexit").covered.size,
    0,
    "the base changed after the add",
  );
  assert.equal(
    plan("ldxb r3, [r1+0]\nmov r4, r2\nadd r4, r3\ncall 1\nldxb r0, [r4+0]\nexit").covered.size,
    0,
    "facts are per block: a call ends one",
  );
  assert.equal(
    plan("ldxb r3, [r1+0]\nlsh r3, 1\nmov r4, r2\nadd r4, r3\nldxb r0, [r4+0]\nexit").covered.size,
    0,
    "no range after a left shift",
  );
  assert.equal(
    plan("ldxdw r3, [r1+0]\nmov r4, r2\nadd r4, r3\nldxb r0, [r4+0]\nexit").covered.size,
    0,
    "no range for a 64-bit load",
  );
  assert.equal(
    plan("ldxh r3, [r1+0]\nmov r4, r2\nadd r4, r3\nldxb r0, [r4+0]\nexit").flags.size,
    0,
    `a span over ${MAX_FLAG_SPAN} bytes gets no flag`,
  );
});

interface Outcome {
  r0?: bigint;
  fault?: PluginFault;
  memory: Uint8Array;
}

function run(factory: EngineFactory, text: string, args: bigint[], grow = 0): Outcome {
  const program = makeProgram(assemble(text));
  const memory = new InstanceMemory({ heapSize: 4096 });
  if (grow > 0) memory.grow(grow);
  const bytes = memory.bytes();
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 1) & 0xff;
  const helpers = new HelperTable().register({
    id: 1,
    name: "grow",
    arity: 1,
    callNumber: (ctx, n) => ctx.memory.grow(n),
  });
  const engine = factory.create(program, memory, helpers, { memory, data: null });
  try {
    return { r0: engine.run(program.entry, args), memory: memory.bytes() };
  } catch (e) {
    if (!(e instanceof PluginFault)) throw e;
    return { fault: e, memory: memory.bytes() };
  }
}

function both(text: string, args: bigint[], grow = 0): Outcome {
  const a = run(interpreter, text, args, grow);
  for (const opts of [{}, { noFlags: true }, { dispatchOnly: true }]) {
    const b = run(wasmCompilerWith(new ModuleCache(4, opts)), text, args, grow);
    const what = JSON.stringify(opts);
    assert.equal(b.fault?.message, a.fault?.message, `fault ${what}`);
    assert.equal(b.r0, a.r0, `r0 ${what}`);
    assert.deepEqual(b.memory, a.memory, `memory ${what}`);
  }
  return a;
}

// r1 = table, r2 = index source, r3 = count: sums table[src[i]] for i < count.
const LOOKUP = `
  mov r0, 0
  mov r8, 0
loop:
  mov r6, r2
  add r6, r8
  ldxb r4, [r6+0]
  mov r6, r1
  add r6, r4
  ldxb r4, [r6+0]
  add r0, r4
  add r8, 1
  jlt r8, r3, loop
  exit`;

Deno.test("a flagged table lookup runs and faults exactly as the interpreter", () => {
  const base = MEMORY_BASE + 4096n;
  assert.ok(both(LOOKUP, [base, base + 256n, 64n]).r0! > 0n, "in bounds: the flag is clear");
  // The table runs past the end of memory: the flag is set and every lookup is
  // checked precisely; the first index that lands outside faults.
  const end = MEMORY_BASE + 65536n;
  const out = both(LOOKUP, [end - 100n, MEMORY_BASE + 4096n, 64n]);
  assert.equal(out.fault?.kind, "out_of_bounds");
  assert.match(out.fault!.message, /read of 1 bytes at 0x10001[0-9a-f]{4} \(pc 7\)/);
  // Below the memory, and near the end with small indices only: no fault.
  assert.equal(both(LOOKUP, [MEMORY_BASE - 200n, MEMORY_BASE, 3n]).fault?.kind, "out_of_bounds");
  const bytes = new Uint8Array(65536);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 1) & 0xff;
  const zeros = bytes.indexOf(0, 4096);
  assert.ok(both(LOOKUP, [end - 10n, MEMORY_BASE + BigInt(zeros), 1n]).fault === undefined);
});

Deno.test("a flag set against a smaller memory is checked again after a helper grows it", () => {
  // The table straddles the end of the first page until the helper adds one.
  const text = `
  mov r6, r1
  ldxb r7, [r2+0]
  add r6, r7
  stxb [r6+200], r7
  mov r1, 65536
  call 1
  ldxb r7, [r2+0]
  mov r6, r9
  add r6, r7
  ldxb r0, [r6+200]
  exit`;
  // r9 (the base) is never written, so its flag is computed once at entry.
  const prog = text.replace("mov r6, r1\n", "mov r6, r1\nmov r9, r1\n");
  const out = both(prog, [MEMORY_BASE + 65536n - 100n, MEMORY_BASE + 4096n]);
  assert.equal(out.fault?.kind, "out_of_bounds", "the store before the growth is outside");
  const grown = both(prog.replace("stxb [r6+200], r7", "stxb [r6+0], r7"), [
    MEMORY_BASE + 65536n - 100n,
    MEMORY_BASE + 4096n,
  ]);
  assert.equal(grown.fault, undefined, "after growth the load is inside");
});

Deno.test("a joint check of loads stops at a load through another base", () => {
  // Loads through r6 span [0, 16) past the end; a load through r1 in between
  // faults first in program order, and both engines must name it.
  const text = `
  lddw r6, 0x10000fff4
  ldxw r2, [r6+0]
  ldxb r3, [r1-8]
  ldxdw r4, [r6+8]
  exit`;
  const out = both(text, [MEMORY_BASE + 4n]);
  assert.match(out.fault!.message, /read of 1 bytes at 0xfffffffc \(pc 3\)/);
});
