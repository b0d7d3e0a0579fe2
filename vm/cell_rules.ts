/**
 * Cell rules (helpers.ts, {@link CellRule}): their validation when a helper
 * is registered, the highest cell they can touch (checked against the memory
 * when an engine is made) and a canonical text (part of the Wasm module
 * cache key, so a program compiled for one set of rules is never reused with
 * another). The rules themselves are performed by the Wasm engine
 * (wasm/emit_cells.ts); the interpreter ignores them.
 *
 * @module
 */

import type { CellRule, HelperDef } from "./helpers.ts";

/** Registers a rule may name: r1..r5 (helpers.ts MAX_HELPER_ARGS, not imported: helpers.ts imports this module). */
const MAX_HELPER_ARGS = 5;

/** Largest `index.limit` (a mask cell has 64 bits, one per index). */
export const MAX_CELL_LIMIT = 64;

/** Bytes of one cell (a u64). */
export const CELL_BYTES = 8;

/**
 * Checks a helper's cell rules.
 *
 * @param def the helper (its `cells`, name and number form)
 * @throws RangeError naming the helper and the first bad rule
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkCellRules } from "./cell_rules.ts";
 * const def = { id: 1, name: "get", arity: 1, callNumber: () => 0, cells: [{ cell: 0, index: { arg: 2, limit: 4 } }] };
 * assert.throws(() => checkCellRules(def), RangeError);
 * ```
 */
export function checkCellRules(def: HelperDef): void {
  const rules = def.cells;
  if (rules === undefined) return;
  const fail = (i: number, what: string): never => {
    throw new RangeError(`Cannot register helper "${def.name}": cell rule ${i} ${what}`);
  };
  if (!Array.isArray(rules)) {
    throw new RangeError(`Cannot register helper "${def.name}": cells must be an array of rules`);
  }
  // A number helper sees r1..r<arity> only; the BigInt form sees all five.
  const maxArg = def.callNumber !== undefined ? def.arity ?? 0 : MAX_HELPER_ARGS;
  const arg = (i: number, name: string, a: unknown) => {
    if (!Number.isInteger(a) || (a as number) < 1 || (a as number) > MAX_HELPER_ARGS) {
      fail(i, `${name}.arg must be 1 to ${MAX_HELPER_ARGS}, not ${String(a)}`);
    }
    if ((a as number) > maxArg) {
      fail(i, `${name}.arg ${String(a)} is past the helper's arity ${maxArg}`);
    }
  };
  rules.forEach((r: CellRule, i) => {
    if (typeof r !== "object" || r === null) fail(i, "is not an object");
    if (!isCellNumber(r.cell)) fail(i, `cell must be a non-negative integer, not ${r.cell}`);
    if (r.when !== undefined) {
      arg(i, "when", r.when.arg);
      const e = r.when.equals;
      if (!Number.isSafeInteger(e) || e < 0) {
        fail(i, `when.equals must be a non-negative safe integer, not ${e}`);
      }
    }
    if (r.index !== undefined) {
      arg(i, "index", r.index.arg);
      const l = r.index.limit;
      if (!Number.isInteger(l) || l < 1 || l > MAX_CELL_LIMIT) {
        fail(i, `index.limit must be 1 to ${MAX_CELL_LIMIT}, not ${l}`);
      }
    }
    if (r.mask !== undefined) {
      if (r.index === undefined) fail(i, "has a mask but no index");
      if (!isCellNumber(r.mask)) fail(i, `mask must be a non-negative integer, not ${r.mask}`);
    }
    if (r.store !== undefined) arg(i, "store", r.store.arg);
  });
}

/** A cell number: a non-negative safe integer. */
function isCellNumber(x: unknown): boolean {
  return Number.isSafeInteger(x) && (x as number) >= 0;
}

/**
 * The highest cell a rule can touch: `cell + limit − 1` (or `cell`), and its
 * mask cell.
 *
 * @param rules valid rules
 * @returns the highest cell number, or -1 for no rules
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { highestCell } from "./cell_rules.ts";
 * assert.equal(highestCell([{ cell: 4, index: { arg: 1, limit: 8 }, mask: 2 }]), 11);
 * ```
 */
export function highestCell(rules: readonly CellRule[]): number {
  let top = -1;
  for (const r of rules) {
    top = Math.max(top, r.cell + (r.index === undefined ? 0 : r.index.limit - 1), r.mask ?? -1);
  }
  return top;
}

/**
 * A canonical text of rules: equal for rules that compile to the same code,
 * whatever the order of their fields.
 *
 * @param rules valid rules
 * @returns the text
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cellRulesText } from "./cell_rules.ts";
 * assert.equal(
 *   cellRulesText([{ index: { limit: 4, arg: 1 }, cell: 2 }]),
 *   cellRulesText([{ cell: 2, index: { arg: 1, limit: 4 } }]),
 * );
 * ```
 */
export function cellRulesText(rules: readonly CellRule[]): string {
  return rules.map((r) =>
    [
      `c${r.cell}`,
      r.when === undefined ? "" : `w${r.when.arg}=${r.when.equals}`,
      r.index === undefined ? "" : `i${r.index.arg}<${r.index.limit}`,
      r.mask === undefined ? "" : `m${r.mask}`,
      r.store === undefined ? "" : `s${r.store.arg}`,
    ].join("")
  ).join(";");
}
