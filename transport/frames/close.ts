/**
 * CONNECTION_CLOSE (RFC 9000 §19.19).
 *
 * ```
 * CONNECTION_CLOSE Frame {
 *   Type (i) = 0x1c..0x1d,
 *   Error Code (i),
 *   [Frame Type (i)],
 *   Reason Phrase Length (i),
 *   Reason Phrase (..),
 * }
 * ```
 *
 * 0x1c carries a transport error and the Frame Type field; 0x1d an application
 * error without it.
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.19
 *
 * @module
 */

import type { Reader } from "../wire/reader.ts";
import type { Writer } from "../wire/writer.ts";
import { varintSize, varintSizeBig } from "../wire/varint.ts";
import { varintSat } from "./_common.ts";

/** CONNECTION_CLOSE, transport (0x1c) or application (0x1d). */
export interface ConnectionCloseFrame {
  type: 0x1c | 0x1d;
  errorCode: bigint;
  /** The frame type that caused the error (0x1c only; 0n for 0x1d and when unknown). */
  frameType: bigint;
  /** UTF-8 reason phrase bytes (not validated, RFC 9000 §19.19). */
  reason: Uint8Array;
}

/** Parses the body of CONNECTION_CLOSE of either type. */
export function parseConnectionClose(r: Reader, type: 0x1c | 0x1d): ConnectionCloseFrame {
  const errorCode = r.varintBig();
  const frameType = type === 0x1c ? r.varintBig() : 0n;
  const length = varintSat(r);
  return { type, errorCode, frameType, reason: r.bytes(length) };
}

/** Writes CONNECTION_CLOSE. */
export function writeConnectionClose(w: Writer, f: ConnectionCloseFrame): void {
  w.u8(f.type);
  w.varintBig(f.errorCode);
  if (f.type === 0x1c) w.varintBig(f.frameType);
  w.varint(f.reason.length);
  w.bytes(f.reason);
}

/** Exact encoded size of CONNECTION_CLOSE. */
export function sizeConnectionClose(f: ConnectionCloseFrame): number {
  return 1 + varintSizeBig(f.errorCode) + (f.type === 0x1c ? varintSizeBig(f.frameType) : 0) +
    varintSize(f.reason.length) + f.reason.length;
}
