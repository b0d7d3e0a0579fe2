import assert from "node:assert/strict";
import { assemble } from "./assembler.ts";
import { PluginFault } from "./fault.ts";
import { HelperTable } from "./helpers.ts";
import { createInstance, placeInput } from "./instance.ts";
import { MEMORY_BASE } from "./memory.ts";
import { loadData, makeProgram, programFromBytes } from "./program.ts";
import { InstanceMemory } from "./memory.ts";

const code = assemble("mov r0, 1\nexit\nf: mov r0, r1\nadd r0, 1\nexit");

Deno.test("createInstance() verifies first and runs functions by name or pc", () => {
  const p = makeProgram(code, { functions: new Map([["main", 0], ["f", 2]]) });
  const inst = createInstance(p, new HelperTable());
  assert.equal(inst.run(), 1n);
  assert.equal(inst.run("f", [41n]), 42n);
  assert.equal(inst.run(2, [1n]), 2n);
  assert.throws(() => inst.run("g"), /no such function/);
  assert.throws(
    () => createInstance(makeProgram(assemble("mov r0, 1")), new HelperTable()),
    (e: unknown) => e instanceof PluginFault && e.kind === "verifier",
  );
});

Deno.test("createInstance() loads the program's data at MEMORY_BASE", () => {
  const p = makeProgram(assemble("lddw r1, 0x100000000\nldxw r0, [r1+4]\nexit"), {
    rodata: new Uint8Array([0, 0, 0, 0, 0x78, 0x56, 0x34, 0x12]),
  });
  assert.equal(createInstance(p, new HelperTable()).run(), 0x12345678n);
});

Deno.test("placeInput() copies bytes into the heap and returns address and length", () => {
  const m = new InstanceMemory();
  const [addr, len] = placeInput(m, new Uint8Array([9, 8, 7]));
  assert.equal(len, 3n);
  const off = Number(addr - MEMORY_BASE);
  assert.ok(off >= m.heapBase);
  assert.deepEqual([...m.bytes().subarray(off, off + 3)], [9, 8, 7]);
});

Deno.test("makeProgram() digests code and data; programFromBytes() names main", () => {
  const a = makeProgram(code);
  const b = makeProgram(code, { rodata: new Uint8Array([1]) });
  assert.notEqual(a.digest, b.digest);
  assert.equal(
    a.digest,
    makeProgram(assemble("mov r0, 1\nexit\nmov r0, r1\nadd r0, 1\nexit")).digest,
  );
  assert.match(a.digest, /^[0-9a-f]{64}$/);
  const raw = programFromBytes(new Uint8Array([0x95, 0, 0, 0, 0, 0, 0, 0]));
  assert.deepEqual([...raw.functions], [["main", 0]]);
});

Deno.test("loadData() refuses data larger than the data region", () => {
  const p = makeProgram(code, { rodata: new Uint8Array(100) });
  assert.throws(() => loadData(p, new InstanceMemory({ dataSize: 10 })), RangeError);
});
