/**
 * Small statistics shared by the benchmark scripts.
 *
 * @module
 */

/**
 * The median of the numbers that are not NaN (the mean of the middle two
 * for an even count).
 *
 * @param xs samples, in any order (not modified)
 * @returns the median, NaN when there is no number
 *
 * @example
 * ```ts
 * import { median } from "./_stats.ts";
 * import assert from "node:assert/strict";
 * assert.equal(median([3, 1, NaN, 2]), 2);
 * assert.equal(median([4, 1, 3, 2]), 2.5);
 * ```
 */
export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
