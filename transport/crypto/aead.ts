/**
 * Packet payload protection with an AEAD (RFC 9001 §5.3), sealing and opening
 * in place.
 *
 * The nonce is the "quic iv" XORed with the packet number, left-padded to the
 * IV length (§5.3). The associated data is the header up to and including the
 * (unprotected) packet number. The 16-byte tag follows the ciphertext.
 *
 * node:crypto needs one cipher object per packet (GCM and ChaCha20-Poly1305
 * cannot be re-keyed with a new nonce); everything else (nonce buffer, the
 * options object) is reused. Sealing copies the ciphertext back into the
 * packet, so callers see an in-place operation; opening hands out the
 * plaintext buffer node:crypto made. `bench/crypto_bench.ts` compares this
 * with WebCrypto: node:crypto is faster per packet at QUIC packet sizes and
 * synchronous.
 *
 * What this cannot avoid with Deno's node:crypto (2.x): each `update()`
 * allocates a new output buffer (about 1 µs at 16 KB, 6 µs at 64 KB: new
 * memory, not the copy, is what costs), and each cipher object is a Node
 * Transform stream (1.5–3 µs to make). There is no `update` into a caller's
 * buffer, and the operations underneath are not reachable from user code.
 *
 * @module
 */

import { type CipherGCMTypes, createCipheriv, createDecipheriv } from "node:crypto";
import { suiteInfo } from "./cipher_suite.ts";
import type { CipherSuite } from "../tls/session.ts";

/** AEAD tag length for every QUIC suite (RFC 9001 §5.3). */
export const AEAD_TAG_LENGTH = 16;
const TWO_POW_32 = 0x1_0000_0000;

/** One direction's AEAD key and IV. */
export class PacketAead {
  readonly #alg: CipherGCMTypes | "chacha20-poly1305";
  readonly #key: Uint8Array;
  readonly #iv: Uint8Array;
  readonly #nonce: Uint8Array;
  readonly #options = { authTagLength: AEAD_TAG_LENGTH } as const;

  /**
   * Prepare an AEAD for one key and IV (both copied).
   *
   * @param suite The cipher suite.
   * @param key The "quic key" (16 or 32 bytes).
   * @param iv The "quic iv" (12 bytes).
   */
  constructor(suite: CipherSuite, key: Uint8Array, iv: Uint8Array) {
    const info = suiteInfo(suite);
    if (key.length !== info.keyLength || iv.length !== info.ivLength) {
      throw new RangeError(`Cannot use a ${key.length}-byte key and ${iv.length}-byte IV`);
    }
    this.#alg = info.aead;
    this.#key = key.slice();
    this.#iv = iv.slice();
    this.#nonce = new Uint8Array(iv.length);
  }

  /** The nonce for `pn` (RFC 9001 §5.3), in a buffer reused by the next call. */
  nonce(pn: number): Uint8Array {
    const n = this.#nonce;
    const iv = this.#iv;
    n.set(iv);
    const len = n.length;
    const lo = pn >>> 0;
    const hi = Math.floor(pn / TWO_POW_32) >>> 0;
    n[len - 1] = iv[len - 1]! ^ (lo & 0xff);
    n[len - 2] = iv[len - 2]! ^ ((lo >>> 8) & 0xff);
    n[len - 3] = iv[len - 3]! ^ ((lo >>> 16) & 0xff);
    n[len - 4] = iv[len - 4]! ^ (lo >>> 24);
    n[len - 5] = iv[len - 5]! ^ (hi & 0xff);
    n[len - 6] = iv[len - 6]! ^ ((hi >>> 8) & 0xff);
    n[len - 7] = iv[len - 7]! ^ ((hi >>> 16) & 0xff);
    n[len - 8] = iv[len - 8]! ^ (hi >>> 24);
    return n;
  }

  /**
   * Encrypt `packet[headerLength, payloadEnd)` in place and write the tag at
   * `payloadEnd` (the caller leaves 16 bytes of room).
   *
   * @param pn The full packet number.
   * @param packet The packet, from its first byte; the header is the associated data.
   * @param headerLength Length of the header, packet number included.
   * @param payloadEnd End of the plaintext payload.
   * @returns The end of the sealed packet: `payloadEnd + 16`.
   */
  seal(pn: number, packet: Uint8Array, headerLength: number, payloadEnd: number): number {
    if (payloadEnd + AEAD_TAG_LENGTH > packet.length) {
      throw new RangeError("Cannot seal: no room for the AEAD tag");
    }
    const c = createCipheriv(this.#alg as CipherGCMTypes, this.#key, this.nonce(pn), this.#options);
    c.setAAD(packet.subarray(0, headerLength));
    const out = c.update(packet.subarray(headerLength, payloadEnd));
    packet.set(out, headerLength);
    const rest = c.final();
    if (rest.length !== 0) packet.set(rest, headerLength + out.length);
    packet.set(c.getAuthTag(), payloadEnd);
    return payloadEnd + AEAD_TAG_LENGTH;
  }

  /**
   * Decrypt and authenticate `packet[headerLength, end)` (ciphertext then
   * tag). The packet is left as it was: the plaintext comes in a buffer of
   * its own, which no one else holds (node:crypto allocates one per call;
   * copying it back into the packet would only add a copy), so the caller
   * may keep views of it.
   *
   * @returns The plaintext, or `null` when authentication fails.
   */
  open(pn: number, packet: Uint8Array, headerLength: number, end: number): Uint8Array | null {
    const ctEnd = end - AEAD_TAG_LENGTH;
    if (ctEnd < headerLength) return null;
    const d = createDecipheriv(
      this.#alg as CipherGCMTypes,
      this.#key,
      this.nonce(pn),
      this.#options,
    );
    d.setAAD(packet.subarray(0, headerLength));
    d.setAuthTag(packet.subarray(ctEnd, end));
    const out: Uint8Array = d.update(packet.subarray(headerLength, ctEnd));
    let rest: Uint8Array;
    try {
      rest = d.final();
    } catch {
      return null;
    }
    // A plain Uint8Array view: a Buffer's `slice()` would not copy.
    if (rest.length === 0) return new Uint8Array(out.buffer, out.byteOffset, out.length);
    // Not for the AEADs QUIC uses (no block buffering), but kept correct.
    const all = new Uint8Array(out.length + rest.length);
    all.set(out);
    all.set(rest, out.length);
    return all;
  }
}
