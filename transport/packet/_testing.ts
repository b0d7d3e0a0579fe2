/**
 * Test helpers for the packet codecs (private; imported by `_test.ts` files only).
 *
 * @module
 */

import type { Random } from "../random.ts";

/** Bytes from a hex string (spaces ignored). */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Applies one to three random mutations: bit flips, truncation, insertion. */
export function mutate(rng: Random, input: Uint8Array): Uint8Array {
  let b: Uint8Array = input.slice();
  const n = 1 + (rng.u32() % 3);
  for (let i = 0; i < n; i++) {
    switch (rng.u32() % 4) {
      case 0:
      case 1:
        if (b.length > 0) b[rng.u32() % b.length]! ^= 1 << (rng.u32() % 8);
        break;
      case 2:
        b = b.subarray(0, rng.u32() % (b.length + 1));
        break;
      default: {
        const at = rng.u32() % (b.length + 1);
        const ins = new Uint8Array(1 + (rng.u32() % 4));
        rng.fill(ins);
        b = concat(b.subarray(0, at), ins, b.subarray(at));
      }
    }
  }
  return b;
}
