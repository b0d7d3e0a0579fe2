import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { Writer } from "../wire/writer.ts";
import {
  decodePacketNumber,
  packetNumberLength,
  readPacketNumber,
  writePacketNumber,
} from "./packet_number.ts";

// RFC 9000 Appendix A.2, https://www.rfc-editor.org/rfc/rfc9000.html#appendix-A.2
Deno.test("packetNumberLength() picks the sizes of RFC 9000 Appendix A.2", () => {
  assert.equal(packetNumberLength(0xac5c02, 0xabe8b3), 2);
  assert.equal(packetNumberLength(0xace8fe, 0xabe8b3), 3);
});

Deno.test("packetNumberLength() uses one byte up to 128 unacknowledged, then grows", () => {
  assert.equal(packetNumberLength(0, -1), 1);
  assert.equal(packetNumberLength(127, -1), 1);
  assert.equal(packetNumberLength(128, 0), 1);
  assert.equal(packetNumberLength(129, 0), 2);
  assert.equal(packetNumberLength(1000 + 32768, 1000), 2);
  assert.equal(packetNumberLength(1000 + 32769, 1000), 3);
  assert.equal(packetNumberLength(2 ** 23, 0), 3);
  assert.equal(packetNumberLength(2 ** 23 + 1, 0), 4);
  assert.equal(packetNumberLength(2 ** 40, 0), 4);
});

// RFC 9000 Appendix A.3, https://www.rfc-editor.org/rfc/rfc9000.html#appendix-A.3
Deno.test("decodePacketNumber() decodes the RFC 9000 Appendix A.3 example", () => {
  assert.equal(decodePacketNumber(0xa82f30ea, 0x9b32, 2), 0xa82f9b32);
});

Deno.test("decodePacketNumber() handles no packet yet and window wrap both ways", () => {
  assert.equal(decodePacketNumber(-1, 0, 1), 0);
  assert.equal(decodePacketNumber(-1, 5, 4), 5);
  // Expected 0x100: truncated 0xff is 0xff (just below), 0x01 is 0x101.
  assert.equal(decodePacketNumber(0xff, 0xff, 1), 0xff);
  assert.equal(decodePacketNumber(0xff, 0x01, 1), 0x101);
  // Expected 0x1_0000_0005 (> 2^32): arithmetic beyond 32-bit masks.
  assert.equal(decodePacketNumber(2 ** 32 + 4, 0xfffffffe, 4), 2 ** 32 - 2);
  assert.equal(decodePacketNumber(2 ** 32 + 4, 0x00000010, 4), 2 ** 32 + 16);
});

Deno.test("a packet number sent with packetNumberLength() decodes at any receiver state", () => {
  const rng = new SeededRandom(5);
  for (let i = 0; i < 5000; i++) {
    const largestAcked = rng.u32() % 3 === 0 ? -1 : rng.u32() * 64 + (rng.u32() % 64);
    const pn = largestAcked + 1 + (rng.u32() % (1 << (rng.u32() % 30)));
    const len = packetNumberLength(pn, largestAcked);
    const w = new Writer(new Uint8Array(4));
    writePacketNumber(w, pn, len);
    const truncated = readPacketNumber(w.buf, 0, len);
    assert.equal(truncated, pn % 2 ** (8 * len));
    // The receiver has seen anything between largestAcked and pn - 1.
    for (const largest of [largestAcked, pn - 1, Math.floor((largestAcked + pn) / 2)]) {
      assert.equal(decodePacketNumber(largest, truncated, len), pn, `pn ${pn} largest ${largest}`);
    }
  }
});

Deno.test("writePacketNumber() writes the low bytes big-endian", () => {
  const w = new Writer(new Uint8Array(10));
  writePacketNumber(w, 0x1_2345_6789, 4);
  writePacketNumber(w, 0xabcdef, 3);
  writePacketNumber(w, 0x1234, 1);
  assert.deepEqual(w.toBytes(), new Uint8Array([0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x34]));
});
