/**
 * GF(2^8) region arithmetic for the FEC helpers (`fec_region_addmul`,
 * `fec_region_scale`): the field of RFC 8681's random linear codes, reduction
 * polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d), generator 2 — the same tables
 * as plugins/fec/gf256.h. A region times a constant goes through a
 * 256-entry product row, so each byte is one lookup and one XOR.
 *
 * @example
 * ```ts
 * import { gfAddMul, gfMul } from "./gf256.ts";
 * import assert from "node:assert/strict";
 * assert.equal(gfMul(2, 0x80), 0x1d); // x · x^7 = x^8 = x^4 + x^3 + x^2 + 1
 * const d = new Uint8Array([1, 2]);
 * gfAddMul(d, 0, new Uint8Array([3, 4]), 0, 1, 2);
 * assert.deepEqual([...d], [2, 6]);
 * ```
 *
 * @module
 */

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    EXP[i + 255] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  EXP[510] = EXP[0]!;
  EXP[511] = EXP[1]!;
}
const ROW = new Uint8Array(256);

/**
 * The product of two field elements.
 *
 * @param a element (0–255)
 * @param b element (0–255)
 * @returns a · b
 */
export function gfMul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!;
}

function row(c: number): Uint8Array {
  const lc = LOG[c]!;
  ROW[0] = 0;
  for (let x = 1; x < 256; x++) ROW[x] = EXP[lc + LOG[x]!]!;
  return ROW;
}

/**
 * `dst[d..d+n) += c · src[s..s+n)` (addition is XOR).
 *
 * @param dst destination bytes
 * @param d offset in dst
 * @param src source bytes (not overlapping the destination region)
 * @param s offset in src
 * @param c the constant (0–255)
 * @param n bytes
 */
export function gfAddMul(
  dst: Uint8Array,
  d: number,
  src: Uint8Array,
  s: number,
  c: number,
  n: number,
): void {
  if (c === 0) return;
  if (c === 1) {
    for (let i = 0; i < n; i++) dst[d + i]! ^= src[s + i]!;
    return;
  }
  const r = row(c);
  for (let i = 0; i < n; i++) dst[d + i]! ^= r[src[s + i]!]!;
}

/**
 * `dst[d..d+n) *= c`.
 *
 * @param dst bytes
 * @param d offset
 * @param c the constant (0–255)
 * @param n bytes
 */
export function gfScale(dst: Uint8Array, d: number, c: number, n: number): void {
  if (c === 1) return;
  if (c === 0) {
    dst.fill(0, d, d + n);
    return;
  }
  const r = row(c);
  for (let i = 0; i < n; i++) dst[d + i] = r[dst[d + i]!]!;
}
