/**
 * Reassembly of an ordered byte stream from out-of-order, overlapping pieces
 * (RFC 9000 §2.2: "an endpoint could receive data for a stream at the same
 * stream offset multiple times"). Used for STREAM data and for CRYPTO data.
 *
 * Bytes below the read offset are dropped; bytes already held are not copied
 * again; only the new parts of a piece are copied (the caller's bytes may
 * view a buffer that will be reused). Pieces readable at once are copied
 * into shared slabs (one allocation per up to 1 MiB instead of one per piece:
 * allocation dominated the receive path); out-of-order pieces get their own
 * copy so that they never keep a slab alive. Pieces of a buffer declared
 * unchanging ({@link keepViewsOf}: a packet's plaintext, fresh from the
 * AEAD) are kept as views, with no copy at all. Held pieces are kept in a map
 * keyed by their start offset, and the received ranges in a {@link RangeSet},
 * so inserting costs O(log n) plus the ranges merged, and reading O(1) — no
 * per-byte work and no quadratic behaviour on many small out-of-order pieces.
 *
 * What it does not do: flow control and final-size checks (the stream does),
 * or checking that overlapping retransmissions carry the same bytes (RFC 9000
 * §2.2 allows, but does not require, that check).
 *
 * @module
 */

import { RangeSet } from "./range_set.ts";

const EMPTY = new Uint8Array(0);

/** The buffer whose pieces are kept as views (see {@link keepViewsOf}). */
let viewable: ArrayBufferLike | null = null;
/**
 * Smaller pieces are copied even from a viewable buffer (arbitrary): a copy
 * of a few KB is cheap, and a held view would keep a whole packet's buffer
 * alive past the young generation (at 1,200-byte packets, keeping views of
 * every piece measured up to 10 % more CPU for the receiver than copying).
 */
const MIN_VIEW_PIECE = 4096;

/**
 * Declares that no one will change the bytes of `buffer` any more, so that
 * {@link RecvBuffer.insert} keeps views of it instead of copies, until the
 * next call (null: copy everything again). The receive path declares each
 * packet's plaintext while its frames are processed.
 *
 * @param buffer The buffer, or null.
 */
export function keepViewsOf(buffer: ArrayBufferLike | null): void {
  viewable = buffer;
}

/**
 * Slab sizes for in-order pieces: grow from MIN_SLAB, doubling, to MAX_SLAB
 * (arbitrary). MAX_SLAB is large enough for pieces from 65,000-byte datagrams
 * to share slabs: copying into new memory costs twice what copying into a
 * slab does.
 */
const MIN_SLAB = 2048;
const MAX_SLAB = 1024 * 1024;

/**
 * Receive-side reassembly buffer.
 *
 * @example Out of order, then in order
 * ```ts
 * import { RecvBuffer } from "./recv_buffer.ts";
 * import assert from "node:assert/strict";
 * const b = new RecvBuffer();
 * b.insert(3, new Uint8Array([4, 5]));
 * assert.equal(b.read(), null);
 * b.insert(0, new Uint8Array([1, 2, 3, 4]));
 * assert.deepEqual(b.read(), new Uint8Array([1, 2, 3]));
 * assert.deepEqual(b.read(), new Uint8Array([4, 5]));
 * assert.equal(b.readOffset, 5);
 * ```
 */
export class RecvBuffer {
  /** Received ranges at or above the read offset (the first may start below it). */
  readonly #received = new RangeSet();
  /** Held pieces by start offset; they tile the received ranges above the read offset. */
  readonly #pieces = new Map<number, Uint8Array>();
  #readOffset = 0;
  #highest = 0;
  #buffered = 0;
  readonly #fresh: number[] = [];
  #slab: Uint8Array = EMPTY;
  #slabPos = 0;

  /** Offset of the next byte `read()` returns. */
  get readOffset(): number {
    return this.#readOffset;
  }

  /** One past the highest byte offset ever inserted (0 when nothing was). */
  get highestOffset(): number {
    return this.#highest;
  }

  /** Number of disjoint received ranges (1 + gaps when data is out of order). */
  get rangeCount(): number {
    return this.#received.size;
  }

  /** Bytes held and not yet read. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /**
   * End of the contiguous data from the read offset: `read()` can return
   * `contiguousEnd - readOffset` bytes now.
   */
  get contiguousEnd(): number {
    const s = this.#received.firstStart;
    return s !== -1 && s <= this.#readOffset ? this.#received.firstEnd : this.#readOffset;
  }

  /**
   * Stores a piece of the stream. Out of order, overlapping and duplicate
   * pieces are fine; data below the read offset is ignored.
   *
   * @param offset Stream offset of `data[0]`.
   * @param data The bytes; only the parts not already held are copied.
   */
  insert(offset: number, data: Uint8Array): void {
    const end = offset + data.length;
    if (end > this.#highest) this.#highest = end;
    const start = offset > this.#readOffset ? offset : this.#readOffset;
    if (start >= end) return;
    const fresh = this.#fresh;
    fresh.length = 0;
    this.#received.add(start, end, fresh);
    const readable = this.contiguousEnd;
    for (let i = 0; i < fresh.length; i += 2) {
      const s = fresh[i]!;
      const e = fresh[i + 1]!;
      const src = data.subarray(s - offset, e - offset);
      const kept = data.buffer === viewable && e - s >= MIN_VIEW_PIECE
        ? src
        : e <= readable
        ? this.#slabCopy(src)
        : src.slice();
      this.#pieces.set(s, kept);
      this.#buffered += e - s;
    }
  }

  /**
   * A copy of `src` carved from the current slab. Only pieces readable at
   * once go here: slabs then fill in stream order and are released as the
   * application reads, so an out-of-order piece never pins a slab (those get
   * their own copy). One allocation per slab instead of one per piece.
   */
  #slabCopy(src: Uint8Array): Uint8Array {
    const n = src.length;
    if (n > MAX_SLAB / 4) return src.slice();
    if (this.#slab.length - this.#slabPos < n) {
      const size = Math.min(MAX_SLAB, Math.max(this.#slab.length * 2, n * 4, MIN_SLAB));
      this.#slab = new Uint8Array(size);
      this.#slabPos = 0;
    }
    const out = this.#slab.subarray(this.#slabPos, this.#slabPos + n);
    out.set(src);
    this.#slabPos += n;
    return out;
  }

  /**
   * Returns the next contiguous bytes, at most `max`, and advances the read
   * offset; null when the byte at the read offset has not arrived.
   *
   * @param max Largest number of bytes to return (default: all of one piece).
   * @returns A view of at most `max` bytes (a piece boundary may make it shorter).
   */
  read(max = Infinity): Uint8Array | null {
    const at = this.#readOffset;
    const piece = this.#pieces.get(at);
    if (piece === undefined || max <= 0) return null;
    this.#pieces.delete(at);
    let out = piece;
    if (piece.length > max) {
      out = piece.subarray(0, max);
      this.#pieces.set(at + max, piece.subarray(max));
    }
    this.#readOffset = at + out.length;
    this.#buffered -= out.length;
    return out;
  }

  /**
   * Drops everything held and moves the read offset to `offset` (used when
   * the application stops reading: RFC 9000 §3.5 STOP_SENDING).
   *
   * @param offset New read offset, normally the highest offset received.
   */
  discardTo(offset: number): void {
    this.#pieces.clear();
    this.#received.clear();
    this.#buffered = 0;
    if (offset > this.#readOffset) this.#readOffset = offset;
  }
}
