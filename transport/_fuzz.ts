/**
 * The byte mutator of the codec fuzz tests (STYLE.md §20), shared so that
 * every parser is fed the same kinds of damage. Private: imported by tests
 * and their helpers only.
 *
 * @module
 */

import type { Random } from "./random.ts";

/** A copy of `input` with one to three edits: bit flips, a truncation, or inserted bytes. */
export function mutate(rng: Pick<Random, "u32" | "fill">, input: Uint8Array): Uint8Array {
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
        const next = new Uint8Array(b.length + ins.length);
        next.set(b.subarray(0, at));
        next.set(ins, at);
        next.set(b.subarray(at), at + ins.length);
        b = next;
      }
    }
  }
  return b;
}
