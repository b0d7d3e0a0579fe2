/**
 * STREAM frames (RFC 9000 §19.8), on the fast path.
 *
 * ```
 * STREAM Frame {
 *   Type (i) = 0x08..0x0f,
 *   Stream ID (i),
 *   [Offset (i)],
 *   [Length (i)],
 *   Stream Data (..),
 * }
 * ```
 *
 * Type bits: OFF (0x04) an Offset field is present, LEN (0x02) a Length field
 * is present (otherwise the data runs to the end of the packet), FIN (0x01).
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.8
 *
 * Parsed frames are normalised to `type: 0x08`; the data is a view into the
 * packet, not a copy.
 *
 * @module
 */

import type { Reader } from "../wire/reader.ts";
import type { Writer } from "../wire/writer.ts";
import { varintSize } from "../wire/varint.ts";
import { TransportError } from "../errors.ts";
import { offsetOverflows, varintSat } from "./_common.ts";
import { StreamTypeBits } from "./frame_type.ts";

/** A STREAM frame. */
export interface StreamFrame {
  type: 0x08;
  id: number;
  offset: number;
  data: Uint8Array;
  fin: boolean;
  /**
   * Write without a Length field, the data running to the end of the packet:
   * only for the last frame in a packet. Parsing never sets it.
   */
  lengthless?: boolean;
}

const STREAM = 0x08;

/**
 * Parses the body of a STREAM frame whose type byte (0x08–0x0f) was already read.
 *
 * @throws {TransportError} FRAME_ENCODING_ERROR when offset + length exceeds 2^62-1.
 */
export function parseStream(r: Reader, type: number): StreamFrame {
  const id = varintSat(r);
  let offset = 0;
  let offsetPos = -1;
  if ((type & StreamTypeBits.OFF) !== 0) {
    offsetPos = r.pos;
    offset = varintSat(r);
  }
  const length = (type & StreamTypeBits.LEN) !== 0 ? varintSat(r) : r.end - r.pos;
  const data = r.bytes(length);
  if (offsetOverflows(r, offsetPos, offset, length)) {
    throw TransportError.frameEncoding("Cannot parse STREAM: offset + length exceeds 2^62-1", type);
  }
  return { type: STREAM, id, offset, data, fin: (type & StreamTypeBits.FIN) !== 0 };
}

/**
 * Bytes a STREAM frame takes before its data.
 *
 * @param id Stream id.
 * @param offset Offset of the first byte (0 omits the Offset field).
 * @param dataLength Bytes of data.
 * @param lengthless True when no Length field will be written.
 * @example
 * ```ts
 * import { sizeStreamFrameHeader } from "./stream.ts";
 * import assert from "node:assert/strict";
 * assert.equal(sizeStreamFrameHeader(4, 0, 100), 1 + 1 + 2);
 * assert.equal(sizeStreamFrameHeader(4, 64, 100), 1 + 1 + 2 + 2);
 * ```
 */
export function sizeStreamFrameHeader(
  id: number,
  offset: number,
  dataLength: number,
  lengthless = false,
): number {
  return 1 + varintSize(id) + (offset === 0 ? 0 : varintSize(offset)) +
    (lengthless ? 0 : varintSize(dataLength));
}

/**
 * Writes a STREAM frame: the Offset field only when non-zero, the Length field unless
 * `lengthless`.
 */
export function writeStreamFrame(
  w: Writer,
  id: number,
  offset: number,
  data: Uint8Array,
  fin: boolean,
  lengthless = false,
): void {
  let type = STREAM;
  if (offset !== 0) type |= StreamTypeBits.OFF;
  if (!lengthless) type |= StreamTypeBits.LEN;
  if (fin) type |= StreamTypeBits.FIN;
  w.u8(type);
  w.varint(id);
  if (offset !== 0) w.varint(offset);
  if (!lengthless) w.varint(data.length);
  w.bytes(data);
}

/** Writes a {@link StreamFrame}. */
export function writeStream(w: Writer, f: StreamFrame): void {
  writeStreamFrame(w, f.id, f.offset, f.data, f.fin, f.lengthless === true);
}

/** Exact encoded size of a {@link StreamFrame}. */
export function sizeStream(f: StreamFrame): number {
  return sizeStreamFrameHeader(f.id, f.offset, f.data.length, f.lengthless === true) +
    f.data.length;
}
