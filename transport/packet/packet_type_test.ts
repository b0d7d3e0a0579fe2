import assert from "node:assert/strict";
import { QuicVersion } from "../version.ts";
import { longPacketType, longTypeBits, PacketType, packetTypeName } from "./packet_type.ts";

const LONG = [PacketType.Initial, PacketType.ZeroRtt, PacketType.Handshake, PacketType.Retry];

Deno.test("longTypeBits() uses RFC 9000's bits for v1 and draft-29", () => {
  for (const v of [QuicVersion.V1, QuicVersion.DRAFT_29]) {
    assert.deepEqual(LONG.map((t) => longTypeBits(v, t)), [0b00, 0b01, 0b10, 0b11]);
  }
});

Deno.test("longTypeBits() uses RFC 9369 §3.2's bits for v2", () => {
  assert.deepEqual(LONG.map((t) => longTypeBits(QuicVersion.V2, t)), [0b01, 0b10, 0b11, 0b00]);
});

Deno.test("longPacketType() inverts longTypeBits() for every version", () => {
  for (const v of [QuicVersion.V1, QuicVersion.V2, QuicVersion.DRAFT_29]) {
    for (const t of LONG) assert.equal(longPacketType(v, longTypeBits(v, t)), t);
  }
});

Deno.test("packetTypeName() names every packet type", () => {
  assert.equal(packetTypeName(PacketType.ZeroRtt), "0-RTT");
  assert.equal(packetTypeName(PacketType.OneRtt), "1-RTT");
});
