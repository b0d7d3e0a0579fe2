/**
 * Packet number encoding and decoding (RFC 9000 §17.1, Appendix A.2 and A.3).
 *
 * A packet number is sent truncated to 1–4 bytes; the receiver recovers the
 * full value as the one closest to `largest + 1`.
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-17.1 and
 * https://www.rfc-editor.org/rfc/rfc9000.html#appendix-A.2
 *
 * @module
 */

import type { Writer } from "../wire/writer.ts";

/** Longest truncated packet number encoding, in bytes (RFC 9000 §17.1). */
export const MAX_PACKET_NUMBER_LENGTH = 4;

/** 2^62, the packet number space size, as a (inexact but ordered) number. */
const PN_SPACE = 2 ** 62;

/** A packet number length in bytes. */
export type PacketNumberLength = 1 | 2 | 3 | 4;

/**
 * How many bytes to send `pn` in, given the largest packet number the peer acknowledged
 * (RFC 9000 Appendix A.2): enough for twice the number of unacknowledged packets.
 *
 * @param pn The full packet number to send.
 * @param largestAcked The largest acknowledged packet number in this space, -1 when none.
 * @example RFC 9000 Appendix A.2
 * ```ts
 * import { packetNumberLength } from "./packet_number.ts";
 * import assert from "node:assert/strict";
 * assert.equal(packetNumberLength(0xac5c02, 0xabe8b3), 2);
 * assert.equal(packetNumberLength(0xace8fe, 0xabe8b3), 3);
 * ```
 */
export function packetNumberLength(pn: number, largestAcked: number): PacketNumberLength {
  const unacked = largestAcked < 0 ? pn + 1 : pn - largestAcked;
  // min_bits = log2(unacked) + 1, so the truncated range 2^bits must exceed 2 * unacked.
  const range = unacked * 2;
  if (range <= 0x100) return 1;
  if (range <= 0x10000) return 2;
  if (range <= 0x1000000) return 3;
  return 4;
}

/**
 * Recovers a full packet number from its truncated form (RFC 9000 Appendix A.3).
 *
 * @param largest The largest packet number received so far in this space, -1 when none.
 * @param truncated The packet number bits as read from the header.
 * @param pnLength How many bytes they were sent in (1–4).
 * @example RFC 9000 Appendix A.3
 * ```ts
 * import { decodePacketNumber } from "./packet_number.ts";
 * import assert from "node:assert/strict";
 * assert.equal(decodePacketNumber(0xa82f30ea, 0x9b32, 2), 0xa82f9b32);
 * ```
 */
export function decodePacketNumber(largest: number, truncated: number, pnLength: number): number {
  const expected = largest + 1;
  const win = 2 ** (pnLength * 8);
  const hwin = win / 2;
  // (expected & ~mask) | truncated, with arithmetic because pn may exceed 2^32.
  const candidate = expected - (expected % win) + truncated;
  if (candidate <= expected - hwin && candidate < PN_SPACE - win) return candidate + win;
  if (candidate > expected + hwin && candidate >= win) return candidate - win;
  return candidate;
}

/** Writes the low `pnLength` bytes of `pn`, big-endian. */
export function writePacketNumber(w: Writer, pn: number, pnLength: PacketNumberLength): void {
  switch (pnLength) {
    case 1:
      return w.u8(pn & 0xff);
    case 2:
      return w.u16(pn & 0xffff);
    case 3:
      return w.u24(pn & 0xffffff);
    case 4:
      return w.u32(pn >>> 0);
  }
}

/** Reads a `pnLength`-byte truncated packet number at `offset` (after header protection removal). */
export function readPacketNumber(buf: Uint8Array, offset: number, pnLength: number): number {
  let v = 0;
  for (let i = 0; i < pnLength; i++) v = v * 256 + buf[offset + i]!;
  return v;
}
