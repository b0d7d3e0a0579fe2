/**
 * GF(2^8) region kernels on plugin memory, in WebAssembly SIMD: the FEC
 * helpers' per-byte work (`fec_region_addmul`, `fec_region_scale`), 16 bytes
 * per instruction instead of one lookup per byte in JavaScript (gf256.ts).
 *
 * A region times a constant c uses the split-table method of Plank et al.
 * ("Screaming fast Galois field arithmetic using Intel SIMD instructions",
 * FAST 2013; RFC 8681 §3 defines the field): c · x = c · (x & 15) ⊕ c · (x & 0xf0),
 * two 16-entry tables looked up with `i8x16.swizzle`. The module imports the
 * plugin's `WebAssembly.Memory`, so it works on the symbols where they are,
 * without copying: one instance per memory, made on first use. Kernels handle
 * whole 16-byte blocks; the last bytes are done one product at a time.
 *
 * Exports (all arguments i32 byte offsets and counts, `n` a multiple of 16):
 * `xor(d, s, n)`: d ^= s; `addmul(d, s, n, lo0..lo3, hi0..hi3)`: d ^= c · s;
 * `mul(d, s, n, lo0..lo3, hi0..hi3)`: d = c · s (d may equal s), the tables
 * of c passed as four little-endian i32 each.
 *
 * @example
 * ```ts
 * import { regionAddMul } from "./gf256_kernel.ts";
 * import assert from "node:assert/strict";
 * const memory = new WebAssembly.Memory({ initial: 1 });
 * const b = new Uint8Array(memory.buffer);
 * b.fill(3, 0, 20);
 * b.fill(5, 32, 52);
 * regionAddMul(memory, 0, 32, 1, 20); // XOR
 * assert.deepEqual([...b.subarray(0, 20)], new Array(20).fill(6));
 * ```
 *
 * @module
 */

import { CodeWriter, ModuleBuilder, Op, ValType } from "../vm/wasm/module.ts";
import { gfMul } from "./gf256.ts";

/** SIMD instruction prefix and the opcodes used (WebAssembly 2.0 §5.4.8). */
const SIMD = 0xfd;
const V128_LOAD = 0x00;
const V128_STORE = 0x0b;
const I8X16_SWIZZLE = 0x0e;
const I8X16_SPLAT = 0x0f;
const I32X4_SPLAT = 0x11;
const I32X4_REPLACE_LANE = 0x1c;
const V128_AND = 0x4e;
const V128_XOR = 0x51;
const I8X16_SHR_U = 0x6d;
/** The v128 value type (§5.3.1). */
const V128 = 0x7b as ValType;
/** Bytes per SIMD block. */
const BLOCK = 16;

/** Kernel kinds: what a block's product does with the destination. */
const KIND_XOR = 0;
const KIND_ADDMUL = 1;
const KIND_MUL = 2;

/** The body of one kernel: a loop over 16-byte blocks (params d, s, n, tables; locals after). */
function kernelBody(kind: number): Uint8Array {
  const w = new CodeWriter();
  const [d, s, n] = [0, 1, 2];
  const tables = kind === KIND_XOR ? 0 : 8;
  const i = 3 + tables, lo = i + 1, hi = lo + 1, mask = hi + 1, v = mask + 1;
  const simd = (op: number) => w.byte(SIMD).u32(op);
  const get = (x: number) => w.byte(Op.localGet).u32(x);
  const addr = (base: number) => {
    get(base);
    get(i);
    w.byte(Op.i32Add);
  };
  if (kind !== KIND_XOR) {
    for (const [t, first] of [[lo, 3], [hi, 7]] as const) {
      get(first);
      simd(I32X4_SPLAT);
      for (let lane = 1; lane < 4; lane++) {
        get(first + lane);
        simd(I32X4_REPLACE_LANE).byte(lane);
      }
      w.byte(Op.localSet).u32(t);
    }
    w.byte(Op.i32Const).i32(15);
    simd(I8X16_SPLAT);
    w.byte(Op.localSet).u32(mask);
  }
  w.byte(Op.block).byte(0x40).byte(Op.loop).byte(0x40);
  get(i);
  get(n);
  w.byte(Op.i32GeU).byte(Op.brIf).u32(1);
  addr(d); // the store's address
  if (kind !== KIND_MUL) {
    addr(d);
    simd(V128_LOAD).memarg(0, 0);
  }
  addr(s);
  simd(V128_LOAD).memarg(0, 0);
  if (kind !== KIND_XOR) {
    // c · x = lo[x & 15] ^ hi[x >> 4]
    w.byte(Op.localSet).u32(v);
    get(lo);
    get(v);
    get(mask);
    simd(V128_AND);
    simd(I8X16_SWIZZLE);
    get(hi);
    get(v);
    w.byte(Op.i32Const).i32(4);
    simd(I8X16_SHR_U);
    simd(I8X16_SWIZZLE);
    simd(V128_XOR);
  }
  if (kind !== KIND_MUL) simd(V128_XOR);
  simd(V128_STORE).memarg(0, 0);
  get(i);
  w.byte(Op.i32Const).i32(BLOCK).byte(Op.i32Add).byte(Op.localSet).u32(i);
  w.byte(Op.br).u32(0).byte(Op.end).byte(Op.end).byte(Op.end);
  return w.toBytes();
}

let compiled: WebAssembly.Module | null = null;

function kernelModule(): WebAssembly.Module {
  if (compiled !== null) return compiled;
  const m = new ModuleBuilder();
  m.importMemory("m", "memory", 0);
  const i32 = ValType.i32;
  const plain = m.type({ params: [i32, i32, i32], results: [] });
  const withTables = m.type({ params: new Array(11).fill(i32), results: [] });
  const locals = (k: number) => k === KIND_XOR ? [i32] : [i32, V128, V128, V128, V128];
  m.exportFunction("xor", m.func(plain, locals(KIND_XOR), kernelBody(KIND_XOR)));
  m.exportFunction(
    "addmul",
    m.func(withTables, locals(KIND_ADDMUL), kernelBody(KIND_ADDMUL)),
  );
  m.exportFunction("mul", m.func(withTables, locals(KIND_MUL), kernelBody(KIND_MUL)));
  compiled = new WebAssembly.Module(m.toBytes());
  return compiled;
}

type TableKernel = (
  d: number,
  s: number,
  n: number,
  l0: number,
  l1: number,
  l2: number,
  l3: number,
  h0: number,
  h1: number,
  h2: number,
  h3: number,
) => void;

interface Kernels {
  xor: (d: number, s: number, n: number) => void;
  addmul: TableKernel;
  mul: TableKernel;
}

/** One memory's kernels, and a view of its bytes for the last bytes of a region. */
interface Bound {
  readonly k: Kernels;
  bytes: Uint8Array;
}

const instances = new WeakMap<WebAssembly.Memory, Bound>();

function kernelsOf(memory: WebAssembly.Memory): Bound {
  let b = instances.get(memory);
  if (b === undefined) {
    const inst = new WebAssembly.Instance(kernelModule(), { m: { memory } });
    b = { k: inst.exports as unknown as Kernels, bytes: new Uint8Array(memory.buffer) };
    instances.set(memory, b);
  }
  return b;
}

/** The memory's bytes (a new view once it grew). */
function bytesOf(b: Bound, memory: WebAssembly.Memory): Uint8Array {
  if (b.bytes.buffer !== memory.buffer) b.bytes = new Uint8Array(memory.buffer);
  return b.bytes;
}

/** Per constant c: its two nibble tables as 8 little-endian i32 (lo0..lo3, hi0..hi3). */
const TABLES = new Int32Array(256 * 8);
for (let c = 0; c < 256; c++) {
  for (let x = 0; x < 16; x++) {
    const lo = gfMul(c, x), hi = gfMul(c, x << 4);
    TABLES[c * 8 + (x >> 2)]! |= lo << (8 * (x & 3));
    TABLES[c * 8 + 4 + (x >> 2)]! |= hi << (8 * (x & 3));
  }
}

function withTables(f: TableKernel, d: number, s: number, n: number, c: number): void {
  const t = c * 8;
  const T = TABLES;
  f(d, s, n, T[t]!, T[t + 1]!, T[t + 2]!, T[t + 3]!, T[t + 4]!, T[t + 5]!, T[t + 6]!, T[t + 7]!);
}

/**
 * `mem[d..d+n) += c · mem[s..s+n)` over GF(2^8) (c = 1: XOR). The regions
 * must not overlap and must lie inside the memory (the caller checks).
 *
 * @param memory the plugin's memory
 * @param d destination offset
 * @param s source offset
 * @param c the constant (0–255)
 * @param n bytes
 */
export function regionAddMul(
  memory: WebAssembly.Memory,
  d: number,
  s: number,
  c: number,
  n: number,
): void {
  if (c === 0 || n <= 0) return;
  const blocks = n - (n % BLOCK);
  const b = kernelsOf(memory);
  if (blocks > 0) {
    if (c === 1) b.k.xor(d, s, blocks);
    else withTables(b.k.addmul, d, s, blocks, c);
  }
  if (blocks < n) {
    // At most 15 bytes: one product each (gf256.ts's region functions build a 256-entry row).
    const bytes = bytesOf(b, memory);
    for (let i = blocks; i < n; i++) bytes[d + i]! ^= gfMul(c, bytes[s + i]!);
  }
}

/**
 * `mem[d..d+n) *= c` over GF(2^8), in place.
 *
 * @param memory the plugin's memory
 * @param d offset
 * @param c the constant (0–255)
 * @param n bytes
 */
export function regionScale(memory: WebAssembly.Memory, d: number, c: number, n: number): void {
  if (c === 1 || n <= 0) return;
  const blocks = n - (n % BLOCK);
  const b = kernelsOf(memory);
  if (blocks > 0) withTables(b.k.mul, d, d, blocks, c);
  if (blocks < n) {
    const bytes = bytesOf(b, memory);
    for (let i = blocks; i < n; i++) bytes[d + i] = gfMul(c, bytes[d + i]!);
  }
}
