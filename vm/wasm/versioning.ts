/**
 * Loop versioning for counted loops over memory (induction-variable analysis,
 * as optimizing compilers hoist bounds checks out of loops).
 *
 * A loop such as `for (i = i0; i < n; i++) dst[i] ^= f(src[i])` accesses
 * `base + i + c` with `base` and `n` unchanged by the loop and `i` stepped by
 * one per iteration. Before such a loop the emitter tests once that every
 * iteration's accesses lie in memory; when they do it runs a copy of the loop
 * without those accesses' checks, otherwise the ordinary, checked copy. The
 * two copies differ only in checks the test proved can never fail, so both
 * fault exactly as the interpreter does (kind, pc, address) and charge fuel
 * block by block in the same way.
 *
 * A loop qualifies (structured code only) when:
 * - it contains no other loop, no call (memory and registers stay put), and
 *   exactly one back edge, the conditional jump ending its latch block L:
 *   `jlt i, n` or `jne i, n` (n a register or immediate) or `jgt n, i`, all
 *   64-bit;
 * - in its natural loop (the blocks that reach L without passing the head),
 *   `i` is written only by one `add i, 1` in L, and `n` never;
 * - an access is proved when its address register holds `B + i + c` (tracked
 *   within each block: `mov r, B` / `mov r, i`, `add r, i` / `add r, B`,
 *   `add r, imm`) with B a register the natural loop never writes, the access
 *   running before the increment.
 *
 * On entry with `i = i0 < n`, the iterations see `i = i0, …, n - 1`, each
 * block of the natural loop at most once per iteration (it is acyclic
 * without the back edge). The test before the loop (see the emitter) checks,
 * per base B with accesses spanning `B + i + [lo, hi)`, the first and the
 * last iteration's spans, and that `n - 1 - i0 < 2^32`: both ends inside a
 * memory below 2^32 bytes and a distance below 2^32 leave no room for
 * wrap-around, so every iteration's span lies between them.
 *
 * @module
 */

import {
  ALU_ADD,
  ALU_MOV,
  ATOMIC_CMPXCHG,
  ATOMIC_FETCH,
  CLASS_ALU,
  CLASS_ALU64,
  CLASS_JMP,
  CLASS_JMP32,
  CLASS_LD,
  CLASS_LDX,
  CLASS_ST,
  CLASS_STX,
  type Instruction,
  JMP_CALL,
  JMP_JGT,
  JMP_JLT,
  JMP_JNE,
  MODE_ATOMIC,
  MODE_MEM,
  MODE_MEMSX,
  OP_LDDW,
  SRC_X,
} from "../isa.ts";
import { sizeOf } from "./access.ts";
import { type FunctionCfg, jumpTarget, type StructurePlan, successors } from "./cfg.ts";
import type { FuelPlan } from "./fuel.ts";
import { MAX_FLAG_SPAN } from "./ranges.ts";

/** A loop the emitter compiles twice, with the test that picks the copy. */
export interface VersionedLoop {
  /** The induction register i. */
  readonly counter: number;
  /** The register holding n, or -1 when n is {@link limitImm}. */
  readonly limit: number;
  /** n as a sign-extended immediate (when {@link limit} is -1). */
  readonly limitImm: number;
  /** Per base register, the span `B + i + [lo, hi)` its proved accesses touch. */
  readonly spans: readonly { base: number; lo: number; hi: number }[];
  /**
   * Base registers with a flag (ranges.ts) the loop never writes: the test
   * requires the flags clear, and the accesses they cover are proved too.
   */
  readonly flagged: readonly number[];
  /** Slots of the accesses emitted without a check in the fast copy. */
  readonly proven: ReadonlySet<number>;
  /**
   * Most fuel one iteration can be charged (fuel.ts): with a balance covering
   * `n - i0` such iterations, the fast copy skips the test at the loop head.
   */
  readonly iterationCost: number;
}

/** What else the analysis needs from the emitter's plans. */
export interface VersionInputs {
  /** Accesses covered by a base flag, by slot (ranges.ts). */
  readonly covered: ReadonlyMap<number, { base: number }>;
  /** Fuel charges (fuel.ts). */
  readonly fuel: FuelPlan;
}

/** `r = B + (i if withI) + c`, B = -1 for none. */
interface Fact {
  base: number;
  withI: boolean;
  c: number;
}

/**
 * Registers an instruction writes.
 *
 * @param ins the instruction
 * @returns written register numbers (a call: r0–r5)
 */
export function writtenRegisters(ins: Instruction): number[] {
  const cls = ins.opcode & 0x07;
  switch (cls) {
    case CLASS_ALU:
    case CLASS_ALU64:
    case CLASS_LDX:
      return [ins.dst];
    case CLASS_LD:
      return ins.opcode === OP_LDDW ? [ins.dst] : [0];
    case CLASS_STX:
      if ((ins.opcode & 0xe0) !== MODE_ATOMIC) return [];
      if (ins.imm === ATOMIC_CMPXCHG) return [0];
      return ins.imm & ATOMIC_FETCH ? [ins.src] : [];
    case CLASS_JMP:
      return (ins.opcode & 0xf0) === JMP_CALL ? [0, 1, 2, 3, 4, 5] : [];
    default:
      return [];
  }
}

/** Base register of a load, store or atomic, or -1. */
function accessBase(ins: Instruction): number {
  const cls = ins.opcode & 0x07;
  const mode = ins.opcode & 0xe0;
  if (cls === CLASS_LDX && (mode === MODE_MEM || mode === MODE_MEMSX)) return ins.src;
  if (cls === CLASS_ST && mode === MODE_MEM) return ins.dst;
  if (cls === CLASS_STX && (mode === MODE_MEM || mode === MODE_ATOMIC)) return ins.dst;
  return -1;
}

/**
 * Finds the loops of a structured function worth versioning.
 *
 * @param ins the program
 * @param cfg the function's blocks
 * @param plan its structured layout
 * @returns per loop interval start (a position), the versioning plan
 */
export function planVersions(
  ins: readonly Instruction[],
  cfg: FunctionCfg,
  plan: StructurePlan,
  inputs: VersionInputs,
): Map<number, VersionedLoop> {
  const out = new Map<number, VersionedLoop>();
  // In opening order, a loop that holds another is followed by one that
  // starts before its end.
  const loops = plan.intervals.filter((i) => i.kind === "loop");
  let preds: number[][] | null = null;
  loops.forEach((loop, k) => {
    if ((loops[k + 1]?.start ?? Infinity) < loop.end) return;
    preds ??= predecessors(ins, cfg);
    const v = analyse(ins, cfg, plan, inputs, preds, loop.start, loop.end);
    if (v !== null) out.set(loop.start, v);
  });
  return out;
}

/** Predecessors of every block, by block index. */
function predecessors(ins: readonly Instruction[], cfg: FunctionCfg): number[][] {
  const preds: number[][] = cfg.blocks.map(() => []);
  cfg.blocks.forEach((b, k) => {
    for (const s of successors(ins, b)) {
      const t = cfg.indexOf.get(s);
      if (t !== undefined) preds[t]!.push(k);
    }
  });
  return preds;
}

function analyse(
  ins: readonly Instruction[],
  cfg: FunctionCfg,
  plan: StructurePlan,
  inputs: VersionInputs,
  preds: readonly (readonly number[])[],
  from: number,
  to: number,
): VersionedLoop | null {
  const head = plan.order[from]!;
  const headStart = cfg.blocks[head]!.start;
  // The one back edge: from the latch L, a conditional jump to the head.
  let latch = -1;
  for (let p = from; p < to; p++) {
    const b = plan.order[p]!;
    const succ = successors(ins, cfg.blocks[b]!);
    if (!succ.includes(headStart)) continue;
    if (latch >= 0) return null;
    latch = b;
  }
  if (latch < 0) return null;
  const L = cfg.blocks[latch]!;
  const test = ins[L.last]!;
  if ((test.opcode & 0x07) !== CLASS_JMP || jumpTarget(test, L.last) !== headStart) return null;
  if (L.end === headStart) return null;
  const op = test.opcode & 0xf0;
  const x = (test.opcode & SRC_X) !== 0;
  let counter: number;
  let limit = -1;
  if (op === JMP_JLT || op === JMP_JNE) {
    counter = test.dst;
    if (x) limit = test.src;
    else if (test.imm <= 0) return null;
  } else if (op === JMP_JGT && x) {
    counter = test.src;
    limit = test.dst;
  } else return null;
  if (counter === limit) return null;

  // Natural loop: blocks reaching L without passing the head.
  const body = new Set<number>([head, latch]);
  const work = [latch];
  while (work.length > 0) {
    const b = work.pop()!;
    if (b === head) continue;
    for (const p of preds[b]!) if (!body.has(p)) body.add(p), work.push(p);
  }
  for (const b of body) {
    const p = plan.position[b]!;
    if (p < from || p >= to) return null;
  }
  if (!acyclicWithoutHead(ins, cfg, body, head)) return null;

  // Writes: i only by one `add i, 1` in L, n never, no call.
  const written = new Set<number>();
  let increment = -1;
  for (const b of body) {
    const block = cfg.blocks[b]!;
    for (let pc = block.start; pc < block.end; pc++) {
      const i = ins[pc]!;
      const cls = i.opcode & 0x07;
      if ((cls === CLASS_JMP || cls === CLASS_JMP32) && (i.opcode & 0xf0) === JMP_CALL) {
        return null;
      }
      for (const r of writtenRegisters(i)) written.add(r);
      if (i.opcode === (CLASS_ALU64 | ALU_ADD) && i.dst === counter && i.imm === 1 && b === latch) {
        if (increment >= 0) return null;
        increment = pc;
      } else if (writtenRegisters(i).includes(counter)) return null;
      if (i.opcode === OP_LDDW) pc++;
    }
  }
  if (increment < 0 || (limit >= 0 && written.has(limit))) return null;
  const invariant = (r: number) => r !== counter && !written.has(r);

  // Accesses at `B + i + c`, tracked within each block.
  const proven = new Map<number, { base: number; lo: number; hi: number }>();
  for (const b of body) {
    const block = cfg.blocks[b]!;
    const facts: (Fact | null)[] = new Array(11).fill(null);
    for (let pc = block.start; pc < block.end; pc++) {
      if (pc === increment) break; // i moves on: later accesses are not covered
      const i = ins[pc]!;
      const base = accessBase(i);
      const f = base >= 0 ? facts[base] : null;
      if (f && f.base >= 0 && f.withI) {
        const lo = f.c + i.offset;
        proven.set(pc, { base: f.base, lo, hi: lo + sizeOf(i.opcode) });
      }
      step(i, facts, counter, invariant);
      if (i.opcode === OP_LDDW) pc++;
    }
  }
  const spanOf = new Map<number, { base: number; lo: number; hi: number }>();
  for (const a of proven.values()) {
    const s = spanOf.get(a.base);
    if (s === undefined) spanOf.set(a.base, { ...a });
    else s.lo = Math.min(s.lo, a.lo), s.hi = Math.max(s.hi, a.hi);
  }
  const spans = [...spanOf.values()].filter((s) => s.hi - s.lo <= MAX_FLAG_SPAN);
  const keep = new Set(spans.map((s) => s.base));
  const pcs = new Set([...proven].filter(([, a]) => keep.has(a.base)).map(([pc]) => pc));
  // Flag-checked accesses through bases the loop never writes, and the most
  // one iteration is charged: each block once, and one of its jumps.
  const flagged = new Set<number>();
  let iterationCost = 0;
  for (const b of body) {
    const block = cfg.blocks[b]!;
    for (let pc = block.start; pc < block.end; pc++) {
      const a = inputs.covered.get(pc);
      if (a !== undefined && invariant(a.base)) flagged.add(a.base), pcs.add(pc);
    }
    // (A fall-through never pays: what it runs into is charged at the head.)
    const target = cfg.indexOf.get(jumpTarget(ins[block.last]!, block.last)) ?? -1;
    iterationCost += inputs.fuel.head[b]! + (inputs.fuel.onJump.get(target) ?? 0);
  }
  if (pcs.size === 0) return null;
  return {
    counter,
    limit,
    limitImm: limit < 0 ? test.imm : 0,
    spans,
    flagged: [...flagged],
    proven: pcs,
    iterationCost,
  };
}

/** Applies one instruction to the facts of a block. */
function step(
  i: Instruction,
  facts: (Fact | null)[],
  counter: number,
  invariant: (r: number) => boolean,
): void {
  const d = i.dst;
  const s = i.src;
  let fact: Fact | null = null;
  if (i.opcode === (CLASS_ALU64 | ALU_MOV | SRC_X) && i.offset === 0) {
    if (s === counter) fact = { base: -1, withI: true, c: 0 };
    else if (invariant(s)) fact = { base: s, withI: false, c: 0 };
    else fact = facts[s] ? { ...facts[s]! } : null;
  } else if (i.opcode === (CLASS_ALU64 | ALU_ADD | SRC_X)) {
    const fd = facts[d];
    if (fd && s === counter && !fd.withI) fact = { ...fd, withI: true };
    else if (fd && fd.base < 0 && invariant(s)) fact = { ...fd, base: s };
  } else if (i.opcode === (CLASS_ALU64 | ALU_ADD)) {
    const fd = facts[d];
    if (fd && Math.abs(fd.c + i.imm) < 2 ** 30) fact = { ...fd, c: fd.c + i.imm };
  }
  for (const r of writtenRegisters(i)) facts[r] = null;
  if (fact !== null) facts[d] = fact;
}

/** Whether the blocks of a loop body form no cycle once edges into the head are cut. */
function acyclicWithoutHead(
  ins: readonly Instruction[],
  cfg: FunctionCfg,
  body: ReadonlySet<number>,
  head: number,
): boolean {
  const state = new Map<number, 1 | 2>(); // 1: on the path, 2: done
  const visit = (b: number): boolean => {
    state.set(b, 1);
    for (const slot of successors(ins, cfg.blocks[b]!)) {
      const t = cfg.indexOf.get(slot);
      if (t === undefined || t === head || !body.has(t)) continue;
      const st = state.get(t);
      if (st === 1) return false;
      if (st === undefined && !visit(t)) return false;
    }
    state.set(b, 2);
    return true;
  };
  return visit(head);
}
