import assert from "node:assert/strict";
import { assemble } from "../assembler.ts";
import type { EngineFactory } from "../engine.ts";
import { PluginFault } from "../fault.ts";
import { HelperTable, NUMBER_FALLBACK } from "../helpers.ts";
import { interpreter } from "../interpreter.ts";
import { InstanceMemory } from "../memory.ts";
import { makeProgram } from "../program.ts";
import { verify } from "../verifier.ts";
import { ModuleCache, wasmCompilerWith } from "./mod.ts";

interface Outcome {
  r0?: bigint;
  fault?: PluginFault;
}

const LIMIT = 2 ** 53;

/** Calls of each form, for one run. */
interface Calls {
  number: number[][];
  big: bigint[][];
}

/**
 * A helper with both forms: r0 = r2 + r3 (mod 2^64) when r2 is not 7, a
 * fault otherwise; the number form declines when r2 or r3 may be rounded, the
 * sum does not fit, or r2 is 7 (the fault is the BigInt form's).
 */
function sumHelper(calls: Calls): HelperTable {
  return new HelperTable().register({
    id: 1,
    name: "sum",
    arity: 3,
    callNumber: (_c, _cnx, a, b) => {
      calls.number.push([_cnx!, a!, b!]);
      if (a! >= LIMIT || b! >= LIMIT || a === 7) return NUMBER_FALLBACK;
      const s = a! + b!;
      return s < LIMIT ? s : NUMBER_FALLBACK;
    },
    call: (_c, cnx, a, b) => {
      calls.big.push([cnx, a, b]);
      if (a === 7n) throw new PluginFault("helper", "sum: 7 is refused");
      return a + b;
    },
  });
}

function run(factory: EngineFactory, text: string, helpers: HelperTable): Outcome {
  const program = makeProgram(assemble(text));
  verify(program, helpers);
  const memory = new InstanceMemory({ heapSize: 256 });
  const engine = factory.create(program, memory, helpers, { memory, data: null });
  try {
    return { r0: engine.run(program.entry, [1n << 62n]) };
  } catch (e) {
    if (!(e instanceof PluginFault)) throw e;
    return { fault: e };
  }
}

/** Runs on both engines; asserts they agree on the outcome and on the calls of each form. */
function both(text: string): { out: Outcome; calls: Calls } {
  const ci: Calls = { number: [], big: [] };
  const cw: Calls = { number: [], big: [] };
  const a = run(interpreter, text, sumHelper(ci));
  const b = run(wasmCompilerWith(new ModuleCache()), text, sumHelper(cw));
  assert.equal(b.fault?.message, a.fault?.message, "fault message");
  assert.equal(b.fault?.kind, a.fault?.kind, "fault kind");
  assert.equal(b.fault?.pc, a.fault?.pc, "fault pc");
  assert.equal(b.r0, a.r0, "r0");
  assert.deepEqual(cw, ci, "calls");
  return { out: b, calls: cw };
}

Deno.test("a helper with both forms answers in the number form when values fit", () => {
  const { out, calls } = both("mov r2, 40\nmov r3, 2\ncall 1\nexit");
  assert.equal(out.r0, 42n);
  assert.deepEqual(calls.number, [[2 ** 62, 40, 2]]);
  assert.equal(calls.big.length, 0);
});

Deno.test("a helper with both forms returns a result of 2^53 or more exactly", () => {
  const text = "lddw r2, 0x1000000000000001\nlddw r3, 0x0fffffffffffffff\ncall 1\nexit";
  const { out, calls } = both(text);
  assert.equal(out.r0, 0x1000000000000001n + 0x0fffffffffffffffn);
  assert.equal(calls.number.length, 1);
  assert.deepEqual(calls.big, [[1n << 62n, 0x1000000000000001n, 0x0fffffffffffffffn]]);
});

Deno.test("a helper with both forms gets exact registers when an argument may be rounded", () => {
  // 2^53 + 1 becomes 2^53 as a double: the BigInt form sees the register itself.
  const { out, calls } = both("lddw r2, 0x20000000000001\nmov r3, 0\ncall 1\nexit");
  assert.equal(out.r0, (1n << 53n) + 1n);
  assert.deepEqual(calls.big, [[1n << 62n, (1n << 53n) + 1n, 0n]]);
});

Deno.test("a helper with both forms falls back on a sum just above 2^53 - 1", () => {
  const text = "lddw r2, 0x1fffffffffffff\nmov r3, 1\ncall 1\nexit";
  const { out, calls } = both(text);
  assert.equal(out.r0, 1n << 53n);
  assert.equal(calls.big.length, 1);
});

Deno.test("a helper with both forms faults as its BigInt form does, at the call's pc", () => {
  const { out, calls } = both("mov r0, 1\nmov r2, 7\nmov r3, 0\ncall 1\nexit");
  assert.equal(out.fault?.kind, "helper");
  assert.equal(out.fault?.message, "sum: 7 is refused");
  assert.equal(out.fault?.pc, 3);
  assert.equal(calls.big.length, 1);
});

Deno.test("HelperTable.register() accepts both forms and refuses neither", () => {
  const t = new HelperTable();
  t.register({ id: 1, name: "both", arity: 0, callNumber: () => 1, call: () => 1n });
  assert.ok(t.byId(1)?.call !== undefined && t.byId(1)?.callNumber !== undefined);
  assert.throws(() => t.register({ id: 2, name: "none" }), /give call, callNumber or both/);
  assert.throws(
    () => t.register({ id: 3, name: "noarity", callNumber: () => 1, call: () => 1n }),
    /arity must be 0 to 5/,
  );
});

Deno.test("ModuleCache compiles a helper with both forms apart from a number-only one", () => {
  const cache = new ModuleCache();
  const program = makeProgram(assemble("mov r2, 1\nmov r3, 2\ncall 1\nexit"));
  const calls: Calls = { number: [], big: [] };
  const dual = cache.get(program, sumHelper(calls));
  const only = cache.get(
    program,
    new HelperTable().register({
      id: 1,
      name: "sum",
      arity: 3,
      callNumber: (_c, _x, a, b) => a! + b!,
    }),
  );
  assert.equal(cache.stats.compiles, 2);
  assert.deepEqual([...dual.fallbackHelpers], [1]);
  assert.deepEqual([...only.fallbackHelpers], []);
});
