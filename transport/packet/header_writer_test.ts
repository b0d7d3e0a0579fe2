import assert from "node:assert/strict";
import { QuicVersion } from "../version.ts";
import { Writer } from "../wire/writer.ts";
import {
  type LongHeaderFields,
  patchLength,
  sizeLongHeader,
  sizeShortHeader,
  writeLongHeader,
  writeShortHeader,
} from "./header_writer.ts";
import { PacketType } from "./packet_type.ts";
import { hex } from "./_testing.ts";

const DCID = hex("8394c8f03e515708");
const SCID = hex("f067a5502a4262b5");
const AEAD_TAG = 16;

function longPacket(h: LongHeaderFields, payload: number): Uint8Array {
  const w = new Writer(new Uint8Array(sizeLongHeader(h) + payload + AEAD_TAG));
  const { lengthOffset, pnOffset } = writeLongHeader(w, h);
  w.zeros(payload + AEAD_TAG);
  patchLength(w.buf, lengthOffset, w.pos - pnOffset);
  return w.toBytes();
}

Deno.test("writeLongHeader() reproduces the RFC 9001 and RFC 9369 client Initial headers", () => {
  for (
    const [version, expected] of [
      [QuicVersion.V1, "c300000001088394c8f03e5157080000449e00000002"],
      [QuicVersion.V2, "d36b3343cf088394c8f03e5157080000449e00000002"],
    ] as const
  ) {
    const w = new Writer(new Uint8Array(64));
    const { lengthOffset, pnOffset } = writeLongHeader(w, {
      type: PacketType.Initial,
      version,
      dcid: DCID,
      scid: new Uint8Array(0),
      pnLength: 4,
      truncatedPn: 2,
    });
    patchLength(w.buf, lengthOffset, 1182);
    assert.deepEqual(w.toBytes(), hex(expected));
    assert.equal(pnOffset, 18);
  }
});

Deno.test("writeLongHeader() puts v2's type bits in the first byte", () => {
  const h = {
    version: QuicVersion.V2,
    dcid: DCID,
    scid: SCID,
    pnLength: 1,
    truncatedPn: 0,
  } as const;
  assert.equal(longPacket({ ...h, type: PacketType.Initial }, 20)[0]! & 0x30, 0x10);
  assert.equal(longPacket({ ...h, type: PacketType.ZeroRtt }, 20)[0]! & 0x30, 0x20);
  assert.equal(longPacket({ ...h, type: PacketType.Handshake }, 20)[0]! & 0x30, 0x30);
});

Deno.test("patchLength() fills 2- and 4-byte placeholders and refuses overflow", () => {
  const h = {
    type: PacketType.Handshake,
    version: QuicVersion.V1,
    dcid: DCID,
    scid: SCID,
    pnLength: 2,
    truncatedPn: 0,
  } as const;
  const w = new Writer(new Uint8Array(64));
  const a = writeLongHeader(w, h);
  assert.throws(() => patchLength(w.buf, a.lengthOffset, 16384), RangeError);
  patchLength(w.buf, a.lengthOffset, 16383);
  assert.deepEqual(w.buf.subarray(a.lengthOffset, a.lengthOffset + 2), hex("7fff"));
  const w4 = new Writer(new Uint8Array(64));
  const b = writeLongHeader(w4, { ...h, lengthSize: 4 });
  assert.equal(b.pnOffset - b.lengthOffset, 4);
  assert.equal(sizeLongHeader({ ...h, lengthSize: 4 }), w4.pos);
  patchLength(w4.buf, b.lengthOffset, 70000);
  assert.deepEqual(w4.buf.subarray(b.lengthOffset, b.pnOffset), hex("80011170"));
});

Deno.test("writeShortHeader() sets spin, key phase and packet number length bits", () => {
  const w = new Writer(new Uint8Array(32));
  const { pnOffset } = writeShortHeader(w, {
    dcid: DCID,
    spin: false,
    keyPhase: 1,
    pnLength: 3,
    truncatedPn: 0x123456,
  });
  assert.equal(pnOffset, 9);
  assert.equal(w.pos, sizeShortHeader(8, 3));
  assert.deepEqual(w.toBytes(), hex("46 8394c8f03e515708 123456"));
});

Deno.test("writeLongHeader() writes the token only for Initial packets", () => {
  const h = {
    version: QuicVersion.V1,
    dcid: DCID,
    scid: SCID,
    token: hex("aabb"),
    pnLength: 1,
    truncatedPn: 0,
  } as const;
  const initial = new Writer(new Uint8Array(64));
  writeLongHeader(initial, { ...h, type: PacketType.Initial });
  assert.equal(initial.pos, sizeLongHeader({ ...h, type: PacketType.Initial }));
  const handshake = new Writer(new Uint8Array(64));
  writeLongHeader(handshake, { ...h, type: PacketType.Handshake });
  assert.equal(initial.pos - handshake.pos, 3);
});

Deno.test("writeLongHeader() refuses connection IDs longer than 20 bytes", () => {
  assert.throws(
    () =>
      writeLongHeader(new Writer(new Uint8Array(64)), {
        type: PacketType.Handshake,
        version: 1,
        dcid: new Uint8Array(21),
        scid: SCID,
        pnLength: 1,
        truncatedPn: 0,
      }),
    RangeError,
  );
});
