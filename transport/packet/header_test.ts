import assert from "node:assert/strict";
import { QuicVersion } from "../version.ts";
import { SeededRandom } from "../random.ts";
import { Writer } from "../wire/writer.ts";
import {
  keyPhaseOf,
  type LongHeaderFields,
  parsePacketHeader,
  patchLength,
  pnLengthOf,
  reservedBitsSet,
  sizeLongHeader,
  sizeShortHeader,
  UnsupportedVersionError,
  writeLongHeader,
  writeShortHeader,
} from "./header.ts";
import { PacketType } from "./packet_type.ts";
import { writeRetry } from "./retry.ts";
import { writeVersionNegotiation } from "./version_negotiation.ts";
import { concat, hex } from "./_testing.ts";

const VERSIONS = [QuicVersion.V1, QuicVersion.V2, QuicVersion.DRAFT_29];
const DCID = hex("8394c8f03e515708");
const SCID = hex("f067a5502a4262b5");
const AEAD_TAG = 16;

/** A long-header packet with `payload` bytes after the packet number and the tag. */
function longPacket(h: LongHeaderFields, payload: number): Uint8Array {
  const w = new Writer(new Uint8Array(sizeLongHeader(h) + payload + AEAD_TAG));
  const { lengthOffset, pnOffset } = writeLongHeader(w, h);
  w.zeros(payload + AEAD_TAG);
  patchLength(w.buf, lengthOffset, w.pos - pnOffset);
  assert.equal(w.pos, w.buf.length);
  return w.toBytes();
}

function shortPacket(dcid: Uint8Array, payload: number): Uint8Array {
  const h = { dcid, spin: true, keyPhase: 1, pnLength: 2, truncatedPn: 0x1234 } as const;
  const w = new Writer(new Uint8Array(sizeShortHeader(dcid.length, 2) + payload + AEAD_TAG));
  writeShortHeader(w, h);
  w.zeros(payload + AEAD_TAG);
  return w.toBytes();
}

// RFC 9001 Appendix A.2 (client Initial, unprotected header) and RFC 9369 Appendix A.2 (v2).
Deno.test("parsePacketHeader() reads Initial, 0-RTT and Handshake headers of every version", () => {
  const token = hex("aabbccdd");
  for (const version of VERSIONS) {
    for (const type of [PacketType.Initial, PacketType.ZeroRtt, PacketType.Handshake] as const) {
      const h = {
        type,
        version,
        dcid: DCID,
        scid: SCID,
        token,
        pnLength: 3,
        truncatedPn: 7,
      } as const;
      const packet = longPacket(h, 30);
      const p = parsePacketHeader(packet, 0, 8);
      assert.equal(p.type, type);
      assert.equal(p.version, version);
      assert.deepEqual(p.dcid, DCID);
      assert.deepEqual(p.scid, SCID);
      assert.deepEqual(p.token, type === PacketType.Initial ? token : new Uint8Array(0));
      assert.equal(p.end, packet.length);
      assert.equal(p.pnOffset, packet.length - 3 - 30 - AEAD_TAG);
      assert.equal(p.firstByte, packet[0]);
      assert.equal(pnLengthOf(p.firstByte), 3);
    }
  }
});

Deno.test("parsePacketHeader() reads a short header with the local CID length", () => {
  const packet = shortPacket(SCID, 20);
  const p = parsePacketHeader(packet, 0, 8);
  assert.equal(p.type, PacketType.OneRtt);
  assert.equal(p.version, 0);
  assert.deepEqual(p.dcid, SCID);
  assert.equal(p.pnOffset, 9);
  assert.equal(p.end, packet.length);
  assert.equal(packet[0], 0x40 | 0x20 | 0x04 | 0x01);
  assert.equal(keyPhaseOf(p.firstByte), 1);
  assert.equal(reservedBitsSet(p.firstByte), false);
  assert.equal(reservedBitsSet(0x58), true);
  assert.equal(reservedBitsSet(0xc4), true);
});

Deno.test("parsePacketHeader() walks coalesced packets: each end is the next start", () => {
  const a = longPacket({
    type: PacketType.Initial,
    version: QuicVersion.V1,
    dcid: DCID,
    scid: SCID,
    pnLength: 2,
    truncatedPn: 1,
  }, 40);
  const b = longPacket({
    type: PacketType.Handshake,
    version: QuicVersion.V1,
    dcid: DCID,
    scid: SCID,
    pnLength: 1,
    truncatedPn: 0,
  }, 25);
  const c = shortPacket(DCID, 30);
  const datagram = concat(a, b, c);
  const first = parsePacketHeader(datagram, 0, 8);
  assert.equal(first.type, PacketType.Initial);
  assert.equal(first.end, a.length);
  const second = parsePacketHeader(datagram, first.end, 8);
  assert.equal(second.type, PacketType.Handshake);
  assert.equal(second.end, a.length + b.length);
  const third = parsePacketHeader(datagram, second.end, 8);
  assert.equal(third.type, PacketType.OneRtt);
  assert.deepEqual(third.dcid, DCID);
  assert.equal(third.end, datagram.length);
});

Deno.test("parsePacketHeader() rejects every truncation of a long header packet", () => {
  const packet = longPacket({
    type: PacketType.Initial,
    version: QuicVersion.V1,
    dcid: DCID,
    scid: SCID,
    token: hex("0102"),
    pnLength: 4,
    truncatedPn: 9,
  }, 4);
  for (let n = 0; n < packet.length; n++) {
    assert.throws(() => parsePacketHeader(packet.subarray(0, n), 0, 8), RangeError, `length ${n}`);
  }
});

Deno.test("parsePacketHeader() rejects a Length past the datagram end", () => {
  const packet = longPacket({
    type: PacketType.Handshake,
    version: QuicVersion.V1,
    dcid: DCID,
    scid: SCID,
    pnLength: 1,
    truncatedPn: 0,
  }, 20);
  const lengthOffset = 1 + 4 + 1 + 8 + 1 + 8;
  patchLength(packet, lengthOffset, packet.length - lengthOffset - 2 + 1);
  assert.throws(() => parsePacketHeader(packet, 0, 8), /Length past datagram end/);
});

Deno.test("parsePacketHeader() rejects packets too short to sample for header protection", () => {
  const short = shortPacket(DCID, 0); // 1 + 8 + 2 + 16 bytes: 18 after the PN offset.
  assert.throws(() => parsePacketHeader(short, 0, 8), /too short/);
  const long = longPacket({
    type: PacketType.Handshake,
    version: QuicVersion.V1,
    dcid: DCID,
    scid: SCID,
    pnLength: 1,
    truncatedPn: 0,
  }, 2);
  assert.throws(() => parsePacketHeader(long, 0, 8), /too short/);
});

Deno.test("parsePacketHeader() rejects a fixed bit of 0", () => {
  const s = shortPacket(DCID, 20);
  s[0] = s[0]! & ~0x40;
  assert.throws(() => parsePacketHeader(s, 0, 8), /fixed bit/);
  const l = longPacket({
    type: PacketType.Handshake,
    version: QuicVersion.V2,
    dcid: DCID,
    scid: SCID,
    pnLength: 1,
    truncatedPn: 0,
  }, 20);
  l[0] = l[0]! & ~0x40;
  assert.throws(() => parsePacketHeader(l, 0, 8), /fixed bit/);
});

Deno.test("parsePacketHeader() rejects connection IDs longer than 20 bytes in v1", () => {
  const packet = concat(
    hex("c0 00000001 15"),
    new Uint8Array(21),
    hex("00 00 41"),
    new Uint8Array(80),
  );
  assert.throws(() => parsePacketHeader(packet, 0, 8), /longer than 20/);
});

Deno.test("parsePacketHeader() reports an unsupported version with its CIDs", () => {
  const cid21 = new Uint8Array(21).fill(7);
  const packet = concat(hex("c0 0a0a0a0a 15"), cid21, hex("02 beef"), new Uint8Array(1200));
  assert.throws(
    () => parsePacketHeader(packet, 0, 8),
    (e: unknown) => {
      assert.ok(e instanceof UnsupportedVersionError);
      assert.ok(e instanceof RangeError);
      assert.equal(e.version, 0x0a0a0a0a);
      assert.deepEqual(e.dcid, cid21);
      assert.deepEqual(e.scid, hex("beef"));
      return true;
    },
  );
});

Deno.test("parsePacketHeader() reads Version Negotiation and Retry of every version", () => {
  const rng = new SeededRandom(1);
  const vn = writeVersionNegotiation(SCID, DCID, [QuicVersion.V1, 0x1a2a3a4a], rng);
  const p = parsePacketHeader(vn, 0, 8);
  assert.equal(p.type, PacketType.VersionNegotiation);
  assert.deepEqual(p.supportedVersions, [QuicVersion.V1, 0x1a2a3a4a]);
  assert.deepEqual(p.dcid, SCID);
  assert.deepEqual(p.scid, DCID);
  assert.equal(p.end, vn.length);
  for (const version of VERSIONS) {
    const tag = new Uint8Array(16).fill(0xee);
    const retry = writeRetry(version, SCID, DCID, hex("746f6b656e"), () => tag, DCID);
    const r = parsePacketHeader(retry, 0, 8);
    assert.equal(r.type, PacketType.Retry);
    assert.equal(r.version, version);
    assert.deepEqual(r.retryToken, hex("746f6b656e"));
    assert.deepEqual(r.integrityTag, tag);
    assert.equal(r.end, retry.length);
  }
});

Deno.test("parsePacketHeader() rejects misaligned Version Negotiation and tokenless Retry", () => {
  assert.throws(() => parsePacketHeader(hex("80 00000000 00 00 000000"), 0, 0), /aligned/);
  const retry = concat(hex("f0 00000001 00 00"), new Uint8Array(16));
  assert.throws(() => parsePacketHeader(retry, 0, 0), /no token/);
});

Deno.test("parsePacketHeader() rejects an offset at the end", () => {
  assert.throws(() => parsePacketHeader(new Uint8Array(0), 0, 0), RangeError);
  assert.throws(() => parsePacketHeader(new Uint8Array(30).fill(0x40), 30, 0), RangeError);
});
