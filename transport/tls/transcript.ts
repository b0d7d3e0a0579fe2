/**
 * The handshake transcript (RFC 8446 §4.4.1).
 *
 * The client does not know the hash function before ServerHello, so the
 * transcript keeps the messages themselves (a few kilobytes) and hashes on
 * demand. After a HelloRetryRequest the first ClientHello is replaced by a
 * synthetic `message_hash` message holding its hash:
 *
 * ```
 * Transcript-Hash(ClientHello1, HelloRetryRequest, ... Mn) =
 *     Hash(message_hash ||        // Handshake type
 *          00 00 Hash.length  ||  // Handshake message length (bytes)
 *          Hash(ClientHello1) ||  // Hash of ClientHello1
 *          HelloRetryRequest  || ... || Mn)
 * ```
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { HashName } from "../crypto/hkdf.ts";
import { frameHandshake, HandshakeType } from "./messages/handshake.ts";

/** Hash of the concatenation of `parts`. */
export function hashBytes(hash: HashName, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(hash);
  for (const p of parts) h.update(p);
  const d = h.digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * The running transcript of one handshake.
 *
 * @example
 * ```ts
 * import { Transcript, hashBytes } from "./transcript.ts";
 * import assert from "node:assert/strict";
 * const t = new Transcript();
 * t.add(new Uint8Array([1, 0, 0, 0]));
 * assert.deepEqual(t.hash("sha256"), hashBytes("sha256", new Uint8Array([1, 0, 0, 0])));
 * ```
 */
export class Transcript {
  #messages: Uint8Array[] = [];

  /** Appends one whole handshake message (header included). */
  add(message: Uint8Array): void {
    this.#messages.push(message);
  }

  /** Transcript-Hash of everything added so far. */
  hash(hash: HashName): Uint8Array {
    return hashBytes(hash, ...this.#messages);
  }

  /** Transcript-Hash of everything added so far followed by `extra` (not added). */
  hashWith(hash: HashName, extra: Uint8Array): Uint8Array {
    return hashBytes(hash, ...this.#messages, extra);
  }

  /**
   * Replaces the messages so far (ClientHello1) by the synthetic message_hash
   * message, as required when a HelloRetryRequest follows (RFC 8446 §4.4.1).
   */
  restartForHelloRetry(hash: HashName): void {
    const digest = this.hash(hash);
    this.#messages = [frameHandshake(HandshakeType.MESSAGE_HASH, digest)];
  }
}
