import assert from "node:assert/strict";
import { TransportErrorCode } from "../errors.ts";
import { Writer } from "../wire/writer.ts";
import { writePath } from "./path.ts";
import { assertFrameError, hex, roundTrip } from "./_testing.ts";

const FEE = TransportErrorCode.FRAME_ENCODING_ERROR;

Deno.test("PATH_CHALLENGE and PATH_RESPONSE round trip byte-exactly", () => {
  roundTrip({ type: 0x1a, data: hex("0102030405060708") }, hex("1a 0102030405060708"));
  roundTrip({ type: 0x1b, data: hex("ffffffffffffffff") }, hex("1b ffffffffffffffff"));
});

Deno.test("path frames reject fewer than 8 data bytes", () => {
  assertFrameError(hex("1a 01020304050607"), FEE, 0x1a);
  assertFrameError(hex("1b"), FEE, 0x1b);
});

Deno.test("writePath() refuses data that is not 8 bytes", () => {
  assert.throws(
    () => writePath(new Writer(new Uint8Array(16)), { type: 0x1a, data: new Uint8Array(7) }),
    RangeError,
  );
});
