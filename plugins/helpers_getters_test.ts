/** The number form of the getters against their BigInt form (vm/helpers.ts: both forms). */

import assert from "node:assert/strict";
import { type HelperContext, InstanceMemory, invokeHelper, PluginFault } from "../vm/mod.ts";
import { FakeCall, FakeHost } from "./_testing.ts";
import { ACCESS_KEYS } from "./helper_ids.ts";
import { type HelperState, PQUIC_HELPERS } from "./helpers.ts";
import { GETTER_NUMBER_FORMS } from "./helpers_getters.ts";
import { PluginHeap } from "./memory.ts";

const key = (n: string) => ACCESS_KEYS.find((k) => k.name === n)!.value;
const CNX = 1n << 62n;

function ctxOf(call: FakeCall | null, host = new FakeHost()): HelperContext {
  const memory = new InstanceMemory({ maxSize: 1 << 16 });
  const st: HelperState = {
    plugin: "be.test.getters",
    host,
    heap: new PluginHeap(memory),
    call,
    faulted: false,
    cells: null,
  };
  return { memory, data: st };
}

/** The number form's answer, and the answer of the helper as the engines call it. */
function both(ctx: HelperContext, name: string, ...args: bigint[]) {
  const def = PQUIC_HELPERS.byName(name)!;
  const n = GETTER_NUMBER_FORMS[name]!.fn(ctx, ...args.map(Number));
  let r0: bigint | PluginFault;
  try {
    r0 = invokeHelper(def, ctx, [0n, ...args, 0n, 0n, 0n, 0n, 0n]);
  } catch (e) {
    if (!(e instanceof PluginFault)) throw e;
    r0 = e;
  }
  return { n, r0 };
}

Deno.test("PQUIC_HELPERS gives every getter with a number form both forms", () => {
  for (const [name, form] of Object.entries(GETTER_NUMBER_FORMS)) {
    const def = PQUIC_HELPERS.byName(name);
    assert.ok(def?.call !== undefined, name);
    assert.equal(def.callNumber, form.fn, name);
    assert.equal(def.arity, form.arity, name);
  }
});

Deno.test("get_cnx number form reads inputs, param and outputs that fit", () => {
  const call = new FakeCall(new FakeHost(), "x", { args: [5, 2 ** 40], param: 0x1e });
  const ctx = ctxOf(call);
  for (const [ak, p] of [[key("AK_CNX_INPUT"), 0], [key("AK_CNX_INPUT"), 1], [0x80, 0]]) {
    const { n, r0 } = both(ctx, "get_cnx", CNX, BigInt(ak!), BigInt(p!));
    assert.equal(typeof r0, "bigint");
    assert.equal(BigInt(n), r0);
  }
  assert.equal(both(ctx, "get_cnx", CNX, BigInt(key("AK_CNX_INPUT")), 1n).n, 2 ** 40);
  assert.equal(both(ctx, "get_cnx", CNX, 0x80n, 0n).n, 0x1e);
});

Deno.test("get_cnx number form falls back on values of 2^53 and more, which stay exact", () => {
  const big = (1n << 53n) + 1n;
  const call = new FakeCall(new FakeHost(), "x", { args: [big] });
  const { n, r0 } = both(ctxOf(call), "get_cnx", CNX, BigInt(key("AK_CNX_INPUT")), 0n);
  assert.ok(Number.isNaN(n));
  assert.equal(r0, big);
});

Deno.test("getter number forms leave every refusal to the BigInt form's fault", () => {
  const outside = both(ctxOf(null), "get_cnx", CNX, 0n, 0n);
  assert.ok(Number.isNaN(outside.n));
  assert.match((outside.r0 as PluginFault).message, /get_cnx: called outside a pluglet run/);
  const ctx = ctxOf(new FakeCall(new FakeHost(), "x", { args: [1] }));
  const cases: [string, bigint[], RegExp][] = [
    ["get_cnx", [CNX, BigInt(key("AK_CNX_INPUT")), 3n], /input 3 does not exist/],
    ["get_pkt", [11n, 0x10000n], /get_pkt: unknown access key 0x10000/],
    ["get_path", [0n, BigInt(key("AK_PATH_CWIN")), 0n], /get_path: path is NULL/],
    ["get_path", [12n, BigInt(key("AK_PATH_CWIN")), 0n], /handle 12 is not a path/],
    ["get_path_metadata", [CNX, 11n, 10n], /metadata index 10 is out of range/],
    ["get_cnx_metadata", [CNX, 1n << 60n], /metadata index \d+ is out of range/],
  ];
  for (const [name, args, re] of cases) {
    const { n, r0 } = both(ctx, name, ...args);
    assert.ok(Number.isNaN(n), name);
    assert.ok(r0 instanceof PluginFault && r0.kind === "helper", name);
    assert.match(r0.message, re);
  }
});

Deno.test("get_path number form reads host fields and falls back on a rounded handle", () => {
  const cwin = key("AK_PATH_CWIN");
  const host = new FakeHost().set("path", cwin, 5000n, 11n).set("path", cwin, 1n << 60n, 12n);
  const ctx = ctxOf(new FakeCall(host, "x"), host);
  assert.deepEqual(both(ctx, "get_path", 11n, BigInt(cwin), 0n), { n: 5000, r0: 5000n });
  const large = both(ctx, "get_path", 12n, BigInt(cwin), 0n);
  assert.ok(Number.isNaN(large.n));
  assert.equal(large.r0, 1n << 60n);
  // 2^53 + 11 rounds to 2^53 + 12: the number form must not guess.
  assert.ok(Number.isNaN(both(ctx, "get_path", (1n << 53n) + 11n, BigInt(cwin), 0n).n));
});

Deno.test("get_cnx_metadata number form reads what set_cnx_metadata wrote, exactly", () => {
  const ctx = ctxOf(new FakeCall(new FakeHost(), "x"));
  const set = PQUIC_HELPERS.byName("set_cnx_metadata")!;
  invokeHelper(set, ctx, [0n, CNX, 2n, 0x1_0000_0040n, 0n, 0n]);
  assert.deepEqual(both(ctx, "get_cnx_metadata", CNX, 2n), {
    n: 0x1_0000_0040,
    r0: 0x1_0000_0040n,
  });
  invokeHelper(set, ctx, [0n, CNX, 3n, (1n << 64n) - 1n, 0n, 0n]);
  const m = both(ctx, "get_cnx_metadata", CNX, 3n);
  assert.ok(Number.isNaN(m.n));
  assert.equal(m.r0, (1n << 64n) - 1n);
});
