/**
 * The sending side of an ordered byte stream: data written by the
 * application, what was sent, acknowledged and lost (RFC 9000 §2.2, §13.3:
 * "data sent in STREAM frames is retransmitted in new STREAM frames until
 * acknowledged"). Used for STREAM data and for CRYPTO data.
 *
 * Written chunks are kept as given (views, no copy) until every byte of a
 * chunk is acknowledged; segments handed out are `subarray` views of them.
 * Acknowledged and lost bytes are tracked as ranges ({@link RangeSet}), so
 * nothing acknowledged is sent again and lost bytes go out before new ones.
 *
 * What it does not do: flow control (the caller passes the highest offset it
 * may send new data up to) and frame sizing (the caller passes a length).
 *
 * @module
 */

import { RangeSet } from "./range_set.ts";

/** A piece of the stream to send: `data` starts at stream offset `offset`. */
export interface SendSegment {
  /** Stream offset of `data[0]`. */
  offset: number;
  /** A view of the written bytes. */
  data: Uint8Array;
  /** True when the segment carries the end of the stream. */
  fin: boolean;
}

const EMPTY = new Uint8Array(0);

/**
 * Send-side buffer with retransmission bookkeeping.
 *
 * @example Loss, then retransmission before new data
 * ```ts
 * import { SendBuffer } from "./send_buffer.ts";
 * import assert from "node:assert/strict";
 * const b = new SendBuffer();
 * b.write(new Uint8Array(10));
 * b.finish();
 * const first = b.nextSegment(4)!;
 * assert.deepEqual([first.offset, first.data.length, first.fin], [0, 4, false]);
 * b.onLost(0, 4, false);
 * const again = b.nextSegment(100)!;
 * assert.deepEqual([again.offset, again.data.length], [0, 4]);
 * const rest = b.nextSegment(100)!;
 * assert.deepEqual([rest.offset, rest.data.length, rest.fin], [4, 6, true]);
 * b.onAcked(0, 4, false);
 * b.onAcked(4, 6, true);
 * assert.equal(b.allAcked, true);
 * ```
 */
export class SendBuffer {
  /** Chunks in stream order; `#chunkOffsets[i]` is the offset of `#chunks[i]`. */
  #chunks: Uint8Array[] = [];
  #chunkOffsets: number[] = [];
  /** Index of the first chunk still held (earlier ones are fully acknowledged). */
  #head = 0;
  #writeOffset = 0;
  /** One past the highest byte ever sent. */
  #sentOffset = 0;
  readonly #acked = new RangeSet();
  readonly #lost = new RangeSet();
  /** Bytes from 0 acknowledged without a gap. */
  #ackedPrefix = 0;
  #finished = false;
  /** The FIN was sent and is not known lost. */
  #finInFlight = false;
  #finAcked = false;
  #discarded = false;
  readonly #scratch: number[] = [];

  /** Offset one past the last byte written. */
  get writeOffset(): number {
    return this.#writeOffset;
  }

  /** One past the highest byte ever sent (new data starts here). */
  get sentOffset(): number {
    return this.#sentOffset;
  }

  /** Bytes written and not acknowledged in order (what the buffer still holds). */
  get unacked(): number {
    return this.#writeOffset - this.#ackedPrefix;
  }

  /** True when `finish()` was called. */
  get finished(): boolean {
    return this.#finished;
  }

  /** True when every byte written (and the FIN, once finished) is acknowledged. */
  get allAcked(): boolean {
    return this.#ackedPrefix === this.#writeOffset && (!this.#finished || this.#finAcked);
  }

  /** True when lost bytes wait for retransmission. */
  get hasLost(): boolean {
    return !this.#lost.isEmpty;
  }

  /** True when a FIN must be sent (never sent, or lost). */
  get finPending(): boolean {
    return this.#finished && !this.#finInFlight && !this.#finAcked;
  }

  /**
   * Appends data. The buffer keeps a view of `data` until it is acknowledged:
   * the caller must not modify it afterwards.
   *
   * @param data Bytes to append.
   */
  write(data: Uint8Array): void {
    if (this.#discarded) throw new TypeError("Cannot write: the stream was reset");
    if (this.#finished) throw new TypeError("Cannot write: the stream is finished");
    if (data.length === 0) return;
    this.#chunks.push(data);
    this.#chunkOffsets.push(this.#writeOffset);
    this.#writeOffset += data.length;
  }

  /** Marks the end of the stream: the last segment carries the FIN. */
  finish(): void {
    this.#finished = true;
  }

  /**
   * True when `nextSegment` has something to return, given that new data may
   * not go past `limit`.
   *
   * @param limit Highest offset new data may reach (flow control).
   */
  hasData(limit = Infinity): boolean {
    if (this.#discarded) return false;
    return !this.#lost.isEmpty ||
      (this.#sentOffset < this.#writeOffset && this.#sentOffset < limit) ||
      (this.finPending && this.#sentOffset === this.#writeOffset);
  }

  /**
   * Offset of the segment `nextSegment` would return next, or -1 when there is
   * none (given `limit`).
   *
   * @param limit Highest offset new data may reach.
   */
  nextOffset(limit = Infinity): number {
    if (!this.#lost.isEmpty) return this.#lost.firstStart;
    return this.hasData(limit) ? this.#sentOffset : -1;
  }

  /**
   * The next piece to send: lost bytes first, then new bytes, then a bare FIN.
   *
   * @param maxLength Largest number of bytes to return.
   * @param limit Highest offset new data may reach (flow control).
   * @returns A segment (a view of a written chunk), or null when there is nothing to send.
   */
  nextSegment(maxLength: number, limit = Infinity): SendSegment | null {
    if (this.#discarded) return null;
    if (!this.#lost.isEmpty) {
      const start = this.#lost.firstStart;
      let end = this.#lost.firstEnd;
      if (end > start + maxLength) end = start + maxLength;
      if (end <= start) return null;
      const data = this.#view(start, end);
      end = start + data.length;
      this.#lost.remove(start, end);
      return { offset: start, data, fin: this.#takeFin(end) };
    }
    const start = this.#sentOffset;
    let end = this.#writeOffset;
    if (end > limit) end = limit;
    if (end > start + maxLength) end = start + maxLength;
    if (end > start) {
      const data = this.#view(start, end);
      end = start + data.length;
      this.#sentOffset = end;
      return { offset: start, data, fin: this.#takeFin(end) };
    }
    if (this.finPending && start === this.#writeOffset) {
      this.#finInFlight = true;
      return { offset: start, data: EMPTY, fin: true };
    }
    return null;
  }

  /**
   * Records an acknowledgement of a segment sent earlier.
   *
   * @param offset Segment offset.
   * @param length Segment length.
   * @param fin Whether the segment carried the FIN.
   */
  onAcked(offset: number, length: number, fin: boolean): void {
    if (fin) this.#finAcked = true;
    if (length === 0) return;
    const end = offset + length;
    this.#acked.add(offset, end);
    this.#lost.remove(offset, end);
    if (this.#acked.firstStart === 0) {
      const prefix = this.#acked.firstEnd;
      if (prefix > this.#ackedPrefix) {
        this.#ackedPrefix = prefix;
        this.#release();
      }
    }
  }

  /**
   * Records the loss of a segment sent earlier: its unacknowledged bytes (and
   * FIN) are sent again before new data.
   *
   * @param offset Segment offset.
   * @param length Segment length.
   * @param fin Whether the segment carried the FIN.
   */
  onLost(offset: number, length: number, fin: boolean): void {
    if (fin && !this.#finAcked) this.#finInFlight = false;
    const end = offset + length;
    const start = offset > this.#ackedPrefix ? offset : this.#ackedPrefix;
    if (start >= end) return;
    const gaps = this.#scratch;
    gaps.length = 0;
    this.#acked.gaps(start, end, gaps);
    for (let i = 0; i < gaps.length; i += 2) this.#lost.add(gaps[i]!, gaps[i + 1]!);
  }

  /** Drops all data and pending retransmissions (after RESET_STREAM, RFC 9000 §3.1). */
  discard(): void {
    this.#discarded = true;
    this.#chunks = [];
    this.#chunkOffsets = [];
    this.#head = 0;
    this.#lost.clear();
  }

  /** Sets the FIN flag on a segment ending at `end` when the FIN is due. */
  #takeFin(end: number): boolean {
    if (end === this.#writeOffset && this.finPending) {
      this.#finInFlight = true;
      return true;
    }
    return false;
  }

  /** A view of `[start, end)` clipped to the chunk holding `start`. */
  #view(start: number, end: number): Uint8Array {
    const offsets = this.#chunkOffsets;
    let lo = this.#head;
    let hi = offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (offsets[mid]! <= start) lo = mid;
      else hi = mid - 1;
    }
    const chunk = this.#chunks[lo]!;
    const base = offsets[lo]!;
    const chunkEnd = base + chunk.length;
    return chunk.subarray(start - base, (end < chunkEnd ? end : chunkEnd) - base);
  }

  /** Frees chunks below the acknowledged prefix. */
  #release(): void {
    const chunks = this.#chunks;
    const offsets = this.#chunkOffsets;
    let h = this.#head;
    while (h < chunks.length && offsets[h]! + chunks[h]!.length <= this.#ackedPrefix) {
      chunks[h] = EMPTY;
      h++;
    }
    this.#head = h;
    if (h > 64 && h * 2 > chunks.length) {
      this.#chunks = chunks.slice(h);
      this.#chunkOffsets = offsets.slice(h);
      this.#head = 0;
    }
  }
}
