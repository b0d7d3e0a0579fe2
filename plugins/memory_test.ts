import assert from "node:assert/strict";
import { InstanceMemory, MEMORY_BASE, PAGE_SIZE, PluginFault } from "../vm/mod.ts";
import { HEAP_ALIGN, PluginHeap } from "./memory.ts";

function heap(maxSize = 1 << 20): [PluginHeap, InstanceMemory] {
  const m = new InstanceMemory({ maxSize });
  return [new PluginHeap(m), m];
}

Deno.test("PluginHeap.malloc() returns aligned, disjoint blocks inside the heap region", () => {
  const [h, m] = heap();
  const a = h.malloc(1);
  const b = h.malloc(100);
  const c = h.malloc(0);
  for (const p of [a, b, c]) {
    assert.equal((p - MEMORY_BASE) % BigInt(HEAP_ALIGN), 0n);
    assert.ok(p - MEMORY_BASE >= BigInt(m.heapBase));
  }
  assert.ok(b >= a + 16n && c >= b + 112n);
  assert.equal(h.inUse, 16 + 112 + 16);
});

Deno.test("PluginHeap.free() coalesces with both neighbours", () => {
  const [h] = heap();
  const a = h.malloc(32);
  const b = h.malloc(32);
  const c = h.malloc(32);
  h.malloc(32); // keeps c from merging with the tail
  const before = h.freeList().length;
  h.free(a);
  h.free(c);
  assert.equal(h.freeList().length, before + 2);
  h.free(b);
  assert.equal(h.freeList().length, before + 1);
  assert.deepEqual(h.freeList()[0], [Number(a - MEMORY_BASE), 96]);
});

Deno.test("PluginHeap refuses double free and foreign pointers with helper faults", () => {
  const [h, m] = heap();
  const a = h.malloc(40);
  h.free(a);
  assert.throws(() => h.free(a), (e) =>
    e instanceof PluginFault && e.kind === "helper" &&
    /my_free: double free of 0x/.test(e.message));
  const b = h.malloc(64);
  assert.throws(() => h.free(b + 8n), /my_free: 0x[0-9a-f]+ is not a block returned by my_malloc/);
  assert.throws(() => h.free(MEMORY_BASE), /is not a block/); // the data region
  assert.throws(() => h.free(0xdeadn), /is not a block/);
  assert.throws(() => h.realloc(MEMORY_BASE + BigInt(m.stackBase), 8), /my_realloc: 0x/);
  h.free(0n); // free(NULL)
});

Deno.test("PluginHeap.malloc() grows the memory and returns 0 past the limit", () => {
  const [h, m] = heap(4 * PAGE_SIZE);
  const big = h.malloc(2 * PAGE_SIZE);
  assert.notEqual(big, 0n);
  assert.ok(m.size >= 3 * PAGE_SIZE);
  assert.equal(h.malloc(4 * PAGE_SIZE), 0n);
  assert.equal(h.malloc(Number.MAX_SAFE_INTEGER), 0n);
  assert.equal(h.malloc(-1), 0n);
  // The heap is still usable after a refusal.
  assert.notEqual(h.malloc(1000), 0n);
  assert.ok(m.size <= 4 * PAGE_SIZE);
});

Deno.test("PluginHeap.realloc() grows in place, moves with the content, or keeps the block", () => {
  const [h, m] = heap(2 * PAGE_SIZE);
  const a = h.malloc(16);
  m.bytes().set([1, 2, 3, 4], Number(a - MEMORY_BASE));
  assert.equal(h.realloc(a, 64), a); // the tail is free: in place
  const b = h.malloc(16);
  const moved = h.realloc(a, 256);
  assert.notEqual(moved, a);
  assert.deepEqual([...m.bytes().subarray(Number(moved - MEMORY_BASE)).slice(0, 4)], [1, 2, 3, 4]);
  assert.equal(h.realloc(moved, 8), moved); // shrinking keeps the block
  assert.equal(h.realloc(b, 10 * PAGE_SIZE), 0n);
  assert.equal(h.sizeOf(b), 16); // still allocated
  assert.equal(h.realloc(b, 0), 0n);
  assert.equal(h.sizeOf(b), undefined);
  assert.notEqual(h.realloc(0n, 32), 0n);
});

Deno.test("PluginHeap keeps its invariants under random malloc/free/realloc", () => {
  for (let round = 0; round < 4; round++) {
    let seed = 0x9e3779b9 + round;
    const rnd = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const [h, m] = heap(8 * PAGE_SIZE);
    const live = new Map<bigint, { size: number; tag: number }>();
    let tag = 1;
    const fill = (p: bigint, size: number, t: number) =>
      m.bytes().fill(t & 0xff, Number(p - MEMORY_BASE), Number(p - MEMORY_BASE) + size);
    const checkContent = (p: bigint, size: number, t: number) => {
      const bytes = m.bytes().subarray(Number(p - MEMORY_BASE), Number(p - MEMORY_BASE) + size);
      assert.ok(bytes.every((x) => x === (t & 0xff)), "block content changed");
    };
    for (let step = 0; step < 3000; step++) {
      const op = rnd(10);
      const keys = [...live.keys()];
      if (op < 5 || keys.length === 0) {
        const size = rnd(4) === 0 ? rnd(20000) : rnd(300);
        const p = h.malloc(size);
        if (p === 0n) continue;
        assert.ok(!live.has(p));
        live.set(p, { size, tag });
        fill(p, size, tag++);
      } else if (op < 8) {
        const p = keys[rnd(keys.length)]!;
        checkContent(p, live.get(p)!.size, live.get(p)!.tag);
        h.free(p);
        live.delete(p);
      } else {
        const p = keys[rnd(keys.length)]!;
        const old = live.get(p)!;
        const size = rnd(3000) + 1;
        const q = h.realloc(p, size);
        if (q === 0n) {
          checkContent(p, old.size, old.tag);
          continue;
        }
        checkContent(q, Math.min(size, old.size), old.tag);
        live.delete(p);
        live.set(q, { size, tag });
        fill(q, size, tag++);
      }
      // Invariants: disjoint, inside the region, accounted.
      if (step % 50 === 0) {
        const spans = [...live.keys()].map((p) => [Number(p - MEMORY_BASE), h.sizeOf(p)!]);
        spans.sort((x, y) => x[0]! - y[0]!);
        let total = 0;
        for (let i = 0; i < spans.length; i++) {
          const [s, n] = spans[i] as [number, number];
          assert.ok(s >= m.heapBase && s + n <= m.size);
          if (i > 0) assert.ok(spans[i - 1]![0]! + spans[i - 1]![1]! <= s, "blocks overlap");
          total += n;
        }
        assert.equal(total, h.inUse);
        const free = h.freeList();
        for (let i = 1; i < free.length; i++) {
          assert.ok(free[i - 1]![0] + free[i - 1]![1] < free[i]![0], "free blocks not coalesced");
        }
      }
    }
    for (const p of live.keys()) h.free(p);
    assert.equal(h.inUse, 0);
    assert.equal(h.freeList().length, 1, "everything coalesces back into one block");
    assert.ok(h.highWater > 0 && h.highWater <= 8 * PAGE_SIZE);
  }
});
