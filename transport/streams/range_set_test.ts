import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { RangeSet } from "./range_set.ts";

/** The set a boolean array describes, as flat pairs. */
function rangesOf(bits: boolean[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < bits.length; i++) {
    if (bits[i] && !bits[i - 1]) out.push(i);
    if (bits[i] && !bits[i + 1]) out.push(i + 1);
  }
  return out;
}

Deno.test("RangeSet.add() merges overlapping and adjacent ranges", () => {
  const s = new RangeSet();
  s.add(0, 5);
  s.add(10, 15);
  s.add(5, 10);
  assert.deepEqual(s.toArray(), [0, 15]);
  assert.equal(s.size, 1);
});

Deno.test("RangeSet.add() reports exactly the fresh parts", () => {
  const s = new RangeSet();
  s.add(2, 4);
  s.add(6, 8);
  const fresh: number[] = [];
  s.add(1, 9, fresh);
  assert.deepEqual(fresh, [1, 2, 4, 6, 8, 9]);
  const none: number[] = [];
  s.add(3, 7, none);
  assert.deepEqual(none, []);
});

Deno.test("RangeSet.remove() splits a straddling range", () => {
  const s = new RangeSet();
  s.add(0, 100);
  s.remove(10, 20);
  s.remove(50, 200);
  assert.deepEqual(s.toArray(), [0, 10, 20, 50]);
  assert.equal(s.contains(0, 10), true);
  assert.equal(s.contains(5, 15), false);
  const gaps: number[] = [];
  s.gaps(0, 60, gaps);
  assert.deepEqual(gaps, [10, 20, 50, 60]);
});

Deno.test("RangeSet matches a bitmap model under random adds and removes", () => {
  const rnd = new SeededRandom(42);
  for (let round = 0; round < 20; round++) {
    const n = 300;
    const bits: boolean[] = new Array(n).fill(false);
    const s = new RangeSet();
    for (let op = 0; op < 400; op++) {
      const a = rnd.u32() % n;
      const b = Math.min(n, a + 1 + (rnd.u32() % 40));
      const before = [...bits];
      if (rnd.float() < 0.6) {
        const fresh: number[] = [];
        s.add(a, b, fresh);
        const expected: boolean[] = new Array(n).fill(false);
        for (let i = a; i < b; i++) {
          if (!before[i]) expected[i] = true;
          bits[i] = true;
        }
        assert.deepEqual(fresh, rangesOf(expected));
      } else {
        s.remove(a, b);
        for (let i = a; i < b; i++) bits[i] = false;
      }
      assert.deepEqual(s.toArray(), rangesOf(bits));
      assert.equal(s.size, rangesOf(bits).length / 2);
      const c = rnd.u32() % n;
      const d = Math.min(n, c + (rnd.u32() % 20));
      assert.equal(s.contains(c, d), bits.slice(c, d).every((x) => x));
      const gaps: number[] = [];
      s.gaps(c, d, gaps);
      const notBits = bits.map((x, i) => i >= c && i < d && !x);
      assert.deepEqual(gaps, rangesOf(notBits));
    }
  }
});

Deno.test("RangeSet stays fast with 200,000 disjoint ranges inserted in random order", () => {
  const n = 200_000;
  const order = Array.from({ length: n }, (_, i) => i);
  const rnd = new SeededRandom(7);
  for (let i = n - 1; i > 0; i--) {
    const j = rnd.u32() % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const s = new RangeSet();
  for (const i of order) s.add(i * 2, i * 2 + 1);
  assert.equal(s.size, n);
  for (const i of order) s.add(i * 2 + 1, i * 2 + 2);
  assert.deepEqual(s.toArray(), [0, 2 * n]);
});
