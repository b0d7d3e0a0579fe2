import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import {
  MIN_STATELESS_RESET_SIZE,
  statelessResetToken,
  writeStatelessReset,
} from "./stateless_reset.ts";
import { hex } from "./_testing.ts";

const TOKEN = hex("00112233445566778899aabbccddeeff");

Deno.test("writeStatelessReset() looks like a short header and ends in the token", () => {
  const rng = new SeededRandom(9);
  for (const size of [21, 22, 43, 1200]) {
    const p = writeStatelessReset(TOKEN, size, rng);
    assert.equal(p.length, size);
    assert.equal(p[0]! & 0xc0, 0x40);
    assert.deepEqual(p.subarray(size - 16), TOKEN);
    assert.deepEqual(statelessResetToken(p), TOKEN);
  }
});

Deno.test("writeStatelessReset() fills the unpredictable bits from the random source", () => {
  const a = writeStatelessReset(TOKEN, 40, new SeededRandom(1));
  const b = writeStatelessReset(TOKEN, 40, new SeededRandom(2));
  assert.notDeepEqual(a.subarray(0, 24), b.subarray(0, 24));
});

Deno.test("writeStatelessReset() refuses sizes below 21 bytes and bad tokens", () => {
  assert.equal(MIN_STATELESS_RESET_SIZE, 21);
  assert.throws(() => writeStatelessReset(TOKEN, 20, new SeededRandom(1)), RangeError);
  assert.throws(() => writeStatelessReset(hex("00"), 30, new SeededRandom(1)), RangeError);
});

Deno.test("statelessResetToken() ignores short datagrams and long headers", () => {
  assert.equal(statelessResetToken(new Uint8Array(20).fill(0x40)), null);
  assert.equal(statelessResetToken(new Uint8Array(40).fill(0xc0)), null);
  assert.equal(statelessResetToken(new Uint8Array(21).fill(0x40))?.length, 16);
});
