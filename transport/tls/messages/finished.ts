/**
 * Finished (RFC 8446 §4.4.4).
 *
 * ```
 * struct {
 *     opaque verify_data[Hash.length];
 * } Finished;
 * ```
 *
 * The verify_data computation lives in key_schedule.ts.
 *
 * @module
 */

import { decodeError } from "../alert.ts";
import { frameHandshake, HandshakeType } from "./handshake.ts";

/**
 * Parses a Finished body: the whole body is verify_data, which must be
 * `hashLength` bytes.
 */
export function parseFinished(body: Uint8Array, hashLength: number): Uint8Array {
  if (body.length !== hashLength) {
    throw decodeError(`Cannot parse Finished: ${body.length} bytes, expected ${hashLength}`);
  }
  return body;
}

/** Encodes a Finished message, header included. */
export function writeFinished(verifyData: Uint8Array): Uint8Array {
  return frameHandshake(HandshakeType.FINISHED, verifyData);
}
