/**
 * PATH_CHALLENGE and PATH_RESPONSE (RFC 9000 §19.17, §19.18).
 *
 * ```
 * PATH_CHALLENGE Frame {
 *   Type (i) = 0x1a,
 *   Data (64),
 * }
 *
 * PATH_RESPONSE Frame {
 *   Type (i) = 0x1b,
 *   Data (64),
 * }
 * ```
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.17 and
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.18
 *
 * @module
 */

import type { Reader } from "../wire/reader.ts";
import type { Writer } from "../wire/writer.ts";

/** Size of the Data field: 64 bits. */
export const PATH_DATA_LENGTH = 8;
/** Encoded size of either frame: type byte + data. */
const PATH_FRAME_SIZE = 1 + PATH_DATA_LENGTH;

/** PATH_CHALLENGE (0x1a). */
export interface PathChallengeFrame {
  type: 0x1a;
  /** 8 bytes. */
  data: Uint8Array;
}

/** PATH_RESPONSE (0x1b). */
export interface PathResponseFrame {
  type: 0x1b;
  /** 8 bytes, echoing a PATH_CHALLENGE. */
  data: Uint8Array;
}

/** Parses the body of PATH_CHALLENGE. */
export function parsePathChallenge(r: Reader): PathChallengeFrame {
  return { type: 0x1a, data: r.bytes(PATH_DATA_LENGTH) };
}
/** Parses the body of PATH_RESPONSE. */
export function parsePathResponse(r: Reader): PathResponseFrame {
  return { type: 0x1b, data: r.bytes(PATH_DATA_LENGTH) };
}

/** Writes PATH_CHALLENGE or PATH_RESPONSE. */
export function writePath(w: Writer, f: PathChallengeFrame | PathResponseFrame): void {
  if (f.data.length !== PATH_DATA_LENGTH) {
    throw new RangeError(`Cannot write path frame: data is ${f.data.length} bytes, not 8`);
  }
  w.u8(f.type);
  w.bytes(f.data);
}

/** Exact encoded size of PATH_CHALLENGE or PATH_RESPONSE. */
export function sizePath(_f: PathChallengeFrame | PathResponseFrame): number {
  return PATH_FRAME_SIZE;
}
