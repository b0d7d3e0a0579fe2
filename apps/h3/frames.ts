/**
 * HTTP/3 frames (RFC 9114 §7), settings (§7.2.4.1) and stream types (§6.2):
 * the codepoints and the codecs for the frames we build or take apart.
 *
 * ```
 * HTTP/3 Frame Format {            SETTINGS Frame {          GOAWAY Frame {
 *   Type (i),                        Type (i) = 0x04,          Type (i) = 0x07,
 *   Length (i),                      Length (i),               Length (i),
 *   Frame Payload (..),              Setting {                 Stream ID/Push ID (i),
 * }                                    Identifier (i),         }
 *                                      Value (i),
 *                                    } ...,
 *                                  }
 * ```
 *
 * https://www.rfc-editor.org/rfc/rfc9114.html#section-7
 *
 * @module
 */

import { Reader, UnexpectedEnd } from "../../transport/wire/reader.ts";
import { Writer } from "../../transport/wire/writer.ts";
import { varintSize } from "../../transport/wire/varint.ts";
import { H3Error, H3ErrorCode } from "./errors.ts";

/** Frame types (RFC 9114 §7.2, §11.2.1). */
export const FrameType = {
  DATA: 0x00,
  HEADERS: 0x01,
  CANCEL_PUSH: 0x03,
  SETTINGS: 0x04,
  PUSH_PROMISE: 0x05,
  GOAWAY: 0x07,
  MAX_PUSH_ID: 0x0d,
} as const;

/** HTTP/2 frame types with no HTTP/3 meaning: receiving one is H3_FRAME_UNEXPECTED (§7.2.8). */
export const HTTP2_ONLY_FRAME_TYPES: ReadonlySet<number> = new Set([0x02, 0x06, 0x08, 0x09]);

/** Unidirectional stream types (RFC 9114 §6.2, RFC 9204 §4.2). */
export const StreamType = {
  CONTROL: 0x00,
  PUSH: 0x01,
  QPACK_ENCODER: 0x02,
  QPACK_DECODER: 0x03,
} as const;

/** Setting identifiers (RFC 9114 §7.2.4.1, RFC 9204 §5). */
export const SettingId = {
  QPACK_MAX_TABLE_CAPACITY: 0x01,
  MAX_FIELD_SECTION_SIZE: 0x06,
  QPACK_BLOCKED_STREAMS: 0x07,
} as const;

/** HTTP/2 setting identifiers that HTTP/3 reserves: H3_SETTINGS_ERROR (§7.2.4.1). */
export const HTTP2_ONLY_SETTINGS: ReadonlySet<number> = new Set([0x00, 0x02, 0x03, 0x04, 0x05]);

/**
 * True for the reserved ("grease") codepoints 0x1f × N + 0x21 used for frame
 * types, stream types and settings (RFC 9114 §7.2.8, §6.2.3, §7.2.4.1).
 */
export function isGreaseCodepoint(v: number | bigint): boolean {
  const b = BigInt(v);
  return b >= 0x21n && (b - 0x21n) % 0x1fn === 0n;
}

/**
 * Encodes a whole frame.
 *
 * @param type Frame type.
 * @param payload Frame payload.
 * @returns Type, length and payload.
 * @example
 * ```ts
 * import { encodeFrame, FrameType } from "./frames.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(encodeFrame(FrameType.GOAWAY, new Uint8Array([4])), new Uint8Array([7, 1, 4]));
 * ```
 */
export function encodeFrame(type: number, payload: Uint8Array): Uint8Array {
  const w = new Writer(
    new Uint8Array(varintSize(type) + varintSize(payload.length) + payload.length),
  );
  w.varint(type);
  w.varint(payload.length);
  w.bytes(payload);
  return w.toBytes();
}

/** The header (type and length) of a DATA frame whose payload is `length` bytes. */
export function dataFrameHeader(length: number): Uint8Array {
  const w = new Writer(new Uint8Array(1 + varintSize(length)));
  w.varint(FrameType.DATA);
  w.varint(length);
  return w.toBytes();
}

/** Settings, by identifier. */
export type Settings = Map<number, number>;

/**
 * Encodes a SETTINGS frame (the whole frame).
 *
 * @param settings Identifier → value.
 * @returns The frame.
 */
export function encodeSettingsFrame(settings: Settings): Uint8Array {
  const w = Writer.growable(32);
  for (const [id, value] of settings) {
    w.varint(id);
    w.varint(value);
  }
  return encodeFrame(FrameType.SETTINGS, w.toBytes());
}

/**
 * Parses a SETTINGS frame's payload.
 *
 * @param payload The payload.
 * @returns Identifier → value; identifiers above 2^53 (only grease could be
 * that large) are skipped.
 * @throws {H3Error} H3_SETTINGS_ERROR for a duplicate or HTTP/2-only
 * identifier, H3_FRAME_ERROR for a truncated payload.
 */
export function parseSettings(payload: Uint8Array): Settings {
  const r = new Reader(payload);
  const out: Settings = new Map();
  try {
    while (!r.eof) {
      const id = r.varintBig();
      const value = r.varintBig();
      if (id > BigInt(Number.MAX_SAFE_INTEGER)) continue;
      const n = Number(id);
      if (HTTP2_ONLY_SETTINGS.has(n)) {
        throw new H3Error(
          H3ErrorCode.H3_SETTINGS_ERROR,
          `Cannot accept HTTP/2 setting 0x${n.toString(16)}`,
        );
      }
      if (out.has(n)) {
        throw new H3Error(
          H3ErrorCode.H3_SETTINGS_ERROR,
          `Cannot accept setting 0x${n.toString(16)} twice`,
        );
      }
      out.set(n, value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value));
    }
  } catch (e) {
    if (e instanceof UnexpectedEnd) {
      throw new H3Error(H3ErrorCode.H3_FRAME_ERROR, "Cannot parse SETTINGS: truncated");
    }
    throw e;
  }
  return out;
}

/**
 * Parses the single varint payload of GOAWAY, MAX_PUSH_ID or CANCEL_PUSH.
 *
 * @param payload The payload.
 * @param name The frame's name, for the message.
 * @returns The ID.
 * @throws {H3Error} H3_FRAME_ERROR unless the payload is exactly one varint.
 */
export function parseIdPayload(payload: Uint8Array, name: string): number {
  const r = new Reader(payload);
  try {
    const id = r.varint();
    if (!r.eof) {
      throw new H3Error(H3ErrorCode.H3_FRAME_ERROR, `Cannot parse ${name}: trailing bytes`);
    }
    return id;
  } catch (e) {
    if (e instanceof H3Error) throw e;
    if (e instanceof RangeError) {
      throw new H3Error(H3ErrorCode.H3_FRAME_ERROR, `Cannot parse ${name}: ${e.message}`);
    }
    throw e;
  }
}

/** Encodes a GOAWAY frame carrying `id` (a stream ID from a server, a push ID from a client). */
export function encodeGoawayFrame(id: number): Uint8Array {
  const w = new Writer(new Uint8Array(varintSize(id)));
  w.varint(id);
  return encodeFrame(FrameType.GOAWAY, w.toBytes());
}
