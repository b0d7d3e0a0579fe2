/**
 * The handshake message header and a reassembler for CRYPTO stream bytes.
 *
 * ```
 * struct {
 *     HandshakeType msg_type;    // 1 byte
 *     uint24 length;             // bytes in message
 *     select (msg_type) { ... } body;
 * } Handshake;
 * ```
 * (RFC 8446 §4). QUIC carries handshake messages directly in CRYPTO frames,
 * without TLS records (RFC 9001 §4): a message may span several chunks, and a
 * chunk may hold several messages; {@link HandshakeReassembler} buffers the
 * contiguous bytes of one level and hands out whole messages.
 *
 * @module
 */

import { decodeError } from "../alert.ts";

/** Handshake message types (RFC 8446 §4, §B.3). */
export const HandshakeType = {
  CLIENT_HELLO: 1,
  SERVER_HELLO: 2,
  NEW_SESSION_TICKET: 4,
  END_OF_EARLY_DATA: 5,
  ENCRYPTED_EXTENSIONS: 8,
  CERTIFICATE: 11,
  CERTIFICATE_REQUEST: 13,
  CERTIFICATE_VERIFY: 15,
  FINISHED: 20,
  KEY_UPDATE: 24,
  MESSAGE_HASH: 254,
} as const;

/** A handshake message type number. */
export type HandshakeType = typeof HandshakeType[keyof typeof HandshakeType];

/** Size of the msg_type + uint24 length header. */
export const HANDSHAKE_HEADER_LENGTH = 4;

/**
 * Largest message body we buffer. Arbitrary: certificate chains are the
 * biggest messages and stay far below this.
 */
export const MAX_HANDSHAKE_MESSAGE = 1 << 17;

/** One whole handshake message. */
export interface HandshakeMessage {
  /** msg_type. */
  readonly type: number;
  /** The body, without the 4-byte header. */
  readonly body: Uint8Array;
  /** Header and body, as they enter the transcript. */
  readonly raw: Uint8Array;
}

/**
 * Frames a body with its 4-byte handshake header.
 *
 * @example
 * ```ts
 * import { frameHandshake } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(frameHandshake(20, new Uint8Array([9])), new Uint8Array([20, 0, 0, 1, 9]));
 * ```
 */
export function frameHandshake(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HANDSHAKE_HEADER_LENGTH + body.length);
  out[0] = type;
  out[1] = body.length >>> 16;
  out[2] = (body.length >>> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, HANDSHAKE_HEADER_LENGTH);
  return out;
}

/**
 * Buffers the in-order CRYPTO bytes of one encryption level and yields whole
 * handshake messages.
 *
 * @example Two chunks, one message
 * ```ts
 * import { HandshakeReassembler } from "./handshake.ts";
 * import assert from "node:assert/strict";
 * const r = new HandshakeReassembler();
 * r.push(new Uint8Array([20, 0, 0]));
 * assert.equal(r.next(), null);
 * r.push(new Uint8Array([2, 7, 8]));
 * assert.deepEqual(r.next()?.body, new Uint8Array([7, 8]));
 * ```
 */
export class HandshakeReassembler {
  #buf: Uint8Array = new Uint8Array(0);
  #start = 0;
  #end = 0;

  /** Bytes buffered and not yet returned as a message. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Appends received bytes. */
  push(data: Uint8Array): void {
    if (data.length === 0) return;
    const live = this.#end - this.#start;
    if (this.#end + data.length > this.#buf.length) {
      const next = new Uint8Array(Math.max(256, (live + data.length) * 2));
      next.set(this.#buf.subarray(this.#start, this.#end));
      this.#buf = next;
      this.#start = 0;
      this.#end = live;
    }
    this.#buf.set(data, this.#end);
    this.#end += data.length;
  }

  /**
   * The next whole message (a copy, safe to keep), or `null` when more bytes
   * are needed.
   *
   * @throws {TlsAlert} decode_error when a header announces a body over
   *   {@link MAX_HANDSHAKE_MESSAGE}.
   */
  next(): HandshakeMessage | null {
    const b = this.#buf;
    const s = this.#start;
    if (this.#end - s < HANDSHAKE_HEADER_LENGTH) return null;
    const length = (b[s + 1]! << 16) | (b[s + 2]! << 8) | b[s + 3]!;
    if (length > MAX_HANDSHAKE_MESSAGE) {
      throw decodeError(`Cannot accept handshake message: length ${length} over the limit`);
    }
    const total = HANDSHAKE_HEADER_LENGTH + length;
    if (this.#end - s < total) return null;
    const raw = b.slice(s, s + total);
    this.#start += total;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return { type: raw[0]!, body: raw.subarray(HANDSHAKE_HEADER_LENGTH), raw };
  }
}
