import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { type HeapItem, TimerHeap } from "./timer_heap.ts";

function item(seq: number): HeapItem {
  return { seq, deadline: Infinity, heapIndex: -1 };
}

Deno.test("TimerHeap.update() keeps the earliest deadline on top through random re-keys", () => {
  const rng = new SeededRandom(42);
  const heap = new TimerHeap<HeapItem>();
  const items = Array.from({ length: 200 }, (_, i) => item(i));
  const model = new Map<HeapItem, number>();
  for (let step = 0; step < 20_000; step++) {
    const it = items[Math.floor(rng.float() * items.length)]!;
    const r = Math.floor(rng.float() * 10);
    const deadline = r === 0 ? Infinity : Math.floor(rng.float() * 1_000);
    if (r === 1) {
      heap.remove(it);
      model.delete(it);
    } else {
      heap.update(it, deadline);
      if (deadline === Infinity) model.delete(it);
      else model.set(it, deadline);
    }
    let best: HeapItem | undefined;
    for (const [m, d] of model) {
      if (
        best === undefined || d < model.get(best)! || (d === model.get(best)! && m.seq < best.seq)
      ) {
        best = m;
      }
    }
    assert.equal(heap.size, model.size);
    assert.equal(heap.peek(), best);
    assert.equal(heap.peekDeadline(), best === undefined ? Infinity : model.get(best));
  }
});

Deno.test("TimerHeap.pop() returns items by deadline, then creation order", () => {
  const heap = new TimerHeap<HeapItem>();
  const a = item(0), b = item(1), c = item(2), d = item(3);
  heap.update(c, 10);
  heap.update(a, 20);
  heap.update(d, 10);
  heap.update(b, 5);
  heap.update(b, 20); // re-keyed later: ties with a, after it
  assert.deepEqual([heap.pop(), heap.pop(), heap.pop(), heap.pop()], [c, d, a, b]);
  assert.equal(heap.pop(), undefined);
  assert.equal(a.heapIndex, -1);
  assert.equal(a.deadline, Infinity);
});

Deno.test("TimerHeap.update() with Infinity takes the item out", () => {
  const heap = new TimerHeap<HeapItem>();
  const a = item(0), b = item(1);
  heap.update(a, 1);
  heap.update(b, 2);
  heap.update(a, Infinity);
  assert.equal(heap.size, 1);
  assert.equal(heap.peek(), b);
  heap.remove(a); // not in it: nothing happens
  assert.equal(heap.size, 1);
});
