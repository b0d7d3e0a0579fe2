/**
 * Round-robin order of the streams that have something to send.
 *
 * A stream is queued when it gets data, a FIN, a retransmission or credit;
 * `Streams` takes the head, sends one frame of it and rotates it to the back,
 * so each stream with data gets a frame in turn (fairness as in quinn's and
 * picoquic's default schedulers). Streams blocked by the connection's credit
 * are parked and all come back on MAX_DATA; streams with nothing to send (or
 * blocked by their own credit) are dropped and re-queued by the event that
 * unblocks them. Queue operations are O(1) amortized.
 *
 * @module
 */

import type { SendStream } from "./send_stream.ts";

/**
 * The scheduling queue.
 *
 * @example
 * ```ts
 * import { StreamScheduler } from "./scheduler.ts";
 * import { SendStream } from "./send_stream.ts";
 * import assert from "node:assert/strict";
 * const q = new StreamScheduler();
 * const a = new SendStream(0, 10);
 * const b = new SendStream(4, 10);
 * q.enqueue(a);
 * q.enqueue(b);
 * q.enqueue(a);
 * assert.equal(q.peek(), a);
 * q.rotate();
 * assert.equal(q.peek(), b);
 * ```
 */
export class StreamScheduler {
  #queue: SendStream[] = [];
  #head = 0;
  #parked: SendStream[] = [];

  /** Number of streams queued (parked ones excluded). */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  /** Adds a stream at the back unless it is already queued or parked. */
  enqueue(s: SendStream): void {
    if (s.queued) return;
    s.queued = true;
    this.#queue.push(s);
  }

  /** The stream at the head, or null. */
  peek(): SendStream | null {
    return this.#head < this.#queue.length ? this.#queue[this.#head]! : null;
  }

  /** Moves the head to the back (it was just served). */
  rotate(): void {
    const s = this.#take();
    if (s !== null) this.#queue.push(s);
  }

  /** Removes the head (nothing to send until an event queues it again). */
  drop(): void {
    const s = this.#take();
    if (s !== null) s.queued = false;
  }

  /** Moves the head to the parked list (waiting for connection credit). */
  park(): void {
    const s = this.#take();
    if (s !== null) this.#parked.push(s);
  }

  /** Brings every parked stream back to the queue (MAX_DATA raised the connection's credit). */
  unpark(): void {
    if (this.#parked.length === 0) return;
    for (const s of this.#parked) this.#queue.push(s);
    this.#parked = [];
  }

  #take(): SendStream | null {
    if (this.#head >= this.#queue.length) return null;
    const s = this.#queue[this.#head]!;
    this.#head++;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return s;
  }
}
