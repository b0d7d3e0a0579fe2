/**
 * eBPF → WebAssembly instruction emission for one eBPF function.
 *
 * Each eBPF function becomes one Wasm function of type
 * `(r0 … r9, r10) → (r0 … r5)`: a local call passes the whole register file
 * down (the callee sees the caller's registers, as the interpreter's shared
 * register file does) and takes r0–r5 back; r6–r9 and r10 stay in the caller's
 * locals, so they are preserved by construction (engine.ts calling
 * convention).
 *
 * Control flow is structured from the CFG, blocks kept in address order:
 * `planStructure` (cfg.ts) puts a Wasm `loop` around each eBPF loop and a Wasm
 * `block` before each forward-jump target, so jumps are plain `br`/`br_if` and
 * fall-through costs nothing. Flow that does not nest that way (a jump into
 * the middle of a loop) falls back to a `br_table` dispatcher for the
 * function.
 *
 * Per block: fuel is charged at the head (the block's instruction count), or
 * for a join block run straight into, with its predecessor and on the jumps
 * into it (fuel.ts). The balance is tested (a negative one calls the fault
 * import) at loop heads, before helper calls and at exit — every cycle passes
 * a loop head, so an unbounded loop is stopped and an overspending run never
 * returns; in the dispatcher fallback, at every block head. Per access: the
 * eBPF address minus MEMORY_BASE is compared, unsigned, with the current
 * memory size minus the access size (memory.ts access rule; the size is
 * re-read after every call since helpers may grow the memory), as rbpf's
 * `insert_bounds_check`; an access inside a range already proved for the
 * same, unwritten base register in the same block is not checked again, a run
 * of loads through one base is checked once (access.ts), and a table lookup
 * (a base plus a bounded index) only tests its base's flag, falling back to
 * the precise check when the flag is set (ranges.ts). A counted loop over
 * memory (`base + i` with i bounded by the loop's exit test) is emitted twice
 * behind one test of its whole range, its flags and its budget: a copy
 * without those accesses' checks and without the balance test at its head,
 * and the ordinary copy (versioning.ts).
 *
 * Helper calls pass r1..r5 as i64 to a BigInt helper (through a converting
 * function), or call a number helper's own function with the context and
 * doubles (i32 when all are below 2^31), checking and converting its double
 * result here (helpers.ts, compile.ts). A helper with an intrinsic is
 * computed inline, the call kept for the cases the inline code leaves to it
 * (emit_intrinsic.ts); so is a helper with cell rules (emit_cells.ts).
 *
 * ALU instructions, with the RFC 9669 rules Wasm does not give for free
 * (division by zero, INT_MIN / -1, byte swaps), are in emit_alu.ts; loads,
 * stores and atomics in emit_memory.ts (atomics, §5.3, are plain loads and
 * stores, a pluglet being single-threaded).
 *
 * @module
 */

import {
  CALL_LOCAL,
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
  JMP_EXIT,
  JMP_JA,
  JMP_JEQ,
  JMP_JGE,
  JMP_JGT,
  JMP_JLE,
  JMP_JLT,
  JMP_JNE,
  JMP_JSET,
  JMP_JSGE,
  JMP_JSGT,
  JMP_JSLE,
  JMP_JSLT,
  OP_LDDW,
  SRC_X,
} from "../isa.ts";
import { MAX_CALL_DEPTH, MEMORY_BASE, STACK_FRAME_SIZE } from "../memory.ts";
import { type FunctionCfg, type Interval, planStructure, type StructurePlan } from "./cfg.ts";
import { type AluTarget, emitAlu32, emitAlu64 } from "./emit_alu.ts";
import { BLOCK_VOID, CodeWriter, Op, ValType } from "./module.ts";
import type { AccessGroup } from "./access.ts";
import { type FuelPlan, planFuel } from "./fuel.ts";
import { emitNumberHelperCall } from "./emit_helper.ts";
import { emitIntrinsic, type IntrinsicLocals } from "./emit_intrinsic.ts";
import type { CellRule, HelperIntrinsic } from "../helpers.ts";
import { emitCellRules } from "./emit_cells.ts";
import { type AccessPlan, planAccesses } from "./ranges.ts";
import { FaultCode, MemoryEmitter } from "./emit_memory.ts";
import { planVersions, type VersionedLoop } from "./versioning.ts";

export { FaultCode } from "./emit_memory.ts";

/** Number of parameters of a compiled eBPF function: r0..r10. */
export const FUNC_PARAMS = 11;
/** Number of results of a compiled eBPF function: r0..r5. */
export const FUNC_RESULTS = 6;

/** Extra locals after the 11 register parameters, in order. */
export const EXTRA_LOCALS: readonly ValType[] = [
  ValType.i64, // fuel
  ValType.i64, // lim1: memory size in bytes minus 1
  ValType.i64, // lim2: … minus 2
  ValType.i64, // lim4: … minus 4
  ValType.i64, // lim8: … minus 8
  ValType.i64, // t1: scratch
  ValType.i32, // label: dispatch target (also i32 scratch between jumps)
  ...new Array<ValType>(11).fill(ValType.i32), // flag of r0..r10 (ranges.ts)
  ValType.f64, // result of a number helper
];
/**
 * Locals after {@link EXTRA_LOCALS} in a module that computes helpers inline
 * (emit_intrinsic.ts): the memory size, four i64 and one i32 scratch.
 */
export const INTRINSIC_LOCALS: readonly ValType[] = [
  ...new Array<ValType>(5).fill(ValType.i64),
  ValType.i32,
];
const L_FUEL = 11;
/** Local of `memory size - size` for an access of `size` bytes (1, 2, 4, 8). */
const L_LIM: Record<number, number> = { 1: 12, 2: 13, 4: 14, 8: 15 };
const L_T1 = 16;
const L_LABEL = 17;
/** Local of the flag of base register r: set when `r + span` may leave memory. */
const L_FLAG = 18;
const L_F64 = 29;
/** Scratch locals of intrinsics (emit_intrinsic.ts). */
const L_INTRINSIC: IntrinsicLocals = { size: 30, i64: [31, 32, 33, 34], i32: 35 };

/** Indices the emitter needs from the module being built. */
export interface EmitEnv {
  /** Function index of the fault import `(code i32, pc i32, off i64, size i32) → ()`. */
  faultFn: number;
  /** Function index of each helper import `(i64 × 5, pc i32) → i64`, by helper id. */
  helperFn: ReadonlyMap<number, number>;
  /**
   * Function index of the second import of number helpers with arguments,
   * `(ctx, i32 × n) → f64`, for calls whose arguments are all below 2^31.
   */
  helperSmallFn: ReadonlyMap<number, number>;
  /**
   * Function index of the BigInt-form import `(i64 × 5, pc i32) → i64` of
   * number helpers with a fallback, by helper id.
   */
  helperBigFn?: ReadonlyMap<number, number>;
  /** Arity of the helpers imported in the number form `(ctx, f64 × n) → f64`. */
  numberHelpers: ReadonlyMap<number, number>;
  /** Helpers computed inline (emit_intrinsic.ts), by id; their imports serve the slow path. */
  intrinsics?: ReadonlyMap<number, HelperIntrinsic>;
  /** Helpers with cell rules (emit_cells.ts), by id; their imports serve the slow path. */
  cellRules?: ReadonlyMap<number, readonly CellRule[]>;
  /** Global index of the cell area offset (i32, -1 for none); given with `cellRules`. */
  cellsGlobal?: number;
  /** Global index of the helper context (externref) passed to number helpers. */
  ctxGlobal: number;
  /** Global index of the pc of the last number-helper call (i32). */
  pcGlobal: number;
  /** Function index of each compiled eBPF function, by entry pc. */
  funcByEntry: ReadonlyMap<number, number>;
  /** Global index of the shared fuel counter (i64). */
  fuelGlobal: number;
  /** Global index of the frame count (i32). */
  depthGlobal: number;
  /** Use the br_table dispatcher even where structured code fits (for tests). */
  dispatchOnly?: boolean;
  /** Check every access on its own, without base flags (ranges.ts; for tests). */
  noFlags?: boolean;
  /** Compile no loop twice (versioning.ts; for tests). */
  noVersions?: boolean;
  /** Access groups checked jointly, by id (filled in by the emitter). */
  groups: AccessGroup[];
}

/**
 * Emits the body of one eBPF function (locals not included: see
 * {@link EXTRA_LOCALS}).
 *
 * @param instructions the verified program
 * @param cfg the function's blocks
 * @param env module indices
 * @param results registers returned from r0 on: {@link FUNC_RESULTS}, or 1
 *   for a function no local call targets (r1..r5 then die at their last use)
 * @returns the function body, ending with `end`
 */
export function emitFunction(
  instructions: readonly Instruction[],
  cfg: FunctionCfg,
  env: EmitEnv,
  results: number = FUNC_RESULTS,
): Uint8Array {
  return new FunctionEmitter(instructions, cfg, env, results).emit();
}

class FunctionEmitter {
  readonly w = new CodeWriter();
  /** Position of the block whose code is being emitted. */
  #cur = 0;
  /** Slot after the current block (where a conditional jump falls through). */
  #fallthrough = 0;
  /** Whether the current block's conditional jump already took care of its fall-through. */
  #fallthroughDone = false;
  /** Block index → position (structured mode). */
  #position: Int32Array = new Int32Array(0);
  /** Structured blocks opened inside the current block's code. */
  #inner = 0;
  /** Open constructs (structured mode). */
  #stack: Interval[] = [];
  /** Whether the br_table dispatcher is used. */
  #dispatch = false;
  /** One past the last slot of the block being emitted. */
  #blockEnd = 0;
  /** Loads, stores and atomics (emit_memory.ts). */
  readonly #mem: MemoryEmitter;
  /** Blocks that head a loop (structured mode): the fuel balance is tested there. */
  #loopHeads = new Set<number>();
  /** Whether the current block tested the balance at its head (after its charge). */
  #tested = false;
  /** Where fuel is charged (structured mode; fuel.ts). */
  #fuel: FuelPlan | null = null;
  /** Whether the function has loads, stores or atomics (readers of the limit locals). */
  readonly #usesMemory: boolean;
  /** The layout (structured mode). */
  #layout: StructurePlan | null = null;
  /** Loops compiled twice, by the position of their head (versioning.ts). */
  #versions = new Map<number, VersionedLoop>();
  /**
   * The loop whose unchecked copy is being emitted; null while its checked
   * copy is, undefined outside versioned loops.
   */
  #fast: VersionedLoop | null | undefined = undefined;

  /** Accesses checked through a base flag (ranges.ts). */
  readonly #plan: AccessPlan;

  /** The view of this emitter that emit_alu.ts works through. */
  readonly #alu: AluTarget;

  constructor(
    readonly ins: readonly Instruction[],
    readonly cfg: FunctionCfg,
    readonly env: EmitEnv,
    readonly results: number,
  ) {
    this.#plan = env.noFlags ? { covered: new Map(), flags: new Map() } : planAccesses(ins, cfg);
    this.#mem = new MemoryEmitter({
      w: this.w,
      ins,
      faultFn: env.faultFn,
      groups: env.groups,
      plan: this.#plan,
      lim: L_LIM,
      scratch: L_T1,
      flag: L_FLAG,
      blockEnd: () => this.#blockEnd,
      proven: () => this.#fast?.proven,
      get: (r) => this.#get(r),
      set: (r) => this.#set(r),
      fault: (code, pc) => this.#fault(code, pc),
    });
    this.#usesMemory = cfg.blocks.some((b) => {
      for (let pc = b.start; pc < b.end; pc++) {
        const cls = ins[pc]!.opcode & 0x07;
        if (cls === CLASS_LDX || cls === CLASS_ST || cls === CLASS_STX) return true;
      }
      return false;
    });
    this.#alu = {
      w: this.w,
      i64Scratch: L_T1,
      i32Scratch: L_LABEL, // only read right after a jump sets it
      get: (r) => this.#get(r),
      set: (r) => this.#set(r),
      src64: (ins) => this.#src64(ins),
      src32: (ins) => this.#src32(ins),
      unsupported: (pc) => this.#fault(FaultCode.unsupported, pc),
    };
  }

  emit(): Uint8Array {
    const { w } = this;
    // Prologue: fuel and memory size into locals.
    w.byte(Op.globalGet).u32(this.env.fuelGlobal).byte(Op.localSet).u32(L_FUEL);
    this.#refreshLimit();
    for (const r of this.#plan.flags.keys()) this.#computeFlag(r);
    const plan = this.env.dispatchOnly ? null : planStructure(this.ins, this.cfg);
    if (plan !== null) {
      for (const i of plan.intervals) {
        if (i.kind === "loop") this.#loopHeads.add(plan.order[i.start]!);
      }
      this.#fuel = planFuel(this.ins, this.cfg, this.#loopHeads);
      if (!this.env.noVersions) {
        this.#versions = planVersions(this.ins, this.cfg, plan, {
          covered: this.#plan.covered,
          fuel: this.#fuel,
        });
      }
      this.#emitStructured(plan);
    } else this.#emitDispatch();
    w.byte(Op.unreachable);
    w.byte(Op.end); // function
    return w.toBytes();
  }

  /** Structured code: `block`s and `loop`s from {@link planStructure}. */
  #emitStructured(plan: StructurePlan): void {
    this.#layout = plan;
    this.#position = plan.position;
    this.#emitRange(0, 0, null);
    while (this.#stack.pop() !== undefined) this.w.byte(Op.end);
  }

  /**
   * Emits the blocks from position `p` on, opening constructs from interval
   * `next` on, until the construct `until` closes (or the function ends).
   *
   * @returns the index of the next interval to open
   */
  #emitRange(p: number, next: number, until: Interval | null): number {
    const { w } = this;
    const n = this.cfg.blocks.length;
    const stack = this.#stack;
    const { intervals } = this.#layout!;
    while (p < n) {
      let versioned: Interval | null = null;
      while (next < intervals.length && intervals[next]!.start === p) {
        const i = intervals[next]!;
        if (i.kind === "loop" && this.#fast === undefined && this.#versions.has(p)) {
          versioned = i;
          break;
        }
        stack.push(i);
        w.byte(i.kind === "loop" ? Op.loop : Op.block).byte(BLOCK_VOID);
        next++;
      }
      if (versioned !== null) {
        next = this.#emitVersioned(p, next, this.#versions.get(p)!);
        p = versioned.end;
      } else {
        this.#emitPosition(p);
        p++;
      }
      while (stack.length > 0 && stack[stack.length - 1]!.end === p) {
        const i = stack.pop()!;
        w.byte(Op.end);
        if (i === until) return next;
      }
    }
    return next;
  }

  /**
   * A versioned loop (versioning.ts): the test, then the loop without the
   * proved accesses' checks when it passes, the checked loop otherwise.
   */
  #emitVersioned(p: number, next: number, v: VersionedLoop): number {
    const { w } = this;
    const loop = this.#layout!.intervals[next]!;
    const limit = () => {
      if (v.limit >= 0) this.#get(v.limit);
      else w.byte(Op.i64Const).i32(v.limitImm);
    };
    // i0 < n, and n - 1 - i0 < 2^32.
    this.#get(v.counter);
    limit();
    w.byte(Op.i64LtU);
    limit();
    this.#get(v.counter);
    w.byte(Op.i64Sub).byte(Op.i64Const).i32(1).byte(Op.i64Sub).byte(Op.i64Const)
      .i64(0x1_0000_0000n).byte(Op.i64LtU).byte(Op.i32And);
    for (const s of v.spans) {
      // First and last iterations' spans B + i + [lo, hi) inside memory.
      for (const last of [false, true]) {
        this.#get(s.base);
        if (last) limit();
        else this.#get(v.counter);
        w.byte(Op.i64Add).byte(Op.i64Const).i64(BigInt(s.lo - (last ? 1 : 0)) - MEMORY_BASE)
          .byte(Op.i64Add);
        this.#get(L_LIM[1]!);
        w.byte(Op.i64Const).i32(s.hi - s.lo - 1).byte(Op.i64Sub).byte(Op.i64LeU).byte(Op.i32And);
      }
    }
    for (const r of v.flagged) w.byte(Op.localGet).u32(L_FLAG + r).byte(Op.i32Eqz).byte(Op.i32And);
    // The balance covers n - i0 iterations (then the fast copy does not test it).
    w.byte(Op.localGet).u32(L_FUEL);
    limit();
    this.#get(v.counter);
    w.byte(Op.i64Sub).byte(Op.i64Const).i32(v.iterationCost).byte(Op.i64Mul).byte(Op.i64GeS)
      .byte(Op.i32And);
    w.byte(Op.if).byte(BLOCK_VOID);
    // Not a jump target: keeps the depths of jumps out of the loop right.
    const construct: Interval = { kind: "block", start: -1, end: -1 };
    this.#stack.push(construct);
    this.#fast = v;
    let after = this.#emitRange(p, next, loop);
    w.byte(Op.else);
    this.#fast = null;
    after = this.#emitRange(p, next, loop);
    this.#fast = undefined;
    this.#stack.pop();
    w.byte(Op.end);
    return after;
  }

  /** The code of the block at position `p`, and a jump for a fall-through laid out elsewhere. */
  #emitPosition(p: number): void {
    const order = this.#layout!.order;
    this.#cur = p;
    const b = order[p]!;
    const block = this.cfg.blocks[b]!;
    this.#fallthrough = block.end;
    this.#fallthroughDone = false;
    this.#block(b);
    if (this.#fallthroughDone) return;
    // Fall-through to a block laid out elsewhere (reverse postorder) is a jump.
    const last = this.ins[block.last]!;
    const op = last.opcode & 0xf0;
    const isJmp = (last.opcode & 0x07) === CLASS_JMP || (last.opcode & 0x07) === CLASS_JMP32;
    const fallsThrough = !isJmp || (op !== JMP_EXIT && op !== JMP_JA);
    const target = this.cfg.indexOf.get(block.end);
    if (fallsThrough && (target === undefined || target !== order[p + 1])) {
      this.#jump(block.end, false, true);
    }
  }

  /**
   * Fallback for flow that does not nest (jumps into loops): the blocks, in
   * address order, inside one `loop` whose head dispatches on a label with
   * `br_table`. Code of block k follows the `end` of Wasm block k, so
   * fall-through is free and forward jumps are a direct `br`; backward jumps
   * set the label and go through the dispatcher.
   */
  #emitDispatch(): void {
    const { w, cfg } = this;
    const n = cfg.blocks.length;
    this.#dispatch = true;
    w.byte(Op.i32Const).i32(cfg.indexOf.get(cfg.entry)!).byte(Op.localSet).u32(L_LABEL);
    w.byte(Op.loop).byte(BLOCK_VOID);
    for (let k = 0; k < n; k++) w.byte(Op.block).byte(BLOCK_VOID);
    w.byte(Op.localGet).u32(L_LABEL).byte(Op.brTable).u32(n);
    for (let k = 0; k < n; k++) w.u32(k);
    w.u32(0);
    for (let k = 0; k < n; k++) {
      w.byte(Op.end);
      this.#cur = k;
      this.#block(k);
    }
    this.#fault(FaultCode.unsupported, this.ins.length);
    w.byte(Op.end); // loop
  }

  /** Sets the limit locals from the current memory size; forgets known-good accesses. */
  #refreshLimit(): void {
    this.#mem.forgetAll();
    // Only loads, stores and atomics (and base flags) read the limits.
    if (!this.#usesMemory) return;
    const { w } = this;
    // size = memory.size (pages) << 16; limN = size - N
    w.byte(Op.memorySize).byte(0).byte(Op.i64ExtendI32U).byte(Op.i64Const).i32(16)
      .byte(Op.i64Shl).byte(Op.localTee).u32(L_T1);
    w.byte(Op.i64Const).i32(1).byte(Op.i64Sub).byte(Op.localSet).u32(L_LIM[1]!);
    for (const n of [2, 4, 8]) {
      this.#get(L_T1);
      w.byte(Op.i64Const).i32(n).byte(Op.i64Sub).byte(Op.localSet).u32(L_LIM[n]!);
    }
    this.#mem.forgetAll();
  }

  #fault(code: number, pc: number): void {
    this.w.byte(Op.i32Const).i32(code).byte(Op.i32Const).i32(pc).byte(Op.i64Const).i32(0)
      .byte(Op.i32Const).i32(0).byte(Op.call).u32(this.env.faultFn).byte(Op.unreachable);
  }

  #block(k: number): void {
    const { w } = this;
    const b = this.cfg.blocks[k]!;
    this.#mem.forgetAll();
    this.#blockEnd = b.end;
    // Fuel: charge the whole block at its head (or with its predecessors, fuel.ts).
    const charge = this.#fuel === null ? b.cost : this.#fuel.head[k]!;
    // A versioned loop's fast copy runs only with the balance for its whole trip.
    const untested = this.#fast && this.#loopHeads.has(k);
    this.#tested = charge !== 0 && (this.#dispatch || this.#loopHeads.has(k)) && !untested;
    if (charge === 0) {
      // Paid by the predecessors.
    } else if (untested) {
      this.#charge(charge);
    } else if (this.#dispatch || this.#loopHeads.has(k)) {
      w.byte(Op.localGet).u32(L_FUEL).byte(Op.i64Const).i32(charge).byte(Op.i64Sub);
      w.byte(Op.localTee).u32(L_FUEL).byte(Op.i64Const).i32(0).byte(Op.i64LtS)
        .byte(Op.if).byte(BLOCK_VOID);
      // Pass the units left on entry, so the fault can name the instruction
      // at which a per-instruction count runs out (as the interpreter's).
      w.byte(Op.i32Const).i32(FaultCode.fuel).byte(Op.i32Const).i32(b.start);
      this.#get(L_FUEL);
      w.byte(Op.i64Const).i32(b.cost).byte(Op.i64Add).byte(Op.i32Const).i32(0)
        .byte(Op.call).u32(this.env.faultFn).byte(Op.unreachable);
      w.byte(Op.end);
    } else {
      this.#charge(charge);
    }
    for (let pc = b.start; pc < b.end; pc++) {
      const ins = this.ins[pc]!;
      this.#instruction(ins, pc);
      if (ins.opcode === OP_LDDW) pc++;
    }
  }

  #charge(units: number): void {
    this.w.byte(Op.localGet).u32(L_FUEL).byte(Op.i64Const).i32(units).byte(Op.i64Sub)
      .byte(Op.localSet).u32(L_FUEL);
  }

  /**
   * Emits a jump from the current block to the block starting at `target`,
   * paying on the way for a target charged on its incoming jumps (fuel.ts);
   * `plain` marks the straight fall-through that paid for it already.
   */
  #jump(target: number, conditional: boolean, plain = false): void {
    const b = this.cfg.indexOf.get(target);
    const units = plain || b === undefined ? undefined : this.#fuel?.onJump.get(b);
    if (units === undefined) return this.#jumpTo(target, conditional);
    if (!conditional) {
      this.#charge(units);
      return this.#jumpTo(target, false);
    }
    if (this.#position[b!] === this.#cur + 1) {
      // Laid out next: leave on the negated condition, pay on the way in.
      this.w.byte(Op.i32Eqz);
      this.#fallthroughDone = true;
      this.#jumpTo(this.#fallthrough, true);
      return this.#charge(units);
    }
    this.w.byte(Op.if).byte(BLOCK_VOID);
    this.#inner++;
    this.#charge(units);
    this.#jumpTo(target, false);
    this.#inner--;
    this.w.byte(Op.end);
  }

  #jumpTo(target: number, conditional: boolean): void {
    const { w } = this;
    const b = this.cfg.indexOf.get(target);
    if (b === undefined) {
      // Not reachable as a block: only possible for a target outside the program.
      if (conditional) w.byte(Op.if).byte(BLOCK_VOID);
      this.#fault(FaultCode.unsupported, target);
      if (conditional) w.byte(Op.end);
      return;
    }
    // Position of the target in the layout (the dispatcher keeps address order).
    const k = this.#dispatch ? b : this.#position[b]!;
    if (!this.#dispatch) {
      if (k === this.#cur + 1) {
        if (!conditional) return;
        const ft = this.cfg.indexOf.get(this.#fallthrough);
        if (ft !== undefined && this.#position[ft] === k) {
          w.byte(Op.drop); // both ways lead to the next block
          return;
        }
        // The target is laid out next but the fall-through is not (reverse
        // postorder): branch on the negated condition to the fall-through.
        w.byte(Op.i32Eqz);
        this.#fallthroughDone = true;
        return this.#jumpTo(this.#fallthrough, true);
      }
      const stack = this.#stack;
      for (let d = 0; d < stack.length; d++) {
        const i = stack[stack.length - 1 - d]!;
        if (
          k > this.#cur ? i.kind === "block" && i.end === k : i.kind === "loop" && i.start === k
        ) {
          w.byte(conditional ? Op.brIf : Op.br).u32(d + this.#inner);
          return;
        }
      }
      throw new Error(`no construct for the jump from block ${this.#cur} to ${k}`);
    }
    const n = this.cfg.blocks.length;
    if (k > this.#cur) {
      w.byte(conditional ? Op.brIf : Op.br).u32(k - this.#cur - 1 + this.#inner);
      return;
    }
    const loopDepth = n - 1 - this.#cur + this.#inner;
    if (conditional) {
      w.byte(Op.if).byte(BLOCK_VOID);
      w.byte(Op.i32Const).i32(k).byte(Op.localSet).u32(L_LABEL).byte(Op.br).u32(loopDepth + 1);
      w.byte(Op.end);
    } else {
      w.byte(Op.i32Const).i32(k).byte(Op.localSet).u32(L_LABEL).byte(Op.br).u32(loopDepth);
    }
  }

  #instruction(ins: Instruction, pc: number): void {
    const cls = ins.opcode & 0x07;
    switch (cls) {
      case CLASS_ALU64:
        return emitAlu64(this.#alu, ins, pc);
      case CLASS_ALU:
        return emitAlu32(this.#alu, ins, pc);
      case CLASS_JMP:
      case CLASS_JMP32:
        return this.#jmp(ins, pc, cls === CLASS_JMP32);
      case CLASS_LD:
        if (ins.opcode === OP_LDDW) {
          const v = ins.imm64 ?? BigInt.asUintN(32, BigInt(ins.imm));
          this.w.byte(Op.i64Const).i64(v);
          return this.#set(ins.dst);
        }
        return this.#fault(FaultCode.unsupported, pc);
      case CLASS_LDX:
        return this.#mem.load(ins, pc);
      case CLASS_ST:
      case CLASS_STX:
        return this.#mem.store(ins, pc, cls === CLASS_STX);
    }
  }

  // ---- ALU operands (the ALU itself is in emit_alu.ts) ----

  #src64(ins: Instruction): void {
    if (ins.opcode & SRC_X) this.w.byte(Op.localGet).u32(ins.src);
    else this.w.byte(Op.i64Const).i32(ins.imm);
  }

  #src32(ins: Instruction): void {
    if (ins.opcode & SRC_X) this.w.byte(Op.localGet).u32(ins.src).byte(Op.i32WrapI64);
    else this.w.byte(Op.i32Const).i32(ins.imm);
  }

  #get(r: number): this {
    this.w.byte(Op.localGet).u32(r);
    return this;
  }

  #set(r: number): void {
    this.w.byte(Op.localSet).u32(r);
    // A write to a base register voids what was proved about it.
    this.#mem.forget(r);
    if (this.#plan.flags.has(r)) this.#computeFlag(r);
  }

  /**
   * flag(r) = whether `r + [LO, HI)` may leave memory: `r + LO - MEMORY_BASE`,
   * unsigned, above the size minus the span (the span is below the smallest
   * memory, so the limit never wraps). Computed against the current size; the
   * memory only grows, so a clear flag stays right after a helper call.
   */
  #computeFlag(r: number): void {
    const [lo, hi] = this.#plan.flags.get(r)!;
    const { w } = this;
    this.#get(r);
    w.byte(Op.i64Const).i64(BigInt(lo) - MEMORY_BASE).byte(Op.i64Add);
    this.#get(L_LIM[1]!);
    w.byte(Op.i64Const).i32(hi - lo - 1).byte(Op.i64Sub).byte(Op.i64GtU);
    w.byte(Op.localSet).u32(L_FLAG + r);
  }

  // ---- Jumps, calls, exit (RFC 9669 §4.3) ----

  #jmp(ins: Instruction, pc: number, is32: boolean): void {
    const { w } = this;
    const op = ins.opcode & 0xf0;
    if (op === JMP_JA) {
      return this.#jump(is32 ? pc + ins.imm + 1 : pc + ins.offset + 1, false);
    }
    if (op === JMP_EXIT) {
      this.#fuelCheck(pc);
      this.#syncFuel();
      for (let r = 0; r < this.results; r++) this.#get(r);
      w.byte(Op.return);
      return;
    }
    if (op === JMP_CALL && !is32) {
      return ins.src === CALL_LOCAL ? this.#callLocal(ins, pc) : this.#callHelper(ins, pc);
    }
    const ops64: Record<number, number> = {
      [JMP_JEQ]: Op.i64Eq,
      [JMP_JNE]: Op.i64Ne,
      [JMP_JGT]: Op.i64GtU,
      [JMP_JGE]: Op.i64GeU,
      [JMP_JLT]: Op.i64LtU,
      [JMP_JLE]: Op.i64LeU,
      [JMP_JSGT]: Op.i64GtS,
      [JMP_JSGE]: Op.i64GeS,
      [JMP_JSLT]: Op.i64LtS,
      [JMP_JSLE]: Op.i64LeS,
      [JMP_JSET]: Op.i64And,
    };
    const wop = ops64[op];
    if (wop === undefined) return this.#fault(FaultCode.unsupported, pc);
    this.#get(ins.dst);
    if (is32) {
      w.byte(Op.i32WrapI64);
      this.#src32(ins);
      // The i32 comparison opcodes sit at a fixed distance below the i64 ones.
      w.byte(op === JMP_JSET ? Op.i32And : wop - (Op.i64Eq - Op.i32Eq));
    } else {
      this.#src64(ins);
      w.byte(wop);
      if (op === JMP_JSET) w.byte(Op.i64Const).i32(0).byte(Op.i64Ne);
    }
    this.#jump(pc + ins.offset + 1, true);
  }

  /**
   * In structured code the balance is only tested at loop heads (every cycle
   * passes one), so test it again before leaving the function and before a
   * helper runs: a run that overspends never returns a result.
   */
  #fuelCheck(pc: number): void {
    // Tested at this block's head, and nothing was charged since (a call or
    // exit ends the block).
    if (this.#tested) return;
    const { w } = this;
    this.#get(L_FUEL);
    w.byte(Op.i64Const).i32(0).byte(Op.i64LtS).byte(Op.if).byte(BLOCK_VOID);
    w.byte(Op.i32Const).i32(FaultCode.fuel).byte(Op.i32Const).i32(pc).byte(Op.i64Const).i32(-1)
      .byte(Op.i32Const).i32(0).byte(Op.call).u32(this.env.faultFn).byte(Op.unreachable);
    w.byte(Op.end);
  }

  #syncFuel(): void {
    this.w.byte(Op.localGet).u32(L_FUEL).byte(Op.globalSet).u32(this.env.fuelGlobal);
  }

  #callHelper(ins: Instruction, pc: number): void {
    const fn = this.env.helperFn.get(ins.imm);
    if (fn === undefined) return this.#fault(FaultCode.unsupported, pc);
    this.#fuelCheck(pc);
    const kind = this.env.intrinsics?.get(ins.imm);
    const rules = this.env.cellRules?.get(ins.imm);
    const cells = this.env.cellsGlobal;
    if (kind === undefined && (rules === undefined || cells === undefined)) {
      this.#importCall(ins.imm, fn, pc);
      this.#set(0);
      this.#refreshLimit();
      return;
    }
    // The fast path (an intrinsic or cell rules: emit_cells.ts) neither grows
    // the memory nor calls out: only the helper call it falls back to may, so
    // only that path re-reads the size.
    const slow = () => {
      this.#importCall(ins.imm, fn, pc);
      this.#refreshLimit();
    };
    if (kind !== undefined) emitIntrinsic(this.w, kind, L_INTRINSIC, slow);
    else emitCellRules(this.w, rules!, cells!, slow);
    this.#mem.forgetAll();
    this.#set(0);
  }

  /** The import call of a helper; leaves r0 (i64) on the stack. */
  #importCall(id: number, fn: number, pc: number): void {
    const arity = this.env.numberHelpers.get(id);
    if (arity === undefined) {
      for (let r = 1; r <= 5; r++) this.#get(r);
      this.w.byte(Op.i32Const).i32(pc).byte(Op.call).u32(fn);
    } else {
      const big = this.env.helperBigFn?.get(id);
      emitNumberHelperCall(this.w, this.env, { id, arity, fn, pc }, {
        faultCode: FaultCode.helperResult,
        resultLocal: L_F64,
        ...(big === undefined ? {} : {
          fallback: () => {
            for (let r = 1; r <= 5; r++) this.#get(r);
            this.w.byte(Op.i32Const).i32(pc).byte(Op.call).u32(big);
          },
        }),
      });
    }
  }

  #callLocal(ins: Instruction, pc: number): void {
    const { w, env } = this;
    const fn = env.funcByEntry.get(pc + ins.imm + 1);
    if (fn === undefined) return this.#fault(FaultCode.unsupported, pc);
    // depth >= MAX_CALL_DEPTH → stack overflow; else depth++.
    w.byte(Op.globalGet).u32(env.depthGlobal).byte(Op.localTee).u32(L_LABEL)
      .byte(Op.i32Const).i32(MAX_CALL_DEPTH).byte(Op.i32GeU).byte(Op.if).byte(BLOCK_VOID);
    this.#fault(FaultCode.stackOverflow, pc);
    w.byte(Op.end);
    w.byte(Op.localGet).u32(L_LABEL).byte(Op.i32Const).i32(1).byte(Op.i32Add)
      .byte(Op.globalSet).u32(env.depthGlobal);
    this.#syncFuel();
    for (let r = 0; r < 10; r++) this.#get(r);
    w.byte(Op.localGet).u32(10).byte(Op.i64Const).i32(STACK_FRAME_SIZE).byte(Op.i64Sub);
    w.byte(Op.call).u32(fn);
    for (let r = FUNC_RESULTS - 1; r >= 0; r--) this.#set(r);
    w.byte(Op.globalGet).u32(env.depthGlobal).byte(Op.i32Const).i32(1).byte(Op.i32Sub)
      .byte(Op.globalSet).u32(env.depthGlobal);
    w.byte(Op.globalGet).u32(env.fuelGlobal).byte(Op.localSet).u32(L_FUEL);
    this.#refreshLimit();
  }
}
