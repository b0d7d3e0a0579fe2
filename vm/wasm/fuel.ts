/**
 * Where the Wasm engine charges fuel (engine.ts: every executed instruction
 * costs 1, the Wasm engine counts per basic block).
 *
 * By default a block is charged at its head. A block B whose only
 * fall-through predecessor A runs straight into it (A ends with neither a
 * jump, a call nor exit) and whose other predecessors all jump to it is
 * charged instead with A, at A's head, and on each jump into B: the path
 * through A and B then pays once instead of twice (the join block of an
 * if-then, as `next:` of a loop body). Every path still pays for exactly the
 * blocks it runs, so totals are unchanged. The balance is tested at loop
 * heads, helper calls and exit only, so paying for B at A's head is never
 * seen before B has run: neither A nor B may be a loop head (a test there
 * could report the budget before a fault in A), and a call ending A keeps B
 * on its own.
 *
 * @module
 */

import { type Instruction, JMP_CALL, JMP_EXIT, JMP_JA } from "../isa.ts";
import { endsBlock, type FunctionCfg, jumpTarget } from "./cfg.ts";

/** Fuel charges of one function's blocks. */
export interface FuelPlan {
  /** Units charged at each block's head (0: charged by its predecessors). */
  readonly head: Int32Array;
  /** Units charged on every jump into a block, by block index. */
  readonly onJump: ReadonlyMap<number, number>;
}

/**
 * Plans the charges of a function laid out as structured code.
 *
 * @param ins the program
 * @param cfg the function's blocks
 * @param loopHeads blocks that head a loop (their balance is tested)
 * @returns the charges
 */
export function planFuel(
  ins: readonly Instruction[],
  cfg: FunctionCfg,
  loopHeads: ReadonlySet<number>,
): FuelPlan {
  const n = cfg.blocks.length;
  const head = new Int32Array(n);
  cfg.blocks.forEach((b, k) => head[k] = b.cost);
  // Per block: its plain fall-through predecessors, and whether another kind
  // of edge (a call's return, a conditional jump's fall-through) enters it.
  const plain: number[][] = Array.from({ length: n }, () => []);
  const other = new Uint8Array(n);
  cfg.blocks.forEach((b, p) => {
    const last = ins[b.last]!;
    const next = cfg.indexOf.get(b.end);
    if (!endsBlock(last)) {
      if (next !== undefined) plain[next]!.push(p);
      return;
    }
    const t = jumpTarget(last, b.last);
    const op = last.opcode & 0xf0;
    const unconditional = op === JMP_JA || op === JMP_EXIT;
    if (op === JMP_CALL && next !== undefined) other[next] = 1; // a call returns
    if (t >= 0 && !unconditional && next !== undefined) other[next] = 1;
    if (t === b.end && next !== undefined) other[next] = 1;
  });
  const onJump = new Map<number, number>();
  const entry = cfg.indexOf.get(cfg.entry);
  for (let k = 0; k < n; k++) {
    const from = plain[k]!;
    if (k === entry || loopHeads.has(k) || other[k] || from.length !== 1) continue;
    const a = from[0]!;
    if (loopHeads.has(a) || head[a] === 0) continue;
    head[a]! += head[k]!;
    onJump.set(k, head[k]!);
    head[k] = 0;
  }
  return { head, onJump };
}
