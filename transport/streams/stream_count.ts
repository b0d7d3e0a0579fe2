/**
 * Stream-count limits for one direction (bidirectional or unidirectional),
 * both ways (RFC 9000 §4.6): how many streams we may open (the peer's
 * MAX_STREAMS) and how many the peer may open (ours), with the MAX_STREAMS
 * and STREAMS_BLOCKED frames these produce.
 *
 * Our limit for the peer follows quinn and RFC 9000 §4.6's advice: it is the
 * initial limit plus the number of the peer's streams closed, so the peer's
 * allowance of concurrent streams stays constant.
 *
 * @module
 */

import type { MaxStreamsFrame, StreamsBlockedFrame } from "../frames/frame.ts";
import { sizeFrame } from "../frames/frame.ts";
import { FrameType } from "../frames/frame_type.ts";
import { MAX_STREAM_COUNT } from "./stream_id.ts";

/**
 * Counters and pending frames of one stream direction.
 *
 * @example
 * ```ts
 * import { StreamCount } from "./stream_count.ts";
 * import assert from "node:assert/strict";
 * const c = new StreamCount(2, true);
 * c.raisePeerMax(1);
 * assert.equal(c.tryOpen(), 0);
 * assert.equal(c.tryOpen(), -1);
 * assert.deepEqual(c.pollBlocked(100), { type: 0x16, limit: 1 });
 * c.onPeerStreamClosed();
 * assert.deepEqual(c.pollMaxStreams(100), { type: 0x12, max: 3 });
 * ```
 */
export class StreamCount {
  /** Our initial limit for the peer (our transport parameter). */
  readonly initial: number;
  /** Whether this counts bidirectional streams. */
  readonly bidi: boolean;
  /** Streams we opened. */
  localOpened = 0;
  /** How many streams the peer allows us (its MAX_STREAMS). */
  peerMax = 0;
  /** Streams the peer opened (highest index + 1). */
  peerOpened = 0;
  /** How many streams we allow the peer. */
  localMax: number;
  /** The peer's streams closed and forgotten. */
  peerClosed = 0;
  #openBlocked = false;
  #blockedAt = -1;
  #blockedPending = false;
  #maxPending = false;

  /**
   * Creates the counters of one direction.
   *
   * @param initial Our initial_max_streams_* for this direction.
   * @param bidi Whether this counts bidirectional streams.
   */
  constructor(initial: number, bidi: boolean) {
    this.initial = initial;
    this.bidi = bidi;
    this.localMax = initial;
  }

  /** True when a MAX_STREAMS or STREAMS_BLOCKED frame waits. */
  get hasPending(): boolean {
    return this.#maxPending || this.#blockedPending;
  }

  /**
   * Takes the index of a new local stream.
   *
   * @returns The index, or -1 when the peer's limit is reached (a
   *   STREAMS_BLOCKED becomes pending, once per limit value).
   */
  tryOpen(): number {
    if (this.localOpened >= this.peerMax) {
      this.#openBlocked = true;
      if (this.#blockedAt !== this.peerMax) {
        this.#blockedAt = this.peerMax;
        this.#blockedPending = true;
      }
      return -1;
    }
    return this.localOpened++;
  }

  /**
   * Applies the peer's MAX_STREAMS (limits never decrease, RFC 9000 §19.11).
   *
   * @returns True when an earlier `tryOpen` failed and opening is possible now.
   */
  raisePeerMax(max: number): boolean {
    if (max <= this.peerMax) return false;
    this.peerMax = max;
    if (!this.#openBlocked) return false;
    this.#openBlocked = false;
    return true;
  }

  /** One of the peer's streams closed: raise our limit by one. */
  onPeerStreamClosed(): void {
    this.peerClosed++;
    const next = Math.min(this.initial + this.peerClosed, MAX_STREAM_COUNT);
    if (next > this.localMax) {
      this.localMax = next;
      this.#maxPending = true;
    }
  }

  /** The pending MAX_STREAMS frame when it fits in `maxSize` bytes (marked sent), else null. */
  pollMaxStreams(maxSize: number): MaxStreamsFrame | null {
    if (!this.#maxPending) return null;
    const type = this.bidi ? FrameType.MAX_STREAMS_BIDI : FrameType.MAX_STREAMS_UNI;
    const f: MaxStreamsFrame = { type, max: this.localMax };
    if (sizeFrame(f) > maxSize) return null;
    this.#maxPending = false;
    return f;
  }

  /** The pending STREAMS_BLOCKED frame when it fits in `maxSize` bytes (marked sent), else null. */
  pollBlocked(maxSize: number): StreamsBlockedFrame | null {
    if (!this.#blockedPending) return null;
    const type = this.bidi ? FrameType.STREAMS_BLOCKED_BIDI : FrameType.STREAMS_BLOCKED_UNI;
    const f: StreamsBlockedFrame = { type, limit: this.peerMax };
    if (sizeFrame(f) > maxSize) return null;
    this.#blockedPending = false;
    return f;
  }

  /** Our MAX_STREAMS carrying `max` was lost: send again if still current. */
  onMaxStreamsLost(max: number): void {
    if (max === this.localMax) this.#maxPending = true;
  }

  /** Our STREAMS_BLOCKED carrying `limit` was lost: send again if still blocked at it. */
  onBlockedLost(limit: number): void {
    if (limit === this.peerMax && this.localOpened >= limit) this.#blockedPending = true;
  }
}
