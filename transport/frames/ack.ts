/**
 * ACK frames (RFC 9000 §19.3), on the fast path.
 *
 * ```
 * ACK Frame {
 *   Type (i) = 0x02..0x03,
 *   Largest Acknowledged (i),
 *   ACK Delay (i),
 *   ACK Range Count (i),
 *   First ACK Range (i),
 *   ACK Range (..) ...,
 *   [ECN Counts (..)],
 * }
 *
 * ACK Range {
 *   Gap (i),
 *   ACK Range Length (i),
 * }
 *
 * ECN Counts {
 *   ECT0 Count (i),
 *   ECT1 Count (i),
 *   ECN-CE Count (i),
 * }
 * ```
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.3
 *
 * Ranges are a flat number array of inclusive pairs, highest first:
 * `[hi0, lo0, hi1, lo1, …]` with `hi0` the Largest Acknowledged. A range's
 * smallest packet is `hi - length`; the next range's largest is
 * `lo - gap - 2` (§19.3.1).
 *
 * @module
 */

import type { Reader } from "../wire/reader.ts";
import type { Writer } from "../wire/writer.ts";
import { varintSize } from "../wire/varint.ts";
import { TransportError } from "../errors.ts";
import { varintSat } from "./_common.ts";

/** ECN counts carried by ACK_ECN (RFC 9000 §19.3.2). */
export interface EcnCounts {
  ect0: number;
  ect1: number;
  ce: number;
}

/** ACK or ACK_ECN. */
export interface AckFrame {
  type: 0x02 | 0x03;
  /** Largest Acknowledged; equals `ranges[0]`. */
  largest: number;
  /** ACK Delay as sent: unscaled (multiply by 2^ack_delay_exponent µs). */
  delay: number;
  /** Flat inclusive pairs `[hi0, lo0, hi1, lo1, …]`, descending. */
  ranges: number[];
  /** Present for ACK_ECN (0x03). */
  ecn?: EcnCounts;
}

/** Smallest encoding of one Gap/ACK Range Length pair, used to bound the range count. */
const MIN_RANGE_BYTES = 2;
/** Type byte of ACK without and with ECN counts. */
const ACK = 0x02;
const ACK_ECN = 0x03;

/**
 * Parses the body of an ACK frame whose type (0x02 or 0x03) was already read.
 *
 * @throws {TransportError} FRAME_ENCODING_ERROR when a range goes below packet 0
 *   or the range count cannot fit in the frame.
 */
export function parseAck(r: Reader, type: 0x02 | 0x03): AckFrame {
  const largest = varintSat(r);
  const delay = varintSat(r);
  const count = varintSat(r);
  const first = varintSat(r);
  if (first > largest) {
    throw TransportError.frameEncoding("Cannot parse ACK: first range goes below packet 0", type);
  }
  if (count > (r.end - r.pos) / MIN_RANGE_BYTES) {
    throw TransportError.frameEncoding(
      `Cannot parse ACK: range count ${count} exceeds the frame`,
      type,
    );
  }
  let lo = largest - first;
  const ranges: number[] = [largest, lo];
  for (let i = 0; i < count; i++) {
    const gap = varintSat(r);
    const len = varintSat(r);
    const hi = lo - gap - 2;
    if (hi < 0 || len > hi) {
      throw TransportError.frameEncoding("Cannot parse ACK: a range goes below packet 0", type);
    }
    lo = hi - len;
    ranges.push(hi, lo);
  }
  if (type === ACK_ECN) {
    const ect0 = varintSat(r);
    const ect1 = varintSat(r);
    const ce = varintSat(r);
    return { type, largest, delay, ranges, ecn: { ect0, ect1, ce } };
  }
  return { type, largest, delay, ranges };
}

/**
 * Writes an ACK frame (ACK_ECN when `ecn` is given) from flat descending ranges.
 *
 * @param w Where to write.
 * @param ranges `[hi0, lo0, hi1, lo1, …]`, descending, inclusive, non-adjacent.
 * @param delay The ACK Delay field (already scaled down by the exponent).
 * @param ecn ECN counts to send as ACK_ECN.
 * @example
 * ```ts
 * import { writeAckFrame, sizeAckFrame } from "./ack.ts";
 * import { Writer } from "../wire/writer.ts";
 * import assert from "node:assert/strict";
 * const w = new Writer(new Uint8Array(32));
 * writeAckFrame(w, [10, 8, 5, 5], 3);
 * assert.deepEqual(w.toBytes(), new Uint8Array([0x02, 10, 3, 1, 2, 1, 0]));
 * assert.equal(sizeAckFrame([10, 8, 5, 5], 3), 7);
 * ```
 */
export function writeAckFrame(w: Writer, ranges: number[], delay: number, ecn?: EcnCounts): void {
  const n = ranges.length;
  if (n < 2 || (n & 1) !== 0) throw new RangeError("Cannot write ACK: ranges must be pairs");
  w.u8(ecn === undefined ? ACK : ACK_ECN);
  const largest = ranges[0]!;
  let lo = ranges[1]!;
  w.varint(largest);
  w.varint(delay);
  w.varint(n / 2 - 1);
  w.varint(largest - lo);
  for (let i = 2; i < n; i += 2) {
    const hi = ranges[i]!;
    const nlo = ranges[i + 1]!;
    w.varint(lo - hi - 2);
    w.varint(hi - nlo);
    lo = nlo;
  }
  if (ecn !== undefined) {
    w.varint(ecn.ect0);
    w.varint(ecn.ect1);
    w.varint(ecn.ce);
  }
}

/** Exact encoded size of the ACK frame {@link writeAckFrame} would write. */
export function sizeAckFrame(ranges: number[], delay: number, ecn?: EcnCounts): number {
  const n = ranges.length;
  const largest = ranges[0]!;
  let lo = ranges[1]!;
  let size = 1 + varintSize(largest) + varintSize(delay) + varintSize(n / 2 - 1) +
    varintSize(largest - lo);
  for (let i = 2; i < n; i += 2) {
    const hi = ranges[i]!;
    const nlo = ranges[i + 1]!;
    size += varintSize(lo - hi - 2) + varintSize(hi - nlo);
    lo = nlo;
  }
  if (ecn !== undefined) size += varintSize(ecn.ect0) + varintSize(ecn.ect1) + varintSize(ecn.ce);
  return size;
}

const ZERO_ECN: EcnCounts = { ect0: 0, ect1: 0, ce: 0 };

/** Writes an {@link AckFrame}; type 0x03 without counts writes zero counts. */
export function writeAck(w: Writer, f: AckFrame): void {
  writeAckFrame(w, f.ranges, f.delay, f.type === ACK_ECN ? (f.ecn ?? ZERO_ECN) : undefined);
}

/** Exact encoded size of an {@link AckFrame}. */
export function sizeAck(f: AckFrame): number {
  return sizeAckFrame(f.ranges, f.delay, f.type === ACK_ECN ? (f.ecn ?? ZERO_ECN) : undefined);
}
