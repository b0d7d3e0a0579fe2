import assert from "node:assert/strict";
import { HandleTable } from "./handles.ts";
import { MetadataStore } from "./metadata.ts";
import { ArgKind } from "./catalogue.ts";
import { fromU64, toU64, U64_MAX } from "./pluglet.ts";
import { ProtoopError } from "./errors.ts";

Deno.test("HandleTable ids are never reused, nested scopes release only their own", () => {
  const t = new HandleTable();
  const a = {}, b = {}, c = {};
  const outer = t.mark();
  const ia = t.register(a);
  const inner = t.mark();
  const ib = t.register(b);
  assert.equal(t.get(ib), b);
  t.release(inner);
  assert.equal(t.get(ib), undefined);
  assert.equal(t.get(ia), a);
  const ic = t.register(c);
  assert.ok(ic > ib);
  t.release(outer);
  assert.equal(t.scoped, 0);
  assert.equal(t.register(null), 0);
  const p = t.pin(a);
  assert.equal(t.get(p), a);
  t.unpin(p);
  assert.equal(t.get(p), undefined);
});

Deno.test("toU64() and fromU64() round-trip every kind", () => {
  const h = new HandleTable();
  const u = { name: "x", kind: ArgKind.U64 };
  for (const v of [0, 1, 2 ** 53 - 1, Infinity, -2]) {
    assert.equal(fromU64(toU64(v, u, h), u, h, "t"), v);
  }
  assert.equal(toU64(NaN, u, h), 0n);
  assert.equal(toU64(-1, u, h), U64_MAX);
  const big = { name: "x", kind: ArgKind.Big };
  assert.equal(toU64(-1n, big, h), U64_MAX);
  const bool = { name: "x", kind: ArgKind.Bool };
  assert.equal(fromU64(toU64(true, bool, h), bool, h, "t"), true);
  const ref = { name: "x", kind: ArgKind.Ref };
  const o = {};
  assert.equal(fromU64(toU64(o, ref, h), ref, h, "t"), o);
  assert.equal(fromU64(0n, ref, h, "t"), null);
  assert.throws(() => fromU64(999n, ref, h, "t"), ProtoopError);
  assert.throws(() => fromU64(U64_MAX, ref, h, "t"), ProtoopError);
});

Deno.test("MetadataStore keeps ten zeroed slots per plugin and object", () => {
  const m = new MetadataStore();
  const pkt = {};
  assert.equal(m.get(3, pkt, 9), 0n);
  m.set(3, pkt, 9, -1n);
  assert.equal(m.get(3, pkt, 9), U64_MAX);
  assert.equal(m.get(2, pkt, 9), 0n);
  assert.equal(m.get(3, {}, 9), 0n);
  assert.throws(() => m.get(3, pkt, 10), ProtoopError);
  assert.throws(() => m.set(3, pkt, -1, 0n), ProtoopError);
});
