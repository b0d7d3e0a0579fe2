import assert from "node:assert/strict";
import { assemble } from "../assembler.ts";
import type { EngineFactory } from "../engine.ts";
import { PluginFault } from "../fault.ts";
import { type HelperDef, HelperTable } from "../helpers.ts";
import { interpreter } from "../interpreter.ts";
import { InstanceMemory, MEMORY_BASE } from "../memory.ts";
import { makeProgram } from "../program.ts";
import { verify } from "../verifier.ts";
import { compileProgram, ModuleCache, wasmCompilerWith, WasmEngine } from "./mod.ts";

interface Outcome {
  r0?: bigint;
  fault?: PluginFault;
}

function run(factory: EngineFactory, text: string, helpers: HelperTable, args: bigint[] = []) {
  const program = makeProgram(assemble(text));
  verify(program, helpers);
  const memory = new InstanceMemory({ heapSize: 256 });
  const engine = factory.create(program, memory, helpers, { memory, data: null });
  try {
    return { r0: engine.run(program.entry, args) } as Outcome;
  } catch (e) {
    if (!(e instanceof PluginFault)) throw e;
    return { fault: e } as Outcome;
  }
}

/** Runs on both engines (fresh module cache), asserts they agree, returns the Wasm outcome. */
function both(text: string, helpers: HelperTable, args: bigint[] = []): Outcome {
  const a = run(interpreter, text, helpers, args);
  const b = run(wasmCompilerWith(new ModuleCache()), text, helpers, args);
  assert.equal(b.fault?.message, a.fault?.message, "fault message");
  assert.equal(b.fault?.kind, a.fault?.kind, "fault kind");
  assert.equal(b.fault?.pc, a.fault?.pc, "fault pc");
  assert.equal(b.r0, a.r0, "r0");
  return b;
}

/** A number helper that records its arguments. */
function recorder(seen: number[][], arity = 5): HelperTable {
  return new HelperTable().register({
    id: 1,
    name: "record",
    arity,
    callNumber: (_c, ...a) => {
      seen.push(a);
      return a.length;
    },
  });
}

Deno.test("number helpers get Number(rN) of the unsigned registers on both engines", () => {
  const values = [
    0n, // small: the i32 path
    0x7fff_ffffn, // the largest small value
    0x8000_0000n, // the smallest value that takes the f64 path
    MEMORY_BASE + 8n, // a pointer
    (1n << 53n) + 1n, // rounded to the nearest double
    (1n << 64n) - 1n, // -1 as unsigned
  ];
  for (const v of values) {
    const got: number[][] = [];
    for (const f of [interpreter, wasmCompilerWith(new ModuleCache())]) {
      const seen: number[][] = [];
      const out = run(f, "mov r2, 7\ncall 1\nexit", recorder(seen, 2), [v]);
      assert.equal(out.r0, 2n);
      got.push(...seen);
    }
    assert.deepEqual(got[0], [Number(v), 7], `value ${v}`);
    assert.deepEqual(got[1], got[0], `value ${v}: both engines pass the same numbers`);
  }
});

Deno.test("number helpers of every arity receive exactly their arguments", () => {
  for (let arity = 0; arity <= 5; arity++) {
    const seen: number[][] = [];
    const helpers = recorder(seen, arity);
    const text = "mov r1, 1\nmov r2, 2\nmov r3, 3\nmov r4, 4\nmov r5, 5\ncall 1\nexit";
    assert.equal(both(text, helpers).r0, BigInt(arity));
    const want = [1, 2, 3, 4, 5].slice(0, arity);
    assert.deepEqual(seen, [want, want], `arity ${arity}`);
  }
});

Deno.test("number helper results: negatives wrap modulo 2^64, non-integers fault as helper", () => {
  let result: unknown = -1;
  const helpers = new HelperTable().register({
    id: 3,
    name: "answer",
    arity: 0,
    callNumber: () => result as number,
  });
  assert.equal(both("call 3\nexit", helpers).r0, (1n << 64n) - 1n);
  result = Number.MAX_SAFE_INTEGER;
  assert.equal(both("call 3\nexit", helpers).r0, BigInt(Number.MAX_SAFE_INTEGER));
  // The result goes through ToNumber first, as a WebAssembly import's does.
  result = "7";
  assert.equal(both("call 3\nexit", helpers).r0, 7n);
  for (const bad of [2 ** 53, 1.5, NaN, -Infinity, undefined, "x"]) {
    result = bad;
    const out = both("mov r0, 0\ncall 3\nexit", helpers);
    assert.equal(out.fault?.kind, "helper", String(bad));
    assert.equal(out.fault?.pc, 1);
    assert.match(out.fault!.message, /helper answer returned .*, not a safe integer/);
  }
});

Deno.test("number helpers' faults get the pc of the call on both engines", () => {
  const helpers = new HelperTable().register({
    id: 4,
    name: "check_ptr",
    arity: 2,
    callNumber: (ctx, ptr, len) => ctx.memory.check(BigInt(ptr), len, false),
  });
  const ok = both("mov r2, 4\ncall 4\nexit", helpers, [MEMORY_BASE + 16n]);
  assert.equal(ok.r0, 16n);
  // Small arguments (the i32 import) and a pointer below the memory.
  const small = both("mov r1, 5\nmov r2, 4\ncall 4\nexit", helpers);
  assert.equal(small.fault?.kind, "out_of_bounds");
  assert.equal(small.fault?.pc, 2);
  // A pointer (the f64 import) past the end.
  const past = both("lddw r1, 0x1000ffffe\nmov r2, 4\ncall 4\nexit", helpers);
  assert.equal(past.fault?.kind, "out_of_bounds");
  assert.equal(past.fault?.pc, 3);
});

Deno.test("HelperTable.register() refuses helpers without a form or with a bad arity", () => {
  const t = new HelperTable();
  const callNumber = () => 0;
  assert.throws(() => t.register({ id: 1, name: "none" }), /give call, callNumber or both/);
  for (const arity of [undefined, -1, 6, 1.5]) {
    const def: HelperDef = {
      id: 1,
      name: "n",
      callNumber,
      ...(arity === undefined ? {} : { arity }),
    };
    assert.throws(() => t.register(def), /arity must be 0 to 5/, String(arity));
  }
  t.register({ id: 1, name: "n", arity: 5, callNumber });
  assert.equal(t.byId(1)?.arity, 5);
});

Deno.test("ModuleCache compiles again when a helper changes form", () => {
  const program = makeProgram(assemble("mov r1, 2\ncall 1\nexit"));
  const asNumber = new HelperTable().register({
    id: 1,
    name: "f",
    arity: 1,
    callNumber: (_c, a) => a * 10,
  });
  const asBigInt = new HelperTable().register({ id: 1, name: "f", call: (_c, a) => a * 10n });
  const cache = new ModuleCache();
  const a = cache.get(program, asNumber);
  const b = cache.get(program, asBigInt);
  assert.notEqual(a, b);
  assert.deepEqual([...a.numberHelpers], [[1, 1]]);
  assert.deepEqual([...b.numberHelpers], []);
  assert.equal(cache.get(program, asNumber), a, "same forms, same module");
  for (const [compiled, helpers] of [[a, asNumber], [b, asBigInt]] as const) {
    const memory = new InstanceMemory();
    const e = new WasmEngine(program, compiled, memory, helpers, { memory, data: null });
    assert.equal(e.run(0, []), 20n);
  }
  // A module compiled for the number form cannot take the BigInt form.
  const memory = new InstanceMemory();
  assert.throws(
    () => new WasmEngine(program, a, memory, asBigInt, { memory, data: null }),
    /compiled as a number helper of arity 1/,
  );
});

Deno.test("ModuleCache.get() keys again when the table gains a helper the program calls", () => {
  const program = makeProgram(assemble("mov r1, 2\ncall 1\nexit"));
  const table = new HelperTable();
  const cache = new ModuleCache();
  const before = cache.get(program, table);
  assert.deepEqual([...before.numberHelpers], []);
  assert.equal(cache.get(program, table), before, "unchanged table, same module");
  table.register({ id: 1, name: "f", arity: 1, callNumber: (_c, a) => a * 10 });
  const after = cache.get(program, table);
  assert.notEqual(after, before);
  assert.deepEqual([...after.numberHelpers], [[1, 1]]);
  assert.deepEqual(cache.stats, { compiles: 2, hits: 1 });
  cache.clear();
  assert.notEqual(cache.get(program, table), after, "a cleared cache compiles again");
  assert.equal(cache.stats.compiles, 3);
});

Deno.test("compileProgram() imports a number helper with f64 and i32 signatures", () => {
  const out = compileProgram(assemble("call 1\ncall 2\nexit"), [0], {
    numberHelpers: new Map([[1, 2]]),
  });
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(out.bytes));
  const names = imports.filter((i) => i.kind === "function").map((i) => `${i.module}.${i.name}`);
  assert.deepEqual(names.sort(), ["env.fault", "h.1", "h.2", "i.1"]);
});

Deno.test("a helper registered after instantiation is found at call time in either form", () => {
  const helpers = new HelperTable().register({ id: 1, name: "f", call: () => 1n });
  const program = makeProgram(assemble("call 2\nexit"));
  const memory = new InstanceMemory();
  const e = wasmCompilerWith(new ModuleCache()).create(program, memory, helpers, {
    memory,
    data: null,
  });
  assert.throws(() => e.run(0, []), /call to unknown helper 2/);
  helpers.register({ id: 2, name: "late", arity: 1, callNumber: (_c, a) => a + 1 });
  assert.equal(e.run(0, [41n]), 42n);
});
