import assert from "node:assert/strict";
import { PluginFault } from "./fault.ts";
import { InstanceMemory, MEMORY_BASE, PAGE_SIZE, STACK_SIZE } from "./memory.ts";

function oob(fn: () => unknown): PluginFault {
  try {
    fn();
  } catch (e) {
    if (e instanceof PluginFault && e.kind === "out_of_bounds") return e;
    throw e;
  }
  assert.fail("no fault");
}

Deno.test("InstanceMemory lays out data, a 16-aligned stack and the heap", () => {
  const m = new InstanceMemory({ dataSize: 20 });
  assert.equal(m.stackBase, 32);
  assert.equal(m.stackTop, 32 + STACK_SIZE);
  assert.equal(m.heapBase, m.stackTop);
  assert.equal(m.frameTop, MEMORY_BASE + BigInt(m.stackTop));
  assert.equal(m.size, PAGE_SIZE);
});

Deno.test("InstanceMemory.check() accepts the first and last bytes", () => {
  const m = new InstanceMemory();
  assert.equal(m.check(MEMORY_BASE, 8, false), 0);
  assert.equal(m.check(MEMORY_BASE + BigInt(m.size - 8), 8, true), m.size - 8);
  assert.equal(m.check(MEMORY_BASE + BigInt(m.size), 0, false), m.size);
});

Deno.test("InstanceMemory.check() faults below, above and straddling the end", () => {
  const m = new InstanceMemory();
  const below = oob(() => m.check(MEMORY_BASE - 1n, 1, false, 7));
  assert.equal(
    below.message,
    "out of bounds: read of 1 bytes at 0xffffffff (pc 7), memory is 0x100000000–0x10000ffff",
  );
  assert.equal(below.pc, 7);
  assert.equal(below.region, "outside");
  const above = oob(() => m.check(MEMORY_BASE + BigInt(m.size), 1, true));
  assert.match(above.message, /^out of bounds: write of 1 bytes at 0x100010000, memory/);
  const straddle = oob(() => m.check(MEMORY_BASE + BigInt(m.size - 4), 8, false));
  assert.equal(straddle.size, 8);
  assert.equal(straddle.address, MEMORY_BASE + BigInt(m.size - 4));
  assert.equal(straddle.region, "heap");
});

Deno.test("InstanceMemory.region() names data, stack and heap", () => {
  const m = new InstanceMemory({ dataSize: 16 });
  assert.equal(m.region(MEMORY_BASE), "data");
  assert.equal(m.region(MEMORY_BASE + 16n), "stack");
  assert.equal(m.region(MEMORY_BASE + BigInt(m.heapBase)), "heap");
  assert.equal(m.region(0n), "outside");
});

Deno.test("InstanceMemory.grow() extends the checked range and refreshes views", () => {
  const m = new InstanceMemory({ maxSize: 4 * PAGE_SIZE });
  const end = MEMORY_BASE + BigInt(m.size);
  oob(() => m.check(end, 1, true));
  const at = m.grow(1);
  assert.equal(at, PAGE_SIZE);
  assert.equal(m.check(end, 1, true), PAGE_SIZE);
  assert.equal(m.bytes().length, 2 * PAGE_SIZE);
});

Deno.test("InstanceMemory.grow() refuses to pass the limit with a helper fault", () => {
  const m = new InstanceMemory({ maxSize: 2 * PAGE_SIZE });
  m.grow(PAGE_SIZE);
  assert.throws(() => m.grow(1), (e: unknown) => e instanceof PluginFault && e.kind === "helper");
});

Deno.test("InstanceMemory.alloc() hands out aligned heap blocks, growing as needed", () => {
  const m = new InstanceMemory({ dataSize: 3 });
  const a = m.alloc(3);
  const b = m.alloc(PAGE_SIZE);
  assert.equal(a, m.heapBase);
  assert.equal(b % 8, 0);
  assert.ok(b >= a + 3);
  assert.ok(m.size >= b + PAGE_SIZE);
});

Deno.test("InstanceMemory refuses an initial size above its limit", () => {
  assert.throws(
    () => new InstanceMemory({ heapSize: 10 * PAGE_SIZE, maxSize: PAGE_SIZE }),
    RangeError,
  );
});
