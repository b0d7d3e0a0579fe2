/**
 * An indexed binary min-heap of deadlines: the endpoint's timer queue over
 * its connections. Each item stores its own deadline and its position in the
 * heap, so that a connection whose `nextTimeout()` moved is re-keyed in
 * O(log n) (decrease or increase key) instead of being pushed again, and the
 * heap never holds stale copies. Ties are broken by the item's `seq` (its
 * creation order), so that equal deadlines always come out in the same order.
 *
 * Items whose deadline is `Infinity` are not in the heap.
 *
 * @module
 */

/** What the heap needs of an item; the heap owns `deadline` and `heapIndex`. */
export interface HeapItem {
  /** Creation order: breaks ties between equal deadlines. */
  readonly seq: number;
  /** Absolute deadline (µs); `Infinity` when not in the heap. */
  deadline: number;
  /** Position in the heap, -1 when not in it. */
  heapIndex: number;
}

/**
 * Min-heap of {@link HeapItem}s by (deadline, seq), with updates in place.
 *
 * @example Re-keying a timer
 * ```ts
 * import { TimerHeap } from "./timer_heap.ts";
 * import assert from "node:assert/strict";
 * const heap = new TimerHeap<{ seq: number; deadline: number; heapIndex: number }>();
 * const a = { seq: 0, deadline: Infinity, heapIndex: -1 };
 * const b = { seq: 1, deadline: Infinity, heapIndex: -1 };
 * heap.update(a, 500);
 * heap.update(b, 300);
 * assert.equal(heap.peek(), b);
 * heap.update(b, 900);
 * assert.equal(heap.peekDeadline(), 500);
 * ```
 */
export class TimerHeap<T extends HeapItem> {
  readonly #items: T[] = [];

  /** Items in the heap (those with a finite deadline). */
  get size(): number {
    return this.#items.length;
  }

  /** The item with the earliest deadline, or `undefined`. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** The earliest deadline, `Infinity` when empty. */
  peekDeadline(): number {
    const top = this.#items[0];
    return top === undefined ? Infinity : top.deadline;
  }

  /**
   * Sets `item`'s deadline: inserts, moves or (for `Infinity`) removes it.
   *
   * @param item The item.
   * @param deadline Its new deadline (µs).
   */
  update(item: T, deadline: number): void {
    if (deadline === Infinity) {
      this.remove(item);
      return;
    }
    const old = item.deadline;
    item.deadline = deadline;
    const items = this.#items;
    if (item.heapIndex < 0) {
      item.heapIndex = items.length;
      items.push(item);
      this.#up(item.heapIndex);
    } else if (deadline < old) this.#up(item.heapIndex);
    else if (deadline > old) this.#down(item.heapIndex);
  }

  /** Takes `item` out of the heap (nothing when it is not in it). */
  remove(item: T): void {
    const i = item.heapIndex;
    item.deadline = Infinity;
    if (i < 0) return;
    item.heapIndex = -1;
    const items = this.#items;
    const last = items.pop()!;
    if (i === items.length) return;
    items[i] = last;
    last.heapIndex = i;
    this.#up(i);
    this.#down(last.heapIndex);
  }

  /** Removes and returns the earliest item, or `undefined` when empty. */
  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Moves the item at `i` towards the root while it comes before its parent. */
  #up(i: number): void {
    const items = this.#items;
    const item = items[i]!;
    for (let p = (i - 1) >> 1; i > 0 && before(item, items[p]!); p = (i - 1) >> 1) {
      this.#put(items[p]!, i);
      i = p;
    }
    this.#put(item, i);
  }

  /** Moves the item at `i` towards the leaves while a child comes before it. */
  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const item = items[i]!;
    for (let c = 2 * i + 1; c < n; c = 2 * i + 1) {
      if (c + 1 < n && before(items[c + 1]!, items[c]!)) c++;
      if (!before(items[c]!, item)) break;
      this.#put(items[c]!, i);
      i = c;
    }
    this.#put(item, i);
  }

  #put(item: T, i: number): void {
    this.#items[i] = item;
    item.heapIndex = i;
  }
}

function before(a: HeapItem, b: HeapItem): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}
