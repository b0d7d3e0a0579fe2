import assert from "node:assert/strict";
import { TransportErrorCode } from "../errors.ts";
import { assertFrameError, decode, hex, roundTrip } from "./_testing.ts";

const FEE = TransportErrorCode.FRAME_ENCODING_ERROR;
const EDGES = [0, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, 2 ** 53 - 1];

Deno.test("MAX_DATA and DATA_BLOCKED round trip byte-exactly", () => {
  roundTrip({ type: 0x10, max: 16384 }, hex("10 80004000"));
  roundTrip({ type: 0x14, limit: 63 }, hex("14 3f"));
  for (const v of EDGES) {
    roundTrip({ type: 0x10, max: v });
    roundTrip({ type: 0x14, limit: v });
  }
});

Deno.test("MAX_STREAM_DATA and STREAM_DATA_BLOCKED round trip byte-exactly", () => {
  roundTrip({ type: 0x11, id: 4, max: 64 }, hex("11 04 4040"));
  roundTrip({ type: 0x15, id: 2 ** 30, limit: 1 }, hex("15 c000000040000000 01"));
  for (const v of EDGES) {
    roundTrip({ type: 0x11, id: v, max: v });
    roundTrip({ type: 0x15, id: v, limit: v });
  }
});

Deno.test("MAX_STREAMS and STREAMS_BLOCKED round trip both directions", () => {
  roundTrip({ type: 0x12, max: 100 }, hex("12 4064"));
  roundTrip({ type: 0x13, max: 0 }, hex("13 00"));
  roundTrip({ type: 0x16, limit: 16383 }, hex("16 7fff"));
  roundTrip({ type: 0x17, limit: 2 ** 30 }, hex("17 c000000040000000"));
  for (const v of EDGES) {
    for (const t of [0x12, 0x13] as const) roundTrip({ type: t, max: v });
    for (const t of [0x16, 0x17] as const) roundTrip({ type: t, limit: v });
  }
});

Deno.test("parseMaxStreams() accepts 2^60 and rejects 2^60 + 1", () => {
  const ok = decode(hex("12 d000000000000000"));
  assert.deepEqual(ok, { type: 0x12, max: Number.MAX_SAFE_INTEGER });
  assertFrameError(hex("12 d000000000000001"), FEE, 0x12);
  assertFrameError(hex("13 ffffffffffffffff"), FEE, 0x13);
});

Deno.test("parseStreamsBlocked() rejects a count above 2^60", () => {
  assertFrameError(hex("16 d000000000000001"), FEE, 0x16);
  assertFrameError(hex("17 ffffffffffffffff"), FEE, 0x17);
});

Deno.test("limits above 2^53-1 read as 2^53-1", () => {
  assert.deepEqual(decode(hex("10 ffffffffffffffff")), {
    type: 0x10,
    max: Number.MAX_SAFE_INTEGER,
  });
  assert.deepEqual(decode(hex("11 ffffffffffffffff c020000000000000")), {
    type: 0x11,
    id: Number.MAX_SAFE_INTEGER,
    max: Number.MAX_SAFE_INTEGER,
  });
  // 2^53-1 itself is exact.
  assert.deepEqual(decode(hex("14 c01fffffffffffff")), { type: 0x14, limit: 2 ** 53 - 1 });
});

Deno.test("flow-control frames reject truncation", () => {
  assertFrameError(hex("10"), FEE, 0x10);
  assertFrameError(hex("11 04"), FEE, 0x11);
  assertFrameError(hex("15 40"), FEE, 0x15);
  assertFrameError(hex("13 80 00"), FEE, 0x13);
});
