/**
 * A small WebAssembly binary writer: just what the eBPF compiler needs.
 *
 * It writes the binary format of the WebAssembly Core Specification 2.0
 * (https://webassembly.github.io/spec/core/binary/): LEB128 integers (§5.2.2),
 * the type, import, function, global, export and code sections (§5.5), and
 * instruction bodies through {@link CodeWriter}. It does not validate: the
 * engine's `WebAssembly.Module` constructor does that.
 *
 * @module
 */

/** Value types (§5.3.1). */
export const ValType = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  externref: 0x6f,
} as const;

/** A value type byte. */
export type ValType = typeof ValType[keyof typeof ValType];

/** `i64.trunc_sat_f64_s`: {@link Op.miscPrefix} then this u32 (§5.4.5). */
export const MISC_I64_TRUNC_SAT_F64_S = 6;
/** `i64.trunc_sat_f64_u`: {@link Op.miscPrefix} then this u32 (§5.4.5). */
export const MISC_I64_TRUNC_SAT_F64_U = 7;

/** `memory.copy`: {@link Op.miscPrefix} then this u32, then two memory indices (§5.4.6). */
export const MISC_MEMORY_COPY = 10;
/** `memory.fill`: {@link Op.miscPrefix} then this u32, then a memory index (§5.4.6). */
export const MISC_MEMORY_FILL = 11;

/** `ref.null` (§5.4.2), followed by the reference type. */
const REF_NULL = 0xd0;

/** Block type meaning "no result" (§5.4.1). */
export const BLOCK_VOID = 0x40;

/** Instruction opcodes used by the compiler (§5.4). */
export const Op = {
  unreachable: 0x00,
  nop: 0x01,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  return: 0x0f,
  call: 0x10,
  drop: 0x1a,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  i32Load: 0x28,
  i64Load: 0x29,
  i32Load8S: 0x2c,
  i32Load8U: 0x2d,
  i32Load16S: 0x2e,
  i32Load16U: 0x2f,
  i64Load8S: 0x30,
  i64Load8U: 0x31,
  i64Load16S: 0x32,
  i64Load16U: 0x33,
  i64Load32S: 0x34,
  i64Load32U: 0x35,
  i32Store: 0x36,
  i64Store: 0x37,
  i32Store8: 0x3a,
  i32Store16: 0x3b,
  i64Store8: 0x3c,
  i64Store16: 0x3d,
  i64Store32: 0x3e,
  memorySize: 0x3f,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32GtU: 0x4b,
  i32LeS: 0x4c,
  i32LeU: 0x4d,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  i64Eqz: 0x50,
  i64Eq: 0x51,
  i64Ne: 0x52,
  i64LtS: 0x53,
  i64LtU: 0x54,
  i64GtS: 0x55,
  i64GtU: 0x56,
  i64LeS: 0x57,
  i64LeU: 0x58,
  i64GeS: 0x59,
  i64GeU: 0x5a,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32DivS: 0x6d,
  i32DivU: 0x6e,
  i32RemS: 0x6f,
  i32RemU: 0x70,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrS: 0x75,
  i32ShrU: 0x76,
  i32Rotl: 0x77,
  i32Rotr: 0x78,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  i64DivS: 0x7f,
  i64DivU: 0x80,
  i64RemS: 0x81,
  i64RemU: 0x82,
  i64Clz: 0x79,
  i64Ctz: 0x7a,
  i64And: 0x83,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64Shl: 0x86,
  i64ShrS: 0x87,
  i64ShrU: 0x88,
  i64Rotl: 0x89,
  i64Rotr: 0x8a,
  i32WrapI64: 0xa7,
  i64ExtendI32S: 0xac,
  i64ExtendI32U: 0xad,
  i32Extend8S: 0xc0,
  i32Extend16S: 0xc1,
  i64Extend8S: 0xc2,
  i64Extend16S: 0xc3,
  i64Extend32S: 0xc4,
  i64TruncF64S: 0xb0,
  f64Const: 0x44,
  f64Eq: 0x61,
  f64Le: 0x65,
  f64Ge: 0x66,
  f64Abs: 0x99,
  f64Trunc: 0x9d,
  f64Add: 0xa0,
  i64ReinterpretF64: 0xbd,
  miscPrefix: 0xfc,
  f64ConvertI64U: 0xba,
} as const;

/** Section ids (§5.5.2). */
const Section = {
  type: 1,
  import: 2,
  function: 3,
  global: 6,
  export: 7,
  code: 10,
} as const;

/** External kinds for imports and exports (§5.5.5, §5.5.10). */
const ExternKind = { func: 0, table: 1, memory: 2, global: 3 } as const;

const TWO_64 = 1n << 64n;

/**
 * A growable byte buffer with LEB128 writers: the cursor used for every part of
 * a module, from instruction bodies to sections.
 *
 * @example Encode a few integers
 * ```ts
 * import assert from "node:assert/strict";
 * import { CodeWriter } from "./module.ts";
 * const w = new CodeWriter();
 * w.u32(624485);
 * w.i32(-1);
 * assert.deepEqual([...w.toBytes()], [0xe5, 0x8e, 0x26, 0x7f]);
 * ```
 */
export class CodeWriter {
  #buf: Uint8Array = new Uint8Array(256);
  #len = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.#len;
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  /** Appends one raw byte (an opcode, a type or a kind). */
  byte(b: number): this {
    this.#reserve(1);
    this.#buf[this.#len++] = b;
    return this;
  }

  /** Appends raw bytes. */
  bytes(b: Uint8Array): this {
    this.#reserve(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
    return this;
  }

  /** Appends an unsigned LEB128 integer in [0, 2^32). */
  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new RangeError(`Cannot encode u32: "${v}" is out of range`);
    }
    this.#reserve(5);
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.#buf[this.#len++] = b;
    } while (v !== 0);
    return this;
  }

  /** Appends a signed LEB128 integer in [-2^31, 2^31). */
  i32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
      throw new RangeError(`Cannot encode i32: "${v}" is out of range`);
    }
    this.#reserve(5);
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.#buf[this.#len++] = b;
        return this;
      }
      this.#buf[this.#len++] = b | 0x80;
    }
  }

  /**
   * Appends a signed LEB128 64-bit integer. Values in [2^63, 2^64) are taken as
   * their two's complement, so both signed and unsigned views encode.
   */
  i64(v: bigint): this {
    if (v >= -0x80000000n && v <= 0x7fffffffn) return this.i32(Number(v));
    if (v < -(1n << 63n) || v >= TWO_64) {
      throw new RangeError(`Cannot encode i64: "${v}" is out of range`);
    }
    if (v >= 1n << 63n) v -= TWO_64;
    this.#reserve(10);
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
        this.#buf[this.#len++] = b;
        return this;
      }
      this.#buf[this.#len++] = b | 0x80;
    }
  }

  /** Appends an f64 immediate: 8 bytes, little-endian (§5.2.3). */
  f64(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return this.bytes(b);
  }

  /** Appends a name: its UTF-8 length then its bytes (§5.2.4). */
  name(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u32(b.length).bytes(b);
  }

  /** Appends a `(memarg)`: alignment exponent and offset (§5.4.6). */
  memarg(align: number, offset: number): this {
    return this.u32(align).u32(offset);
  }

  /** A copy of the bytes written. */
  toBytes(): Uint8Array<ArrayBuffer> {
    return this.#buf.slice(0, this.#len);
  }
}

/** A function type: parameter and result value types. */
export interface FuncType {
  /** Parameter types. */
  params: readonly ValType[];
  /** Result types. */
  results: readonly ValType[];
}

interface FuncImport {
  module: string;
  name: string;
  type: number;
}

interface GlobalDef {
  type: ValType;
  mutable: boolean;
  init: bigint;
}

interface FuncDef {
  type: number;
  locals: readonly ValType[];
  body: Uint8Array;
}

/**
 * Builds a module: types, imports (functions and one memory), globals,
 * functions, exports. Function indices count imports first, as the format does
 * (§2.5.1), so import every function before adding any.
 *
 * @example A module that adds two i64s
 * ```ts
 * import assert from "node:assert/strict";
 * import { CodeWriter, ModuleBuilder, Op, ValType } from "./module.ts";
 * const m = new ModuleBuilder();
 * const t = m.type({ params: [ValType.i64, ValType.i64], results: [ValType.i64] });
 * const body = new CodeWriter()
 *   .byte(Op.localGet).u32(0).byte(Op.localGet).u32(1).byte(Op.i64Add).byte(Op.end);
 * m.exportFunction("add", m.func(t, [], body.toBytes()));
 * const { exports } = new WebAssembly.Instance(new WebAssembly.Module(m.toBytes()));
 * assert.equal((exports.add as (a: bigint, b: bigint) => bigint)(2n, 40n), 42n);
 * ```
 */
export class ModuleBuilder {
  #types: FuncType[] = [];
  #typeKeys = new Map<string, number>();
  #imports: FuncImport[] = [];
  #memory: { module: string; name: string; min: number } | null = null;
  #globals: GlobalDef[] = [];
  #funcs: FuncDef[] = [];
  #exports: { name: string; kind: number; index: number }[] = [];

  /** Returns the index of a function type, adding it once. */
  type(t: FuncType): number {
    const key = `${t.params.join(",")}:${t.results.join(",")}`;
    const known = this.#typeKeys.get(key);
    if (known !== undefined) return known;
    const index = this.#types.length;
    this.#types.push({ params: [...t.params], results: [...t.results] });
    this.#typeKeys.set(key, index);
    return index;
  }

  /** Imports a function; returns its function index. */
  importFunction(module: string, name: string, type: number): number {
    if (this.#funcs.length > 0) {
      throw new TypeError("Cannot import a function: functions were already added");
    }
    this.#imports.push({ module, name, type });
    return this.#imports.length - 1;
  }

  /** Imports the (single) linear memory with at least `minPages` pages and no maximum. */
  importMemory(module: string, name: string, minPages = 0): void {
    this.#memory = { module, name, min: minPages };
  }

  /** Adds a global with a constant initial value; returns its index. */
  global(type: ValType, mutable: boolean, init: bigint | number = 0): number {
    this.#globals.push({ type, mutable, init: BigInt(init) });
    return this.#globals.length - 1;
  }

  /** Adds a function with extra locals (after its parameters); returns its index. */
  func(type: number, locals: readonly ValType[], body: Uint8Array): number {
    this.#funcs.push({ type, locals, body });
    return this.#imports.length + this.#funcs.length - 1;
  }

  /**
   * Reserves the index the next added function will get, so mutually
   * recursive functions can call each other before their bodies exist.
   */
  nextFunctionIndex(): number {
    return this.#imports.length + this.#funcs.length;
  }

  /** Exports a function under `name`. */
  exportFunction(name: string, index: number): void {
    this.#exports.push({ name, kind: ExternKind.func, index });
  }

  /** Exports a global under `name`. */
  exportGlobal(name: string, index: number): void {
    this.#exports.push({ name, kind: ExternKind.global, index });
  }

  /** The module's binary encoding (magic, version, sections in order). */
  toBytes(): Uint8Array<ArrayBuffer> {
    const out = new CodeWriter();
    out.bytes(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    const section = (id: number, content: CodeWriter) => {
      out.byte(id).u32(content.length).bytes(content.toBytes());
    };

    const types = new CodeWriter().u32(this.#types.length);
    for (const t of this.#types) {
      types.byte(0x60).u32(t.params.length);
      for (const p of t.params) types.byte(p);
      types.u32(t.results.length);
      for (const r of t.results) types.byte(r);
    }
    section(Section.type, types);

    const nImports = this.#imports.length + (this.#memory ? 1 : 0);
    if (nImports > 0) {
      const imp = new CodeWriter().u32(nImports);
      for (const i of this.#imports) {
        imp.name(i.module).name(i.name).byte(ExternKind.func).u32(i.type);
      }
      if (this.#memory) {
        const m = this.#memory;
        imp.name(m.module).name(m.name).byte(ExternKind.memory).byte(0x00).u32(m.min);
      }
      section(Section.import, imp);
    }

    const fns = new CodeWriter().u32(this.#funcs.length);
    for (const f of this.#funcs) fns.u32(f.type);
    section(Section.function, fns);

    if (this.#globals.length > 0) {
      const gl = new CodeWriter().u32(this.#globals.length);
      for (const g of this.#globals) {
        gl.byte(g.type).byte(g.mutable ? 1 : 0);
        if (g.type === ValType.i64) gl.byte(Op.i64Const).i64(g.init);
        else if (g.type === ValType.i32) {
          gl.byte(Op.i32Const).i32(Number(BigInt.asIntN(32, g.init)));
        } else if (g.type === ValType.externref) {
          gl.byte(REF_NULL).byte(ValType.externref);
        } else {throw new TypeError(
            "Cannot add a global: only i32, i64 and externref are supported",
          );}
        gl.byte(Op.end);
      }
      section(Section.global, gl);
    }

    if (this.#exports.length > 0) {
      const ex = new CodeWriter().u32(this.#exports.length);
      for (const e of this.#exports) ex.name(e.name).byte(e.kind).u32(e.index);
      section(Section.export, ex);
    }

    const code = new CodeWriter().u32(this.#funcs.length);
    for (const f of this.#funcs) {
      const body = new CodeWriter();
      // Locals are run-length encoded: (count, type) pairs (§5.5.13).
      const runs: [number, ValType][] = [];
      for (const l of f.locals) {
        const last = runs[runs.length - 1];
        if (last && last[1] === l) last[0]++;
        else runs.push([1, l]);
      }
      body.u32(runs.length);
      for (const [n, t] of runs) body.u32(n).byte(t);
      body.bytes(f.body);
      code.u32(body.length).bytes(body.toBytes());
    }
    section(Section.code, code);
    return out.toBytes();
  }
}
