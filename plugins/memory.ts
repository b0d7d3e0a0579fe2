/**
 * The plugin heap (`my_malloc`/`my_free`/`my_realloc`, pquic-reference.md
 * §4.4): a first-fit free-list allocator over the heap region of one
 * instance memory, `[heapBase, memory.size)`, growing the memory page by page
 * up to the plugin's limit.
 *
 * Its bookkeeping lives on the host side (a map of blocks and a sorted free
 * list), not in headers inside plugin memory: a plugin that scribbles over
 * its heap corrupts only its own data, never the allocator, and every misuse
 * (double free, a pointer that was never returned by `my_malloc`, a pointer
 * into the middle of a block) is detected exactly and reported as a
 * `PluginFault("helper", …)`. Exhaustion is not a fault: as C's malloc,
 * `malloc` returns 0 (NULL) and the plugin decides.
 *
 * Blocks are 16-byte aligned and at least 16 bytes (so `malloc(0)` returns a
 * unique pointer); freeing coalesces with both neighbours.
 *
 * The allocator owns the heap region: nothing else may call
 * `InstanceMemory.alloc` on the same memory.
 *
 * @module
 */

import { type InstanceMemory, MEMORY_BASE, PluginFault } from "../vm/mod.ts";

/** Block alignment and minimum size, bytes. */
export const HEAP_ALIGN = 16;

function roundUp(n: number): number {
  return Math.max(HEAP_ALIGN, Math.ceil(n / HEAP_ALIGN) * HEAP_ALIGN);
}

function hex(a: bigint): string {
  return "0x" + a.toString(16);
}

/**
 * A heap over one instance memory.
 *
 * @example
 * ```ts
 * import { PluginHeap } from "./memory.ts";
 * import { InstanceMemory } from "../vm/mod.ts";
 * import assert from "node:assert/strict";
 * const heap = new PluginHeap(new InstanceMemory({ maxSize: 1 << 20 }));
 * const p = heap.malloc(100);
 * assert.notEqual(p, 0n);
 * heap.free(p);
 * assert.throws(() => heap.free(p), /double free/);
 * ```
 */
export class PluginHeap {
  readonly #memory: InstanceMemory;
  readonly #base: number;
  /** Offset just past the managed region (grows with the memory). */
  #end: number;
  /** Block start offset → block size (allocated blocks). */
  readonly #used = new Map<number, number>();
  /** Free blocks, sorted by start: parallel arrays. */
  #freeStart: number[] = [];
  #freeSize: number[] = [];
  /** Starts of freed blocks not handed out again (to name double frees). */
  readonly #freed = new Set<number>();
  #inUse = 0;
  #highWater = 0;

  /**
   * @param memory the instance memory whose heap region this allocator owns
   * @param reserve bytes at the start of the heap region kept out of the
   *   allocator (the instance's call cells, call_cells.ts)
   */
  constructor(memory: InstanceMemory, reserve = 0) {
    this.#memory = memory;
    this.#base = Math.ceil((memory.heapBase + reserve) / HEAP_ALIGN) * HEAP_ALIGN;
    this.#end = this.#base;
    this.#extendTo(memory.size);
  }

  /** Bytes currently allocated (block sizes, rounded). */
  get inUse(): number {
    return this.#inUse;
  }

  /** Most bytes ever allocated at once. */
  get highWater(): number {
    return this.#highWater;
  }

  /** Number of live blocks. */
  get blocks(): number {
    return this.#used.size;
  }

  /** Free blocks as [offset, size] pairs (for tests). */
  freeList(): [number, number][] {
    return this.#freeStart.map((s, i) => [s, this.#freeSize[i]!]);
  }

  /**
   * Allocates `size` bytes.
   *
   * @param size bytes wanted
   * @returns the eBPF address of the block, or 0n when the limit is reached
   */
  malloc(size: number): bigint {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.#memory.maxSize) return 0n;
    const need = roundUp(size);
    let i = this.#firstFit(need);
    if (i < 0) {
      if (!this.#grow(need)) return 0n;
      i = this.#firstFit(need);
      if (i < 0) return 0n;
    }
    const start = this.#freeStart[i]!;
    const left = this.#freeSize[i]! - need;
    if (left > 0) {
      this.#freeStart[i] = start + need;
      this.#freeSize[i] = left;
    } else {
      this.#freeStart.splice(i, 1);
      this.#freeSize.splice(i, 1);
    }
    this.#used.set(start, need);
    this.#freed.delete(start);
    this.#inUse += need;
    if (this.#inUse > this.#highWater) this.#highWater = this.#inUse;
    return MEMORY_BASE + BigInt(start);
  }

  /**
   * Frees a block (0n is a no-op, as C's free(NULL)).
   *
   * @param addr eBPF address returned by {@link malloc} or {@link realloc}
   * @throws PluginFault "helper" on a double free or a foreign pointer
   */
  free(addr: bigint): void {
    if (addr === 0n) return;
    const start = this.#blockOf(addr, "my_free");
    const size = this.#used.get(start)!;
    this.#used.delete(start);
    this.#freed.add(start);
    this.#inUse -= size;
    this.#insertFree(start, size);
  }

  /**
   * Resizes a block, in place when the next block is free, else by moving it.
   * `realloc(0n, n)` is `malloc(n)`; `realloc(p, 0)` frees p and returns 0n.
   *
   * @param addr the block, or 0n
   * @param size new size, bytes
   * @returns the (possibly moved) block, or 0n when it cannot grow (the old block is kept)
   * @throws PluginFault "helper" on a double free or a foreign pointer
   */
  realloc(addr: bigint, size: number): bigint {
    if (addr === 0n) return this.malloc(size);
    const start = this.#blockOf(addr, "my_realloc");
    if (size === 0) {
      this.free(addr);
      return 0n;
    }
    if (!Number.isSafeInteger(size) || size < 0 || size > this.#memory.maxSize) return 0n;
    const old = this.#used.get(start)!;
    const need = roundUp(size);
    if (need <= old) return addr;
    // Grow in place into a free neighbour.
    const j = this.#freeIndexAt(start + old);
    if (j >= 0 && old + this.#freeSize[j]! >= need) {
      const extra = need - old;
      if (this.#freeSize[j]! > extra) {
        this.#freeStart[j] = this.#freeStart[j]! + extra;
        this.#freeSize[j] = this.#freeSize[j]! - extra;
      } else {
        this.#freeStart.splice(j, 1);
        this.#freeSize.splice(j, 1);
      }
      this.#used.set(start, need);
      this.#inUse += extra;
      if (this.#inUse > this.#highWater) this.#highWater = this.#inUse;
      return addr;
    }
    const moved = this.malloc(size);
    if (moved === 0n) return 0n;
    const bytes = this.#memory.bytes();
    const to = Number(moved - MEMORY_BASE);
    bytes.copyWithin(to, start, start + old);
    this.free(addr);
    return moved;
  }

  /** Size of the block at `addr` (for tests and helpers), or undefined. */
  sizeOf(addr: bigint): number | undefined {
    const off = addr - MEMORY_BASE;
    return off < 0n || off > BigInt(Number.MAX_SAFE_INTEGER)
      ? undefined
      : this.#used.get(Number(off));
  }

  #blockOf(addr: bigint, helper: string): number {
    const off = addr - MEMORY_BASE;
    const start = off >= 0n && off <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(off) : -1;
    if (start >= 0 && this.#used.has(start)) return start;
    if (start >= 0 && this.#freed.has(start)) {
      throw new PluginFault("helper", `${helper}: double free of ${hex(addr)}`, { address: addr });
    }
    throw new PluginFault(
      "helper",
      `${helper}: ${hex(addr)} is not a block returned by my_malloc`,
      { address: addr },
    );
  }

  #firstFit(need: number): number {
    const sizes = this.#freeSize;
    for (let i = 0; i < sizes.length; i++) if (sizes[i]! >= need) return i;
    return -1;
  }

  /** Index of the free block starting exactly at `start`, or -1. */
  #freeIndexAt(start: number): number {
    const i = this.#lowerBound(start);
    return this.#freeStart[i] === start ? i : -1;
  }

  /** First free index whose start is ≥ `start`. */
  #lowerBound(start: number): number {
    let lo = 0;
    let hi = this.#freeStart.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#freeStart[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #insertFree(start: number, size: number): void {
    const i = this.#lowerBound(start);
    const fs = this.#freeStart;
    const sz = this.#freeSize;
    const mergePrev = i > 0 && fs[i - 1]! + sz[i - 1]! === start;
    const mergeNext = i < fs.length && start + size === fs[i];
    if (mergePrev && mergeNext) {
      sz[i - 1] = sz[i - 1]! + size + sz[i]!;
      fs.splice(i, 1);
      sz.splice(i, 1);
    } else if (mergePrev) {
      sz[i - 1] = sz[i - 1]! + size;
    } else if (mergeNext) {
      fs[i] = start;
      sz[i] = sz[i]! + size;
    } else {
      fs.splice(i, 0, start);
      sz.splice(i, 0, size);
    }
  }

  /** Adds `[#end, to)` to the free list. */
  #extendTo(to: number): void {
    if (to <= this.#end) return;
    const from = this.#end;
    this.#end = to;
    this.#insertFree(from, to - from);
  }

  /** Grows the memory so that a block of `need` bytes fits at the end; false past the limit. */
  #grow(need: number): boolean {
    const last = this.#freeStart.length - 1;
    const tailFree = last >= 0 && this.#freeStart[last]! + this.#freeSize[last]! === this.#end
      ? this.#freeSize[last]!
      : 0;
    const more = need - tailFree;
    if (this.#memory.size + more > this.#memory.maxSize) return false;
    try {
      this.#memory.grow(more);
    } catch (e) {
      if (e instanceof PluginFault) return false;
      throw e;
    }
    this.#extendTo(this.#memory.size);
    return true;
  }
}
