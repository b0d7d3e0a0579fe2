import assert from "node:assert/strict";
import { ByteSlab } from "./byte_slab.ts";

Deno.test("ByteSlab.copy() returns independent copies sharing a slab until it is full", () => {
  const slab = new ByteSlab(64);
  const src = new Uint8Array(10).fill(1);
  const a = slab.copy(src);
  src.fill(2);
  const b = slab.copy(src);
  assert.deepEqual(a, new Uint8Array(10).fill(1));
  assert.deepEqual(b, new Uint8Array(10).fill(2));
  assert.equal(a.buffer, b.buffer);
  // 64 bytes hold six copies of 10: the seventh starts a new slab.
  const more = Array.from({ length: 5 }, () => slab.copy(src));
  assert.equal(more[3]!.buffer, a.buffer);
  assert.notEqual(more[4]!.buffer, a.buffer);
});

Deno.test("ByteSlab.copy() gives copies over a quarter slab their own buffer", () => {
  const slab = new ByteSlab(64);
  const big = slab.copy(new Uint8Array(17));
  assert.equal(big.buffer.byteLength, 17);
  assert.equal(slab.copy(new Uint8Array(0)).length, 0);
});
