import { TransportErrorCode } from "../errors.ts";
import { assertFrameError, hex, roundTrip } from "./_testing.ts";

const FEE = TransportErrorCode.FRAME_ENCODING_ERROR;
const token = hex("00112233445566778899aabbccddeeff");

Deno.test("NEW_CONNECTION_ID round trips byte-exactly", () => {
  roundTrip(
    { type: 0x18, seq: 1, retirePriorTo: 0, cid: hex("a1a2a3a4"), resetToken: token },
    hex("18 01 00 04 a1a2a3a4 00112233445566778899aabbccddeeff"),
  );
});

Deno.test("NEW_CONNECTION_ID round trips edge values and CID lengths 1 and 20", () => {
  for (const v of [0, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, 2 ** 53 - 1]) {
    for (const len of [1, 20]) {
      roundTrip({
        type: 0x18,
        seq: v,
        retirePriorTo: v,
        cid: new Uint8Array(len),
        resetToken: token,
      });
    }
    roundTrip({ type: 0x19, seq: v });
  }
});

Deno.test("parseNewConnectionId() rejects a connection ID length of 0 or above 20", () => {
  assertFrameError(hex("18 01 00 00 00112233445566778899aabbccddeeff"), FEE, 0x18);
  const long = new Uint8Array([0x18, 1, 0, 21, ...new Uint8Array(21), ...token]);
  assertFrameError(long, FEE, 0x18);
});

Deno.test("parseNewConnectionId() rejects Retire Prior To above the Sequence Number", () => {
  assertFrameError(hex("18 01 02 04 a1a2a3a4 00112233445566778899aabbccddeeff"), FEE, 0x18);
});

Deno.test("parseNewConnectionId() rejects a short reset token", () => {
  assertFrameError(hex("18 01 00 04 a1a2a3a4 00112233445566778899aabbccddee"), FEE, 0x18);
});

Deno.test("RETIRE_CONNECTION_ID round trips and rejects truncation", () => {
  roundTrip({ type: 0x19, seq: 64 }, hex("19 4040"));
  assertFrameError(hex("19 40"), FEE, 0x19);
});
