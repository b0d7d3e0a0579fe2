/**
 * Seeded fuzzing of parsePacketHeader() (STYLE.md §20): random bytes and
 * mutations of valid coalesced datagrams. Invariant: each packet either throws
 * a RangeError (UnexpectedEnd and UnsupportedVersionError are RangeErrors) or
 * yields a header that, written again with this module's writers, parses to
 * equal fields.
 */
import assert from "node:assert/strict";
import { QuicVersion } from "../version.ts";
import { SeededRandom } from "../random.ts";
import { Writer } from "../wire/writer.ts";
import {
  type PacketHeader,
  parsePacketHeader,
  patchLength,
  sizeLongHeader,
  writeLongHeader,
} from "./header.ts";
import { PacketType } from "./packet_type.ts";
import { writeRetry } from "./retry.ts";
import { writeVersionNegotiation } from "./version_negotiation.ts";
import { concat, mutate } from "./_testing.ts";

const INPUTS = 25_000;
const CID_LENGTH = 8;
const VERSIONS = [QuicVersion.V1, QuicVersion.V2, QuicVersion.DRAFT_29];

function bytes(rng: SeededRandom, n: number): Uint8Array {
  const b = new Uint8Array(n);
  rng.fill(b);
  return b;
}

/** A random valid packet (the last one of a datagram when it has no Length). */
function randomPacket(rng: SeededRandom, last: boolean): Uint8Array {
  const version = VERSIONS[rng.u32() % 3]!;
  const dcid = bytes(rng, rng.u32() % 21);
  const scid = bytes(rng, rng.u32() % 21);
  const kind = last ? rng.u32() % 6 : rng.u32() % 3;
  if (kind < 3) {
    const type = ([PacketType.Initial, PacketType.ZeroRtt, PacketType.Handshake] as const)[kind]!;
    const pnLength = (1 + (rng.u32() % 4)) as 1 | 2 | 3 | 4;
    const h = {
      type,
      version,
      dcid,
      scid,
      token: bytes(rng, rng.u32() % 5),
      pnLength,
      truncatedPn: rng.u32(),
    };
    const payload = 20 + (rng.u32() % 40);
    const w = new Writer(new Uint8Array(sizeLongHeader(h) + payload));
    const { lengthOffset, pnOffset } = writeLongHeader(w, h);
    w.bytes(bytes(rng, payload));
    patchLength(w.buf, lengthOffset, w.pos - pnOffset);
    return w.toBytes();
  }
  if (kind === 3) {
    return concat(
      new Uint8Array([0x40 | (rng.u32() & 0x3f)]),
      bytes(rng, CID_LENGTH + 20 + (rng.u32() % 30)),
    );
  }
  if (kind === 4) {
    const tag = bytes(rng, 16);
    return writeRetry(version, dcid, scid, bytes(rng, 1 + (rng.u32() % 30)), () => tag, dcid);
  }
  return writeVersionNegotiation(dcid, scid, [rng.u32(), rng.u32()], rng);
}

/** Writes `h` again (payload copied from `datagram`) with this module's writers. */
function rewrite(h: PacketHeader, datagram: Uint8Array): Uint8Array {
  let out: Uint8Array;
  switch (h.type) {
    case PacketType.OneRtt:
      out = concat(new Uint8Array([h.firstByte]), h.dcid, datagram.subarray(h.pnOffset, h.end));
      break;
    case PacketType.VersionNegotiation:
      out = writeVersionNegotiation(h.dcid, h.scid, h.supportedVersions, new SeededRandom(0));
      break;
    case PacketType.Retry:
      out = writeRetry(h.version, h.dcid, h.scid, h.retryToken, () => h.integrityTag, h.dcid);
      break;
    default: {
      const payload = datagram.subarray(h.pnOffset, h.end);
      const f = {
        type: h.type,
        version: h.version,
        dcid: h.dcid,
        scid: h.scid,
        token: h.token,
        pnLength: 1,
        truncatedPn: payload[0]!,
        lengthSize: 4,
      } as const;
      const w = new Writer(new Uint8Array(sizeLongHeader(f) + payload.length - 1));
      const { lengthOffset, pnOffset } = writeLongHeader(w, f);
      w.bytes(payload.subarray(1));
      patchLength(w.buf, lengthOffset, w.pos - pnOffset);
      out = w.toBytes();
    }
  }
  out[0] = h.firstByte;
  return out;
}

function sameHeader(a: PacketHeader, aBytes: Uint8Array, b: PacketHeader, bBytes: Uint8Array) {
  assert.equal(b.type, a.type);
  assert.equal(b.version, a.version);
  assert.equal(b.firstByte, a.firstByte);
  assert.deepEqual(b.dcid, a.dcid);
  assert.deepEqual(b.scid, a.scid);
  assert.deepEqual(b.token, a.token);
  assert.deepEqual(b.supportedVersions, a.supportedVersions);
  assert.deepEqual(b.retryToken, a.retryToken);
  assert.deepEqual(b.integrityTag, a.integrityTag);
  assert.deepEqual(bBytes.subarray(b.pnOffset, b.end), aBytes.subarray(a.pnOffset, a.end));
}

/** Parses every coalesced packet; returns how many parsed. */
function check(datagram: Uint8Array): number {
  let offset = 0;
  let parsed = 0;
  while (offset < datagram.length) {
    let h: PacketHeader;
    try {
      h = parsePacketHeader(datagram, offset, CID_LENGTH);
    } catch (e) {
      if (e instanceof RangeError) return parsed;
      throw e;
    }
    assert.ok(h.end > offset && h.end <= datagram.length, "end must advance within the datagram");
    assert.ok(h.pnOffset > offset && h.pnOffset <= h.end);
    const again = rewrite(h, datagram);
    sameHeader(h, datagram, parsePacketHeader(again, 0, CID_LENGTH), again);
    parsed++;
    offset = h.end;
  }
  return parsed;
}

Deno.test("parsePacketHeader() fuzz: random and mutated datagrams give RangeErrors or round trips", () => {
  const rng = new SeededRandom(0x17);
  let parsed = 0;
  let failed = 0;
  for (let i = 0; i < INPUTS; i++) {
    let datagram: Uint8Array;
    if (i % 5 === 0) {
      datagram = bytes(rng, rng.u32() % 80);
    } else {
      const n = 1 + (rng.u32() % 3);
      const parts: Uint8Array[] = [];
      for (let k = 0; k < n; k++) parts.push(randomPacket(rng, k === n - 1));
      datagram = concat(...parts);
      if (i % 5 !== 1) datagram = mutate(rng, datagram);
    }
    const n = check(datagram);
    parsed += n;
    if (n === 0) failed++;
  }
  assert.ok(parsed > INPUTS / 2, `only ${parsed} packets parsed`);
  assert.ok(failed > INPUTS / 10, `only ${failed} datagrams rejected`);
});
