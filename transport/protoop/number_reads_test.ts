/** Reads of protoop inputs and metadata as numbers, without BigInts (call.ts, metadata.ts). */

import assert from "node:assert/strict";
import { CallImpl } from "./call.ts";
import { bareCallTable } from "./_testing.ts";
import { ArgKind } from "./catalogue.ts";
import { MetadataStore, u53At } from "./metadata.ts";
import { Anchor } from "./pluglet.ts";

const table = bareCallTable;

Deno.test("u53At() reads u64s below 2^53 exactly and nothing else", () => {
  const big = BigUint64Array.of(
    0n,
    (1n << 53n) - 1n,
    1n << 53n,
    0xffff_ffff_ffff_ffffn,
    0x1_0000_0001n,
  );
  const w = new Uint32Array(big.buffer);
  assert.equal(u53At(w, 0), 0);
  assert.equal(u53At(w, 1), Number.MAX_SAFE_INTEGER);
  assert.ok(Number.isNaN(u53At(w, 2)));
  assert.ok(Number.isNaN(u53At(w, 3)));
  assert.equal(u53At(w, 4), 0x1_0000_0001);
  for (const i of [5, -1, 1.5, NaN]) assert.ok(Number.isNaN(u53At(w, i)), String(i));
});

Deno.test("MetadataStore.getNumber() agrees with get() below 2^53 and is NaN above", () => {
  const m = new MetadataStore();
  const obj = {};
  assert.equal(m.getNumber(0, obj, 3), 0);
  m.set(0, obj, 3, 0x1_0000_0040n);
  m.set(0, obj, 4, 1n << 60n);
  assert.equal(m.getNumber(0, obj, 3), Number(m.get(0, obj, 3)));
  assert.ok(Number.isNaN(m.getNumber(0, obj, 4)));
  assert.equal(m.getNumber(1, obj, 3), 0);
  for (const i of [10, -1, 2.5]) assert.ok(Number.isNaN(m.getNumber(0, obj, i)), String(i));
});

Deno.test("CallImpl.inputNumber() and getMetadataNumber() read what the BigInt forms read", () => {
  const t = table();
  const c = new CallImpl(t);
  const host = { name: "conn" };
  const path = { name: "path" };
  c.begin(0, "op", 0xffff, host, 3, 1);
  c.setInput(0, 1200, { name: "size", kind: ArgKind.U64 }, t.handles);
  c.setInput(1, path, { name: "path", kind: ArgKind.Ref, ref: "path" }, t.handles);
  c.setInput(2, 1n << 62n, { name: "code", kind: ArgKind.Big }, t.handles);
  c.enter(Anchor.Post, "p", 0, false);
  assert.equal(c.inputNumber(0), 1200);
  assert.equal(BigInt(c.inputNumber(1)), c.args[1]);
  assert.ok(Number.isNaN(c.inputNumber(2)));
  assert.ok(Number.isNaN(c.inputNumber(3)));
  assert.equal(c.outputNumber(0), 0);
  c.setMetadata(0n, 2, 77n);
  c.setMetadata(c.args[1]!, 2, 1n << 55n);
  assert.equal(c.getMetadataNumber(0, 2), 77);
  assert.ok(Number.isNaN(c.getMetadataNumber(Number(c.args[1]), 2)));
  assert.equal(c.getMetadata(c.args[1]!, 2), 1n << 55n);
  // Where getMetadata throws, the number form is NaN.
  assert.throws(() => c.getMetadata(999n, 0));
  assert.ok(Number.isNaN(c.getMetadataNumber(999, 0)));
  assert.ok(Number.isNaN(c.getMetadataNumber(0, 10)));
});
