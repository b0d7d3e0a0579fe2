/**
 * The address space of one plugin instance: a `WebAssembly.Memory` of its own,
 * so that the Wasm engine can import the very same memory.
 *
 * eBPF addresses are 64-bit. Instance memory byte `i` has the eBPF address
 * `MEMORY_BASE + i`; `MEMORY_BASE = 0x1_0000_0000` keeps null and small
 * integers from ever being valid pointers.
 *
 * ```
 * offset 0            dataSize'        stackBase                 stackTop = heapBase         size
 * +-------------------+----------------+--------------------------+---------------------------+
 * | data (.rodata,    | pad to 16      | stack: MAX_CALL_DEPTH    | heap (helpers allocate);  |
 * | .data, .bss)      |                | frames of 512 B, frame 0 | grows in 64 KiB pages up  |
 * |                   |                | at the top (r10 = top)   | to maxSize                |
 * +-------------------+----------------+--------------------------+---------------------------+
 * ```
 *
 * The access rule both engines apply to every load, store and atomic, on
 * every path: an access of `size` bytes at eBPF address `addr` is valid iff
 * `addr >= MEMORY_BASE` and `addr - MEMORY_BASE + size <= memory.buffer.byteLength`
 * (the whole current memory, which is a multiple of 64 KiB; helpers may grow
 * it during a run, so compare against the current size). All regions,
 * including the data region, are writable: read-only `.rodata` is not
 * enforced (by either engine). A failing access throws the fault built by
 * {@link InstanceMemory.check} (`check(addr, size, write, pc)` throws, so the
 * Wasm engine may call it on its slow path to get the same message).
 *
 * @module
 */

import { hex, PluginFault } from "./fault.ts";

/** eBPF address of instance memory byte 0. */
export const MEMORY_BASE = 0x1_0000_0000n;
/** {@link MEMORY_BASE} as a number (exact: below 2^53). */
export const MEMORY_BASE_NUMBER = 0x1_0000_0000;
/** Bytes of stack per call frame (as the kernel and uBPF). */
export const STACK_FRAME_SIZE = 512;
/** Most frames live at once: the entry function plus 7 nested bpf-to-bpf calls. */
export const MAX_CALL_DEPTH = 8;
/** Bytes of the whole stack area. */
export const STACK_SIZE = STACK_FRAME_SIZE * MAX_CALL_DEPTH;
/** WebAssembly page size. */
export const PAGE_SIZE = 65_536;
/** Default per-instance memory limit (an arbitrary choice: 16 MiB). */
export const DEFAULT_MAX_MEMORY = 16 * 1024 * 1024;

/** Options of {@link InstanceMemory}. */
export interface InstanceMemoryOptions {
  /** Bytes of the data region (program.rodata.length). Default 0. */
  dataSize?: number;
  /** Initial heap bytes. Default 0 (the rest of the first page is heap anyway). */
  heapSize?: number;
  /** Most bytes the memory may grow to. Default {@link DEFAULT_MAX_MEMORY}. */
  maxSize?: number;
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/**
 * One instance's memory.
 *
 * @example
 * ```ts
 * import { InstanceMemory, MEMORY_BASE } from "./memory.ts";
 * import assert from "node:assert/strict";
 * const m = new InstanceMemory({ dataSize: 3 });
 * assert.equal(m.check(MEMORY_BASE, 4, false), 0);
 * assert.throws(() => m.check(0n, 1, false));
 * ```
 */
export class InstanceMemory {
  /** The linear memory (imported by the Wasm engine). */
  readonly memory: WebAssembly.Memory;
  /** Bytes of data. */
  readonly dataSize: number;
  /** Offset of the lowest stack byte. */
  readonly stackBase: number;
  /** Offset just past the stack: r10 of the entry frame. */
  readonly stackTop: number;
  /** Offset of the heap's first byte (== stackTop). */
  readonly heapBase: number;
  /** Most bytes the memory may grow to. */
  readonly maxSize: number;
  #view: Uint8Array;
  #dv: DataView;
  #heapTop: number;
  #buffer: ArrayBuffer;

  /** @param opts sizes */
  constructor(opts: InstanceMemoryOptions = {}) {
    this.dataSize = opts.dataSize ?? 0;
    this.stackBase = align(this.dataSize, 16);
    this.stackTop = this.stackBase + STACK_SIZE;
    this.heapBase = this.stackTop;
    const heapSize = opts.heapSize ?? 0;
    this.maxSize = align(Math.max(opts.maxSize ?? DEFAULT_MAX_MEMORY, 1), PAGE_SIZE);
    const initial = align(this.heapBase + heapSize, PAGE_SIZE);
    if (initial > this.maxSize) {
      throw new RangeError(
        `Cannot create instance memory: needs ${initial} bytes, limit is ${this.maxSize}`,
      );
    }
    this.memory = new WebAssembly.Memory({
      initial: initial / PAGE_SIZE,
      maximum: this.maxSize / PAGE_SIZE,
    });
    this.#buffer = this.memory.buffer as ArrayBuffer;
    this.#view = new Uint8Array(this.#buffer);
    this.#dv = new DataView(this.#buffer);
    this.#heapTop = this.heapBase;
  }

  #refresh(): void {
    if (this.#buffer !== this.memory.buffer) {
      this.#buffer = this.memory.buffer as ArrayBuffer;
      this.#view = new Uint8Array(this.#buffer);
      this.#dv = new DataView(this.#buffer);
    }
  }

  /** The current bytes (a new view after growth). */
  bytes(): Uint8Array {
    this.#refresh();
    return this.#view;
  }

  /** A DataView over the current bytes. */
  view(): DataView {
    this.#refresh();
    return this.#dv;
  }

  /** Current size in bytes (a multiple of 64 KiB). */
  get size(): number {
    return this.memory.buffer.byteLength;
  }

  /** eBPF address of the entry frame's r10. */
  get frameTop(): bigint {
    return MEMORY_BASE + BigInt(this.stackTop);
  }

  /**
   * Grows the memory by at least `bytes` (rounded up to pages).
   *
   * @param bytes bytes to add
   * @returns the offset of the first new byte
   * @throws PluginFault "helper" when the limit would be passed
   */
  grow(bytes: number): number {
    const old = this.size;
    const pages = Math.ceil(bytes / PAGE_SIZE);
    if (old + pages * PAGE_SIZE > this.maxSize) {
      throw new PluginFault(
        "helper",
        `memory limit: cannot grow ${old} bytes by ${bytes}, limit is ${this.maxSize}`,
      );
    }
    if (pages > 0) this.memory.grow(pages);
    this.#refresh();
    return old;
  }

  /**
   * Name of the region an eBPF address falls in.
   *
   * @param addr eBPF address
   * @returns "data", "stack", "heap" or "outside"
   */
  region(addr: bigint): string {
    if (addr < MEMORY_BASE) return "outside";
    const off = addr - MEMORY_BASE;
    if (off < BigInt(this.stackBase)) return "data";
    if (off < BigInt(this.stackTop)) return "stack";
    if (off < BigInt(this.size)) return "heap";
    return "outside";
  }

  /**
   * Checks that `[addr, addr + size)` lies inside the memory.
   *
   * @param addr eBPF address (unsigned 64-bit)
   * @param size bytes accessed (≥ 0)
   * @param write whether the access writes
   * @param pc instruction index for the message (omitted for helper checks)
   * @returns the linear offset of `addr`
   * @throws PluginFault "out_of_bounds" naming address, size, pc and the valid range
   */
  check(addr: bigint, size: number, write: boolean, pc?: number): number {
    const limit = this.memory.buffer.byteLength;
    const off = addr - MEMORY_BASE;
    if (off >= 0n && off + BigInt(size) <= BigInt(limit)) return Number(off);
    throw this.outOfBounds(addr, size, write, pc);
  }

  /**
   * The fault {@link check} throws, for engines that check on their own.
   *
   * @param addr eBPF address
   * @param size bytes
   * @param write whether a write
   * @param pc instruction index, if known
   * @returns the fault (not thrown)
   */
  outOfBounds(addr: bigint, size: number, write: boolean, pc?: number): PluginFault {
    const limit = this.memory.buffer.byteLength;
    const where = pc === undefined ? "" : ` (pc ${pc})`;
    const region = this.region(addr);
    const msg = `out of bounds: ${write ? "write" : "read"} of ${size} bytes at ${
      hex(BigInt.asUintN(64, addr))
    }${where}, memory is ${hex(MEMORY_BASE)}–${hex(MEMORY_BASE + BigInt(limit) - 1n)}`;
    const details = { address: addr, size, region, ...(pc === undefined ? {} : { pc }) };
    return new PluginFault("out_of_bounds", msg, details);
  }

  /**
   * Bump allocation in the heap (never freed; for input buffers and simple
   * helpers). Grows the memory when needed.
   *
   * @param size bytes
   * @param alignment power of two, default 8
   * @returns the linear offset of the block (its eBPF address is MEMORY_BASE + offset)
   * @throws PluginFault "helper" past the memory limit
   */
  alloc(size: number, alignment = 8): number {
    const start = align(this.#heapTop, alignment);
    const end = start + size;
    if (end > this.size) this.grow(end - this.size);
    this.#heapTop = end;
    return start;
  }

  /**
   * Copies bytes into instance memory (for loading data and `--mem` input).
   *
   * @param offset linear offset
   * @param data bytes
   */
  write(offset: number, data: Uint8Array): void {
    this.bytes().set(data, offset);
  }
}
