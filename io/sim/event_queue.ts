/**
 * A binary min-heap of timed items, ordered by time and then by insertion, so
 * that two events at the same instant always come out in the same order: the
 * simulator's determinism rests on it.
 *
 * @module
 */

interface Entry<T> {
  time: number;
  seq: number;
  item: T;
}

/** Min-heap keyed by (time, insertion order). */
export class EventQueue<T> {
  #heap: Entry<T>[] = [];
  #seq = 0;

  /** Number of queued items. */
  get size(): number {
    return this.#heap.length;
  }

  /** Time of the earliest item, `Infinity` when empty. */
  peekTime(): number {
    return this.#heap.length === 0 ? Infinity : this.#heap[0]!.time;
  }

  /** Adds `item` due at `time`. */
  push(time: number, item: T): void {
    const h = this.#heap;
    h.push({ time, seq: this.#seq++, item });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  /** Removes and returns the earliest item, or `undefined` when empty. */
  pop(): T | undefined {
    const h = this.#heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top.item;
  }
}

function less<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
