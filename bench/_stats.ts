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

/**
 * The median over runs of `xs[i] / base[i]`: each sample against the
 * baseline measured in the same run, so that the machine's speed drifting
 * from run to run cancels out. Runs where either is NaN are left out.
 *
 * @param xs samples of one configuration, by run
 * @param base the baseline's samples, by run (same length)
 * @returns the median ratio, NaN when no run has both
 *
 * @example
 * ```ts
 * import { pairedRatio } from "./_stats.ts";
 * import assert from "node:assert/strict";
 * // The machine slowed down by half in the second run: each run's ratio is still 0.9.
 * assert.equal(pairedRatio([90, 45, 88], [100, 50, 100]), 0.9);
 * assert.ok(Number.isNaN(pairedRatio([NaN], [1])));
 * ```
 */
export function pairedRatio(xs: readonly number[], base: readonly number[]): number {
  if (xs.length !== base.length) {
    throw new RangeError(`Cannot pair ${xs.length} samples with ${base.length}`);
  }
  return median(xs.map((x, i) => x / base[i]!));
}
