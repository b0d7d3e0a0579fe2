/**
 * CRYPTO frames (RFC 9000 §19.6), on the fast path.
 *
 * ```
 * CRYPTO Frame {
 *   Type (i) = 0x06,
 *   Offset (i),
 *   Length (i),
 *   Crypto Data (..),
 * }
 * ```
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.6
 *
 * @module
 */

import type { Reader } from "../wire/reader.ts";
import type { Writer } from "../wire/writer.ts";
import { varintSize } from "../wire/varint.ts";
import { TransportError } from "../errors.ts";
import { offsetOverflows, varintSat } from "./_common.ts";

/** A CRYPTO frame; `data` is a view into the packet. */
export interface CryptoFrame {
  type: 0x06;
  offset: number;
  data: Uint8Array;
}

const CRYPTO = 0x06;

/**
 * Parses the body of a CRYPTO frame whose type was already read.
 *
 * @throws {TransportError} FRAME_ENCODING_ERROR when offset + length exceeds 2^62-1.
 */
export function parseCrypto(r: Reader): CryptoFrame {
  const offsetPos = r.pos;
  const offset = varintSat(r);
  const length = varintSat(r);
  const data = r.bytes(length);
  if (offsetOverflows(r, offsetPos, offset, length)) {
    throw TransportError.frameEncoding(
      "Cannot parse CRYPTO: offset + length exceeds 2^62-1",
      CRYPTO,
    );
  }
  return { type: CRYPTO, offset, data };
}

/**
 * Bytes a CRYPTO frame takes before its data.
 *
 * @example
 * ```ts
 * import { sizeCryptoFrameHeader } from "./crypto.ts";
 * import assert from "node:assert/strict";
 * assert.equal(sizeCryptoFrameHeader(0, 1000), 1 + 1 + 2);
 * ```
 */
export function sizeCryptoFrameHeader(offset: number, dataLength: number): number {
  return 1 + varintSize(offset) + varintSize(dataLength);
}

/** Writes a CRYPTO frame. */
export function writeCryptoFrame(w: Writer, offset: number, data: Uint8Array): void {
  w.u8(CRYPTO);
  w.varint(offset);
  w.varint(data.length);
  w.bytes(data);
}

/** Writes a {@link CryptoFrame}. */
export function writeCrypto(w: Writer, f: CryptoFrame): void {
  writeCryptoFrame(w, f.offset, f.data);
}

/** Exact encoded size of a {@link CryptoFrame}. */
export function sizeCrypto(f: CryptoFrame): number {
  return sizeCryptoFrameHeader(f.offset, f.data.length) + f.data.length;
}
