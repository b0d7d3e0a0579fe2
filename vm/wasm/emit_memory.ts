/**
 * Emission of loads, stores and atomics (RFC 9669 §5) for the function
 * emitter (emit.ts): the bounds check of each access (or none, when proved
 * before: in the same block, by a base flag (ranges.ts), or before a
 * versioned loop (versioning.ts)), the linear address and the access.
 *
 * @module
 */

import {
  ATOMIC_CMPXCHG,
  ATOMIC_FETCH,
  ATOMIC_XCHG,
  type Instruction,
  MODE_ATOMIC,
  MODE_MEM,
  MODE_MEMSX,
} from "../isa.ts";
import { MEMORY_BASE } from "../memory.ts";
import { type AccessGroup, accessGroup, sizeOf, storeOp } from "./access.ts";
import { BLOCK_VOID, type CodeWriter, Op } from "./module.ts";
import { type AccessPlan, MAX_FLAG_SPAN } from "./ranges.ts";

/** Codes passed as the first argument of the fault import. */
export const FaultCode = {
  /** Out-of-bounds read: (pc, address - MEMORY_BASE, size). */
  read: 0,
  /** Out-of-bounds write. */
  write: 1,
  /** Fuel exhausted at a block head. */
  fuel: 2,
  /** Local call beyond MAX_CALL_DEPTH frames. */
  stackOverflow: 3,
  /** Execution ran off the end of the program, or an instruction the compiler lacks. */
  unsupported: 4,
  /** A joint check of an {@link AccessGroup} failed: (group id, base register value). */
  group: 5,
  /** A number helper returned no safe integer: (pc, the double's bits, helper id). */
  helperResult: 6,
} as const;

/** What the memory emitter needs from the function emitter. */
export interface MemoryHost {
  /** The function body. */
  readonly w: CodeWriter;
  /** The program. */
  readonly ins: readonly Instruction[];
  /** Function index of the fault import. */
  readonly faultFn: number;
  /** Access groups checked jointly, by id (appended to). */
  readonly groups: AccessGroup[];
  /** Flag-checked accesses (ranges.ts). */
  readonly plan: AccessPlan;
  /** Local of `memory size - size`, by access size. */
  readonly lim: Readonly<Record<number, number>>;
  /** An i64 scratch local. */
  readonly scratch: number;
  /** Local of the flag of r0 (r1..r10 follow). */
  readonly flag: number;
  /** One past the last slot of the block being emitted. */
  blockEnd(): number;
  /** Accesses proved before the loop whose unchecked copy is being emitted. */
  proven(): ReadonlySet<number> | undefined;
  /** Pushes register (or local) r. */
  get(r: number): void;
  /** Pops into register r. */
  set(r: number): void;
  /** Emits a call of the fault import with (code, pc). */
  fault(code: number, pc: number): void;
}

/** Emits memory accesses; remembers what is proved in the current block. */
export class MemoryEmitter {
  /**
   * Accesses proved in bounds in the current block: `[base + lo, base + hi)`
   * for a base register not written since (calls and block heads clear it).
   */
  #checked: { base: number; lo: number; hi: number }[] = [];
  /** Base register and displacement of the access being emitted. */
  #abase = 0;
  #aoff = 0;

  /** @param h the function emitter */
  constructor(readonly h: MemoryHost) {}

  /** Forgets every proved access (block heads, calls). */
  forgetAll(): void {
    this.#checked.length = 0;
  }

  /** Forgets what was proved about base register r (it was written). */
  forget(r: number): void {
    if (this.#checked.length > 0) this.#checked = this.#checked.filter((c) => c.base !== r);
  }

  /**
   * Faults unless `[base + offset, +size)` lies in the memory: the offset
   * `base + offset - MEMORY_BASE`, as an unsigned i64, must not pass the memory
   * size minus `size`. {@link #pushAddr} then pushes the linear address.
   */
  #address(base: number, offset: number, size: number, write: boolean, pc: number): void {
    const w = this.h.w;
    this.#abase = base;
    this.#aoff = offset;
    // Proved before the loop (versioning.ts)?
    if (this.h.proven()?.has(pc)) return;
    // Already proved in this block for the same, unchanged base register?
    for (const c of this.#checked) {
      if (c.base === base && c.lo <= offset && offset + size <= c.hi) return;
    }
    const rel = this.h.plan.covered.get(pc);
    if (rel !== undefined) {
      // Inside its base's flagged span: the precise check only when the flag is set.
      this.#checked.push({ base, lo: offset, hi: offset + size });
      w.byte(Op.localGet).u32(this.h.flag + rel.base).byte(Op.if).byte(BLOCK_VOID);
      this.#preciseCheck(base, offset, size, write, pc);
      w.byte(Op.end);
      return;
    }
    const group = write ? [] : accessGroup(this.h.ins, pc, base, this.h.blockEnd());
    const lo = Math.min(...group.map((m) => m.offset));
    const hi = Math.max(...group.map((m) => m.offset + m.size));
    // (A span below the smallest memory keeps `lim1 - span` from wrapping.)
    if (group.length > 1 && hi - lo <= MAX_FLAG_SPAN) {
      // One check for a run of accesses through the same base (see accessGroup()).
      this.#checked.push({ base, lo, hi });
      const id = this.h.groups.length;
      this.h.groups.push(group);
      this.h.get(base);
      w.byte(Op.i64Const).i64(BigInt(lo) - MEMORY_BASE).byte(Op.i64Add);
      this.h.get(this.h.lim[1]!);
      w.byte(Op.i64Const).i32(hi - lo - 1).byte(Op.i64Sub);
      w.byte(Op.i64GtU).byte(Op.if).byte(BLOCK_VOID);
      w.byte(Op.i32Const).i32(FaultCode.group).byte(Op.i32Const).i32(id);
      this.h.get(base);
      w.byte(Op.i32Const).i32(0).byte(Op.call).u32(this.h.faultFn).byte(Op.unreachable);
      w.byte(Op.end);
      return;
    }
    this.#checked.push({ base, lo: offset, hi: offset + size });
    this.#preciseCheck(base, offset, size, write, pc);
  }

  /** Faults unless `[base + offset, +size)` lies in the memory (one access). */
  #preciseCheck(base: number, offset: number, size: number, write: boolean, pc: number): void {
    const w = this.h.w;
    const off = BigInt(offset) - MEMORY_BASE;
    this.h.get(base);
    w.byte(Op.i64Const).i64(off).byte(Op.i64Add);
    this.h.get(this.h.lim[size]!);
    w.byte(Op.i64GtU).byte(Op.if).byte(BLOCK_VOID);
    w.byte(Op.i32Const).i32(write ? FaultCode.write : FaultCode.read).byte(Op.i32Const).i32(pc);
    this.h.get(base);
    w.byte(Op.i64Const).i64(off).byte(Op.i64Add);
    w.byte(Op.i32Const).i32(size).byte(Op.call).u32(this.h.faultFn).byte(Op.unreachable);
    w.byte(Op.end);
  }

  /**
   * Pushes the linear address of the access checked by {@link #address}. The
   * check proved `base + offset - MEMORY_BASE` < 2^32, and MEMORY_BASE is
   * 2^32, so that value is the low 32 bits of `base + offset`: a 32-bit add,
   * which the engine compiles better than a 64-bit add and a wrap.
   */
  #pushAddr(): void {
    this.h.get(this.#abase);
    this.h.w.byte(Op.i32WrapI64);
    if (this.#aoff !== 0) this.h.w.byte(Op.i32Const).i32(this.#aoff).byte(Op.i32Add);
  }

  /** Emits a load (`ldx`, `ldxs`). */
  load(ins: Instruction, pc: number): void {
    const mode = ins.opcode & 0xe0;
    const size = sizeOf(ins.opcode);
    if (mode !== MODE_MEM && mode !== MODE_MEMSX) return this.h.fault(FaultCode.unsupported, pc);
    this.#address(ins.src, ins.offset, size, false, pc);
    this.#pushAddr();
    const sx = mode === MODE_MEMSX;
    const op = size === 1
      ? (sx ? Op.i64Load8S : Op.i64Load8U)
      : size === 2
      ? (sx ? Op.i64Load16S : Op.i64Load16U)
      : size === 4
      ? (sx ? Op.i64Load32S : Op.i64Load32U)
      : Op.i64Load;
    this.h.w.byte(op).memarg(0, 0);
    this.h.set(ins.dst);
  }

  /** Emits a store (`st`, `stx`) or an atomic. */
  store(ins: Instruction, pc: number, fromReg: boolean): void {
    const w = this.h.w;
    const mode = ins.opcode & 0xe0;
    const size = sizeOf(ins.opcode);
    if (mode === MODE_ATOMIC && fromReg) return this.#atomic(ins, pc, size);
    if (mode !== MODE_MEM) return this.h.fault(FaultCode.unsupported, pc);
    this.#address(ins.dst, ins.offset, size, true, pc);
    this.#pushAddr();
    if (fromReg) this.h.get(ins.src);
    else w.byte(Op.i64Const).i32(ins.imm);
    w.byte(storeOp(size)).memarg(0, 0);
  }

  /**
   * Atomic read-modify-write (RFC 9669 §5.3). A pluglet is single-threaded, so
   * plain loads and stores give the same results; 32-bit forms work on the low
   * word and zero-extend what they return.
   */
  #atomic(ins: Instruction, pc: number, size: number): void {
    const w = this.h.w;
    const aop = ins.imm;
    this.#address(ins.dst, ins.offset, size, true, pc);
    const load = size === 4 ? Op.i64Load32U : Op.i64Load;
    const store = storeOp(size);
    // t1 = old value (zero-extended)
    this.#pushAddr();
    w.byte(load).memarg(0, 0).byte(Op.localSet).u32(this.h.scratch);
    if (aop === ATOMIC_CMPXCHG) {
      // if (old == r0 (low word for 32 bits)) store src; r0 = old
      this.h.get(this.h.scratch);
      this.h.get(0);
      if (size === 4) w.byte(Op.i64Const).i64(0xffffffffn).byte(Op.i64And);
      w.byte(Op.i64Eq).byte(Op.if).byte(BLOCK_VOID);
      this.#pushAddr();
      this.h.get(ins.src);
      w.byte(store).memarg(0, 0).byte(Op.end);
      this.h.get(this.h.scratch);
      return this.h.set(0);
    }
    if (aop === ATOMIC_XCHG) {
      this.#pushAddr();
      this.h.get(ins.src);
      w.byte(store).memarg(0, 0);
      this.h.get(this.h.scratch);
      return this.h.set(ins.src);
    }
    const ops: Record<number, number> = {
      0x00: Op.i64Add,
      0x40: Op.i64Or,
      0x50: Op.i64And,
      0xa0: Op.i64Xor,
    };
    const wop = ops[aop & ~ATOMIC_FETCH];
    if (wop === undefined) return this.h.fault(FaultCode.unsupported, pc);
    this.#pushAddr();
    this.h.get(this.h.scratch);
    this.h.get(ins.src);
    w.byte(wop).byte(store).memarg(0, 0);
    if (aop & ATOMIC_FETCH) {
      this.h.get(this.h.scratch);
      this.h.set(ins.src);
    }
  }
}
