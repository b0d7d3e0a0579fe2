import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { writeVersionNegotiation } from "./version_negotiation.ts";
import { hex } from "./_testing.ts";

Deno.test("writeVersionNegotiation() lays out RFC 9000 §17.2.1 with version 0", () => {
  const vn = writeVersionNegotiation(hex("0102"), hex("03"), [1, 0x6b3343cf], new SeededRandom(3));
  assert.equal(vn[0]! & 0xc0, 0xc0);
  assert.deepEqual(vn.subarray(1), hex("00000000 02 0102 01 03 00000001 6b3343cf"));
});

Deno.test("writeVersionNegotiation() randomises the unused bits", () => {
  const rng = new SeededRandom(4);
  const seen = new Set<number>();
  for (let i = 0; i < 64; i++) seen.add(writeVersionNegotiation(hex(""), hex(""), [1], rng)[0]!);
  assert.ok(seen.size > 8);
});
