/**
 * Helpers shared by the frame codecs (private to `transport/frames/`).
 *
 * Saturating varints: limits, offsets, stream ids and packet numbers are read as
 * `number` (varint.ts's rule). A peer may legitimately send a value above 2^53-1
 * for a limit ("unlimited" MAX_DATA, say); such a value is read as 2^53-1, which
 * is beyond anything we ever send or advertise, so every check the connection
 * makes against it keeps its meaning (a limit stays effectively unlimited, an
 * offset or stream id stays beyond our limits). Fields whose RFC bound lies
 * above 2^53 (offset + length ≤ 2^62-1, stream counts ≤ 2^60) are checked
 * exactly on a slow path before saturating.
 *
 * @module
 */

import { Reader } from "../wire/reader.ts";
import { VARINT_MAX } from "../wire/varint.ts";

/** The value a saturated varint reads as. */
export const SATURATED = Number.MAX_SAFE_INTEGER;

/** A shared empty byte array (never written to). */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/**
 * Reads a varint as a number, saturating at 2^53-1 instead of throwing.
 * Throws UnexpectedEnd on truncation.
 */
export function varintSat(r: Reader): number {
  const p = r.pos;
  const b = r.buf;
  // An 8-byte encoding whose top 11 value bits are not all zero is ≥ 2^53.
  if (p + 8 <= r.end && b[p]! >= 0xc0 && ((b[p]! & 0x3f) !== 0 || b[p + 1]! > 0x1f)) {
    r.pos = p + 8;
    return SATURATED;
  }
  return r.varint();
}

/**
 * The exact value of the varint that starts at `pos` (for slow-path checks of
 * saturated values).
 */
export function varintBigAt(buf: Uint8Array, pos: number, end: number): bigint {
  return new Reader(buf, pos, end).varintBig();
}

/**
 * Whether offset + length exceeds 2^62-1 (RFC 9000 §19.6, §19.8), where
 * `offset` was read with {@link varintSat} from `offsetPos` (-1 when absent).
 */
export function offsetOverflows(
  r: Reader,
  offsetPos: number,
  offset: number,
  length: number,
): boolean {
  if (offset + length <= SATURATED) return false;
  const exact = offsetPos < 0 ? 0n : varintBigAt(r.buf, offsetPos, r.end);
  return exact + BigInt(length) > VARINT_MAX;
}
