import assert from "node:assert/strict";
import { QuicVersion } from "../version.ts";
import { parsePacketHeader } from "./header.ts";
import { PacketType } from "./packet_type.ts";
import { retryPseudoPacket, writeRetry } from "./retry.ts";
import { concat, hex } from "./_testing.ts";

// RFC 9001 Appendix A.4, https://www.rfc-editor.org/rfc/rfc9001.html#appendix-A.4
const RFC9001_RETRY = hex(
  "ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba",
);
const ODCID = hex("8394c8f03e515708");
const SCID = hex("f067a5502a4262b5");
const TAG = hex("04a265ba2eff4d829058fb3f0f2496ba");

Deno.test("parsePacketHeader() reads the RFC 9001 Appendix A.4 Retry", () => {
  const h = parsePacketHeader(RFC9001_RETRY, 0, 0);
  assert.equal(h.type, PacketType.Retry);
  assert.equal(h.version, QuicVersion.V1);
  assert.deepEqual(h.dcid, new Uint8Array(0));
  assert.deepEqual(h.scid, SCID);
  assert.deepEqual(h.retryToken, new TextEncoder().encode("token"));
  assert.deepEqual(h.integrityTag, TAG);
});

Deno.test("writeRetry() builds the RFC 9001 Retry and tags its pseudo-packet", () => {
  let seen: Uint8Array | undefined;
  const out = writeRetry(
    QuicVersion.V1,
    new Uint8Array(0),
    SCID,
    new TextEncoder().encode("token"),
    (pseudo) => {
      seen = pseudo.slice();
      return TAG;
    },
    ODCID,
  );
  // Same bytes except the 4 unused bits, which we send as 0 (the RFC example has 1111).
  assert.equal(out[0], 0xf0);
  assert.deepEqual(out.subarray(1), RFC9001_RETRY.subarray(1));
  const withoutTag = concat(hex("f0"), RFC9001_RETRY.subarray(1, RFC9001_RETRY.length - 16));
  assert.deepEqual(seen, concat(hex("08"), ODCID, withoutTag));
});

Deno.test("writeRetry() uses v2's Retry type bits (0b00)", () => {
  const out = writeRetry(QuicVersion.V2, ODCID, SCID, hex("01"), () => TAG, ODCID);
  assert.equal(out[0]! & 0x30, 0x00);
  assert.equal(parsePacketHeader(out, 0, 8).type, PacketType.Retry);
});

Deno.test("writeRetry() refuses an empty token and a tag that is not 16 bytes", () => {
  assert.throws(() => writeRetry(1, ODCID, SCID, new Uint8Array(0), () => TAG, ODCID), RangeError);
  assert.throws(() => writeRetry(1, ODCID, SCID, hex("01"), () => hex("00"), ODCID), RangeError);
});

Deno.test("retryPseudoPacket() prefixes the ODCID with its length", () => {
  assert.deepEqual(retryPseudoPacket(hex("0102"), hex("f0aa")), hex("02 0102 f0aa"));
  assert.deepEqual(retryPseudoPacket(new Uint8Array(0), hex("f0")), hex("00 f0"));
});
