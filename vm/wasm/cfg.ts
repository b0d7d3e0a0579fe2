/**
 * The control-flow pre-pass of the Wasm compiler, as rbpf's `build_cfg`: a
 * basic block starts at every function entry, every jump target, and after
 * every jump, exit and call (fall-through and call return). Blocks are then
 * grouped per eBPF function: the blocks reachable from a function entry
 * without following calls.
 *
 * It does not check the program: the verifier has already run (jumps land
 * inside the program and never in the middle of `lddw`). A block that would
 * run off the end of the program gets no successor and is marked so the
 * emitter can raise a fault there.
 *
 * @module
 */

import {
  CALL_LOCAL,
  CLASS_JMP,
  CLASS_JMP32,
  type Instruction,
  isWide,
  JMP_CALL,
  JMP_EXIT,
  JMP_JA,
} from "../isa.ts";

/** A straight-line run of instructions `[start, end)` (slot indices). */
export interface BasicBlock {
  /** First slot. */
  readonly start: number;
  /** One past the last slot (lddw's second slot included). */
  readonly end: number;
  /** Instructions executed by the block (lddw counts once): its fuel cost. */
  readonly cost: number;
  /** The last instruction's slot. */
  readonly last: number;
}

/** The blocks of one eBPF function. */
export interface FunctionCfg {
  /** Entry slot. */
  readonly entry: number;
  /** Reachable blocks, ascending by start. */
  readonly blocks: readonly BasicBlock[];
  /** Block index by start slot. */
  readonly indexOf: ReadonlyMap<number, number>;
}

function opClass(op: number): number {
  return op & 0x07;
}

/**
 * Whether an instruction ends a basic block (jump of either width, call, exit).
 *
 * @param ins the instruction
 * @returns true for jumps, calls and exit
 */
export function endsBlock(ins: Instruction): boolean {
  const cls = opClass(ins.opcode);
  return cls === CLASS_JMP || cls === CLASS_JMP32;
}

/**
 * The jump target of a jump instruction (ja32 uses imm), or -1 for calls and exit.
 *
 * @param ins the instruction
 * @param pc its slot
 * @returns target slot or -1
 */
export function jumpTarget(ins: Instruction, pc: number): number {
  const cls = opClass(ins.opcode);
  if (cls !== CLASS_JMP && cls !== CLASS_JMP32) return -1;
  const op = ins.opcode & 0xf0;
  if (op === JMP_CALL || op === JMP_EXIT) return -1;
  if (cls === CLASS_JMP32 && op === JMP_JA) return pc + ins.imm + 1;
  return pc + ins.offset + 1;
}

/**
 * Entries of every eBPF function: the given entries (program entry, named
 * functions) plus every bpf-to-bpf call target, ascending and distinct.
 *
 * @param instructions the program
 * @param known entries known from the program's symbols
 * @returns entry slots
 */
export function functionEntries(
  instructions: readonly Instruction[],
  known: Iterable<number>,
): number[] {
  const set = new Set<number>(known);
  for (let pc = 0; pc < instructions.length; pc++) {
    const ins = instructions[pc]!;
    if (ins.opcode === (CLASS_JMP | JMP_CALL) && ins.src === CALL_LOCAL) {
      set.add(pc + ins.imm + 1);
    }
    if (isWide(ins.opcode)) pc++;
  }
  return [...set].filter((e) => e >= 0 && e < instructions.length).sort((a, b) => a - b);
}

/**
 * Block leaders of the whole program: entries, jump targets, and the slot after
 * every jump, call and exit.
 *
 * @param instructions the program
 * @param entries function entries
 * @returns a flag per slot
 */
export function findLeaders(
  instructions: readonly Instruction[],
  entries: readonly number[],
): Uint8Array {
  const n = instructions.length;
  const leader = new Uint8Array(n + 1);
  for (const e of entries) leader[e] = 1;
  for (let pc = 0; pc < n; pc++) {
    const ins = instructions[pc]!;
    if (isWide(ins.opcode)) {
      pc++;
      continue;
    }
    if (!endsBlock(ins)) continue;
    leader[pc + 1] = 1;
    const t = jumpTarget(ins, pc);
    if (t >= 0 && t <= n) leader[t] = 1;
  }
  return leader;
}

/**
 * Successor slots of a block: jump target and/or fall-through. Exit has none; a
 * call falls through to its return slot.
 *
 * @param instructions the program
 * @param block the block
 * @returns successor slots (may be `instructions.length` when running off the end)
 */
export function successors(instructions: readonly Instruction[], block: BasicBlock): number[] {
  const ins = instructions[block.last]!;
  if (!endsBlock(ins)) return [block.end];
  const op = ins.opcode & 0xf0;
  if (op === JMP_EXIT) return [];
  if (op === JMP_CALL) return [block.end];
  const t = jumpTarget(ins, block.last);
  if (op === JMP_JA) return [t];
  return [t, block.end];
}

/**
 * Builds the CFG of the function entered at `entry`.
 *
 * @param instructions the (verified) program
 * @param leaders flags from {@link findLeaders}
 * @param entry the function's entry slot
 * @returns the reachable blocks, ascending
 */
export function buildCfg(
  instructions: readonly Instruction[],
  leaders: Uint8Array,
  entry: number,
): FunctionCfg {
  const n = instructions.length;
  const byStart = new Map<number, BasicBlock>();
  const stack = [entry];
  while (stack.length > 0) {
    const start = stack.pop()!;
    if (byStart.has(start) || start < 0 || start >= n) continue;
    let pc = start;
    let cost = 0;
    let last = start;
    for (;;) {
      const ins = instructions[pc]!;
      last = pc;
      cost++;
      pc += isWide(ins.opcode) ? 2 : 1;
      if (endsBlock(ins) || pc >= n || leaders[pc] === 1) break;
    }
    const block: BasicBlock = { start, end: pc, cost, last };
    byStart.set(start, block);
    for (const s of successors(instructions, block)) stack.push(s);
  }
  const blocks = [...byStart.values()].sort((a, b) => a.start - b.start);
  const indexOf = new Map<number, number>();
  blocks.forEach((b, i) => indexOf.set(b.start, i));
  return { entry, blocks, indexOf };
}

/** A structured Wasm construct over block positions `[start, end)`. */
export interface Interval {
  /** `block` (forward jumps land at its end) or `loop` (backward jumps land at its start). */
  kind: "block" | "loop";
  /** Position (in the emission order) before whose code the construct opens. */
  start: number;
  /** Position before whose code it closes (`blocks.length` = after the last block). */
  end: number;
}

/** A layout of a function's blocks and the constructs that structure it. */
export interface StructurePlan {
  /** Block indices in emission order (position → block index). */
  order: number[];
  /** Position of each block (block index → position). */
  position: Int32Array;
  /** The constructs, ordered as they open. */
  intervals: Interval[];
}

/** Past this many constructs the quadratic nesting fix-up is not worth it: use the dispatcher. */
const MAX_INTERVALS = 4096;

/**
 * Plans structured control flow (the WebAssembly "stackifier" idea, as LLVM's
 * backend): a `loop` around every loop header and the blocks up to its last
 * back edge, and a `block` ending right before every forward-jump target,
 * opened early enough to enclose all its jumps and to nest properly with the
 * other constructs.
 *
 * Blocks are tried in address order first (fall-through then costs nothing),
 * then in a loop-contiguous topological order, which puts the header of a
 * loop that clang entered in the middle (a rotated loop) first; fall-through
 * to a block that is not next becomes a jump. Returns null when neither order
 * nests (irreducible flow): the emitter then dispatches through a `br_table`.
 *
 * @param instructions the program
 * @param cfg the function's blocks
 * @returns the layout and constructs, or null
 */
export function planStructure(
  instructions: readonly Instruction[],
  cfg: FunctionCfg,
): StructurePlan | null {
  const n = cfg.blocks.length;
  const succ = cfg.blocks.map((b) =>
    successors(instructions, b).map((t) => cfg.indexOf.get(t) ?? -1)
  );
  const addressOrder = Array.from({ length: n }, (_, i) => i);
  const plan = planOrder(succ, addressOrder);
  if (plan !== null) return plan;
  const order = loopOrder(succ, cfg.indexOf.get(cfg.entry)!);
  return order === null ? null : planOrder(succ, order);
}

/**
 * A topological order of the blocks (back edges ignored) that keeps every
 * natural loop contiguous with its header first, as LLVM's WebAssembly
 * CFGSort does: once a loop's header is placed, only blocks of that loop are
 * placed until it is complete. Ties go to the fall-through of the block just
 * placed, then to the lowest address. Returns null for irreducible flow.
 */
function loopOrder(succ: number[][], entry: number): number[] | null {
  const n = succ.length;
  const preds: number[][] = Array.from({ length: n }, () => []);
  succ.forEach((ts, b) => ts.forEach((t) => t >= 0 && preds[t]!.push(b)));
  // DFS: back edges go to a block still on the stack.
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const back = new Set<string>();
  const latches = new Map<number, number[]>();
  const stack: [number, number][] = [[entry, 0]];
  state[entry] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const s = succ[top[0]]!;
    if (top[1] < s.length) {
      const t = s[top[1]++]!;
      if (t < 0) continue;
      if (state[t] === 1) {
        back.add(`${top[0]}>${t}`);
        latches.set(t, [...(latches.get(t) ?? []), top[0]]);
      } else if (state[t] === 0) {
        state[t] = 1;
        stack.push([t, 0]);
      }
    } else {
      state[top[0]] = 2;
      stack.pop();
    }
  }
  // Natural loops: the header and every block reaching a latch without passing it.
  const loops = new Map<number, Set<number>>();
  for (const [h, ls] of latches) {
    const members = new Set<number>([h]);
    const work = [...ls];
    while (work.length > 0) {
      const b = work.pop()!;
      if (members.has(b)) continue;
      members.add(b);
      for (const p of preds[b]!) work.push(p);
    }
    loops.set(h, members);
  }
  const indeg = new Int32Array(n);
  succ.forEach((ts, b) => {
    for (const t of ts) if (t >= 0 && !back.has(`${b}>${t}`)) indeg[t] = indeg[t]! + 1;
  });
  const ready: number[] = [entry];
  const order: number[] = [];
  const active: { members: Set<number>; left: number }[] = [];
  while (order.length < n) {
    while (active.length > 0 && active[active.length - 1]!.left === 0) active.pop();
    const inner = active[active.length - 1];
    const ok = (b: number) => inner === undefined || inner.members.has(b);
    const last = order[order.length - 1];
    const ft = last === undefined ? -1 : succ[last]![succ[last]!.length - 1]!;
    let pick = ready.includes(ft) && ok(ft) ? ft : -1;
    for (const b of ready) if (ok(b) && (pick < 0 || (pick !== ft && b < pick))) pick = b;
    if (pick < 0) return null; // a loop cannot be finished first: irreducible
    ready.splice(ready.indexOf(pick), 1);
    order.push(pick);
    for (const l of active) if (l.members.has(pick)) l.left--;
    const loop = loops.get(pick);
    if (loop !== undefined) active.push({ members: loop, left: loop.size - 1 });
    for (const t of succ[pick]!) {
      if (t < 0 || back.has(`${pick}>${t}`)) continue;
      indeg[t] = indeg[t]! - 1;
      if (indeg[t] === 0) ready.push(t);
    }
  }
  return order;
}

function planOrder(succ: number[][], order: number[]): StructurePlan | null {
  const n = order.length;
  const position = new Int32Array(n);
  order.forEach((b, p) => (position[b] = p));
  const loopEnd = new Map<number, number>();
  const firstSource = new Map<number, number>();
  for (let p = 0; p < n; p++) {
    for (const t of succ[order[p]!]!) {
      if (t < 0) continue; // runs off the program: the emitter faults there
      const q = position[t]!;
      if (q <= p) loopEnd.set(q, Math.max(loopEnd.get(q) ?? p, p));
      else if (q > p + 1 && !firstSource.has(q)) firstSource.set(q, p);
    }
  }
  const all: Interval[] = [];
  for (const [h, e] of loopEnd) all.push({ kind: "loop", start: h, end: e + 1 });
  for (const [t, s] of firstSource) all.push({ kind: "block", start: s, end: t });
  if (all.length > MAX_INTERVALS) return null;
  // Fix-up: two constructs nest badly when one ends strictly inside the other
  // after starting before it. A block may open earlier; a loop may close later
  // (code after its last back edge then runs inside it, which changes
  // nothing); a forward jump into a loop from outside cannot be fixed.
  for (let pass = 0, changed = true; changed; pass++) {
    if (pass > 64) return null;
    changed = false;
    all.sort((x, y) => x.end - y.end);
    for (let bi = 0; bi < all.length; bi++) {
      const b = all[bi]!;
      for (let ai = 0; ai < bi; ai++) {
        const a = all[ai]!;
        if (!(a.end < b.end && a.start < b.start && b.start < a.end)) continue;
        if (b.kind === "block") b.start = a.start;
        else if (a.kind === "loop") a.end = b.end;
        else return null;
        changed = true;
      }
    }
  }
  // Open order: by start, outer (later end) first; a block encloses a loop with the same span.
  all.sort((x, y) =>
    x.start - y.start || y.end - x.end || (x.kind === y.kind ? 0 : x.kind === "block" ? -1 : 1)
  );
  // Check the nesting with a stack, as the emitter will walk it.
  const stack: Interval[] = [];
  let next = 0;
  for (let p = 0; p <= n; p++) {
    while (stack.length > 0 && stack[stack.length - 1]!.end === p) stack.pop();
    if (stack.some((i) => i.end <= p)) return null;
    while (next < all.length && all[next]!.start === p) stack.push(all[next++]!);
  }
  return stack.length === 0 ? { order, position, intervals: all } : null;
}
