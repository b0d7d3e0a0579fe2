/**
 * Copies of small byte strings carved out of larger slabs: one allocation
 * per slab instead of one per copy (STYLE.md §9). A copy stays valid for as
 * long as it is referenced; its slab goes when no copy from it is left.
 *
 * For copies whose lifetimes follow their order (data written to a stream,
 * datagrams handed to a driver): an old copy that lives on pins its slab.
 *
 * @example
 * ```ts
 * import { ByteSlab } from "./byte_slab.ts";
 * import assert from "node:assert/strict";
 * const slab = new ByteSlab(1024);
 * const src = new Uint8Array([1, 2, 3]);
 * const a = slab.copy(src);
 * src[0] = 9;
 * assert.deepEqual(a, new Uint8Array([1, 2, 3]));
 * assert.equal(a.buffer, slab.copy(src).buffer);
 * ```
 *
 * @module
 */

/** A bump allocator of byte copies. */
export class ByteSlab {
  readonly #size: number;
  #slab: Uint8Array;
  #pos = 0;

  /** @param size Bytes per slab; copies over a quarter of it get their own buffer. */
  constructor(size: number) {
    this.#size = size;
    this.#slab = new Uint8Array(0);
  }

  /** A copy of `src` (a view into a slab, or its own buffer when large). */
  copy(src: Uint8Array): Uint8Array {
    const n = src.length;
    if (n > this.#size >> 2) return src.slice();
    if (this.#slab.length - this.#pos < n) {
      this.#slab = new Uint8Array(this.#size);
      this.#pos = 0;
    }
    const out = this.#slab.subarray(this.#pos, this.#pos + n);
    out.set(src);
    this.#pos += n;
    return out;
  }
}
