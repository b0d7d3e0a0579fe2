/**
 * QUIC packet types and their long-header type bits per version.
 *
 * RFC 9000 §17.2 (v1, also draft-29):
 *
 * ```
 * Long Header Packet {
 *   Header Form (1) = 1,
 *   Fixed Bit (1) = 1,
 *   Long Packet Type (2),
 *   Type-Specific Bits (4),
 *   Version (32),
 *   ...
 * }
 * ```
 *
 * | Type    | v1 / draft-29 | v2 (RFC 9369 §3.2) |
 * |---------|---------------|--------------------|
 * | Initial | 0b00          | 0b01               |
 * | 0-RTT   | 0b01          | 0b10               |
 * | Handshake | 0b10        | 0b11               |
 * | Retry   | 0b11          | 0b00               |
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-17.2 and
 * https://www.rfc-editor.org/rfc/rfc9369.html#section-3.2
 *
 * @module
 */

import { QuicVersion } from "../version.ts";

/** Packet types, independent of version (v2's type bits are mapped to these). */
export const PacketType = {
  Initial: 0,
  ZeroRtt: 1,
  Handshake: 2,
  Retry: 3,
  VersionNegotiation: 4,
  OneRtt: 5,
} as const;

/** One of the {@link PacketType} values. */
export type PacketType = typeof PacketType[keyof typeof PacketType];

/** A packet type that has a long header with type bits (not Version Negotiation, not 1-RTT). */
export type LongPacketType =
  | typeof PacketType.Initial
  | typeof PacketType.ZeroRtt
  | typeof PacketType.Handshake
  | typeof PacketType.Retry;

/** Type bits indexed by PacketType (Initial, 0-RTT, Handshake, Retry) for v1 and draft-29. */
const V1_TYPE_BITS: readonly number[] = [0b00, 0b01, 0b10, 0b11];
/** The same for QUIC v2 (RFC 9369 §3.2). */
const V2_TYPE_BITS: readonly number[] = [0b01, 0b10, 0b11, 0b00];
/** Inverse tables: PacketType indexed by the 2 type bits. */
const V1_TYPES: readonly LongPacketType[] = [
  PacketType.Initial,
  PacketType.ZeroRtt,
  PacketType.Handshake,
  PacketType.Retry,
];
const V2_TYPES: readonly LongPacketType[] = [
  PacketType.Retry,
  PacketType.Initial,
  PacketType.ZeroRtt,
  PacketType.Handshake,
];

/**
 * The 2 long-header type bits of `type` in `version`.
 *
 * @param version A QUIC version; anything but v2 uses the v1 mapping.
 * @param type Initial, 0-RTT, Handshake or Retry.
 * @returns A value in 0..3 (not shifted into place).
 * @example v2 maps Initial to 0b01
 * ```ts
 * import { longTypeBits, PacketType } from "./packet_type.ts";
 * import assert from "node:assert/strict";
 * assert.equal(longTypeBits(0x6b3343cf, PacketType.Initial), 0b01);
 * assert.equal(longTypeBits(1, PacketType.Initial), 0b00);
 * ```
 */
export function longTypeBits(version: number, type: LongPacketType): number {
  return (version === QuicVersion.V2 ? V2_TYPE_BITS : V1_TYPE_BITS)[type]!;
}

/**
 * The packet type that the 2 long-header type bits mean in `version`.
 *
 * @param version A QUIC version; anything but v2 uses the v1 mapping.
 * @param bits The type bits, 0..3.
 */
export function longPacketType(version: number, bits: number): LongPacketType {
  return (version === QuicVersion.V2 ? V2_TYPES : V1_TYPES)[bits & 3]!;
}

const NAMES: readonly string[] = [
  "Initial",
  "0-RTT",
  "Handshake",
  "Retry",
  "VersionNegotiation",
  "1-RTT",
];

/** A readable name for logs ("Initial", "0-RTT", "Handshake", "Retry", …). */
export function packetTypeName(type: PacketType): string {
  return NAMES[type] ?? `unknown(${type})`;
}
