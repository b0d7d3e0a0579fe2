/**
 * QUIC packet headers (RFC 9000 §17, RFC 9369 §3.2 for v2's type bits).
 *
 * ```
 * Long Header Packet {
 *   Header Form (1) = 1,
 *   Fixed Bit (1) = 1,
 *   Long Packet Type (2),
 *   Type-Specific Bits (4),
 *   Version (32),
 *   Destination Connection ID Length (8),
 *   Destination Connection ID (0..160),
 *   Source Connection ID Length (8),
 *   Source Connection ID (0..160),
 *   Type-Specific Payload (..),
 * }
 *
 * Initial Packet {                       (0-RTT and Handshake: no token fields)
 *   ...long header, Type = Initial,
 *   Reserved Bits (2),
 *   Packet Number Length (2),
 *   Token Length (i),
 *   Token (..),
 *   Length (i),
 *   Packet Number (8..32),
 *   Packet Payload (8..),
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
 *   Packet Payload (8..),
 * }
 * ```
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-17.2 and
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-17.3.1
 *
 * This file parses; `header_writer.ts` writes and `header_bits.ts` has the
 * first-byte masks. All are re-exported from here.
 *
 * {@link parsePacketHeader} reads the *protected* header: the parts header
 * protection leaves alone (form, fixed bit, version, CIDs, token, Length). The
 * packet number length, reserved bits, key phase and packet number are read
 * after header protection is removed, with the helpers in `header_bits.ts` and
 * `packet_number.ts`. A malformed packet throws a `RangeError` (the caller drops
 * it; a datagram that does not parse may still be a stateless reset: see
 * `statelessResetToken()`).
 *
 * @module
 */

import { Reader } from "../wire/reader.ts";
import { isSupportedVersion } from "../version.ts";
import { longPacketType, PacketType } from "./packet_type.ts";
import { RETRY_INTEGRITY_TAG_LENGTH } from "./retry.ts";
import {
  FIXED_BIT,
  HEADER_FORM_BIT,
  LONG_TYPE_SHIFT,
  MAX_CID_LENGTH,
  MIN_BYTES_AFTER_PN_OFFSET,
  VERSION_SIZE,
} from "./header_bits.ts";

export * from "./packet_type.ts";
export * from "./packet_number.ts";
export * from "./header_bits.ts";
export * from "./header_writer.ts";
export * from "./version_negotiation.ts";
export * from "./retry.ts";
export * from "./stateless_reset.ts";

/** A packet header as read from a protected packet. */
export interface PacketHeader {
  type: PacketType;
  /** Version field; 0 for short headers and for Version Negotiation. */
  version: number;
  dcid: Uint8Array;
  /** Empty for short headers. */
  scid: Uint8Array;
  /** Initial only, else empty. */
  token: Uint8Array;
  /**
   * Absolute index of the packet number in the datagram. For Retry and Version
   * Negotiation, which have none, the index where the type-specific payload starts.
   */
  pnOffset: number;
  /** Absolute index one past this packet: where a coalesced packet would start. */
  end: number;
  /** The first byte, still protected. */
  firstByte: number;
  /** Version Negotiation only, else empty. */
  supportedVersions: readonly number[];
  /** Retry only, else empty. */
  retryToken: Uint8Array;
  /** Retry only, else empty. */
  integrityTag: Uint8Array;
}

/**
 * Thrown by {@link parsePacketHeader} for a long header whose version we do not
 * speak; carries what a server needs to answer with Version Negotiation.
 */
export class UnsupportedVersionError extends RangeError {
  /** The version field. */
  readonly version: number;
  /** The packet's DCID. */
  readonly dcid: Uint8Array;
  /** The packet's SCID. */
  readonly scid: Uint8Array;

  constructor(version: number, dcid: Uint8Array, scid: Uint8Array) {
    super(`Cannot parse packet: unsupported version 0x${version.toString(16).padStart(8, "0")}`);
    this.name = "UnsupportedVersionError";
    this.version = version;
    this.dcid = dcid;
    this.scid = scid;
  }
}

const EMPTY = new Uint8Array(0);
const NO_VERSIONS: readonly number[] = Object.freeze([]);

/**
 * Parses the header of the packet starting at `offset` in `datagram`.
 *
 * @param datagram The whole UDP datagram (possibly coalesced packets).
 * @param offset Where this packet starts.
 * @param localCidLength Length of our connection IDs, for short headers.
 * @throws {RangeError} (or its subclass `UnexpectedEnd`) for a malformed or
 *   truncated packet; {@link UnsupportedVersionError} for an unknown version.
 * @example A short header
 * ```ts
 * import { parsePacketHeader, PacketType } from "./header.ts";
 * import assert from "node:assert/strict";
 * const d = new Uint8Array(30);
 * d[0] = 0x41;
 * const h = parsePacketHeader(d, 0, 4);
 * assert.equal(h.type, PacketType.OneRtt);
 * assert.equal(h.pnOffset, 5);
 * assert.equal(h.end, 30);
 * ```
 */
export function parsePacketHeader(
  datagram: Uint8Array,
  offset: number,
  localCidLength: number,
): PacketHeader {
  if (offset >= datagram.length) throw new RangeError("Cannot parse packet: no bytes left");
  const firstByte = datagram[offset]!;
  if ((firstByte & HEADER_FORM_BIT) === 0) {
    if ((firstByte & FIXED_BIT) === 0) throw new RangeError("Cannot parse packet: fixed bit is 0");
    const pnOffset = offset + 1 + localCidLength;
    const end = datagram.length;
    if (end - pnOffset < MIN_BYTES_AFTER_PN_OFFSET) {
      throw new RangeError("Cannot parse 1-RTT packet: too short for header protection");
    }
    return {
      type: PacketType.OneRtt,
      version: 0,
      dcid: datagram.subarray(offset + 1, pnOffset),
      scid: EMPTY,
      token: EMPTY,
      pnOffset,
      end,
      firstByte,
      supportedVersions: NO_VERSIONS,
      retryToken: EMPTY,
      integrityTag: EMPTY,
    };
  }
  return parseLongHeader(datagram, offset, firstByte);
}

function parseLongHeader(datagram: Uint8Array, offset: number, firstByte: number): PacketHeader {
  const r = new Reader(datagram, offset + 1);
  const version = r.u32();
  const dcidLength = r.u8();
  const dcid = r.bytes(dcidLength);
  const scid = r.bytes(r.u8());
  if (version === 0) {
    const rest = r.end - r.pos;
    if (rest % VERSION_SIZE !== 0) {
      throw new RangeError("Cannot parse Version Negotiation: versions are not 4-byte aligned");
    }
    const payload = r.pos;
    const supportedVersions: number[] = [];
    while (r.pos < r.end) supportedVersions.push(r.u32());
    return {
      type: PacketType.VersionNegotiation,
      version,
      dcid,
      scid,
      token: EMPTY,
      pnOffset: payload,
      end: datagram.length,
      firstByte,
      supportedVersions,
      retryToken: EMPTY,
      integrityTag: EMPTY,
    };
  }
  if (!isSupportedVersion(version)) throw new UnsupportedVersionError(version, dcid, scid);
  if (dcid.length > MAX_CID_LENGTH || scid.length > MAX_CID_LENGTH) {
    throw new RangeError("Cannot parse packet: connection ID longer than 20 bytes");
  }
  if ((firstByte & FIXED_BIT) === 0) throw new RangeError("Cannot parse packet: fixed bit is 0");
  const type = longPacketType(version, firstByte >> LONG_TYPE_SHIFT);
  if (type === PacketType.Retry) {
    const payload = r.pos;
    const tokenLength = r.end - r.pos - RETRY_INTEGRITY_TAG_LENGTH;
    // A client discards a Retry with an empty token (§17.2.5.2).
    if (tokenLength <= 0) throw new RangeError("Cannot parse Retry: no token");
    const retryToken = r.bytes(tokenLength);
    return {
      type,
      version,
      dcid,
      scid,
      token: EMPTY,
      pnOffset: payload,
      end: datagram.length,
      firstByte,
      supportedVersions: NO_VERSIONS,
      retryToken,
      integrityTag: r.bytes(RETRY_INTEGRITY_TAG_LENGTH),
    };
  }
  const token = type === PacketType.Initial ? r.bytes(r.varint()) : EMPTY;
  const length = r.varint();
  const pnOffset = r.pos;
  const end = pnOffset + length;
  if (end > datagram.length) throw new RangeError("Cannot parse packet: Length past datagram end");
  if (length < MIN_BYTES_AFTER_PN_OFFSET) {
    throw new RangeError("Cannot parse packet: too short for header protection");
  }
  return {
    type,
    version,
    dcid,
    scid,
    token,
    pnOffset,
    end,
    firstByte,
    supportedVersions: NO_VERSIONS,
    retryToken: EMPTY,
    integrityTag: EMPTY,
  };
}
