import { TransportErrorCode } from "../errors.ts";
import { assertFrameError, hex, roundTrip } from "./_testing.ts";

const FEE = TransportErrorCode.FRAME_ENCODING_ERROR;
const CODES = [0n, 63n, 64n, 16383n, 16384n, 2n ** 30n - 1n, 2n ** 30n, 2n ** 53n, 2n ** 62n - 1n];

Deno.test("RESET_STREAM round trips byte-exactly", () => {
  roundTrip({ type: 0x04, id: 1, errorCode: 0x10n, finalSize: 64 }, hex("04 01 10 4040"));
  roundTrip(
    { type: 0x04, id: 0, errorCode: 2n ** 62n - 1n, finalSize: 0 },
    hex("04 00 ffffffffffffffff 00"),
  );
});

Deno.test("RESET_STREAM and STOP_SENDING round trip edge values", () => {
  for (const c of CODES) {
    for (const v of [0, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, 2 ** 53 - 1]) {
      roundTrip({ type: 0x04, id: v, errorCode: c, finalSize: v });
      roundTrip({ type: 0x05, id: v, errorCode: c });
    }
  }
});

Deno.test("STOP_SENDING round trips byte-exactly", () => {
  roundTrip({ type: 0x05, id: 3, errorCode: 0x4000n }, hex("05 03 80004000"));
});

Deno.test("RESET_STREAM and STOP_SENDING reject truncation", () => {
  const reset = hex("04 01 10 4040");
  for (let n = 1; n < reset.length; n++) assertFrameError(reset.subarray(0, n), FEE, 0x04);
  const stop = hex("05 03 80004000");
  for (let n = 1; n < stop.length; n++) assertFrameError(stop.subarray(0, n), FEE, 0x05);
});
