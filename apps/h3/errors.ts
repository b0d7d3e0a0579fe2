/**
 * HTTP/3 and QPACK error codes (RFC 9114 §8.1, RFC 9204 §6) and the error
 * type every HTTP/3 parser throws.
 *
 * An {@link H3Error} carries its code from the point of detection; the
 * session turns a connection error into CONNECTION_CLOSE (application close,
 * frame type 0x1d) with that code, and a stream error into RESET_STREAM /
 * STOP_SENDING on the one stream.
 *
 * @module
 */

/** HTTP/3 error codes (RFC 9114 §8.1) and QPACK's (RFC 9204 §6). */
export const H3ErrorCode = {
  H3_NO_ERROR: 0x100,
  H3_GENERAL_PROTOCOL_ERROR: 0x101,
  H3_INTERNAL_ERROR: 0x102,
  H3_STREAM_CREATION_ERROR: 0x103,
  H3_CLOSED_CRITICAL_STREAM: 0x104,
  H3_FRAME_UNEXPECTED: 0x105,
  H3_FRAME_ERROR: 0x106,
  H3_EXCESSIVE_LOAD: 0x107,
  H3_ID_ERROR: 0x108,
  H3_SETTINGS_ERROR: 0x109,
  H3_MISSING_SETTINGS: 0x10a,
  H3_REQUEST_REJECTED: 0x10b,
  H3_REQUEST_CANCELLED: 0x10c,
  H3_REQUEST_INCOMPLETE: 0x10d,
  H3_MESSAGE_ERROR: 0x10e,
  H3_CONNECT_ERROR: 0x10f,
  H3_VERSION_FALLBACK: 0x110,
  QPACK_DECOMPRESSION_FAILED: 0x200,
  QPACK_ENCODER_STREAM_ERROR: 0x201,
  QPACK_DECODER_STREAM_ERROR: 0x202,
} as const;

/** One of {@link H3ErrorCode}'s values. */
export type H3ErrorCode = typeof H3ErrorCode[keyof typeof H3ErrorCode];

const NAMES = new Map<number, string>(
  Object.entries(H3ErrorCode).map(([name, code]) => [code, name]),
);

/**
 * The name of an HTTP/3 or QPACK error code, or its hex value.
 *
 * @param code An application error code.
 * @returns `"H3_FRAME_UNEXPECTED"`, or `"0x1234"` for a code we do not know.
 * @example
 * ```ts
 * import { h3ErrorName } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(h3ErrorName(0x10a), "H3_MISSING_SETTINGS");
 * assert.equal(h3ErrorName(0x1f), "0x1f");
 * ```
 */
export function h3ErrorName(code: number | bigint): string {
  return NAMES.get(Number(code)) ?? `0x${code.toString(16)}`;
}

/** An HTTP/3 or QPACK protocol error; `stream` is true for a stream error (RFC 9114 §8). */
export class H3Error extends Error {
  /** The HTTP/3 or QPACK error code. */
  readonly code: H3ErrorCode;
  /** A stream error (reset the stream) rather than a connection error. */
  readonly stream: boolean;

  /**
   * Creates the object.
   * @param code The error code.
   * @param message What was wrong ("Cannot …: …").
   * @param stream Whether it is a stream error (default: connection error).
   */
  constructor(code: H3ErrorCode, message: string, stream = false) {
    super(message);
    this.name = "H3Error";
    this.code = code;
    this.stream = stream;
  }
}
