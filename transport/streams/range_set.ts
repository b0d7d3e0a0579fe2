/**
 * A set of disjoint half-open integer ranges `[start, end)`, merged on insert.
 *
 * Stream buffers use it for received ranges (RFC 9000 §2.2: data may arrive
 * out of order and overlap), acknowledged ranges and lost ranges. It is a
 * treap (a binary search tree keyed by `start`, heap-ordered on random
 * priorities), so every operation costs O(log n) expected plus the number of
 * ranges it merges or removes — each range is removed at most once — and many
 * small out-of-order pieces never cause quadratic work (a sorted array with
 * `splice` would).
 *
 * @module
 */

class Node {
  start: number;
  end: number;
  readonly prio: number;
  left: Node | null = null;
  right: Node | null = null;
  constructor(start: number, end: number, prio: number) {
    this.start = start;
    this.end = end;
    this.prio = prio;
  }
}

/**
 * Disjoint, non-adjacent ranges of integers.
 *
 * @example Merging and gaps
 * ```ts
 * import { RangeSet } from "./range_set.ts";
 * import assert from "node:assert/strict";
 * const s = new RangeSet();
 * s.add(10, 20);
 * const fresh: number[] = [];
 * s.add(0, 30, fresh);
 * assert.deepEqual(fresh, [0, 10, 20, 30]);
 * assert.deepEqual(s.toArray(), [0, 30]);
 * s.remove(5, 8);
 * assert.deepEqual(s.toArray(), [0, 5, 8, 30]);
 * ```
 */
export class RangeSet {
  #root: Node | null = null;
  #size = 0;
  #seed = 0x2545f491;
  // Outputs of #split, kept in fields so splitting allocates nothing.
  #l: Node | null = null;
  #r: Node | null = null;

  /** Number of ranges. */
  get size(): number {
    return this.#size;
  }

  /** True when the set holds no range. */
  get isEmpty(): boolean {
    return this.#root === null;
  }

  /** Start of the lowest range, or -1 when empty. */
  get firstStart(): number {
    const n = minNode(this.#root);
    return n === null ? -1 : n.start;
  }

  /** End of the lowest range, or -1 when empty. */
  get firstEnd(): number {
    const n = minNode(this.#root);
    return n === null ? -1 : n.end;
  }

  /** End of the highest range, or -1 when empty. */
  get lastEnd(): number {
    let n = this.#root;
    if (n === null) return -1;
    while (n.right !== null) n = n.right;
    return n.end;
  }

  /**
   * Adds `[start, end)`, merging with overlapping and adjacent ranges.
   *
   * @param start First integer of the range.
   * @param end One past the last integer.
   * @param fresh When given, receives flat `[s, e, …]` pairs of the parts of
   *   `[start, end)` that were not in the set before, in increasing order.
   */
  add(start: number, end: number, fresh?: number[]): void {
    if (start >= end) return;
    this.#split(this.#root, start);
    let left = this.#l;
    let right = this.#r;
    let newStart = start;
    let pos = start;
    const pred = maxNode(left);
    if (pred !== null && pred.end >= start) {
      if (pred.end >= end) {
        this.#root = this.#merge(left, right);
        return;
      }
      newStart = pred.start;
      pos = pred.end;
      left = removeMax(left);
      this.#size--;
    }
    for (let n = minNode(right); n !== null && n.start <= end; n = minNode(right)) {
      if (fresh !== undefined && n.start > pos) fresh.push(pos, n.start);
      if (n.end > pos) pos = n.end;
      right = removeMin(right);
      this.#size--;
    }
    if (pos < end) {
      if (fresh !== undefined) fresh.push(pos, end);
      pos = end;
    }
    const node = new Node(newStart, pos, this.#random());
    this.#size++;
    this.#root = this.#merge(this.#merge(left, node), right);
  }

  /**
   * Removes `[start, end)` from the set, splitting a range that straddles it.
   *
   * @param start First integer to remove.
   * @param end One past the last integer to remove.
   */
  remove(start: number, end: number): void {
    if (start >= end || this.#root === null) return;
    this.#split(this.#root, start);
    const left = this.#l;
    let right = this.#r;
    const pred = maxNode(left);
    if (pred !== null && pred.end > start) {
      const oldEnd = pred.end;
      pred.end = start;
      if (oldEnd > end) {
        // `[start, end)` lies inside one range: keep its tail.
        this.#size++;
        right = this.#merge(new Node(end, oldEnd, this.#random()), right);
        this.#root = this.#merge(left, right);
        return;
      }
    }
    for (let n = minNode(right); n !== null && n.start < end; n = minNode(right)) {
      if (n.end > end) {
        n.start = end;
        break;
      }
      right = removeMin(right);
      this.#size--;
    }
    this.#root = this.#merge(left, right);
  }

  /** Removes every range. */
  clear(): void {
    this.#root = null;
    this.#size = 0;
  }

  /**
   * True when every integer of `[start, end)` is in the set.
   *
   * @param start First integer.
   * @param end One past the last integer; an empty range is always contained.
   * @returns Whether the range is covered by one stored range.
   */
  contains(start: number, end: number): boolean {
    if (start >= end) return true;
    const n = this.#floor(start);
    return n !== null && n.end >= end;
  }

  /**
   * Pushes onto `out` the parts of `[start, end)` that are NOT in the set.
   *
   * @param start First integer.
   * @param end One past the last integer.
   * @param out Receives flat `[s, e, …]` pairs in increasing order.
   */
  gaps(start: number, end: number, out: number[]): void {
    let pos = start;
    const f = this.#floor(pos);
    if (f !== null && f.end > pos) pos = f.end;
    while (pos < end) {
      const n = this.#ceil(pos);
      const gapEnd = n === null || n.start > end ? end : n.start;
      if (gapEnd > pos) out.push(pos, gapEnd);
      if (n === null) break;
      pos = n.end;
    }
  }

  /** The ranges as flat `[s0, e0, s1, e1, …]` pairs in increasing order (for tests and logs). */
  toArray(): number[] {
    const out: number[] = [];
    const stack: Node[] = [];
    let n = this.#root;
    while (n !== null || stack.length > 0) {
      while (n !== null) {
        stack.push(n);
        n = n.left;
      }
      const top = stack.pop()!;
      out.push(top.start, top.end);
      n = top.right;
    }
    return out;
  }

  /** The range with the largest start ≤ `x`, or null. */
  #floor(x: number): Node | null {
    let best: Node | null = null;
    let n = this.#root;
    while (n !== null) {
      if (n.start <= x) {
        best = n;
        n = n.right;
      } else {
        n = n.left;
      }
    }
    return best;
  }

  /** The range with the smallest start > `x`, or null. */
  #ceil(x: number): Node | null {
    let best: Node | null = null;
    let n = this.#root;
    while (n !== null) {
      if (n.start > x) {
        best = n;
        n = n.left;
      } else {
        n = n.right;
      }
    }
    return best;
  }

  /** Splits `t` into `#l` (starts < key) and `#r` (starts ≥ key). */
  #split(t: Node | null, key: number): void {
    if (t === null) {
      this.#l = null;
      this.#r = null;
      return;
    }
    if (t.start < key) {
      this.#split(t.right, key);
      t.right = this.#l;
      this.#l = t;
    } else {
      this.#split(t.left, key);
      t.left = this.#r;
      this.#r = t;
    }
  }

  /** Joins two treaps where every start in `a` is below every start in `b`. */
  #merge(a: Node | null, b: Node | null): Node | null {
    if (a === null) return b;
    if (b === null) return a;
    if (a.prio > b.prio) {
      a.right = this.#merge(a.right, b);
      return a;
    }
    b.left = this.#merge(a, b.left);
    return b;
  }

  /** xorshift32: priorities need no quality, only independence from keys. */
  #random(): number {
    let x = this.#seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#seed = x >>> 0;
    return this.#seed;
  }
}

function minNode(t: Node | null): Node | null {
  if (t === null) return null;
  while (t.left !== null) t = t.left;
  return t;
}

function maxNode(t: Node | null): Node | null {
  if (t === null) return null;
  while (t.right !== null) t = t.right;
  return t;
}

function removeMin(t: Node | null): Node | null {
  if (t === null) return null;
  if (t.left === null) return t.right;
  let parent = t;
  while (parent.left!.left !== null) parent = parent.left!;
  parent.left = parent.left!.right;
  return t;
}

function removeMax(t: Node | null): Node | null {
  if (t === null) return null;
  if (t.right === null) return t.left;
  let parent = t;
  while (parent.right!.right !== null) parent = parent.right!;
  parent.right = parent.right!.left;
  return t;
}
