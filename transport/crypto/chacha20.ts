/**
 * The ChaCha20 block function (RFC 8439 §2.3), for QUIC header protection
 * with ChaCha20 (RFC 9001 §5.4.4).
 *
 * node:crypto offers a `chacha20` stream cipher, but it needs a new cipher
 * object per packet (the counter and nonce change with every sample); this
 * block function reuses its state and allocates nothing per call.
 *
 * @module
 */

const SIGMA0 = 0x61707865; // "expa"
const SIGMA1 = 0x3320646e; // "nd 3"
const SIGMA2 = 0x79622d32; // "2-by"
const SIGMA3 = 0x6b206574; // "te k"

function le32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

function rotl(v: number, n: number): number {
  return (v << n) | (v >>> (32 - n));
}

/**
 * A ChaCha20 key, ready to produce keystream blocks.
 *
 * @example RFC 8439 §2.3.2
 * ```ts
 * import { ChaCha20 } from "./chacha20.ts";
 * import assert from "node:assert/strict";
 * const key = Uint8Array.from({ length: 32 }, (_, i) => i);
 * const nonce = new Uint8Array([0, 0, 0, 9, 0, 0, 0, 0x4a, 0, 0, 0, 0]);
 * const block = new ChaCha20(key).block(1, nonce, 0);
 * assert.deepEqual(Array.from(block.subarray(0, 4)), [0x10, 0xf1, 0xe7, 0xe4]);
 * ```
 */
export class ChaCha20 {
  readonly #k = new Uint32Array(8);
  readonly #words = new Uint32Array(16);
  readonly #out: Uint8Array;

  /** @param key 32-byte key. */
  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new RangeError(`Cannot use a ${key.length}-byte ChaCha20 key`);
    for (let i = 0; i < 8; i++) this.#k[i] = le32(key, 4 * i);
    this.#out = new Uint8Array(this.#words.buffer);
  }

  /**
   * One 64-byte keystream block for a 32-bit block `counter` and the 12-byte
   * nonce at `nonce[nonceOffset..+12]`. The returned view is reused by the
   * next call. (Assumes a little-endian host, as every platform Deno runs on.)
   */
  block(counter: number, nonce: Uint8Array, nonceOffset: number): Uint8Array {
    const k = this.#k;
    const j0 = SIGMA0, j1 = SIGMA1, j2 = SIGMA2, j3 = SIGMA3;
    const j4 = k[0]!, j5 = k[1]!, j6 = k[2]!, j7 = k[3]!;
    const j8 = k[4]!, j9 = k[5]!, j10 = k[6]!, j11 = k[7]!;
    const j12 = counter >>> 0;
    const j13 = le32(nonce, nonceOffset);
    const j14 = le32(nonce, nonceOffset + 4);
    const j15 = le32(nonce, nonceOffset + 8);
    let x0 = j0, x1 = j1, x2 = j2, x3 = j3, x4 = j4, x5 = j5, x6 = j6, x7 = j7;
    let x8 = j8, x9 = j9, x10 = j10, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = j15;
    // 20 rounds = 10 double rounds: columns, then diagonals (RFC 8439 §2.3).
    for (let i = 0; i < 10; i++) {
      x0 = (x0 + x4) | 0, x12 = rotl(x12 ^ x0, 16), x8 = (x8 + x12) | 0, x4 = rotl(x4 ^ x8, 12);
      x0 = (x0 + x4) | 0, x12 = rotl(x12 ^ x0, 8), x8 = (x8 + x12) | 0, x4 = rotl(x4 ^ x8, 7);
      x1 = (x1 + x5) | 0, x13 = rotl(x13 ^ x1, 16), x9 = (x9 + x13) | 0, x5 = rotl(x5 ^ x9, 12);
      x1 = (x1 + x5) | 0, x13 = rotl(x13 ^ x1, 8), x9 = (x9 + x13) | 0, x5 = rotl(x5 ^ x9, 7);
      x2 = (x2 + x6) | 0, x14 = rotl(x14 ^ x2, 16), x10 = (x10 + x14) | 0, x6 = rotl(x6 ^ x10, 12);
      x2 = (x2 + x6) | 0, x14 = rotl(x14 ^ x2, 8), x10 = (x10 + x14) | 0, x6 = rotl(x6 ^ x10, 7);
      x3 = (x3 + x7) | 0, x15 = rotl(x15 ^ x3, 16), x11 = (x11 + x15) | 0, x7 = rotl(x7 ^ x11, 12);
      x3 = (x3 + x7) | 0, x15 = rotl(x15 ^ x3, 8), x11 = (x11 + x15) | 0, x7 = rotl(x7 ^ x11, 7);
      x0 = (x0 + x5) | 0, x15 = rotl(x15 ^ x0, 16), x10 = (x10 + x15) | 0, x5 = rotl(x5 ^ x10, 12);
      x0 = (x0 + x5) | 0, x15 = rotl(x15 ^ x0, 8), x10 = (x10 + x15) | 0, x5 = rotl(x5 ^ x10, 7);
      x1 = (x1 + x6) | 0, x12 = rotl(x12 ^ x1, 16), x11 = (x11 + x12) | 0, x6 = rotl(x6 ^ x11, 12);
      x1 = (x1 + x6) | 0, x12 = rotl(x12 ^ x1, 8), x11 = (x11 + x12) | 0, x6 = rotl(x6 ^ x11, 7);
      x2 = (x2 + x7) | 0, x13 = rotl(x13 ^ x2, 16), x8 = (x8 + x13) | 0, x7 = rotl(x7 ^ x8, 12);
      x2 = (x2 + x7) | 0, x13 = rotl(x13 ^ x2, 8), x8 = (x8 + x13) | 0, x7 = rotl(x7 ^ x8, 7);
      x3 = (x3 + x4) | 0, x14 = rotl(x14 ^ x3, 16), x9 = (x9 + x14) | 0, x4 = rotl(x4 ^ x9, 12);
      x3 = (x3 + x4) | 0, x14 = rotl(x14 ^ x3, 8), x9 = (x9 + x14) | 0, x4 = rotl(x4 ^ x9, 7);
    }
    const w = this.#words;
    w[0] = x0 + j0, w[1] = x1 + j1, w[2] = x2 + j2, w[3] = x3 + j3;
    w[4] = x4 + j4, w[5] = x5 + j5, w[6] = x6 + j6, w[7] = x7 + j7;
    w[8] = x8 + j8, w[9] = x9 + j9, w[10] = x10 + j10, w[11] = x11 + j11;
    w[12] = x12 + j12, w[13] = x13 + j13, w[14] = x14 + j14, w[15] = x15 + j15;
    return this.#out;
  }
}
