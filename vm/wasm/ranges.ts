/**
 * Value ranges for bounds-check elimination (a small abstract interpretation,
 * as verifiers track scalar bounds).
 *
 * Table lookups such as `r6 = r5; r6 += r0; ldxb r0, [r6]` after `ldxb r0, …`
 * access `r5 + [0, 255]`: the index is bounded, only the base is not. For
 * such accesses the emitter keeps, per base register, a flag that says
 * whether the whole span `base + [LO, HI)` of every such access in the
 * function lies in memory; the flag is recomputed wherever the base register
 * is written (and at function entry), so the access itself only tests the
 * flag and falls back to its precise check when the flag is set. Memory only
 * grows, so a flag computed against a smaller memory stays sound.
 *
 * This module computes:
 * - unsigned ranges of registers at every block entry (a forward dataflow over
 *   the function's CFG, widened to "unknown" on loops that keep growing);
 * - per indexed access, the base register it is relative to and the byte
 *   span it touches, tracked within the block (`r = base + v`, v in a known
 *   range);
 * - the bases worth a flag, with the union of those spans.
 *
 * @module
 */

import {
  ALU_ADD,
  ALU_AND,
  ALU_END,
  ALU_MOV,
  ALU_RSH,
  ATOMIC_CMPXCHG,
  ATOMIC_FETCH,
  CALL_LOCAL,
  CLASS_ALU,
  CLASS_ALU64,
  CLASS_JMP,
  CLASS_LD,
  CLASS_LDX,
  CLASS_ST,
  CLASS_STX,
  type Instruction,
  JMP_CALL,
  MODE_ATOMIC,
  MODE_MEM,
  MODE_MEMSX,
  OP_LDDW,
  SIZE_B,
  SIZE_DW,
  SIZE_H,
  SRC_X,
} from "../isa.ts";
import { type FunctionCfg, successors } from "./cfg.ts";

/** An unsigned range `[lo, hi]` of a 64-bit register, or null when unknown. */
export type Range = readonly [number, number] | null;

/** Largest bound kept (beyond it a range is dropped): sums stay exact doubles. */
const MAX_BOUND = 2 ** 40;
/** Widest span a flag may cover: always below the smallest memory (64 KiB). */
export const MAX_FLAG_SPAN = 32_768;
/** Visits of a block before growing ranges there are widened to unknown. */
const WIDEN_AFTER = 4;

/** `reg = value of base + v`, v in `[lo, hi]` (signed displacements). */
interface Sym {
  base: number;
  lo: number;
  hi: number;
}

/** An access relative to a base register: it touches `base + [lo, hi)`. */
export interface RelativeAccess {
  /** The base register. */
  base: number;
  /** Lowest byte offset from the base. */
  lo: number;
  /** One past the highest byte offset. */
  hi: number;
}

/** What the emitter needs: per access pc its relative span; the flagged bases. */
export interface AccessPlan {
  /** Accesses covered by a base flag, by pc. */
  covered: Map<number, RelativeAccess>;
  /** Base register → span `[LO, HI)` its flag checks. */
  flags: Map<number, readonly [number, number]>;
}

function mk(lo: number, hi: number): Range {
  return lo < 0 || hi > MAX_BOUND || lo > hi ? null : [lo, hi];
}

function sizeOf(opcode: number): number {
  switch (opcode & 0x18) {
    case SIZE_B:
      return 1;
    case SIZE_H:
      return 2;
    case SIZE_DW:
      return 8;
    default:
      return 4;
  }
}

/** Register facts while walking a block. */
class State {
  constructor(readonly range: Range[], readonly sym: (Sym | null)[] = new Array(11).fill(null)) {}

  /** Records a write to `d` with new facts; drops facts relative to the old `d`. */
  #write(d: number, range: Range, sym: Sym | null): void {
    this.range[d] = range;
    for (let r = 0; r < 11; r++) if (this.sym[r]?.base === d) this.sym[r] = null;
    this.sym[d] = sym !== null && sym.base !== d ? sym : null;
  }

  /** The value of `r` as `base + [lo, hi]` (itself when nothing better is known). */
  symOf(r: number): Sym {
    return this.sym[r] ?? { base: r, lo: 0, hi: 0 };
  }

  /** Applies one (non-jump or call) instruction. */
  step(ins: Instruction): void {
    const cls = ins.opcode & 0x07;
    const op = ins.opcode & 0xf0;
    const d = ins.dst;
    const isX = (ins.opcode & SRC_X) !== 0;
    switch (cls) {
      case CLASS_ALU64: {
        const rd = this.range[d]!;
        if (op === ALU_MOV) {
          if (!isX) return this.#write(d, ins.imm >= 0 ? [ins.imm, ins.imm] : null, null);
          if (ins.offset !== 0) return this.#write(d, null, null);
          if (ins.src === d) return;
          return this.#write(d, this.range[ins.src]!, this.symOf(ins.src));
        }
        if (op === ALU_ADD) {
          if (!isX) {
            const s = this.sym[d] ?? null;
            const sym = s === null
              ? null
              : { base: s.base, lo: s.lo + ins.imm, hi: s.hi + ins.imm };
            return this.#write(d, rd && mk(rd[0] + ins.imm, rd[1] + ins.imm), sym);
          }
          const rs = this.range[ins.src]!;
          const range = rd && rs && mk(rd[0] + rs[0], rd[1] + rs[1]);
          let sym: Sym | null = null;
          const sd = this.sym[d] ?? null;
          if (sd !== null && rs !== null && ins.src !== sd.base) {
            sym = { base: sd.base, lo: sd.lo + rs[0], hi: sd.hi + rs[1] };
          } else if (rd !== null && ins.src !== d) {
            const ss = this.symOf(ins.src);
            sym = { base: ss.base, lo: ss.lo + rd[0], hi: ss.hi + rd[1] };
          }
          return this.#write(d, range, sym);
        }
        if (op === ALU_AND) {
          const bound = isX ? this.range[ins.src]?.[1] : ins.imm >= 0 ? ins.imm : undefined;
          if (bound === undefined) return this.#write(d, null, null);
          return this.#write(d, [0, rd === null ? bound : Math.min(bound, rd[1])], null);
        }
        if (op === ALU_RSH && !isX && rd !== null) {
          const k = 2 ** (ins.imm & 63);
          return this.#write(d, [Math.floor(rd[0] / k), Math.floor(rd[1] / k)], null);
        }
        return this.#write(d, null, null);
      }
      case CLASS_ALU: {
        // 32-bit results are zero-extended (RFC 9669 §4.1); a byte swap is not.
        if (op === ALU_END) return this.#write(d, null, null);
        if (op === ALU_MOV && !isX) return this.#write(d, [ins.imm >>> 0, ins.imm >>> 0], null);
        if (op === ALU_AND && !isX) return this.#write(d, [0, ins.imm >>> 0], null);
        return this.#write(d, [0, 0xffff_ffff], null);
      }
      case CLASS_LDX: {
        const mode = ins.opcode & 0xe0;
        const size = sizeOf(ins.opcode);
        if (mode !== MODE_MEM || size === 8) return this.#write(d, null, null);
        return this.#write(d, [0, 2 ** (8 * size) - 1], null);
      }
      case CLASS_LD: {
        if (ins.opcode !== OP_LDDW) return this.#write(0, null, null);
        const v = ins.imm64 ?? BigInt.asUintN(32, BigInt(ins.imm));
        return this.#write(d, v < BigInt(MAX_BOUND) ? [Number(v), Number(v)] : null, null);
      }
      case CLASS_ST:
      case CLASS_STX: {
        if ((ins.opcode & 0xe0) !== MODE_ATOMIC || cls !== CLASS_STX) return;
        if (ins.imm === ATOMIC_CMPXCHG) return this.#write(0, null, null);
        if (ins.imm & ATOMIC_FETCH) return this.#write(ins.src, null, null);
        return;
      }
      case CLASS_JMP: {
        if (op !== JMP_CALL) return;
        // A helper writes r0; a local call returns r0..r5.
        const last = ins.src === CALL_LOCAL ? 5 : 0;
        for (let r = 0; r <= last; r++) this.#write(r, null, null);
        return;
      }
    }
  }
}

function join(a: Range, b: Range): Range {
  return a === null || b === null ? null : [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
}

function same(a: Range, b: Range): boolean {
  return a === b || (a !== null && b !== null && a[0] === b[0] && a[1] === b[1]);
}

/**
 * Register ranges at the entry of every block of a function (all unknown at
 * the function entry: a callee sees its caller's registers).
 *
 * @param ins the program
 * @param cfg the function's blocks
 * @returns per block index, the range of r0..r10 on entry
 */
export function entryRanges(ins: readonly Instruction[], cfg: FunctionCfg): Range[][] {
  const n = cfg.blocks.length;
  const entry: (Range[] | undefined)[] = new Array(n);
  const visits = new Array<number>(n).fill(0);
  const start = cfg.indexOf.get(cfg.entry)!;
  entry[start] = new Array<Range>(11).fill(null);
  const work = [start];
  while (work.length > 0) {
    const b = work.pop()!;
    const block = cfg.blocks[b]!;
    const st = new State([...entry[b]!]);
    for (let pc = block.start; pc < block.end; pc++) {
      st.step(ins[pc]!);
      if (ins[pc]!.opcode === OP_LDDW) pc++;
    }
    for (const slot of successors(ins, block)) {
      const s = cfg.indexOf.get(slot);
      if (s === undefined) continue;
      const old = entry[s];
      if (old === undefined) {
        entry[s] = [...st.range];
        work.push(s);
        continue;
      }
      let changed = false;
      const widen = ++visits[s]! > WIDEN_AFTER;
      for (let r = 0; r < 11; r++) {
        const j = join(old[r]!, st.range[r]!);
        if (!same(j, old[r]!)) {
          old[r] = widen ? null : j;
          changed = true;
        }
      }
      if (changed) work.push(s);
    }
  }
  return entry.map((e) => e ?? new Array<Range>(11).fill(null));
}

/**
 * Plans flag-checked accesses for one function: the loads, stores and atomics
 * whose address is a base register plus a bounded but non-constant index
 * (tracked within the block). A base gets a flag when the union of the spans
 * of those accesses is at most {@link MAX_FLAG_SPAN} bytes; other accesses
 * keep their own checks.
 *
 * @param ins the program
 * @param cfg the function's blocks
 * @returns covered accesses and flag spans
 */
export function planAccesses(ins: readonly Instruction[], cfg: FunctionCfg): AccessPlan {
  const ranges = entryRanges(ins, cfg);
  const indexed = new Map<number, RelativeAccess>();
  const span = new Map<number, [number, number]>();
  cfg.blocks.forEach((block, b) => {
    const st = new State([...ranges[b]!]);
    for (let pc = block.start; pc < block.end; pc++) {
      const i = ins[pc]!;
      const cls = i.opcode & 0x07;
      const mode = i.opcode & 0xe0;
      let reg = -1;
      if (cls === CLASS_LDX && (mode === MODE_MEM || mode === MODE_MEMSX)) reg = i.src;
      else if (cls === CLASS_ST && mode === MODE_MEM) reg = i.dst;
      else if (cls === CLASS_STX && (mode === MODE_MEM || mode === MODE_ATOMIC)) reg = i.dst;
      const s = reg < 0 ? null : st.sym[reg] ?? null;
      if (s !== null && s.hi > s.lo) {
        const a = { base: s.base, lo: s.lo + i.offset, hi: s.hi + i.offset + sizeOf(i.opcode) };
        indexed.set(pc, a);
        const u = span.get(s.base);
        if (u === undefined) span.set(s.base, [a.lo, a.hi]);
        else span.set(s.base, [Math.min(u[0], a.lo), Math.max(u[1], a.hi)]);
      }
      st.step(i);
      if (i.opcode === OP_LDDW) pc++;
    }
  });
  const flags = new Map<number, readonly [number, number]>();
  for (const [b, u] of span) if (u[1] - u[0] <= MAX_FLAG_SPAN) flags.set(b, u);
  const covered = new Map<number, RelativeAccess>();
  for (const [pc, a] of indexed) if (flags.has(a.base)) covered.set(pc, a);
  return { covered, flags };
}
