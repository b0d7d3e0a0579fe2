/**
 * The peer's QPACK encoder and decoder streams (RFC 9204 §4.3, §4.4), as seen
 * by an endpoint whose dynamic table capacity is 0 and that never references
 * the dynamic table.
 *
 * ```
 * Encoder stream (§4.3):              Decoder stream (§4.4):
 *   001 capacity(5+)  Set Capacity      1 stream(7+)     Section Acknowledgment
 *   1 T index(6+) …   Insert, name ref  01 stream(6+)    Stream Cancellation
 *   01 H len(5+) …    Insert, lit name  00 increment(6+) Insert Count Increment
 *   000 index(5+)     Duplicate
 * ```
 *
 * Encoder stream: Set Dynamic Table Capacity 0 is fine; a larger capacity
 * exceeds our SETTINGS_QPACK_MAX_TABLE_CAPACITY and every insertion overflows
 * a table of capacity 0, so both are QPACK_ENCODER_STREAM_ERROR (§4.3.1,
 * §4.3.2). Decoder stream: Stream Cancellation is fine; a Section
 * Acknowledgment refers to a section with a dynamic reference and an Insert
 * Count Increment to an insertion, neither of which we ever send, so both are
 * QPACK_DECODER_STREAM_ERROR (§4.4.1, §4.4.3).
 *
 * Instructions may arrive split across STREAM frames: the functions consume
 * whole instructions and report how many bytes they used.
 *
 * @module
 */

import { Reader, UnexpectedEnd } from "../../../transport/wire/reader.ts";
import { H3Error, H3ErrorCode } from "../errors.ts";
import { readPrefixInt, readStringLiteral } from "./primitives.ts";

/** Longest string literal we skip in an encoder instruction before refusing it. */
const MAX_STRING = 64 * 1024;

/**
 * Reads whole encoder-stream instructions from `data`.
 *
 * @param data Bytes received on the peer's encoder stream, not yet consumed.
 * @returns How many bytes of complete instructions were consumed.
 * @throws {H3Error} QPACK_ENCODER_STREAM_ERROR.
 */
export function consumeEncoderInstructions(data: Uint8Array): number {
  const r = new Reader(data);
  let done = 0;
  try {
    while (!r.eof) {
      const b = r.buf[r.pos]!;
      if ((b & 0xe0) === 0x20) {
        const capacity = readPrefixInt(r, 5);
        if (capacity !== 0) {
          throw new H3Error(
            H3ErrorCode.QPACK_ENCODER_STREAM_ERROR,
            `Cannot set dynamic table capacity ${capacity}: our maximum is 0`,
          );
        }
      } else {
        // Parse the instruction fully so a truncated one waits for more bytes,
        // then refuse it: it inserts into a table of capacity 0.
        if ((b & 0x80) !== 0) {
          readPrefixInt(r, 6);
          readStringLiteral(r, 7, MAX_STRING);
        } else if ((b & 0x40) !== 0) {
          readStringLiteral(r, 5, MAX_STRING);
          readStringLiteral(r, 7, MAX_STRING);
        } else readPrefixInt(r, 5);
        throw new H3Error(
          H3ErrorCode.QPACK_ENCODER_STREAM_ERROR,
          "Cannot insert into the dynamic table: its capacity is 0",
        );
      }
      done = r.pos;
    }
  } catch (e) {
    if (e instanceof UnexpectedEnd) return done;
    if (e instanceof H3Error) throw e;
    if (e instanceof RangeError) {
      throw new H3Error(H3ErrorCode.QPACK_ENCODER_STREAM_ERROR, e.message);
    }
    throw e;
  }
  return done;
}

/**
 * Reads whole decoder-stream instructions from `data`.
 *
 * @param data Bytes received on the peer's decoder stream, not yet consumed.
 * @returns How many bytes of complete instructions were consumed.
 * @throws {H3Error} QPACK_DECODER_STREAM_ERROR.
 */
export function consumeDecoderInstructions(data: Uint8Array): number {
  const r = new Reader(data);
  let done = 0;
  try {
    while (!r.eof) {
      const b = r.buf[r.pos]!;
      if ((b & 0x80) !== 0) {
        const stream = readPrefixInt(r, 7);
        throw new H3Error(
          H3ErrorCode.QPACK_DECODER_STREAM_ERROR,
          `Cannot accept Section Acknowledgment for stream ${stream}: nothing to acknowledge`,
        );
      } else if ((b & 0x40) !== 0) {
        readPrefixInt(r, 6); // Stream Cancellation: nothing to release.
      } else {
        const increment = readPrefixInt(r, 6);
        throw new H3Error(
          H3ErrorCode.QPACK_DECODER_STREAM_ERROR,
          `Cannot accept Insert Count Increment ${increment}: we never insert`,
        );
      }
      done = r.pos;
    }
  } catch (e) {
    if (e instanceof UnexpectedEnd) return done;
    if (e instanceof H3Error) throw e;
    if (e instanceof RangeError) {
      throw new H3Error(H3ErrorCode.QPACK_DECODER_STREAM_ERROR, e.message);
    }
    throw e;
  }
  return done;
}
