import assert from "node:assert/strict";
import { assemble } from "../assembler.ts";
import type { EngineFactory } from "../engine.ts";
import { PluginFault } from "../fault.ts";
import { type CellRule, type HelperContext, type HelperDef, HelperTable } from "../helpers.ts";
import { interpreter } from "../interpreter.ts";
import { InstanceMemory } from "../memory.ts";
import { makeProgram, type Program } from "../program.ts";
import { verify } from "../verifier.ts";
import { compileProgram, ModuleCache, wasmCompilerWith } from "./mod.ts";

const ID = 7;
const CELLS = 4096; // linear offset of cell 0 in the cases
const BAD = 0xdeadn; // r1 value the helper refuses (when no rule applies)

/**
 * What the helper does when a rule applies, in TypeScript: the contract of
 * helpers.ts (the same cells through ctx.memory), or undefined.
 */
function applyRules(rules: readonly CellRule[], ctx: HelperContext, r: bigint[]) {
  if (ctx.cells === undefined) return undefined;
  const dv = ctx.memory.view();
  for (const rule of rules) {
    if (rule.when !== undefined && r[rule.when.arg] !== BigInt(rule.when.equals)) continue;
    const i = rule.index === undefined ? 0n : r[rule.index.arg]!;
    if (rule.index !== undefined && i >= BigInt(rule.index.limit)) continue;
    if (rule.mask !== undefined) {
      const m = dv.getBigUint64(ctx.cells + 8 * rule.mask, true);
      if (((m >> i) & 1n) === 0n) continue;
    }
    const at = ctx.cells + 8 * (rule.cell + Number(i));
    if (rule.store === undefined) return dv.getBigUint64(at, true);
    dv.setBigUint64(at, r[rule.store.arg]!, true);
    return 0n;
  }
  return undefined;
}

/** A helper with `rules` that honours them, counting the calls of its code. */
function ruleHelper(
  rules: readonly CellRule[],
  counter: { calls: number },
  form: "big" | "number" = "big",
): HelperDef {
  const slow = (ctx: HelperContext, r: bigint[]): bigint => {
    counter.calls++;
    const v = applyRules(rules, ctx, r);
    if (v !== undefined) return v;
    if (r[1] === BAD) throw new PluginFault("helper", `bad argument ${r[1]}`);
    return 1000n + r[1]! + r[2]!;
  };
  if (form === "big") {
    return {
      id: ID,
      name: "cell",
      cells: rules,
      call: (ctx, a, b, c, d, e) => slow(ctx, [0n, a, b, c, d, e]),
    };
  }
  return {
    id: ID,
    name: "cell",
    cells: rules,
    arity: 3,
    callNumber: (ctx, a = 0, b = 0, c = 0) =>
      Number(slow(ctx, [0n, BigInt(a), BigInt(b), BigInt(c), 0n, 0n])),
  };
}

function callProgram(args: readonly bigint[]): Program {
  const text = args.map((a, i) => `lddw r${i + 1}, 0x${a.toString(16)}`).join("\n");
  return makeProgram(assemble(`${text}\nmov r6, 1\ncall ${ID}\nexit`));
}

interface Outcome {
  r0?: bigint;
  fault?: string;
  memory: Uint8Array;
  calls: number;
}

interface Case {
  rules: readonly CellRule[];
  args: readonly bigint[];
  /** Cell k's value before the call is init[k] (others: k · 0x101). */
  init?: readonly bigint[];
  /** ctx.cells; default {@link CELLS}, null for none. */
  cells?: number | null;
  form?: "big" | "number";
}

function run(factory: EngineFactory, c: Case): Outcome {
  const counter = { calls: 0 };
  const helpers = new HelperTable().register(ruleHelper(c.rules, counter, c.form));
  const program = callProgram(c.args);
  verify(program, helpers);
  const memory = new InstanceMemory({ heapSize: 256 });
  const dv = memory.view();
  for (let k = 0; k < 80; k++) {
    dv.setBigUint64(CELLS + 8 * k, c.init?.[k] ?? BigInt(k * 0x101), true);
  }
  const cells = c.cells === null ? undefined : c.cells ?? CELLS;
  const ctx: HelperContext = { memory, data: null, ...(cells === undefined ? {} : { cells }) };
  const engine = factory.create(program, memory, helpers, ctx);
  const snap = () => memory.bytes().slice();
  try {
    return { r0: engine.run(program.entry, []), memory: snap(), calls: counter.calls };
  } catch (e) {
    if (!(e instanceof PluginFault)) throw e;
    return { fault: `${e.kind} (pc ${e.pc}): ${e.message}`, memory: snap(), calls: counter.calls };
  }
}

/**
 * Runs a case on both engines: same r0, fault and memory; the Wasm engine
 * calls the helper only when no rule applies (`inline` says whether one does).
 */
function agree(c: Case, inline: boolean): Outcome {
  const a = run(interpreter, c);
  const b = run(wasmCompilerWith(new ModuleCache()), c);
  const what = `(${c.args.join(", ")}) with ${JSON.stringify(c.rules)}`;
  assert.equal(b.fault, a.fault, `fault of ${what}`);
  assert.equal(b.r0, a.r0, `r0 of ${what}`);
  assert.deepEqual(b.memory, a.memory, `memory after ${what}`);
  assert.equal(a.calls, 1, `the interpreter calls the helper ${what}`);
  assert.equal(b.calls, inline ? 0 : 1, `${what} ${inline ? "inline" : "through the helper"}`);
  return a;
}

const cell = (o: Outcome, k: number) =>
  new DataView(o.memory.buffer).getBigUint64(CELLS + 8 * k, true);

Deno.test("cell rules: a load returns the cell without calling the helper", () => {
  for (const form of ["big", "number"] as const) {
    const r = agree({ rules: [{ cell: 3 }], args: [1n], form }, true);
    assert.equal(r.r0, 3n * 0x101n);
    const big = (1n << 64n) - 5n;
    assert.equal(agree({ rules: [{ cell: 0 }], args: [], init: [big] }, true).r0, big);
  }
});

Deno.test("cell rules: a store writes the cell and returns 0", () => {
  const v = 0xfedc_ba98_7654_3210n;
  const r = agree({ rules: [{ cell: 5, store: { arg: 2 } }], args: [1n, v] }, true);
  assert.equal(r.r0, 0n);
  assert.equal(cell(r, 5), v);
  const n = agree(
    { rules: [{ cell: 1, store: { arg: 3 } }], args: [1n, 2n, 77n], form: "number" },
    true,
  );
  assert.equal(cell(n, 1), 77n);
});

Deno.test("cell rules: when compares the full u64", () => {
  const rules: CellRule[] = [{ when: { arg: 1, equals: 9 }, cell: 2 }];
  assert.equal(agree({ rules, args: [9n] }, true).r0, 2n * 0x101n);
  assert.equal(agree({ rules, args: [8n, 1n] }, false).r0, 1009n);
  agree({ rules, args: [9n | (1n << 32n)] }, false);
  agree({ rules, args: [9n | (1n << 63n)] }, false);
  const top = Number.MAX_SAFE_INTEGER;
  agree({ rules: [{ when: { arg: 2, equals: top }, cell: 0 }], args: [0n, BigInt(top)] }, true);
  agree(
    { rules: [{ when: { arg: 2, equals: top }, cell: 0 }], args: [0n, BigInt(top) + 1n] },
    false,
  );
});

Deno.test("cell rules: index selects the cell below its limit, past it the helper", () => {
  const rules: CellRule[] = [{ cell: 10, index: { arg: 2, limit: 4 } }];
  for (let i = 0n; i < 4n; i++) {
    assert.equal(agree({ rules, args: [0n, i] }, true).r0, (10n + i) * 0x101n);
  }
  agree({ rules, args: [0n, 4n] }, false);
  agree({ rules, args: [0n, 1n << 32n] }, false); // low 32 bits are 0: a u64 compare
  agree({ rules, args: [0n, (1n << 64n) - 1n] }, false);
  const store: CellRule[] = [{ cell: 0, index: { arg: 1, limit: 64 }, store: { arg: 3 } }];
  assert.equal(cell(agree({ rules: store, args: [63n, 0n, 5n] }, true), 63), 5n);
  agree({ rules: store, args: [64n, 0n, 5n] }, false);
});

Deno.test("cell rules: a mask bit decides, per index", () => {
  const rules: CellRule[] = [{ cell: 20, index: { arg: 1, limit: 64 }, mask: 2 }];
  const init = [0n, 0n, (1n << 63n) | 0b101n];
  for (
    const [i, inline] of [[0n, true], [1n, false], [2n, true], [62n, false], [63n, true]] as const
  ) {
    agree({ rules, args: [i], init }, inline);
  }
  agree({ rules, args: [64n], init }, false);
});

Deno.test("cell rules: without a cell area every call goes to the helper", () => {
  const rules: CellRule[] = [{ cell: 0 }, { cell: 1, store: { arg: 1 } }];
  assert.equal(agree({ rules, args: [4n, 5n], cells: null }, false).r0, 1009n);
});

Deno.test("cell rules: the first rule that applies is performed", () => {
  const rules: CellRule[] = [
    { when: { arg: 1, equals: 1 }, cell: 1 },
    { when: { arg: 2, equals: 2 }, cell: 2, store: { arg: 3 } },
    { cell: 3, index: { arg: 2, limit: 3 } },
  ];
  assert.equal(agree({ rules, args: [1n, 2n, 9n] }, true).r0, 0x101n);
  const s = agree({ rules, args: [0n, 2n, 9n] }, true);
  assert.equal(s.r0, 0n);
  assert.equal(cell(s, 2), 9n);
  assert.equal(agree({ rules, args: [0n, 1n] }, true).r0, 4n * 0x101n);
  agree({ rules, args: [0n, 3n] }, false);
});

Deno.test("cell rules: a slow path fault is the helper's own on both engines", () => {
  const rules: CellRule[] = [{ when: { arg: 2, equals: 1 }, cell: 0 }];
  for (const form of ["big", "number"] as const) {
    const r = agree({ rules, args: [BAD, 0n], form }, false);
    assert.equal(r.fault, "helper (pc 5): bad argument 57005");
    agree({ rules, args: [BAD, 1n], form }, true);
  }
});

Deno.test("cell rules: instantiation checks the area against the memory", () => {
  const counter = { calls: 0 };
  const rules: CellRule[] = [{ cell: 2, index: { arg: 1, limit: 8 } }, {
    cell: 0,
    mask: 12,
    index: { arg: 1, limit: 1 },
  }];
  const helpers = new HelperTable().register(ruleHelper(rules, counter));
  const program = callProgram([1n]);
  const memory = new InstanceMemory({ heapSize: 256 });
  const make = (ctx: HelperContext) =>
    wasmCompilerWith(new ModuleCache()).create(program, memory, helpers, ctx);
  const size = memory.size;
  memory.view().setBigUint64(size - 104 + 8 * 3, 0x303n, true);
  // The highest cell is 12 (the mask): 13 cells fit exactly at size - 104.
  assert.equal(make({ memory, data: null, cells: size - 104 }).run(0, []), 0x101n * 3n);
  assert.throws(() => make({ memory, data: null, cells: size - 96 }), RangeError);
  assert.throws(() => make({ memory, data: null, cells: 4 }), /multiple of 8/);
  assert.throws(() => make({ memory, data: null, cells: -8 }), RangeError);
  make({ memory, data: null }); // no area: nothing to check
  const other = new InstanceMemory({ heapSize: 256 });
  assert.throws(() => make({ memory: other, data: null, cells: 0 }), /ctx\.memory/);
});

Deno.test("cell rules: the module cache keys on the rules", () => {
  const cache = new ModuleCache();
  const program = callProgram([1n, 2n]);
  const table = (rules: CellRule[]) => new HelperTable().register(ruleHelper(rules, { calls: 0 }));
  const a = cache.get(program, table([{ cell: 1 }]));
  const b = cache.get(program, table([{ cell: 2 }]));
  assert.notEqual(a, b);
  assert.equal(cache.stats.compiles, 2);
  // Equal rules (fields in another order) share the module.
  const c = cache.get(program, table([{ cell: 2 }]));
  assert.equal(c, b);
  const d = cache.get(program, table([{ index: { limit: 2, arg: 1 }, cell: 2 }]));
  const e = cache.get(program, table([{ cell: 2, index: { arg: 1, limit: 2 } }]));
  assert.equal(d, e);
  assert.equal(cache.stats.compiles, 3);
  assert.deepEqual([...b.cellRules.keys()], [ID]);
  // No rules, or noIntrinsics: no `cells` global.
  const plain = cache.get(program, table([]));
  assert.equal(plain.cellRules.size, 0);
  const none = new ModuleCache(8, { noIntrinsics: true }).get(program, table([{ cell: 1 }]));
  assert.equal(none.cellRules.size, 0);
  assert.ok(!WebAssembly.Module.exports(none.module).some((x) => x.name === "cells"));
  assert.ok(WebAssembly.Module.exports(a.module).some((x) => x.name === "cells"));
});

Deno.test("compileProgram() output is unchanged when no called helper has rules", () => {
  const program = callProgram([1n]);
  const plain = compileProgram(program.instructions, [0]);
  const other = compileProgram(program.instructions, [0], {
    cellRules: new Map([[ID + 1, [{ cell: 0 }]]]),
  });
  assert.deepEqual(other.bytes, plain.bytes);
  const withRules = compileProgram(program.instructions, [0], {
    cellRules: new Map([[ID, [{ cell: 0 }]]]),
  });
  assert.ok(WebAssembly.validate(withRules.bytes));
  assert.notDeepEqual(withRules.bytes, plain.bytes);
});

Deno.test("cell rules: fuel is charged as for a helper call", () => {
  const run1 = (factory: EngineFactory, rules: CellRule[]) => {
    const helpers = new HelperTable().register(ruleHelper(rules, { calls: 0 }));
    const program = callProgram([1n]);
    const memory = new InstanceMemory({ heapSize: 256 });
    const engine = factory.create(program, memory, helpers, { memory, data: null, cells: CELLS });
    try {
      engine.run(0, [], { fuel: 3 });
      return "ok";
    } catch (e) {
      return e instanceof PluginFault ? `${e.kind} ${e.pc}` : String(e);
    }
  };
  for (const rules of [[], [{ cell: 0 }]]) {
    assert.equal(run1(wasmCompilerWith(new ModuleCache()), rules), run1(interpreter, rules));
  }
});

Deno.test("cell rules: calls in a loop agree with the interpreter, memory and all", () => {
  const rules: CellRule[] = [
    { when: { arg: 3, equals: 0 }, cell: 0, index: { arg: 1, limit: 8 }, store: { arg: 2 } },
    { cell: 0, index: { arg: 1, limit: 8 } },
  ];
  const text = `
    mov r6, 0
    mov r7, 0
  loop:
    mov r1, r6
    mov r2, r6
    mul r2, 3
    mov r3, 0
    call ${ID}
    add r7, r0
    add r6, 1
    jlt r6, 10, loop
    mov r1, 5
    mov r3, 1
    call ${ID}
    add r0, r7
    exit`;
  const outcome = (factory: EngineFactory) => {
    const counter = { calls: 0 };
    const helpers = new HelperTable().register(ruleHelper(rules, counter));
    const program = makeProgram(assemble(text));
    verify(program, helpers);
    const memory = new InstanceMemory({ heapSize: 256 });
    const engine = factory.create(program, memory, helpers, { memory, data: null, cells: CELLS });
    return { r0: engine.run(0, []), memory: memory.bytes().slice(), calls: counter.calls };
  };
  const a = outcome(interpreter);
  const b = outcome(wasmCompilerWith(new ModuleCache()));
  assert.equal(b.r0, a.r0);
  assert.equal(a.r0, 15n + (1000n + 8n + 24n) + (1000n + 9n + 27n));
  assert.deepEqual(b.memory, a.memory);
  assert.equal(a.calls, 11);
  assert.equal(b.calls, 2); // indices 8 and 9 are past the limit
});
