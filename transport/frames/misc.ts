/**
 * PADDING, PING, NEW_TOKEN and HANDSHAKE_DONE (RFC 9000 §19.1, §19.2, §19.7, §19.20).
 *
 * ```
 * PADDING Frame {
 *   Type (i) = 0x00,
 * }
 *
 * PING Frame {
 *   Type (i) = 0x01,
 * }
 *
 * NEW_TOKEN Frame {
 *   Type (i) = 0x07,
 *   Token Length (i),
 *   Token (..),
 * }
 *
 * HANDSHAKE_DONE Frame {
 *   Type (i) = 0x1e,
 * }
 * ```
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.1,
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.2,
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.7,
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.20
 *
 * A run of consecutive PADDING bytes is one {@link PaddingFrame} with a length.
 *
 * @module
 */

import type { Reader } from "../wire/reader.ts";
import type { Writer } from "../wire/writer.ts";
import { varintSize } from "../wire/varint.ts";
import { TransportError } from "../errors.ts";
import { varintSat } from "./_common.ts";

/** A run of PADDING bytes. */
export interface PaddingFrame {
  type: 0x00;
  /** Number of PADDING bytes (at least 1). */
  length: number;
}
/** PING (0x01). */
export interface PingFrame {
  type: 0x01;
}
/** NEW_TOKEN (0x07). */
export interface NewTokenFrame {
  type: 0x07;
  /** Non-empty. */
  token: Uint8Array;
}
/** HANDSHAKE_DONE (0x1e). */
export interface HandshakeDoneFrame {
  type: 0x1e;
}

/**
 * Parses a run of PADDING after its first byte was read: consumes every
 * following 0x00 byte.
 */
export function parsePadding(r: Reader): PaddingFrame {
  const b = r.buf;
  const start = r.pos - 1;
  let p = r.pos;
  const end = r.end;
  while (p < end && b[p] === 0) p++;
  r.pos = p;
  return { type: 0x00, length: p - start };
}
/** Writes `f.length` PADDING bytes. */
export function writePadding(w: Writer, f: PaddingFrame): void {
  w.zeros(f.length);
}
/** Encoded size of a PADDING run: its length. */
export function sizePadding(f: PaddingFrame): number {
  return f.length;
}

/** The one PING frame value (frames without fields are immutable and shared). */
export const PING: PingFrame = Object.freeze({ type: 0x01 });
/** The one HANDSHAKE_DONE frame value. */
export const HANDSHAKE_DONE: HandshakeDoneFrame = Object.freeze({ type: 0x1e });

/**
 * Parses the body of NEW_TOKEN.
 *
 * @throws {TransportError} FRAME_ENCODING_ERROR for an empty token (§19.7).
 */
export function parseNewToken(r: Reader): NewTokenFrame {
  const length = varintSat(r);
  if (length === 0) {
    throw TransportError.frameEncoding("Cannot parse NEW_TOKEN: the token is empty", 0x07);
  }
  return { type: 0x07, token: r.bytes(length) };
}
/** Writes NEW_TOKEN. */
export function writeNewToken(w: Writer, f: NewTokenFrame): void {
  if (f.token.length === 0) throw new RangeError("Cannot write NEW_TOKEN: the token is empty");
  w.u8(0x07);
  w.varint(f.token.length);
  w.bytes(f.token);
}
/** Exact encoded size of NEW_TOKEN. */
export function sizeNewToken(f: NewTokenFrame): number {
  return 1 + varintSize(f.token.length) + f.token.length;
}
