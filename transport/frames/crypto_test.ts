import assert from "node:assert/strict";
import { TransportErrorCode } from "../errors.ts";
import { Writer } from "../wire/writer.ts";
import { sizeCryptoFrameHeader, writeCryptoFrame } from "./crypto.ts";
import { assertFrameError, hex, roundTrip } from "./_testing.ts";

const FEE = TransportErrorCode.FRAME_ENCODING_ERROR;

Deno.test("CRYPTO round trips byte-exactly", () => {
  roundTrip({ type: 0x06, offset: 0, data: new Uint8Array(0) }, hex("06 00 00"));
  roundTrip({ type: 0x06, offset: 63, data: new Uint8Array([7]) }, hex("06 3f 01 07"));
  roundTrip({ type: 0x06, offset: 64, data: new Uint8Array([7]) }, hex("06 4040 01 07"));
});

Deno.test("CRYPTO round trips at varint boundaries", () => {
  for (const v of [0, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, 2 ** 53 - 1]) {
    roundTrip({ type: 0x06, offset: v, data: new Uint8Array(0) });
  }
  roundTrip({ type: 0x06, offset: 5, data: new Uint8Array(16384) });
});

Deno.test("parseCrypto() rejects offset + length above 2^62-1", () => {
  assertFrameError(hex("06 ffffffffffffffff 01 00"), FEE, 0x06);
});

Deno.test("parseCrypto() rejects truncation", () => {
  assertFrameError(hex("06 00 02 00"), FEE, 0x06);
  assertFrameError(hex("06 40"), FEE, 0x06);
  assertFrameError(hex("06"), FEE, 0x06);
});

Deno.test("sizeCryptoFrameHeader() matches writeCryptoFrame()", () => {
  for (const [off, len] of [[0, 0], [16384, 64], [2 ** 30, 16384]]) {
    const w = new Writer(new Uint8Array(20_000));
    writeCryptoFrame(w, off!, new Uint8Array(len!));
    assert.equal(w.length, sizeCryptoFrameHeader(off!, len!) + len!);
  }
});
