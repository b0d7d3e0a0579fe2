/**
 * The pquic helpers the Wasm engine computes inline (helpers.ts `INTRINSICS`)
 * against their own TypeScript code, which the interpreter runs: same r0,
 * same fault (kind, pc, message), same memory, and the helper's code reached
 * from compiled code only when the intrinsic's conditions fail.
 */

import assert from "node:assert/strict";
import {
  type EngineFactory,
  interpreter,
  MEMORY_BASE,
  observedHelpers,
  PAGE_SIZE,
} from "../vm/mod.ts";
import { ModuleCache, wasmCompilerWith } from "../vm/wasm/mod.ts";
import { runHelperCall } from "../vm/_helper_call_testing.ts";
import { PQUIC_HELPERS } from "./helpers.ts";

const calls = new Map<string, number>();

/** PQUIC_HELPERS, each counting the calls that reach its TypeScript code. */
const COUNTING = observedHelpers(
  PQUIC_HELPERS,
  (d) => calls.set(d.name, (calls.get(d.name) ?? 0) + 1),
);

const BUF = 9000;
const END = MEMORY_BASE + BigInt(PAGE_SIZE);
const buf = (o: number) => MEMORY_BASE + BigInt(BUF + o);

interface Outcome {
  r0?: bigint;
  fault?: string;
  memory: Uint8Array;
  calls: number;
}

function run(factory: EngineFactory, name: string, args: bigint[], init: Uint8Array): Outcome {
  calls.clear();
  const id = COUNTING.byName(name)!.id;
  const setup = { at: BUF, init, pattern: [29, 3] as const, data: null };
  return { ...runHelperCall(factory, COUNTING, id, args, setup), calls: calls.get(name) ?? 0 };
}

/** Runs each case on both engines; `slow` lists the cases that succeed on the helper's side. */
function agree(name: string, cases: bigint[][], init = new Uint8Array(0), slow: number[] = []) {
  assert.ok(COUNTING.byName(name)?.intrinsic !== undefined, `${name} has an intrinsic`);
  return cases.map((args, i) => {
    const a = run(interpreter, name, args, init);
    const b = run(wasmCompilerWith(new ModuleCache()), name, args, init);
    const what = `${name}(${args.map((x) => "0x" + x.toString(16)).join(", ")})`;
    assert.equal(b.fault, a.fault, `fault of ${what}`);
    assert.equal(b.r0, a.r0, `r0 of ${what}`);
    assert.deepEqual(b.memory, a.memory, `memory after ${what}`);
    const inline = a.fault === undefined && !slow.includes(i);
    assert.equal(b.calls, inline ? 0 : 1, `${what} computed inline: ${inline}`);
    return a;
  });
}

Deno.test("my_memcpy computed inline agrees with its helper, overlaps and faults included", () => {
  const out = agree("my_memcpy", [
    [buf(0), buf(8), 64n],
    [buf(8), buf(0), 64n],
    [buf(0), buf(0), 0n],
    [END - 16n, buf(0), 16n],
    [END - 8n, buf(0), 16n],
    [buf(0), END - 8n, 16n],
    [MEMORY_BASE - 1n, buf(0), 1n],
    [buf(0), buf(4), 1n << 40n],
    [buf(0), 0n, 4n],
  ]);
  assert.equal(out[0]!.r0, buf(0));
  assert.match(out[4]!.fault!, /^helper \(pc 6\): my_memcpy: out of bounds: write of 16 bytes/);
  assert.match(out[7]!.fault!, /my_memcpy: n 1099511627776 is too large/);
});

Deno.test("my_memset and memcmp computed inline agree with their helpers", () => {
  agree(
    "my_memset",
    [
      [buf(0), 0x1abn, 100n],
      [buf(0), (1n << 53n) + 7n, 4n], // not exact as a double: on the helper's side
      [END - 4n, 0n, 8n],
      [buf(0), 1n, 1n << 30n],
    ],
    undefined,
    [1],
  ).slice(1, 2).forEach((o) => assert.equal(o.fault, undefined));
  const init = new Uint8Array([1, 2, 3, 4, 0, 0, 0, 0, 1, 2, 7, 4]);
  const out = agree("memcmp", [
    [buf(0), buf(8), 4n],
    [buf(8), buf(0), 4n],
    [buf(0), buf(8), 2n],
    [buf(0), END - 2n, 4n],
    [0n, buf(0), 4n],
  ], init);
  assert.deepEqual(out.slice(0, 3).map((o) => o.r0), [BigInt.asUintN(64, -4n), 4n, 0n]);
});

Deno.test("my_htons and my_ntohs computed inline swap the low 16 bits", () => {
  for (const name of ["my_htons", "my_ntohs"]) {
    const out = agree(name, [[0x1234n], [0xffff_ffff_ffff_0102n], [0n]]);
    assert.deepEqual(out.map((o) => o.r0), [0x3412n, 0x0201n, 0n]);
  }
});

Deno.test("picoquic varint helpers computed inline agree with their helpers", () => {
  const init = new Uint8Array([
    0x25,
    0x7b,
    0xbd,
    0x9d,
    0x7f,
    0x3e,
    0x7d,
    0xc0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
  ]);
  const skips = agree(
    "picoquic_varint_skip",
    [[buf(0)], [buf(1)], [buf(3)], [buf(7)], [END]],
    init,
  );
  assert.deepEqual(skips.slice(0, 4).map((o) => o.r0), [1n, 2n, 4n, 8n]);
  const decoded = agree("picoquic_varint_decode", [
    [buf(1), 8n, buf(64)],
    [buf(7), 8n, buf(64)],
    [buf(7), 4n, buf(64)],
    [0n, 0n, 0n],
    [END - 1n, 8n, buf(64)],
    [buf(3), 8n, END - 7n],
  ], init);
  assert.deepEqual(decoded.slice(0, 4).map((o) => o.r0), [2n, 8n, 0n, 0n]);
  const encoded = agree("picoquic_varint_encode", [
    [buf(0), 8n, 15293n],
    [buf(0), 8n, 494878333n],
    [buf(0), 8n, 1n << 62n],
    [buf(0), 1n, 64n],
    [END - 3n, 8n, 494878333n],
    [MEMORY_BASE - 1n, 8n, 1n],
  ]);
  assert.deepEqual(encoded.slice(0, 4).map((o) => o.r0), [2n, 4n, 0n, 0n]);
  const bytes = encoded[1]!.memory.subarray(BUF, BUF + 4);
  assert.deepEqual([...bytes], [0x9d, 0x7f, 0x3e, 0x7d]); // RFC 9000 §A.1
});

Deno.test("strlen computed inline agrees with its helper on ASCII, UTF-8 and faults", () => {
  const init = new TextEncoder().encode("frame\0na\u00efve\0");
  const out = agree("strlen", [[buf(0)], [buf(5)], [buf(6)], [END], [0n]], init, [2]);
  assert.deepEqual(out.slice(0, 3).map((o) => o.r0), [5n, 0n, 6n]);
  assert.match(out[4]!.fault!, /^helper \(pc 2\): strlen: out of bounds: read of 1 bytes/);
});
