/**
 * Randomness comes into the sans-IO core as an argument: tests pass a seeded
 * {@link SeededRandom} so runs are reproducible; real endpoints pass
 * {@link CryptoRandom}.
 *
 * @module
 */

/** A source of random bytes and numbers. */
export interface Random {
  /** Fills `bytes` with random bytes. */
  fill(bytes: Uint8Array): void;
  /** A uniformly random 32-bit unsigned integer. */
  u32(): number;
  /** A uniformly random float in [0, 1). */
  float(): number;
}

/** Cryptographically secure randomness from WebCrypto. */
export class CryptoRandom implements Random {
  readonly #word = new Uint32Array(1);
  fill(bytes: Uint8Array): void {
    // getRandomValues takes at most 65,536 bytes per call.
    for (let i = 0; i < bytes.length; i += 65536) {
      crypto.getRandomValues(bytes.subarray(i, Math.min(bytes.length, i + 65536)));
    }
  }
  u32(): number {
    crypto.getRandomValues(this.#word);
    return this.#word[0]!;
  }
  float(): number {
    return this.u32() / 0x1_0000_0000;
  }
}

/**
 * A fast deterministic generator (xoshiro128**), seeded through splitmix32.
 * Not for keys: for tests and the simulator only.
 *
 * @example Same seed, same sequence
 * ```ts
 * import { SeededRandom } from "./random.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new SeededRandom(7).u32(), new SeededRandom(7).u32());
 * ```
 */
export class SeededRandom implements Random {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s0 = next();
    this.#s1 = next();
    this.#s2 = next();
    this.#s3 = next();
  }

  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = (this.#s1 << 9) >>> 0;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 = (this.#s2 ^ t) >>> 0;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  float(): number {
    return this.u32() / 0x1_0000_0000;
  }

  fill(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i += 4) {
      let v = this.u32();
      for (let j = i; j < i + 4 && j < bytes.length; j++) {
        bytes[j] = v & 0xff;
        v >>>= 8;
      }
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
