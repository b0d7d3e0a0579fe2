/**
 * Emission of helper intrinsics (helpers.ts, {@link HelperIntrinsic}): the
 * helpers that are pure functions of their arguments and the instance memory,
 * computed inline instead of through an import call.
 *
 * Shape of a call with a fast path that may give up:
 *
 * ```
 * block (result i64)          ;; done
 *   block                     ;; slow
 *     …fast path: br_if slow when a condition fails (nothing written yet),
 *      push r0 and br done
 *   end
 *   …the ordinary helper call (emit.ts), which throws the helper's own fault
 * end
 * ```
 *
 * Every condition is tested before the first store, so the helper called on
 * the slow path starts from the same state and fails (or succeeds) exactly as
 * the interpreter's call does. Arguments are read from the register locals
 * r1..r3 and are never written; the memory size is read once per call.
 * `bswap16` has no conditions, so no slow path. Copies and fills use the
 * bulk-memory instructions (`memory.copy` moves as memmove does); the call
 * still costs one instruction of fuel, as in the interpreter.
 *
 * @module
 */

import { type HelperIntrinsic, INTRINSIC_STRING_SCAN } from "../helpers.ts";
import { MEMORY_BASE } from "../memory.ts";
import {
  BLOCK_VOID,
  type CodeWriter,
  MISC_MEMORY_COPY,
  MISC_MEMORY_FILL,
  Op,
  ValType,
} from "./module.ts";

/** Scratch locals an intrinsic may use (all distinct from the registers). */
export interface IntrinsicLocals {
  /** i64: memory size in bytes. */
  readonly size: number;
  /** i64 scratch locals (four). */
  readonly i64: readonly [number, number, number, number];
  /** i32 scratch local. */
  readonly i32: number;
}

/** `MEMORY_BASE` negated, added to an eBPF address to get its linear offset. */
const MINUS_BASE = -MEMORY_BASE;
/** Varints of 2^62 and above cannot be encoded (RFC 9000 §16). */
const VARINT_LIMIT = 1n << 62n;
/** Values from 2^53 are not exact as the doubles number helpers get. */
const EXACT_LIMIT = 1n << 53n;

/**
 * The fast path's nesting, for branch depths: `slow` is the void block the
 * fast path bails out of, `done` the block that takes r0.
 */
class FastPath {
  depth = 0;
  constructor(readonly w: CodeWriter, readonly l: IntrinsicLocals) {}

  /** Gives up (to the helper call) when the i32 on the stack is non-zero. */
  bailIf(): this {
    this.w.byte(Op.brIf).u32(this.depth);
    return this;
  }

  /** Leaves with the i64 on the stack as r0. */
  ret(): void {
    this.w.byte(Op.br).u32(this.depth + 1);
  }

  /** Opens a block, loop or if without result. */
  open(op: number): this {
    this.w.byte(op).byte(BLOCK_VOID);
    this.depth++;
    return this;
  }

  /** Closes the innermost open construct. */
  end(): this {
    this.w.byte(Op.end);
    this.depth--;
    return this;
  }

  get(local: number): this {
    this.w.byte(Op.localGet).u32(local);
    return this;
  }

  set(local: number): this {
    this.w.byte(Op.localSet).u32(local);
    return this;
  }

  tee(local: number): this {
    this.w.byte(Op.localTee).u32(local);
    return this;
  }

  i64(v: bigint | number): this {
    if (typeof v === "number") this.w.byte(Op.i64Const).i32(v);
    else this.w.byte(Op.i64Const).i64(v);
    return this;
  }

  op(...ops: number[]): this {
    for (const o of ops) this.w.byte(o);
    return this;
  }

  /** size = memory.size << 16 (bytes). */
  size(): this {
    this.w.byte(Op.memorySize).byte(0).byte(Op.i64ExtendI32U);
    return this.i64(16).op(Op.i64Shl).set(this.l.size);
  }

  /**
   * Gives up unless `[reg, reg + n)` is in memory, leaving its linear offset in
   * `off`: `reg - MEMORY_BASE <= size - n` (unsigned; n ≤ size is known, so
   * the right side does not wrap). `n` pushes the length.
   */
  range(reg: number, n: () => void, off: number): this {
    this.get(reg).i64(MINUS_BASE).op(Op.i64Add).tee(off).get(this.l.size);
    n();
    return this.op(Op.i64Sub, Op.i64GtU).bailIf();
  }

  /** Pushes the byte at linear offset `off + i` (i64 locals) as i32. */
  byteAt(off: number, i?: number): this {
    this.get(off);
    if (i !== undefined) this.get(i).op(Op.i64Add);
    this.op(Op.i32WrapI64, Op.i32Load8U).w.memarg(0, 0);
    return this;
  }
}

/**
 * Emits an intrinsic helper call; leaves r0 (i64) on the stack.
 *
 * @param w the function body
 * @param kind the intrinsic
 * @param locals scratch locals
 * @param slow emits the ordinary helper call (leaving r0 as i64), used when
 *   a condition of the fast path fails
 */
export function emitIntrinsic(
  w: CodeWriter,
  kind: HelperIntrinsic,
  locals: IntrinsicLocals,
  slow: () => void,
): void {
  const f = new FastPath(w, locals);
  if (kind === "bswap16") {
    // ((x & 0xff) << 8) | ((x >> 8) & 0xff)
    f.get(1).i64(0xff).op(Op.i64And).i64(8).op(Op.i64Shl);
    f.get(1).i64(8).op(Op.i64ShrU).i64(0xff).op(Op.i64And).op(Op.i64Or);
    return;
  }
  w.byte(Op.block).byte(ValType.i64);
  w.byte(Op.block).byte(BLOCK_VOID);
  FAST[kind](f);
  w.byte(Op.end);
  slow();
  w.byte(Op.end);
}

type Emitter = (f: FastPath) => void;

const FAST: Record<Exclude<HelperIntrinsic, "bswap16">, Emitter> = {
  memmove(f) {
    const [d, s] = f.l.i64;
    const n = () => f.get(3);
    f.size().get(3).get(f.l.size).op(Op.i64GtU).bailIf();
    f.range(1, n, d).range(2, n, s);
    f.get(d).op(Op.i32WrapI64).get(s).op(Op.i32WrapI64).get(3).op(Op.i32WrapI64);
    f.w.byte(Op.miscPrefix).u32(MISC_MEMORY_COPY).byte(0).byte(0);
    f.get(1).ret();
  },
  memset(f) {
    const [d] = f.l.i64;
    f.size().get(3).get(f.l.size).op(Op.i64GtU).bailIf();
    f.get(2).i64(EXACT_LIMIT).op(Op.i64GeU).bailIf();
    f.range(1, () => f.get(3), d);
    // memory.fill stores the low byte of its i32 value: c mod 256.
    f.get(d).op(Op.i32WrapI64).get(2).op(Op.i32WrapI64).get(3).op(Op.i32WrapI64);
    f.w.byte(Op.miscPrefix).u32(MISC_MEMORY_FILL).byte(0);
    f.get(1).ret();
  },
  memcmp(f) {
    const [a, b, i] = f.l.i64;
    const n = () => f.get(3);
    f.size().get(3).get(f.l.size).op(Op.i64GtU).bailIf();
    f.range(1, n, a).range(2, n, b);
    f.i64(0).set(i);
    f.open(Op.block).open(Op.loop);
    f.get(i).get(3).op(Op.i64GeU).w.byte(Op.brIf).u32(1);
    f.byteAt(a, i).byteAt(b, i).op(Op.i32Sub).tee(f.l.i32);
    f.open(Op.if).get(f.l.i32).op(Op.i64ExtendI32S).ret();
    f.end();
    f.get(i).i64(1).op(Op.i64Add).set(i).w.byte(Op.br).u32(0);
    f.end().end();
    f.i64(0).ret();
  },
  "varint_skip"(f) {
    const [p] = f.l.i64;
    f.size().range(1, () => f.i64(1), p);
    f.i64(1).byteAt(p).w.byte(Op.i32Const).i32(6);
    f.op(Op.i32ShrU, Op.i64ExtendI32U, Op.i64Shl).ret();
  },
  "varint_decode"(f) {
    const [p, len, o, v] = f.l.i64;
    const i = f.l.size; // the size is not needed once every range is checked
    f.get(2).op(Op.i64Eqz).open(Op.if).i64(0).ret();
    f.end();
    f.size().range(1, () => f.i64(1), p);
    f.i64(1).byteAt(p).w.byte(Op.i32Const).i32(6);
    f.op(Op.i32ShrU, Op.i64ExtendI32U, Op.i64Shl).tee(len);
    f.get(2).op(Op.i64GtU).open(Op.if).i64(0).ret();
    f.end();
    f.range(1, () => f.get(len), p).range(3, () => f.i64(8), o);
    // v = first byte & 0x3f, then the next len - 1 bytes, big-endian.
    f.byteAt(p).op(Op.i64ExtendI32U).i64(0x3f).op(Op.i64And).set(v);
    f.i64(1).set(i);
    f.open(Op.block).open(Op.loop);
    f.get(i).get(len).op(Op.i64GeU).w.byte(Op.brIf).u32(1);
    f.get(v).i64(8).op(Op.i64Shl).byteAt(p, i).op(Op.i64ExtendI32U, Op.i64Or).set(v);
    f.get(i).i64(1).op(Op.i64Add).set(i).w.byte(Op.br).u32(0);
    f.end().end();
    f.get(o).op(Op.i32WrapI64).get(v).w.byte(Op.i64Store).memarg(0, 0);
    f.get(len).ret();
  },
  strlen(f) {
    const [a, end, i] = f.l.i64;
    const b = f.l.i32;
    f.size().range(1, () => f.i64(1), a);
    // end = min(size, a + INTRINSIC_STRING_SCAN): past it, the helper decides.
    f.get(a).i64(INTRINSIC_STRING_SCAN).op(Op.i64Add).tee(end).get(f.l.size).get(end)
      .get(f.l.size).op(Op.i64LtU, Op.select).set(end);
    f.get(a).set(i);
    f.open(Op.block).open(Op.loop);
    f.get(i).get(end).op(Op.i64GeU).bailIf();
    f.byteAt(i).tee(b).op(Op.i32Eqz).open(Op.if).get(i).get(a).op(Op.i64Sub).ret();
    f.end();
    f.get(b).w.byte(Op.i32Const).i32(0x80);
    f.op(Op.i32GeU).bailIf();
    f.get(i).i64(1).op(Op.i64Add).set(i).w.byte(Op.br).u32(0);
    f.end().end();
    f.w.byte(Op.unreachable);
  },
  "varint_encode"(f) {
    const [p, len, v, i] = f.l.i64;
    // len = 1, 2, 4 or 8 by the value's size, 0 from 2^62 (select: c ? a : b).
    f.i64(1).i64(2).i64(4).i64(8).i64(0);
    for (const bound of [VARINT_LIMIT, 0x4000_0000n, 0x4000n, 0x40n]) {
      f.get(3).i64(bound).op(Op.i64LtU, Op.select);
    }
    f.tee(len).op(Op.i64Eqz).get(len).get(2).op(Op.i64GtU, Op.i32Or);
    f.open(Op.if).i64(0).ret();
    f.end();
    f.size().range(1, () => f.get(len), p);
    // Bytes from the last: v's low byte, then v >>= 8; then the length prefix.
    f.get(3).set(v).get(len).set(i);
    f.open(Op.block).open(Op.loop);
    f.get(i).op(Op.i64Eqz).w.byte(Op.brIf).u32(1);
    f.get(i).i64(1).op(Op.i64Sub).tee(i).get(p).op(Op.i64Add, Op.i32WrapI64);
    f.get(v).w.byte(Op.i64Store8).memarg(0, 0);
    f.get(v).i64(8).op(Op.i64ShrU).set(v).w.byte(Op.br).u32(0);
    f.end().end();
    // M[p] |= log2(len) << 6 (0x00, 0x40, 0x80, 0xc0).
    f.get(p).op(Op.i32WrapI64).byteAt(p);
    f.get(len).op(Op.i64Ctz, Op.i32WrapI64).w.byte(Op.i32Const).i32(6);
    f.op(Op.i32Shl, Op.i32Or).w.byte(Op.i32Store8).memarg(0, 0);
    f.get(len).ret();
  },
};
