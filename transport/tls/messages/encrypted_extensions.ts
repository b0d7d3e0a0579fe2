/**
 * EncryptedExtensions (RFC 8446 §4.3.1).
 *
 * ```
 * struct {
 *     Extension extensions<0..2^16-1>;
 * } EncryptedExtensions;
 * ```
 *
 * @module
 */

import { Writer } from "../../wire/writer.ts";
import { type Extension, parseExtensions, writeExtensions } from "../extensions.ts";
import { parseBody, writeNested } from "./codec.ts";
import { HandshakeType } from "./handshake.ts";

/** Parses an EncryptedExtensions body into its extensions by type. */
export function parseEncryptedExtensions(body: Uint8Array): Map<number, Uint8Array> {
  return parseBody(body, "EncryptedExtensions", (r) => parseExtensions(r, "EE"));
}

/** Encodes an EncryptedExtensions message, header included. */
export function writeEncryptedExtensions(extensions: readonly Extension[]): Uint8Array {
  const w = Writer.growable(128);
  w.u8(HandshakeType.ENCRYPTED_EXTENSIONS);
  writeNested(w, 3, () => writeExtensions(w, extensions));
  return w.toBytes().slice();
}
