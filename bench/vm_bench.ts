/**
 * VM benchmarks: three kernels, each run on the reference interpreter, the
 * Wasm engine and as the same algorithm in plain TypeScript, plus the
 * compile and instantiate costs of the Wasm engine.
 *
 * - gf256 table: GF(2^8) multiply-accumulate over 1,500 bytes
 *   (`dst[i] ^= c · src[i]` with log/exp tables, the inner loop of a
 *   Reed-Solomon / RLC FEC encoder), assembler text as clang -O2 emits it;
 * - gf_mac: `vm/testdata/c/gf256.c` (clang -O2, v3): a bit-serial GF(2^8)
 *   multiply in a function called twice per byte (bpf-to-bpf calls);
 * - checksum: the Internet checksum (RFC 1071) over 1,500 bytes,
 *   `vm/testdata/c/checksum.c` compiled by clang;
 * - helpers: a loop of 100 helper calls (the cost of crossing into the host),
 *   with a number helper (small arguments, and a pointer argument) and with a
 *   BigInt helper (vm/helpers.ts), and the floor: a bare Wasm loop making
 *   the same calls to an import of the same signature. Its helper stands for
 *   a read of host state (as get_cnx), so it can never be computed inline;
 * - plugin helpers: loops calling the pquic helpers as plugins do
 *   (plugins/helpers.ts): 100 `my_memcpy` of 8-byte records; a frame writer
 *   (100 × `my_memcpy`, `picoquic_varint_encode`, `my_htons`, 1,400 bytes
 *   out); 100 `get_cnx(AK_CNX_INPUT)` (host state: an import call). The Wasm
 *   engine computes the memory helpers inline (vm/wasm/emit_intrinsic.ts);
 *   "wasm, imports" is the same program with every helper an import call;
 * - calls: a loop of 100 bpf-to-bpf calls (one Wasm function per eBPF function).
 *
 * Before benching, each kernel's result is checked to be the same on all three.
 *
 * Run: `deno bench -A bench/vm_bench.ts`
 *
 * @module
 */

import assert from "node:assert/strict";
import { assemble } from "../vm/assembler.ts";
import type { EngineFactory } from "../vm/engine.ts";
import { type HelperContext, HelperTable } from "../vm/helpers.ts";
import { interpreter } from "../vm/interpreter.ts";
import { InstanceMemory, MEMORY_BASE, MEMORY_BASE_NUMBER } from "../vm/memory.ts";
import { loadElf } from "../vm/elf.ts";
import { loadData, makeProgram, type Program } from "../vm/program.ts";
import { verify } from "../vm/verifier.ts";
import {
  compileProgram,
  ModuleCache,
  wasmCompiler,
  wasmCompilerWith,
  WasmEngine,
} from "../vm/wasm/mod.ts";
import { BLOCK_VOID, CodeWriter, ModuleBuilder, Op, ValType } from "../vm/wasm/module.ts";
import { GF_MAC_ASM } from "../vm/testdata/gf_kernel.ts";
import { PQUIC_HELPERS } from "../plugins/helpers.ts";
import {
  CNX_INPUTS,
  FRAME_ASM,
  frameWriterTs,
  GET_CNX_ASM,
  MEMCPY_ASM,
  memcpyLoopTs,
  onRecords,
  pluginState,
  RECORD_OUT,
  RECORD_SRC,
  RECORDS,
  records,
} from "./_vm_helper_kernels.ts";

const LEN = 1500;
let sink = 0;
const FUEL = 10_000_000;

// ---- GF(2^8) tables (polynomial x^8 + x^4 + x^3 + x^2 + 1, generator 2) ----
const GF_LOG = new Uint8Array(256);
const GF_EXP = new Uint8Array(512);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    GF_EXP[i] = x;
    GF_LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) GF_EXP[i] = GF_EXP[i - 255]!;
}

/** dst[i] ^= c · src[i] in GF(2^8), c ≠ 0. */
function gfMulAccTs(dst: Uint8Array, src: Uint8Array, c: number): void {
  const lc = GF_LOG[c]!;
  for (let i = 0; i < src.length; i++) {
    const s = src[i]!;
    if (s !== 0) dst[i]! ^= GF_EXP[GF_LOG[s]! + lc]!;
  }
}

const GF_ASM = GF_MAC_ASM;

/** RFC 1071 checksum of big-endian 16-bit words, as vm/testdata/c/checksum.c. */
function checksumTs(b: Uint8Array): number {
  let sum = 0;
  let i = 0;
  for (; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i < b.length) sum += b[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Bit-serial GF(2^8) multiply, as vm/testdata/c/gf256.c. */
function gfMulBits(a: number, b: number): number {
  let r = 0;
  let x = a;
  for (let i = 0; i < 8; i++) {
    if (b & 1) r ^= x;
    b >>= 1;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  return r & 0xff;
}

/** acc = Σ coef^i · p[i] with coef = 3^i, as gf_mac in vm/testdata/c/gf256.c. */
function gfMacTs(p: Uint8Array): number {
  let acc = 0;
  let coef = 1;
  for (let i = 0; i < p.length; i++) {
    acc ^= gfMulBits(coef, p[i]!);
    coef = gfMulBits(coef, 3);
  }
  return acc;
}

// r1 = count: sum of helper(i, 7) for i < count.
const HELPER_ASM = `
  mov r6, r1
  mov r7, 0
  mov r8, 0
loop:
  mov r1, r8
  mov r2, 7
  call 1
  add r7, r0
  add r8, 1
  jlt r8, r6, loop
  mov r0, r7
  exit`;
const HELPER_CALLS = 100;
const HELPER_BIG_ASM = HELPER_ASM.replace("call 1", "call 2");
// The same with a pointer-sized first argument (MEMORY_BASE + i, above 2^31:
// a number helper then gets its arguments as doubles rather than small integers).
const HELPER_PTR_ASM = HELPER_ASM.replace("mov r1, r8", "lddw r1, 0x100000000\n  add r1, r8")
  .replace("call 1", "call 3");

// r1 = count: sum of f(i) = i + 7 through a bpf-to-bpf call per iteration.
const CALL_ASM = `
  mov r6, r1
  mov r7, 0
  mov r8, 0
loop:
  mov r1, r8
  call local f
  add r7, r0
  add r8, 1
  jlt r8, r6, loop
  mov r0, r7
  exit
f:
  mov r0, r1
  add r0, 7
  exit`;

function hostField(i: bigint, k: bigint): bigint {
  return i * 3n + k;
}

/** The host function in plain TS, with number arithmetic as a TS caller would use. */
function hostFieldNumber(i: number, k: number): number {
  return i * 3 + k;
}

function helpersLoopTs(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += hostFieldNumber(i, 7);
  return s;
}

// The same host function in the two helper forms (vm/helpers.ts): plain
// numbers (what a helper taking pointers, lengths and small values uses) and
// full-width BigInts.
const helpers = new HelperTable().register({
  id: 1,
  name: "host_field",
  arity: 2,
  callNumber: (_ctx, a, b) => hostFieldNumber(a, b),
}).register({
  id: 2,
  name: "host_field_big",
  call: (_ctx, a, b) => hostField(a, b),
}).register({
  id: 3,
  name: "host_field_ptr",
  arity: 2,
  // Its own copy of the arithmetic, so the two kernels do not share type feedback.
  callNumber: (_ctx, p, b) => (p - MEMORY_BASE_NUMBER) * 3 + b,
});

interface Setup {
  program: Program;
  memory: InstanceMemory;
  run: (factory: EngineFactory) => () => bigint;
  bench: (factory: EngineFactory) => () => void;
}

function setup(
  code: string | Program,
  init: (m: InstanceMemory) => bigint[],
  table: HelperTable = helpers,
  data: (m: InstanceMemory) => unknown = () => null,
): Setup {
  const program = typeof code === "string" ? makeProgram(assemble(code)) : code;
  verify(program, table);
  const memory = new InstanceMemory({ dataSize: program.rodata.length, heapSize: 8192 });
  loadData(program, memory);
  const args = init(memory);
  const ctx: HelperContext = { memory, data: data(memory) };
  return {
    program,
    memory,
    run(factory) {
      const engine = factory.create(program, memory, table, ctx);
      return () => engine.run(program.entry, args, { fuel: FUEL });
    },
    bench(factory) {
      const run = this.run(factory);
      return () => {
        sink ^= Number(run() & 0xffn);
      };
    },
  };
}

const input = new Uint8Array(LEN);
for (let i = 0; i < LEN; i++) input[i] = (i * 7 + 13) % 251;

// Layout in the heap: tables at +0, src at +1024, dst at +4096.
const gf = setup(GF_ASM, (m) => {
  const h = m.heapBase;
  m.write(h, GF_LOG);
  m.write(h + 256, GF_EXP);
  m.write(h + 1024, input);
  const a = (o: number) => MEMORY_BASE + BigInt(h + o);
  return [a(4096), a(1024), BigInt(LEN), 0x53n, a(0)];
});
function objectOf(name: string): Program {
  const url = new URL(`../vm/testdata/c/${name}.v3.o`, import.meta.url);
  return loadElf(Deno.readFileSync(url), helpers);
}

function onInput(m: InstanceMemory): bigint[] {
  m.write(m.heapBase, input);
  return [MEMORY_BASE + BigInt(m.heapBase), BigInt(LEN)];
}

const cks = setup(objectOf("checksum"), onInput);
const gfc = setup(objectOf("gf256"), onInput);
const hlp = setup(HELPER_ASM, () => [BigInt(HELPER_CALLS)]);
const hlpBig = setup(HELPER_BIG_ASM, () => [BigInt(HELPER_CALLS)]);
const hlpPtr = setup(HELPER_PTR_ASM, () => [BigInt(HELPER_CALLS)]);
const calls = setup(CALL_ASM, () => [BigInt(HELPER_CALLS)]);

// ---- Loops calling the pquic helpers, as plugins do ----
const mcp = setup(MEMCPY_ASM, onRecords, PQUIC_HELPERS, pluginState);
const frame = setup(FRAME_ASM, onRecords, PQUIC_HELPERS, pluginState);
const cnx = setup(GET_CNX_ASM, () => [BigInt(RECORDS)], PQUIC_HELPERS, pluginState);
/** The Wasm engine with every helper an import call (no intrinsics). */
const wasmImports = wasmCompilerWith(new ModuleCache(16, { noIntrinsics: true }));

const tsRecords = new Uint8Array(8192);
tsRecords.set(records, RECORD_SRC);

// ---- Check that all three compute the same before measuring ----
{
  const dstOf = (m: InstanceMemory) => m.bytes().slice(m.heapBase + 4096, m.heapBase + 4096 + LEN);
  const want = new Uint8Array(LEN);
  gfMulAccTs(want, input, 0x53);
  for (const f of [interpreter, wasmCompiler]) {
    gf.memory.bytes().fill(0, gf.memory.heapBase + 4096, gf.memory.heapBase + 4096 + LEN);
    gf.run(f)();
    assert.deepEqual(dstOf(gf.memory), want, `gf256 on ${f.name}`);
    assert.equal(cks.run(f)(), BigInt(checksumTs(input)), `checksum on ${f.name}`);
    assert.equal(gfc.run(f)(), BigInt(gfMacTs(input)), `gf_mac on ${f.name}`);
    assert.equal(hlp.run(f)(), BigInt(helpersLoopTs(HELPER_CALLS)), `helpers on ${f.name}`);
    assert.equal(hlpBig.run(f)(), BigInt(helpersLoopTs(HELPER_CALLS)), `helpers on ${f.name}`);
    assert.equal(hlpPtr.run(f)(), BigInt(helpersLoopTs(HELPER_CALLS)), `helpers on ${f.name}`);
    const wantCalls = (HELPER_CALLS * (HELPER_CALLS - 1)) / 2 + 7 * HELPER_CALLS;
    assert.equal(calls.run(f)(), BigInt(wantCalls), `calls on ${f.name}`);
  }
}

const tsDst = new Uint8Array(LEN);

Deno.bench({ name: "gf256 table 1500 B: interpreter", group: "gf256", fn: gf.bench(interpreter) });
Deno.bench({ name: "gf256 table 1500 B: wasm", group: "gf256", fn: gf.bench(wasmCompiler) });
Deno.bench({
  name: "gf256 table 1500 B: typescript",
  group: "gf256",
  baseline: true,
  fn: () => gfMulAccTs(tsDst, input, 0x53),
});

Deno.bench({
  name: "gf_mac 1500 B (C, bpf-to-bpf calls): interpreter",
  group: "gf_mac",
  fn: gfc.bench(interpreter),
});
Deno.bench({
  name: "gf_mac 1500 B (C, bpf-to-bpf calls): wasm",
  group: "gf_mac",
  fn: gfc.bench(wasmCompiler),
});
Deno.bench({
  name: "gf_mac 1500 B (C, bpf-to-bpf calls): typescript",
  group: "gf_mac",
  baseline: true,
  fn: () => {
    sink ^= gfMacTs(input);
  },
});

Deno.bench({ name: "checksum 1500 B: interpreter", group: "checksum", fn: cks.bench(interpreter) });
Deno.bench({ name: "checksum 1500 B: wasm", group: "checksum", fn: cks.bench(wasmCompiler) });
Deno.bench({
  name: "checksum 1500 B: typescript",
  group: "checksum",
  baseline: true,
  fn: () => {
    sink ^= checksumTs(input);
  },
});

Deno.bench({ name: "100 helper calls: interpreter", group: "helpers", fn: hlp.bench(interpreter) });
Deno.bench({ name: "100 helper calls: wasm", group: "helpers", fn: hlp.bench(wasmCompiler) });
Deno.bench({
  name: "100 helper calls: typescript",
  group: "helpers",
  baseline: true,
  fn: () => {
    sink ^= helpersLoopTs(HELPER_CALLS);
  },
});

// The floor: a Wasm loop making the same 100 calls to a bare import of the
// same signature, `(externref, i32, i32) → f64`, with nothing else per call.
const bareLoop = (() => {
  const { i32, f64, externref } = ValType;
  const m = new ModuleBuilder();
  const imp = m.importFunction("h", "f", m.type({ params: [externref, i32, i32], results: [f64] }));
  const ctx = m.global(externref, true, 0);
  const w = new CodeWriter(); // locals: 0 = count, 1 = i, 2 = sum
  w.byte(Op.loop).byte(BLOCK_VOID);
  w.byte(Op.globalGet).u32(ctx).byte(Op.localGet).u32(1).byte(Op.i32Const).i32(7);
  w.byte(Op.call).u32(imp).byte(Op.localGet).u32(2).byte(Op.f64Add).byte(Op.localSet).u32(2);
  w.byte(Op.localGet).u32(1).byte(Op.i32Const).i32(1).byte(Op.i32Add).byte(Op.localTee).u32(1);
  w.byte(Op.localGet).u32(0).byte(Op.i32LtU).byte(Op.brIf).u32(0).byte(Op.end);
  w.byte(Op.localGet).u32(2).byte(Op.end);
  m.exportFunction(
    "run",
    m.func(m.type({ params: [i32], results: [f64] }), [i32, f64], w.toBytes()),
  );
  const instance = new WebAssembly.Instance(new WebAssembly.Module(m.toBytes()), {
    h: { f: (_ctx: unknown, a: number, b: number) => hostFieldNumber(a, b) },
  });
  return instance.exports.run as (n: number) => number;
})();
assert.equal(bareLoop(HELPER_CALLS), helpersLoopTs(HELPER_CALLS));
Deno.bench({
  name: "100 helper calls: bare Wasm loop calling the import (floor)",
  group: "helpers",
  fn: () => {
    sink ^= bareLoop(HELPER_CALLS);
  },
});

Deno.bench({
  name: "100 helper calls, pointer argument: interpreter",
  group: "helpers_pointer",
  fn: hlpPtr.bench(interpreter),
});
Deno.bench({
  name: "100 helper calls, pointer argument: wasm",
  group: "helpers_pointer",
  fn: hlpPtr.bench(wasmCompiler),
});

Deno.bench({
  name: "100 BigInt helper calls: interpreter",
  group: "helpers_bigint",
  fn: hlpBig.bench(interpreter),
});
Deno.bench({
  name: "100 BigInt helper calls: wasm",
  group: "helpers_bigint",
  fn: hlpBig.bench(wasmCompiler),
});

Deno.bench({
  name: "100 bpf-to-bpf calls: interpreter",
  group: "calls",
  fn: calls.bench(interpreter),
});
Deno.bench({ name: "100 bpf-to-bpf calls: wasm", group: "calls", fn: calls.bench(wasmCompiler) });

Deno.bench({
  name: "compile gf256 kernel (eBPF → Wasm bytes → WebAssembly.Module)",
  group: "setup",
  fn: () => {
    new WebAssembly.Module(compileProgram(gf.program.instructions, [0]).bytes);
  },
});
const cached = new ModuleCache().get(gf.program, helpers);
Deno.bench({
  name: "instantiate gf256 kernel (cached module)",
  group: "setup",
  fn: () => {
    new WasmEngine(gf.program, cached, gf.memory, helpers, { memory: gf.memory, data: null });
  },
});

// The plugin-helper kernels come last, and run (their results checked first)
// only then: the engines' type feedback, shared by every program (the
// interpreter's loop, the Wasm engine's BigInt helper import), would
// otherwise slow the kernels above (≈10% on the interpreter's checksum,
// ≈25% on the BigInt helper calls).
let pluginKernelsChecked = false;
function pluginBench(k: Setup, factory: EngineFactory): () => void {
  let run: (() => void) | null = null;
  return () => {
    if (!pluginKernelsChecked) {
      pluginKernelsChecked = true;
      checkPluginKernels([interpreter, wasmCompiler, wasmImports]);
    }
    (run ??= k.bench(factory))();
  };
}

Deno.bench({
  name: "100 my_memcpy calls: interpreter",
  group: "memcpy",
  fn: pluginBench(mcp, interpreter),
});
Deno.bench({
  name: "100 my_memcpy calls: wasm",
  group: "memcpy",
  fn: pluginBench(mcp, wasmCompiler),
});
Deno.bench({
  name: "100 my_memcpy calls: wasm, imports",
  group: "memcpy",
  fn: pluginBench(mcp, wasmImports),
});
Deno.bench({
  name: "100 my_memcpy calls: typescript",
  group: "memcpy",
  baseline: true,
  fn: () => {
    sink ^= memcpyLoopTs(tsRecords, RECORD_OUT, RECORD_SRC, RECORDS);
  },
});

Deno.bench({
  name: "frame writer, 300 helper calls: interpreter",
  group: "frame",
  fn: pluginBench(frame, interpreter),
});
Deno.bench({
  name: "frame writer, 300 helper calls: wasm",
  group: "frame",
  fn: pluginBench(frame, wasmCompiler),
});
Deno.bench({
  name: "frame writer, 300 helper calls: wasm, imports",
  group: "frame",
  fn: pluginBench(frame, wasmImports),
});
Deno.bench({
  name: "frame writer, 300 helper calls: typescript",
  group: "frame",
  baseline: true,
  fn: () => {
    sink ^= frameWriterTs(tsRecords, RECORD_OUT, RECORD_SRC, RECORDS);
  },
});

Deno.bench({
  name: "100 get_cnx calls (host state): interpreter",
  group: "get_cnx",
  fn: pluginBench(cnx, interpreter),
});
Deno.bench({
  name: "100 get_cnx calls (host state): wasm",
  group: "get_cnx",
  fn: pluginBench(cnx, wasmCompiler),
});

/**
 * Checks the plugin-helper kernels on some engines: the same bytes and r0 as
 * TypeScript.
 */
function checkPluginKernels(engines: EngineFactory[]): void {
  const sum = CNX_INPUTS.reduce((a, b) => a + b) * BigInt(RECORDS / 4);
  for (const [k, ts] of [[mcp, memcpyLoopTs], [frame, frameWriterTs]] as const) {
    const want = tsRecords.slice();
    const end = ts(want, RECORD_OUT, RECORD_SRC, RECORDS);
    for (const f of engines) {
      const h = k.memory.heapBase;
      k.memory.bytes().fill(0, h + RECORD_OUT, h + 8192);
      const r0 = k.run(f)();
      assert.equal(r0, MEMORY_BASE + BigInt(h + end), `kernel end on ${f.name}`);
      const got = k.memory.bytes().subarray(h + RECORD_OUT, h + end);
      assert.deepEqual(got, want.subarray(RECORD_OUT, end), `kernel bytes on ${f.name}`);
    }
  }
  for (const f of engines) {
    assert.equal(cnx.run(f)(), BigInt.asUintN(64, sum), `get_cnx on ${f.name}`);
  }
}

/** Keeps the results alive so the engine cannot drop the work. */
export function benchSink(): number {
  return sink;
}
