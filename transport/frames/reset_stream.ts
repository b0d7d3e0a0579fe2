/**
 * RESET_STREAM and STOP_SENDING (RFC 9000 §19.4, §19.5).
 *
 * ```
 * RESET_STREAM Frame {
 *   Type (i) = 0x04,
 *   Stream ID (i),
 *   Application Protocol Error Code (i),
 *   Final Size (i),
 * }
 *
 * STOP_SENDING Frame {
 *   Type (i) = 0x05,
 *   Stream ID (i),
 *   Application Protocol Error Code (i),
 * }
 * ```
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.4 and
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.5
 *
 * Application error codes are opaque 62-bit values: bigint (varint.ts's slow path).
 *
 * @module
 */

import type { Reader } from "../wire/reader.ts";
import type { Writer } from "../wire/writer.ts";
import { varintSize, varintSizeBig } from "../wire/varint.ts";
import { varintSat } from "./_common.ts";

/** RESET_STREAM (0x04). */
export interface ResetStreamFrame {
  type: 0x04;
  id: number;
  errorCode: bigint;
  finalSize: number;
}

/** STOP_SENDING (0x05). */
export interface StopSendingFrame {
  type: 0x05;
  id: number;
  errorCode: bigint;
}

/** Parses the body of RESET_STREAM. */
export function parseResetStream(r: Reader): ResetStreamFrame {
  const id = varintSat(r);
  const errorCode = r.varintBig();
  return { type: 0x04, id, errorCode, finalSize: varintSat(r) };
}
/** Writes RESET_STREAM. */
export function writeResetStream(w: Writer, f: ResetStreamFrame): void {
  w.u8(0x04);
  w.varint(f.id);
  w.varintBig(f.errorCode);
  w.varint(f.finalSize);
}
/** Exact encoded size of RESET_STREAM. */
export function sizeResetStream(f: ResetStreamFrame): number {
  return 1 + varintSize(f.id) + varintSizeBig(f.errorCode) + varintSize(f.finalSize);
}

/** Parses the body of STOP_SENDING. */
export function parseStopSending(r: Reader): StopSendingFrame {
  const id = varintSat(r);
  return { type: 0x05, id, errorCode: r.varintBig() };
}
/** Writes STOP_SENDING. */
export function writeStopSending(w: Writer, f: StopSendingFrame): void {
  w.u8(0x05);
  w.varint(f.id);
  w.varintBig(f.errorCode);
}
/** Exact encoded size of STOP_SENDING. */
export function sizeStopSending(f: StopSendingFrame): number {
  return 1 + varintSize(f.id) + varintSizeBig(f.errorCode);
}
