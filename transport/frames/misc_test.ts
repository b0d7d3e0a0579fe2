import assert from "node:assert/strict";
import { TransportErrorCode } from "../errors.ts";
import { Reader } from "../wire/reader.ts";
import { parseFrame } from "./frame.ts";
import { assertFrameError, hex, roundTrip } from "./_testing.ts";

const FEE = TransportErrorCode.FRAME_ENCODING_ERROR;

Deno.test("PADDING runs parse as one frame with their length", () => {
  const r = new Reader(hex("00 00 00 00 01 00"));
  assert.deepEqual(parseFrame(r), { type: 0x00, length: 4 });
  assert.deepEqual(parseFrame(r), { type: 0x01 });
  assert.deepEqual(parseFrame(r), { type: 0x00, length: 1 });
  assert.equal(r.eof, true);
});

Deno.test("PADDING round trips byte-exactly", () => {
  roundTrip({ type: 0x00, length: 1 }, hex("00"));
  roundTrip({ type: 0x00, length: 1200 }, new Uint8Array(1200));
});

Deno.test("PING and HANDSHAKE_DONE round trip as one byte", () => {
  roundTrip({ type: 0x01 }, hex("01"));
  roundTrip({ type: 0x1e }, hex("1e"));
});

Deno.test("NEW_TOKEN round trips byte-exactly", () => {
  roundTrip({ type: 0x07, token: hex("0102") }, hex("07 02 0102"));
  roundTrip({ type: 0x07, token: new Uint8Array(64) });
});

Deno.test("parseNewToken() rejects an empty token", () => {
  assertFrameError(hex("07 00"), FEE, 0x07);
});

Deno.test("parseNewToken() rejects a token past the end", () => {
  assertFrameError(hex("07 03 0102"), FEE, 0x07);
});
