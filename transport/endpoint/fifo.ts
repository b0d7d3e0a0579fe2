/**
 * A first-in first-out queue with O(1) `push` and `shift`: an array and a
 * head index (`Array.prototype.shift` moves every element, O(n) per call).
 * The array is emptied when the head catches up with the tail, and compacted
 * when the consumed prefix outgrows the rest, so memory follows the backlog.
 *
 * @module
 */

/** Consumed slots kept before a compaction is considered (arbitrary). */
const COMPACT_AFTER = 1024;

/**
 * FIFO queue.
 *
 * @example
 * ```ts
 * import { Fifo } from "./fifo.ts";
 * import assert from "node:assert/strict";
 * const q = new Fifo<string>();
 * q.push("a");
 * q.push("b");
 * assert.equal(q.shift(), "a");
 * assert.equal(q.length, 1);
 * assert.equal(q.shift(), "b");
 * assert.equal(q.shift(), undefined);
 * ```
 */
export class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  /** Items queued. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Appends `item`. */
  push(item: T): void {
    this.#items.push(item);
  }

  /** Removes and returns the oldest item, `undefined` when empty. */
  shift(): T | undefined {
    const items = this.#items;
    if (this.#head >= items.length) return undefined;
    const item = items[this.#head]!;
    // Drop the reference: a consumed datagram or event must not stay alive here.
    (items as (T | undefined)[])[this.#head] = undefined;
    this.#head++;
    if (this.#head === items.length) {
      items.length = 0;
      this.#head = 0;
    } else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= items.length) {
      items.splice(0, this.#head);
      this.#head = 0;
    }
    return item;
  }
}
