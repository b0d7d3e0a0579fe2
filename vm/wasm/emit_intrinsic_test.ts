import assert from "node:assert/strict";
import { assemble } from "../assembler.ts";
import type { EngineFactory } from "../engine.ts";
import type { PluginFault } from "../fault.ts";
import { type HelperTable, observedHelpers } from "../helpers.ts";
import { interpreter } from "../interpreter.ts";
import { InstanceMemory, MEMORY_BASE, PAGE_SIZE } from "../memory.ts";
import { makeProgram } from "../program.ts";
import { verify } from "../verifier.ts";
import { testHelpers } from "../_test_helpers.ts";
import { runHelperCall } from "../_helper_call_testing.ts";
import { ModuleCache, wasmCompilerWith } from "./mod.ts";

/** The test helpers, each counting the calls that reach its TypeScript code. */
function countingHelpers(calls: Map<number, number>): HelperTable {
  return observedHelpers(testHelpers(), (d) => calls.set(d.id, (calls.get(d.id) ?? 0) + 1));
}

const BUF = 5000; // linear offset of the buffer the cases point into
const SIZE = PAGE_SIZE; // memory size of the cases
const END = MEMORY_BASE + BigInt(SIZE); // one past the last valid address
const buf = (o: number) => MEMORY_BASE + BigInt(BUF + o);

interface Outcome {
  r0?: bigint;
  fault?: string;
  memory: Uint8Array;
  calls: number;
}

function run(factory: EngineFactory, id: number, args: bigint[], init?: Uint8Array): Outcome {
  const calls = new Map<number, number>();
  const helpers = countingHelpers(calls);
  const setup = { at: BUF, init, pattern: [37, 11] as const, data: { log: [] } };
  return { ...runHelperCall(factory, helpers, id, args, setup), calls: calls.get(id) ?? 0 };
}

/**
 * Runs one call on the interpreter and on the Wasm engine; asserts the same
 * r0, fault (kind, pc and message) and memory, and that the Wasm engine
 * called the helper's own code only when the fast path did not apply.
 */
function agree(id: number, args: bigint[], opts: { slow?: boolean; init?: Uint8Array } = {}) {
  const a = run(interpreter, id, args, opts.init);
  const b = run(wasmCompilerWith(new ModuleCache()), id, args, opts.init);
  const what = `helper ${id} (${args.map((x) => "0x" + x.toString(16)).join(", ")})`;
  assert.equal(b.fault, a.fault, `fault of ${what}`);
  assert.equal(b.r0, a.r0, `r0 of ${what}`);
  assert.deepEqual(b.memory, a.memory, `memory after ${what}`);
  assert.equal(a.calls, 1, `the interpreter calls ${what}`);
  const slow = opts.slow ?? a.fault !== undefined;
  assert.equal(b.calls, slow ? 1 : 0, `${what} on the ${slow ? "slow" : "fast"} path`);
  return a;
}

Deno.test("memmove intrinsic copies like the helper, overlapping either way", () => {
  const r = agree(12, [buf(0), buf(16), 32n]);
  assert.equal(r.r0, buf(0));
  agree(12, [buf(16), buf(0), 32n]); // forward overlap: memmove, not a byte loop
  agree(12, [buf(3), buf(3), 100n]);
  agree(12, [buf(0), buf(1000), 0n]);
  agree(12, [END, END, 0n]); // empty range at the very end
  agree(12, [END - 8n, buf(0), 8n]);
  agree(12, [MEMORY_BASE, MEMORY_BASE + 1n, BigInt(SIZE - 1)]);
  agree(12, [MEMORY_BASE, MEMORY_BASE, BigInt(SIZE)]);
});

Deno.test("memmove intrinsic leaves every bad argument to the helper's fault", () => {
  agree(12, [END - 4n, buf(0), 8n]); // dst straddles the end
  agree(12, [buf(0), END - 4n, 8n]); // src straddles the end
  agree(12, [MEMORY_BASE - 1n, buf(0), 4n]); // below the memory
  agree(12, [buf(0), 0n, 4n]); // null
  agree(12, [END + 1n, buf(0), 0n]); // empty range past the end
  agree(12, [buf(0), buf(8), BigInt(SIZE + 1)]); // longer than the memory
  agree(12, [buf(0), buf(8), 1n << 63n]);
  agree(12, [buf(0), buf(8), (1n << 53n) + 1n]);
  agree(12, [(1n << 64n) - 1n, buf(0), 2n]);
  agree(12, [END - 2n, END - 2n, 1n << 32n]);
});

Deno.test("memset intrinsic fills with c mod 256, larger c through the helper", () => {
  assert.equal(agree(13, [buf(0), 0x1abn, 40n]).r0, buf(0));
  agree(13, [buf(7), 0n, 0n]);
  agree(13, [END - 3n, 0xffn, 3n]);
  agree(13, [buf(0), (1n << 53n) - 1n, 16n]);
  agree(13, [buf(0), (1n << 53n) + 1n, 16n], { slow: true });
  agree(13, [buf(0), (1n << 64n) - 1n, 16n], { slow: true });
  agree(13, [END - 3n, 0xffn, 4n]);
  agree(13, [MEMORY_BASE - 8n, 1n, 4n]);
  agree(13, [buf(0), 1n, BigInt(SIZE) + 1n]);
});

Deno.test("memcmp intrinsic returns the first difference, faults from the helper", () => {
  const init = new Uint8Array(64);
  init.set([1, 2, 3, 4, 5], 0);
  init.set([1, 2, 3, 9, 5], 32);
  const eq = agree(14, [buf(0), buf(0), 64n], { init });
  assert.equal(eq.r0, 0n);
  const lt = agree(14, [buf(0), buf(32), 5n], { init });
  assert.equal(lt.r0, BigInt.asUintN(64, -5n)); // 4 - 9, wrapped
  assert.equal(agree(14, [buf(32), buf(0), 5n], { init }).r0, 5n);
  assert.equal(agree(14, [buf(0), buf(32), 3n], { init }).r0, 0n);
  agree(14, [buf(0), buf(32), 0n], { init });
  agree(14, [END - 4n, END - 4n, 4n]);
  agree(14, [END - 4n, buf(0), 5n]); // a straddles
  agree(14, [buf(0), END - 4n, 5n]); // b straddles
  agree(14, [0n, 0n, 4n]); // both bad: a is reported
  agree(14, [buf(0), buf(0), BigInt(SIZE) + 1n]);
});

Deno.test("bswap16 intrinsic swaps the low two bytes of any value", () => {
  for (const x of [0n, 0x1234n, 0xabcdn, 0xffff_ffff_ffff_abcdn, 1n << 63n, 0xff00n]) {
    const r = agree(15, [x]);
    assert.equal(r.r0, ((x & 0xffn) << 8n) | ((x >> 8n) & 0xffn));
  }
});

Deno.test("varint_skip intrinsic reads the length bits, faults from the helper", () => {
  const init = new Uint8Array([0x00, 0x3f, 0x40, 0xbf, 0xc0]);
  const lens = [0, 1, 2, 3, 4].map((i) => agree(16, [buf(i)], { init }).r0);
  assert.deepEqual(lens, [1n, 1n, 2n, 4n, 8n]);
  agree(16, [END - 1n]);
  agree(16, [END]);
  agree(16, [MEMORY_BASE - 1n]);
  agree(16, [7n]);
});

Deno.test("varint_decode intrinsic decodes 1 to 8 bytes and stores the value", () => {
  const init = new Uint8Array(64);
  // RFC 9000 §A.1 examples: 0x25 (37), 0x7bbd (15293), 0x9d7f3e7d (494878333),
  // 0xc2197c5eff14e88c (151288809941952652).
  init.set([0x25, 0x7b, 0xbd, 0x9d, 0x7f, 0x3e, 0x7d], 0);
  init.set([0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c], 8);
  const value = (r: Outcome) => new DataView(r.memory.buffer).getBigUint64(BUF + 32, true);
  const cases: [number, bigint, bigint][] = [[0, 1n, 37n], [1, 2n, 15293n], [3, 4n, 494878333n], [
    8,
    8n,
    151288809941952652n,
  ]];
  for (const [at, len, v] of cases) {
    const r = agree(17, [buf(at), 8n, buf(32)], { init });
    assert.equal(r.r0, len);
    assert.equal(value(r), v);
  }
  assert.equal(agree(17, [buf(8), 7n, buf(32)], { init }).r0, 0n); // longer than max
  assert.equal(agree(17, [0n, 0n, 0n], { init }).r0, 0n); // max 0: nothing is read
  agree(17, [buf(8), (1n << 64n) - 1n, buf(32)], { init });
});

Deno.test("varint_decode intrinsic leaves bad pointers to the helper's fault", () => {
  const init = new Uint8Array([0xc2]);
  agree(17, [MEMORY_BASE - 1n, 8n, buf(32)]);
  agree(17, [END - 4n, 8n, buf(32)], { init: new Uint8Array(0) }); // straddles if 8 bytes
  agree(17, [buf(0), 8n, END - 4n], { init }); // out straddles
  agree(17, [buf(0), 8n, 0n], { init });
  agree(17, [buf(0), 8n, END - 8n], { init });
});

Deno.test("varint_encode intrinsic writes the shortest varint, 0 when it cannot", () => {
  const values = [0n, 37n, 63n, 64n, 15293n, 16383n, 16384n, (1n << 30n) - 1n, 1n << 30n];
  for (const v of [...values, 151288809941952652n, (1n << 62n) - 1n]) {
    const r = agree(18, [buf(0), 8n, v]);
    assert.ok(r.r0 === 1n || r.r0 === 2n || r.r0 === 4n || r.r0 === 8n, `length of ${v}`);
  }
  assert.equal(agree(18, [buf(0), 8n, 1n << 62n]).r0, 0n);
  assert.equal(agree(18, [buf(0), 8n, (1n << 64n) - 1n]).r0, 0n);
  assert.equal(agree(18, [buf(0), 1n, 64n]).r0, 0n); // needs 2 bytes
  assert.equal(agree(18, [0n, 1n, 64n]).r0, 0n); // too long: no check of p
  agree(18, [END - 2n, 8n, 64n]);
  agree(18, [END - 2n, 8n, 16384n]); // 4 bytes straddle the end
  agree(18, [MEMORY_BASE - 1n, 8n, 1n]);
});

Deno.test("strlen intrinsic counts ASCII up to the NUL, leaves the rest to the helper", () => {
  const text = new TextEncoder().encode("pquic\0caf\u00e9\0");
  assert.equal(agree(19, [buf(0)], { init: text }).r0, 5n);
  assert.equal(agree(19, [buf(5)], { init: text }).r0, 0n);
  assert.equal(agree(19, [buf(6)], { init: text, slow: true }).r0, 5n); // é: 2 bytes
  const invalid = new Uint8Array([0x41, 0xff, 0x42, 0]); // U+FFFD: 3 bytes
  assert.equal(agree(19, [buf(0)], { init: invalid, slow: true }).r0, 5n);
  const long = new Uint8Array(5000).fill(0x61);
  long[4500] = 0; // beyond the intrinsic's scan: the helper finds it
  assert.equal(agree(19, [buf(0)], { init: long, slow: true }).r0, 4500n);
  long[4500] = 0x61;
  long[4095] = 0; // the last byte the intrinsic scans
  assert.equal(agree(19, [buf(0)], { init: long }).r0, 4095n);
  const end = new Uint8Array(SIZE - BUF).fill(0x61);
  agree(19, [buf(0)], { init: end }); // no NUL before the end of memory: the helper's fault
  end[end.length - 1] = 0;
  assert.equal(agree(19, [END - 3n], { init: end }).r0, 2n);
  agree(19, [END]);
  agree(19, [MEMORY_BASE - 1n]);
});

Deno.test("intrinsic calls inside a loop agree with the interpreter, fuel included", () => {
  // Copy 8 bytes 50 times, encode a varint after each copy, compare the halves.
  const text = `
    mov r6, r1
    mov r7, 0
    mov r9, 0
  loop:
    mov r1, r6
    add r1, 512
    mov r2, r6
    mov r3, 8
    call 12
    mov r1, r6
    add r1, 1024
    mov r2, 8
    mov r3, r9
    mul r3, 1000
    call 18
    add r7, r0
    mov r1, r6
    mov r2, r6
    add r2, 512
    mov r3, 8
    call 14
    add r7, r0
    add r6, 8
    add r9, 1
    jlt r9, 50, loop
    mov r0, r7
    exit`;
  const helpers = testHelpers();
  const program = makeProgram(assemble(text));
  verify(program, helpers);
  const results: (bigint | string)[] = [];
  for (const f of [interpreter, wasmCompilerWith(new ModuleCache())]) {
    for (const fuel of [100_000, 400]) {
      const memory = new InstanceMemory({ heapSize: 4096 });
      const engine = f.create(program, memory, helpers, { memory, data: null });
      try {
        results.push(engine.run(0, [MEMORY_BASE + BigInt(memory.heapBase)], { fuel }));
      } catch (e) {
        results.push((e as PluginFault).kind);
      }
    }
  }
  assert.deepEqual(results.slice(2), results.slice(0, 2));
  assert.equal(results[1], "fuel");
  assert.equal(typeof results[0], "bigint");
});

Deno.test("compileProgram() keeps the import call with noIntrinsics", () => {
  const calls = new Map<number, number>();
  const helpers = countingHelpers(calls);
  const program = makeProgram(assemble("mov r1, 0x1234\ncall 15\nexit"));
  const memory = new InstanceMemory();
  for (const noIntrinsics of [false, true]) {
    const cache = new ModuleCache(4, { noIntrinsics });
    const engine = wasmCompilerWith(cache).create(program, memory, helpers, { memory, data: null });
    assert.equal(engine.run(0, []), 0x3412n);
    assert.equal(cache.get(program, helpers).intrinsics.size, noIntrinsics ? 0 : 1);
  }
  assert.equal(calls.get(15), 1);
});

Deno.test("WasmEngine refuses intrinsics when ctx.memory is another memory", () => {
  const helpers = testHelpers();
  const program = makeProgram(assemble("mov r1, 1\ncall 15\nexit"));
  const memory = new InstanceMemory();
  const other = new InstanceMemory();
  const wasm = wasmCompilerWith(new ModuleCache());
  assert.throws(
    () => wasm.create(program, memory, helpers, { memory: other, data: null }),
    /ctx\.memory to be the instance memory/,
  );
});
