/**
 * Stateless reset (RFC 9000 §10.3).
 *
 * ```
 * Stateless Reset {
 *   Fixed Bits (2) = 1,
 *   Unpredictable Bits (38..),
 *   Stateless Reset Token (128),
 * }
 * ```
 *
 * It looks like a short-header packet: header form 0, fixed bit 1, the rest
 * random, the last 16 bytes the token.
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-10.3
 *
 * @module
 */

import type { Random } from "../random.ts";

/** Size of a stateless reset token. */
export const STATELESS_RESET_TOKEN_LENGTH = 16;
/** At least 38 unpredictable bits: the first byte's 6 and 4 more bytes (§10.3). */
const MIN_UNPREDICTABLE_BYTES = 5;
/** Smallest stateless reset: 5 bytes + 16-byte token = 21 bytes (§10.3). */
export const MIN_STATELESS_RESET_SIZE = MIN_UNPREDICTABLE_BYTES + STATELESS_RESET_TOKEN_LENGTH;
/** Header form 0, fixed bit 1. */
const SHORT_FIXED = 0x40;
const RANDOM_BITS_MASK = 0x3f;
const HEADER_FORM_LONG = 0x80;

/**
 * Builds a stateless reset of `size` bytes ending in `token`.
 *
 * The caller picks `size`: smaller than the packet that triggered it (§10.3, to
 * avoid loops) and at least {@link MIN_STATELESS_RESET_SIZE}.
 *
 * @throws {RangeError} when `size` < 21 or the token is not 16 bytes.
 */
export function writeStatelessReset(token: Uint8Array, size: number, random: Random): Uint8Array {
  if (token.length !== STATELESS_RESET_TOKEN_LENGTH) {
    throw new RangeError("Cannot write stateless reset: the token is not 16 bytes");
  }
  if (!(size >= MIN_STATELESS_RESET_SIZE)) {
    throw new RangeError(`Cannot write stateless reset: ${size} bytes is below 21`);
  }
  const out = new Uint8Array(size);
  const tokenAt = size - STATELESS_RESET_TOKEN_LENGTH;
  random.fill(out.subarray(0, tokenAt));
  out[0] = SHORT_FIXED | (out[0]! & RANDOM_BITS_MASK);
  out.set(token, tokenAt);
  return out;
}

/**
 * The candidate stateless reset token of a datagram: its last 16 bytes, when the
 * datagram is long enough and starts like a short header (§10.3.1). The caller
 * compares it, in constant time, with the tokens it knows.
 *
 * @returns A view of the last 16 bytes, or null.
 */
export function statelessResetToken(datagram: Uint8Array): Uint8Array | null {
  if (datagram.length < MIN_STATELESS_RESET_SIZE) return null;
  if ((datagram[0]! & HEADER_FORM_LONG) !== 0) return null;
  return datagram.subarray(datagram.length - STATELESS_RESET_TOKEN_LENGTH);
}
