/**
 * QUIC variable-length integers (RFC 9000 §16).
 *
 * ```
 * 2MSB  Length  Usable bits  Range
 * 00    1       6            0-63
 * 01    2       14           0-16383
 * 10    4       30           0-1073741823
 * 11    8       62           0-4611686018427387903
 * ```
 *
 * The rule for this codebase: varints are read as `number`. Every value the
 * transport acts on (stream offsets, flow-control limits, stream counts, packet
 * numbers) is checked against limits we advertise long before 2^53, so a
 * `number` is exact for them. A varint above `Number.MAX_SAFE_INTEGER` read
 * through `Reader.varint()` is therefore out of range for us and throws a
 * {@link VarintRangeError}. Fields that may carry any 62-bit value (application
 * error codes, GREASE transport-parameter ids, unknown extension frame types)
 * use the named slow path `Reader.varintBig()` / `Writer.varintBig()`.
 *
 * @module
 */

/** Largest value a QUIC varint can carry: 2^62 - 1. */
export const VARINT_MAX = (1n << 62n) - 1n;

/** Largest varint value the `number` fast path accepts (2^53 - 1). */
export const VARINT_MAX_NUMBER = Number.MAX_SAFE_INTEGER;

/** Thrown when a varint is too large for the `number` fast path or for the wire. */
export class VarintRangeError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "VarintRangeError";
  }
}

/**
 * Number of bytes the shortest encoding of `value` takes.
 *
 * @param value A non-negative integer no larger than 2^53 - 1.
 * @returns 1, 2, 4 or 8.
 * @example Sizes
 * ```ts
 * import { varintSize } from "./varint.ts";
 * import assert from "node:assert/strict";
 * assert.equal(varintSize(63), 1);
 * assert.equal(varintSize(64), 2);
 * assert.equal(varintSize(16384), 4);
 * ```
 */
export function varintSize(value: number): 1 | 2 | 4 | 8 {
  if (value < 0x40) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x40000000) return 4;
  return 8;
}

/**
 * Number of bytes the shortest encoding of a bigint varint takes.
 *
 * @param value A non-negative bigint no larger than 2^62 - 1.
 * @returns 1, 2, 4 or 8.
 */
export function varintSizeBig(value: bigint): 1 | 2 | 4 | 8 {
  if (value < 0n || value > VARINT_MAX) {
    throw new VarintRangeError(`Cannot encode varint: ${value} is outside 0..2^62-1`);
  }
  return value < 0x40000000n ? varintSize(Number(value)) : 8;
}
