import assert from "node:assert/strict";
import { isLongHeader, keyPhaseOf, pnLengthOf, reservedBitsSet } from "./header_bits.ts";

Deno.test("pnLengthOf() reads the two low bits as 1 to 4 bytes", () => {
  assert.deepEqual([0x40, 0x41, 0x42, 0x43, 0xc3].map(pnLengthOf), [1, 2, 3, 4, 4]);
});

Deno.test("reservedBitsSet() checks the long and short header reserved bits", () => {
  assert.equal(reservedBitsSet(0xc3), false);
  assert.equal(reservedBitsSet(0xc4), true);
  assert.equal(reservedBitsSet(0xc8), true);
  assert.equal(reservedBitsSet(0x67), false); // spin, key phase, pn length
  assert.equal(reservedBitsSet(0x48), true);
  assert.equal(reservedBitsSet(0x50), true);
});

Deno.test("keyPhaseOf() and isLongHeader() read their bits", () => {
  assert.equal(keyPhaseOf(0x44), 1);
  assert.equal(keyPhaseOf(0x7b), 0);
  assert.equal(isLongHeader(0xc0), true);
  assert.equal(isLongHeader(0x7f), false);
});
