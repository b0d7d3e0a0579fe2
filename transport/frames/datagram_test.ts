import assert from "node:assert/strict";
import { TransportErrorCode } from "../errors.ts";
import { assertFrameError, decode, hex, roundTrip } from "./_testing.ts";

const FEE = TransportErrorCode.FRAME_ENCODING_ERROR;

Deno.test("DATAGRAM with a Length field round trips byte-exactly", () => {
  roundTrip({ type: 0x31, data: hex("aabb") }, hex("31 02 aabb"));
  roundTrip({ type: 0x31, data: new Uint8Array(0) }, hex("31 00"));
  roundTrip({ type: 0x31, data: new Uint8Array(64) });
  roundTrip({ type: 0x31, data: new Uint8Array(16384) });
});

Deno.test("DATAGRAM without a Length field runs to the end", () => {
  roundTrip({ type: 0x30, data: hex("aabbcc") }, hex("30 aabbcc"));
  assert.deepEqual(decode(hex("30")), { type: 0x30, data: new Uint8Array(0) });
});

Deno.test("parseDatagram() rejects a length past the end", () => {
  assertFrameError(hex("31 03 aabb"), FEE, 0x31);
});
