/**
 * Emission of cell rules (helpers.ts, {@link CellRule}): a helper call
 * computed as a load or store of a u64 cell of the instance memory when one
 * of its rules applies, the ordinary helper call otherwise.
 *
 * Shape (as emit_intrinsic.ts):
 *
 * ```
 * block (result i64)          ;; done
 *   block                     ;; slow
 *     global.get cells; i32.const -1; i32.eq; br_if slow   ;; no cell area
 *     block                   ;; rule 0: br_if 0 when a condition fails
 *       …when, index < limit, mask bit; i64.load or i64.store; r0; br done
 *     end
 *     block …rule 1… end
 *   end
 *   …the ordinary helper call (emit.ts), which throws the helper's own fault
 * end
 * ```
 *
 * Conditions read the register locals r1..r5 and never write them. Addresses
 * are computed in i32: the engine checked at instantiation that every cell a
 * rule can touch lies inside the memory (which never shrinks), so
 * `cells + 8·(cell + index)` neither wraps nor leaves it, and an index below
 * its limit (≤ 64) is small. A rule whose cells could not lie inside any
 * 32-bit memory is left out (the engine refuses a cell area for it anyway).
 * The call still costs one instruction of fuel, as in the interpreter.
 *
 * @module
 */

import { CELL_BYTES, highestCell } from "../cell_rules.ts";
import type { CellRule } from "../helpers.ts";
import { BLOCK_VOID, type CodeWriter, Op, ValType } from "./module.ts";

/** Bytes of a 32-bit linear memory: no cell area reaches past them. */
const MEMORY32_BYTES = 2 ** 32;
/** Alignment exponent of a cell access (cells are 8-byte aligned). */
const CELL_ALIGN = 3;

/**
 * Emits a helper call with cell rules; leaves r0 (i64) on the stack.
 *
 * @param w the function body
 * @param rules the helper's rules, in order
 * @param cellsGlobal global index of the cell area offset (i32, -1 for none)
 * @param slow emits the ordinary helper call (leaving r0 as i64), used when
 *   no rule applies
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emitCellRules } from "./emit_cells.ts";
 * import { CodeWriter, Op } from "./module.ts";
 * const w = new CodeWriter();
 * emitCellRules(w, [{ cell: 1 }], 0, () => w.byte(Op.i64Const).i32(0));
 * assert.ok(w.toBytes().length > 0);
 * ```
 */
export function emitCellRules(
  w: CodeWriter,
  rules: readonly CellRule[],
  cellsGlobal: number,
  slow: () => void,
): void {
  const usable = rules.filter((r) => CELL_BYTES * (highestCell([r]) + 1) <= MEMORY32_BYTES);
  if (usable.length === 0) return slow();
  w.byte(Op.block).byte(ValType.i64);
  w.byte(Op.block).byte(BLOCK_VOID);
  w.byte(Op.globalGet).u32(cellsGlobal).byte(Op.i32Const).i32(-1).byte(Op.i32Eq);
  w.byte(Op.brIf).u32(0);
  for (const r of usable) emitRule(w, r, cellsGlobal);
  w.byte(Op.end);
  slow();
  w.byte(Op.end);
}

/** One rule in its own block: depth 0 is the next rule, 2 is `done`. */
function emitRule(w: CodeWriter, r: CellRule, cellsGlobal: number): void {
  const reg = (n: number) => w.byte(Op.localGet).u32(n);
  w.byte(Op.block).byte(BLOCK_VOID);
  if (r.when !== undefined) {
    reg(r.when.arg).byte(Op.i64Const).i64(BigInt(r.when.equals)).byte(Op.i64Ne);
    w.byte(Op.brIf).u32(0);
  }
  if (r.index !== undefined) {
    reg(r.index.arg).byte(Op.i64Const).i32(r.index.limit).byte(Op.i64GeU);
    w.byte(Op.brIf).u32(0);
  }
  if (r.mask !== undefined && r.index !== undefined) {
    // (cell[mask] >> index) & 1 == 0: not this rule.
    w.byte(Op.globalGet).u32(cellsGlobal).byte(Op.i64Load).memarg(CELL_ALIGN, CELL_BYTES * r.mask);
    reg(r.index.arg).byte(Op.i64ShrU).byte(Op.i64Const).i32(1).byte(Op.i64And).byte(Op.i64Eqz);
    w.byte(Op.brIf).u32(0);
  }
  // Address: cells + 8·index, with 8·cell as the memarg offset.
  w.byte(Op.globalGet).u32(cellsGlobal);
  if (r.index !== undefined) {
    reg(r.index.arg).byte(Op.i32WrapI64).byte(Op.i32Const).i32(CELL_ALIGN).byte(Op.i32Shl);
    w.byte(Op.i32Add);
  }
  if (r.store !== undefined) {
    reg(r.store.arg).byte(Op.i64Store).memarg(CELL_ALIGN, CELL_BYTES * r.cell);
    w.byte(Op.i64Const).i32(0);
  } else {
    w.byte(Op.i64Load).memarg(CELL_ALIGN, CELL_BYTES * r.cell);
  }
  w.byte(Op.br).u32(2);
  w.byte(Op.end);
}
