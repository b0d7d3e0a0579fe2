/**
 * Flow-control frames (RFC 9000 §19.9–§19.14).
 *
 * ```
 * MAX_DATA Frame {
 *   Type (i) = 0x10,
 *   Maximum Data (i),
 * }
 *
 * MAX_STREAM_DATA Frame {
 *   Type (i) = 0x11,
 *   Stream ID (i),
 *   Maximum Stream Data (i),
 * }
 *
 * MAX_STREAMS Frame {
 *   Type (i) = 0x12..0x13,
 *   Maximum Streams (i),
 * }
 *
 * DATA_BLOCKED Frame {
 *   Type (i) = 0x14,
 *   Maximum Data (i),
 * }
 *
 * STREAM_DATA_BLOCKED Frame {
 *   Type (i) = 0x15,
 *   Stream ID (i),
 *   Maximum Stream Data (i),
 * }
 *
 * STREAMS_BLOCKED Frame {
 *   Type (i) = 0x16..0x17,
 *   Maximum Streams (i),
 * }
 * ```
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.9 to
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.14
 *
 * Limits above 2^53-1 read as 2^53-1 (see `_common.ts`); stream counts above
 * 2^60 are a FRAME_ENCODING_ERROR (§19.11, §19.14).
 *
 * @module
 */

import type { Reader } from "../wire/reader.ts";
import type { Writer } from "../wire/writer.ts";
import { varintSize } from "../wire/varint.ts";
import { TransportError } from "../errors.ts";
import { SATURATED, varintSat } from "./_common.ts";

/** MAX_DATA (0x10). */
export interface MaxDataFrame {
  type: 0x10;
  max: number;
}
/** MAX_STREAM_DATA (0x11). */
export interface MaxStreamDataFrame {
  type: 0x11;
  id: number;
  max: number;
}
/** MAX_STREAMS, bidirectional (0x12) or unidirectional (0x13). */
export interface MaxStreamsFrame {
  type: 0x12 | 0x13;
  max: number;
}
/** DATA_BLOCKED (0x14). */
export interface DataBlockedFrame {
  type: 0x14;
  limit: number;
}
/** STREAM_DATA_BLOCKED (0x15). */
export interface StreamDataBlockedFrame {
  type: 0x15;
  id: number;
  limit: number;
}
/** STREAMS_BLOCKED, bidirectional (0x16) or unidirectional (0x17). */
export interface StreamsBlockedFrame {
  type: 0x16 | 0x17;
  limit: number;
}

/** Largest stream count a MAX_STREAMS or STREAMS_BLOCKED frame may carry (§19.11). */
export const MAX_STREAM_COUNT = 2n ** 60n;

/** Reads a stream count, rejecting values above 2^60. */
function streamCount(r: Reader, type: number, what: string): number {
  const pos = r.pos;
  const v = varintSat(r);
  if (v === SATURATED) {
    r.pos = pos;
    const exact = r.varintBig();
    if (exact > MAX_STREAM_COUNT) {
      throw TransportError.frameEncoding(`Cannot parse ${what}: stream count exceeds 2^60`, type);
    }
  }
  return v;
}

/** Parses the body of MAX_DATA. */
export function parseMaxData(r: Reader): MaxDataFrame {
  return { type: 0x10, max: varintSat(r) };
}
/** Writes MAX_DATA. */
export function writeMaxData(w: Writer, f: MaxDataFrame): void {
  w.u8(0x10);
  w.varint(f.max);
}
/** Exact encoded size of MAX_DATA. */
export function sizeMaxData(f: MaxDataFrame): number {
  return 1 + varintSize(f.max);
}

/** Parses the body of MAX_STREAM_DATA. */
export function parseMaxStreamData(r: Reader): MaxStreamDataFrame {
  const id = varintSat(r);
  return { type: 0x11, id, max: varintSat(r) };
}
/** Writes MAX_STREAM_DATA. */
export function writeMaxStreamData(w: Writer, f: MaxStreamDataFrame): void {
  w.u8(0x11);
  w.varint(f.id);
  w.varint(f.max);
}
/** Exact encoded size of MAX_STREAM_DATA. */
export function sizeMaxStreamData(f: MaxStreamDataFrame): number {
  return 1 + varintSize(f.id) + varintSize(f.max);
}

/**
 * Parses the body of MAX_STREAMS.
 *
 * @throws {TransportError} FRAME_ENCODING_ERROR when the count exceeds 2^60.
 */
export function parseMaxStreams(r: Reader, type: 0x12 | 0x13): MaxStreamsFrame {
  return { type, max: streamCount(r, type, "MAX_STREAMS") };
}
/** Writes MAX_STREAMS. */
export function writeMaxStreams(w: Writer, f: MaxStreamsFrame): void {
  w.u8(f.type);
  w.varint(f.max);
}
/** Exact encoded size of MAX_STREAMS. */
export function sizeMaxStreams(f: MaxStreamsFrame): number {
  return 1 + varintSize(f.max);
}

/** Parses the body of DATA_BLOCKED. */
export function parseDataBlocked(r: Reader): DataBlockedFrame {
  return { type: 0x14, limit: varintSat(r) };
}
/** Writes DATA_BLOCKED. */
export function writeDataBlocked(w: Writer, f: DataBlockedFrame): void {
  w.u8(0x14);
  w.varint(f.limit);
}
/** Exact encoded size of DATA_BLOCKED. */
export function sizeDataBlocked(f: DataBlockedFrame): number {
  return 1 + varintSize(f.limit);
}

/** Parses the body of STREAM_DATA_BLOCKED. */
export function parseStreamDataBlocked(r: Reader): StreamDataBlockedFrame {
  const id = varintSat(r);
  return { type: 0x15, id, limit: varintSat(r) };
}
/** Writes STREAM_DATA_BLOCKED. */
export function writeStreamDataBlocked(w: Writer, f: StreamDataBlockedFrame): void {
  w.u8(0x15);
  w.varint(f.id);
  w.varint(f.limit);
}
/** Exact encoded size of STREAM_DATA_BLOCKED. */
export function sizeStreamDataBlocked(f: StreamDataBlockedFrame): number {
  return 1 + varintSize(f.id) + varintSize(f.limit);
}

/**
 * Parses the body of STREAMS_BLOCKED.
 *
 * @throws {TransportError} FRAME_ENCODING_ERROR when the count exceeds 2^60.
 */
export function parseStreamsBlocked(r: Reader, type: 0x16 | 0x17): StreamsBlockedFrame {
  return { type, limit: streamCount(r, type, "STREAMS_BLOCKED") };
}
/** Writes STREAMS_BLOCKED. */
export function writeStreamsBlocked(w: Writer, f: StreamsBlockedFrame): void {
  w.u8(f.type);
  w.varint(f.limit);
}
/** Exact encoded size of STREAMS_BLOCKED. */
export function sizeStreamsBlocked(f: StreamsBlockedFrame): number {
  return 1 + varintSize(f.limit);
}
