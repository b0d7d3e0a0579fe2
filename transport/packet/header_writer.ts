/**
 * Writing long and short packet headers (RFC 9000 §17.2, §17.3.1; RFC 9369 §3.2).
 *
 * ```
 * Long Header Packet {                  (Initial, 0-RTT, Handshake)
 *   Header Form (1) = 1,
 *   Fixed Bit (1) = 1,
 *   Long Packet Type (2),
 *   Reserved Bits (2),
 *   Packet Number Length (2),
 *   Version (32),
 *   Destination Connection ID Length (8),
 *   Destination Connection ID (0..160),
 *   Source Connection ID Length (8),
 *   Source Connection ID (0..160),
 *   [Token Length (i), Token (..)],     (Initial only)
 *   Length (i),
 *   Packet Number (8..32),
 * }
 *
 * 1-RTT Packet {
 *   Header Form (1) = 0,
 *   Fixed Bit (1) = 1,
 *   Spin Bit (1),
 *   Reserved Bits (2),
 *   Key Phase (1),
 *   Packet Number Length (2),
 *   Destination Connection ID (0..160),
 *   Packet Number (8..32),
 * }
 * ```
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-17.2
 *
 * The Length field is written as a fixed-size placeholder and patched once the
 * payload (and AEAD tag) size is known. Headers are written in place into the
 * caller's send buffer; the reserved bits are written as 0 (§17.2).
 *
 * @module
 */

import type { Writer } from "../wire/writer.ts";
import { varintSize } from "../wire/varint.ts";
import { longTypeBits, PacketType } from "./packet_type.ts";
import { type PacketNumberLength, writePacketNumber } from "./packet_number.ts";
import {
  FIXED_BIT,
  HEADER_FORM_BIT,
  KEY_PHASE_BIT,
  LONG_TYPE_SHIFT,
  MAX_CID_LENGTH,
  SPIN_BIT,
  VERSION_SIZE,
} from "./header_bits.ts";

const EMPTY = new Uint8Array(0);

/** What {@link writeLongHeader} needs. */
export interface LongHeaderFields {
  /** Initial, 0-RTT or Handshake (Retry has its own writer). */
  type: typeof PacketType.Initial | typeof PacketType.ZeroRtt | typeof PacketType.Handshake;
  version: number;
  dcid: Uint8Array;
  scid: Uint8Array;
  /** Initial only (empty when absent). */
  token?: Uint8Array;
  pnLength: PacketNumberLength;
  /** The packet number; its low `pnLength` bytes are written. */
  truncatedPn: number;
  /** Bytes reserved for the Length varint: 2 (default, up to 16383) or 4. */
  lengthSize?: 2 | 4;
}

/**
 * Writes a long header with a Length placeholder, ending after the packet number.
 * Fill the Length with {@link patchLength} once the payload is known.
 *
 * @returns Where the Length field and the packet number start (absolute indices in `w.buf`).
 */
export function writeLongHeader(
  w: Writer,
  h: LongHeaderFields,
): { lengthOffset: number; pnOffset: number } {
  if (h.dcid.length > MAX_CID_LENGTH || h.scid.length > MAX_CID_LENGTH) {
    throw new RangeError("Cannot write long header: connection ID longer than 20 bytes");
  }
  w.u8(
    HEADER_FORM_BIT | FIXED_BIT |
      (longTypeBits(h.version, h.type) << LONG_TYPE_SHIFT) | (h.pnLength - 1),
  );
  w.u32(h.version >>> 0);
  w.u8(h.dcid.length);
  w.bytes(h.dcid);
  w.u8(h.scid.length);
  w.bytes(h.scid);
  if (h.type === PacketType.Initial) {
    const token = h.token ?? EMPTY;
    w.varint(token.length);
    w.bytes(token);
  }
  const lengthOffset = w.pos;
  w.varint(0, h.lengthSize ?? 2);
  const pnOffset = w.pos;
  writePacketNumber(w, h.truncatedPn, h.pnLength);
  return { lengthOffset, pnOffset };
}

/** Bytes {@link writeLongHeader} writes for `h` (up to and including the packet number). */
export function sizeLongHeader(h: LongHeaderFields): number {
  const tokenLength = h.type === PacketType.Initial ? (h.token ?? EMPTY).length : -1;
  return 1 + VERSION_SIZE + 1 + h.dcid.length + 1 + h.scid.length +
    (tokenLength < 0 ? 0 : varintSize(tokenLength) + tokenLength) + (h.lengthSize ?? 2) +
    h.pnLength;
}

/**
 * Fills a Length placeholder written by {@link writeLongHeader}, keeping its size.
 *
 * @param buf The packet buffer.
 * @param lengthOffset Where the placeholder starts.
 * @param length Bytes of packet number + payload + AEAD tag.
 */
export function patchLength(buf: Uint8Array, lengthOffset: number, length: number): void {
  const prefix = buf[lengthOffset]! >> 6;
  if (prefix === 1) {
    if (length > 0x3fff) throw new RangeError(`Cannot patch Length: ${length} needs > 2 bytes`);
    buf[lengthOffset] = 0x40 | (length >>> 8);
    buf[lengthOffset + 1] = length & 0xff;
  } else if (prefix === 2) {
    if (length > 0x3fffffff) throw new RangeError(`Cannot patch Length: ${length} needs > 4 bytes`);
    buf[lengthOffset] = 0x80 | (length >>> 24);
    buf[lengthOffset + 1] = (length >>> 16) & 0xff;
    buf[lengthOffset + 2] = (length >>> 8) & 0xff;
    buf[lengthOffset + 3] = length & 0xff;
  } else {
    throw new RangeError("Cannot patch Length: no 2- or 4-byte placeholder at that offset");
  }
}

/** What {@link writeShortHeader} needs. */
export interface ShortHeaderFields {
  dcid: Uint8Array;
  spin: boolean;
  keyPhase: 0 | 1;
  pnLength: PacketNumberLength;
  truncatedPn: number;
}

/**
 * Writes a 1-RTT (short) header, ending after the packet number.
 *
 * @returns Where the packet number starts (absolute index in `w.buf`).
 */
export function writeShortHeader(w: Writer, h: ShortHeaderFields): { pnOffset: number } {
  w.u8(
    FIXED_BIT | (h.spin ? SPIN_BIT : 0) | (h.keyPhase === 1 ? KEY_PHASE_BIT : 0) |
      (h.pnLength - 1),
  );
  w.bytes(h.dcid);
  const pnOffset = w.pos;
  writePacketNumber(w, h.truncatedPn, h.pnLength);
  return { pnOffset };
}

/** Bytes {@link writeShortHeader} writes. */
export function sizeShortHeader(dcidLength: number, pnLength: PacketNumberLength): number {
  return 1 + dcidLength + pnLength;
}
