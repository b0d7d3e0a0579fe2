import { TransportErrorCode } from "../errors.ts";
import { assertFrameError, hex, roundTrip } from "./_testing.ts";

const FEE = TransportErrorCode.FRAME_ENCODING_ERROR;
const reason = new TextEncoder().encode("bye");

Deno.test("CONNECTION_CLOSE (transport) round trips byte-exactly", () => {
  roundTrip(
    { type: 0x1c, errorCode: 0x0an, frameType: 0x08n, reason },
    hex("1c 0a 08 03 627965"),
  );
});

Deno.test("CONNECTION_CLOSE (application) has no Frame Type field", () => {
  roundTrip(
    { type: 0x1d, errorCode: 2n ** 62n - 1n, frameType: 0n, reason: new Uint8Array(0) },
    hex("1d ffffffffffffffff 00"),
  );
});

Deno.test("CONNECTION_CLOSE round trips bigint edge values", () => {
  for (const c of [0n, 63n, 64n, 16383n, 16384n, 2n ** 30n - 1n, 2n ** 30n, 2n ** 62n - 1n]) {
    roundTrip({ type: 0x1c, errorCode: c, frameType: c, reason });
    roundTrip({ type: 0x1d, errorCode: c, frameType: 0n, reason });
  }
  roundTrip({ type: 0x1c, errorCode: 1n, frameType: 0n, reason: new Uint8Array(16384) });
});

Deno.test("parseConnectionClose() rejects a reason longer than the frame", () => {
  assertFrameError(hex("1c 0a 08 04 627965"), FEE, 0x1c);
  assertFrameError(hex("1d 0a 40"), FEE, 0x1d);
  assertFrameError(hex("1c 0a"), FEE, 0x1c);
});
