/**
 * The first byte of a QUIC packet header: bit masks and the readers for the
 * bits header protection hides (RFC 9000 §17.2, §17.3.1; RFC 9001 §5.4).
 *
 * ```
 * Long:  Header Form (1) = 1, Fixed Bit (1) = 1, Long Packet Type (2),
 *        Reserved Bits (2), Packet Number Length (2)
 * Short: Header Form (1) = 0, Fixed Bit (1) = 1, Spin Bit (1),
 *        Reserved Bits (2), Key Phase (1), Packet Number Length (2)
 * ```
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-17.2 and
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-17.3.1
 *
 * @module
 */

import type { PacketNumberLength } from "./packet_number.ts";

/** Header Form bit: 1 for long headers (§17.2). */
export const HEADER_FORM_BIT = 0x80;
/** Fixed Bit (§17.2, §17.3.1). */
export const FIXED_BIT = 0x40;
/** Long Packet Type position in the first byte. */
export const LONG_TYPE_SHIFT = 4;
/** Packet Number Length bits (protected). */
export const PN_LENGTH_MASK = 0x03;
/** Long header Reserved Bits (protected; must be 0 after removal, §17.2). */
export const LONG_RESERVED_BITS = 0x0c;
/** Short header Reserved Bits (protected; must be 0 after removal, §17.3.1). */
export const SHORT_RESERVED_BITS = 0x18;
/** Short header Spin Bit (§17.4). */
export const SPIN_BIT = 0x20;
/** Short header Key Phase bit (protected, §17.3.1). */
export const KEY_PHASE_BIT = 0x04;
/** Longest connection ID in QUIC v1, v2 and draft-29 (§17.2). */
export const MAX_CID_LENGTH = 20;
/** Size of the Version field. */
export const VERSION_SIZE = 4;
/**
 * Bytes a protected packet needs after the start of its packet number: the
 * header-protection sample starts 4 bytes in and is 16 bytes long (RFC 9001 §5.4.2).
 */
export const MIN_BYTES_AFTER_PN_OFFSET = 4 + 16;

/** True when the first byte has the long header form. */
export function isLongHeader(firstByte: number): boolean {
  return (firstByte & HEADER_FORM_BIT) !== 0;
}

/** The packet number length (1–4) from an *unprotected* first byte. */
export function pnLengthOf(firstByte: number): PacketNumberLength {
  return ((firstByte & PN_LENGTH_MASK) + 1) as PacketNumberLength;
}

/**
 * Whether the reserved bits of an *unprotected* first byte are set: a
 * PROTOCOL_VIOLATION once the packet has been authenticated (§17.2, §17.3.1).
 */
export function reservedBitsSet(firstByte: number): boolean {
  const mask = (firstByte & HEADER_FORM_BIT) !== 0 ? LONG_RESERVED_BITS : SHORT_RESERVED_BITS;
  return (firstByte & mask) !== 0;
}

/** The key phase (0 or 1) of an *unprotected* short-header first byte. */
export function keyPhaseOf(firstByte: number): 0 | 1 {
  return (firstByte & KEY_PHASE_BIT) !== 0 ? 1 : 0;
}
