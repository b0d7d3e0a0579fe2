/**
 * Helpers: host functions a program calls with `call <id>` (RFC 9669 §4.3.1,
 * "helper functions"). Each has a number (the call's imm) and a name (ELF
 * objects call helpers as extern functions; the loader binds them by name, as
 * PQUIC does). Arguments arrive in r1..r5 and the result goes to r0.
 *
 * A helper that receives a pointer must check it with
 * `ctx.memory.check(addr, len, write)` before touching memory, and throw
 * `PluginFault("helper", …)` on any other bad argument. Engines fill in the
 * pc of the call on a PluginFault that lacks one; other exceptions pass
 * through unchanged.
 *
 * @module
 */

import { checkCellRules } from "./cell_rules.ts";
import { PluginFault } from "./fault.ts";
import type { InstanceMemory } from "./memory.ts";

/** What a helper sees of the running instance. */
export interface HelperContext {
  /** The instance memory (check every pointer against it). */
  memory: InstanceMemory;
  /** The embedder's per-instance state (connection, plugin, …). */
  data: unknown;
  /**
   * Byte offset of cell 0 of the cell area ({@link CellRule}) from the start
   * of the instance memory (eBPF address minus MEMORY_BASE), a multiple of
   * 8; undefined when the instance has no cell area (every rule then falls
   * through to the helper). Read once, when an engine is made.
   */
  cells?: number | undefined;
}

const TWO_64 = 1n << 64n;

/** Most arguments a helper takes (r1..r5). */
export const MAX_HELPER_ARGS = 5;

/**
 * One helper function, in one of two forms (exactly one of `call` and
 * `callNumber` is given):
 *
 * - `call`: the full-width form. r1..r5 arrive as unsigned 64-bit BigInts and
 *   the result is taken modulo 2^64. For helpers that need all 64 bits.
 * - `callNumber` with `arity`: the fast form. r1..r`arity` arrive as plain
 *   numbers, `Number(rN)` of the unsigned register (exact below 2^53, which
 *   covers every pointer and length; larger values are rounded to the nearest
 *   double). The result, converted with ToNumber (as WebAssembly converts an
 *   import's result), must be a safe integer (`Number.isSafeInteger`); a
 *   negative one is taken modulo 2^64 (-1 → 0xffff_ffff_ffff_ffff). Anything
 *   else faults with kind "helper". The Wasm engine imports `callNumber`
 *   itself and passes these arguments as doubles (or small integers) instead
 *   of BigInts, which makes a call several times cheaper.
 *
 * - both, `call` and `callNumber` with `arity` (a helper with a fallback):
 *   `callNumber` is tried first with the number arguments. It returns the
 *   exact result as a safe integer, or anything else (by convention
 *   {@link NUMBER_FALLBACK}) to have `call` run instead with the exact
 *   registers: when an argument it needs is ≥ 2^53 (possibly rounded), when
 *   the result is ≥ 2^53 or negative, or for any argument `call` would
 *   refuse, so faults are always `call`'s own. Before a fallback it must have
 *   had no effect, and it must not throw. This lets helpers whose values
 *   usually fit (field getters, metadata) cross without BigInts and stay
 *   exact when they do not.
 *
 * Both engines call the same functions with the same arguments, so they agree.
 */
export interface HelperDef {
  /** Number used by `call imm`; a non-negative 32-bit integer. */
  id: number;
  /** Name for ELF symbol binding and messages. */
  name: string;
  /**
   * The full-width implementation: r1..r5 in, r0 out (all unsigned 64-bit;
   * the engine truncates the result with BigInt.asUintN(64, …)).
   */
  call?(ctx: HelperContext, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint): bigint;
  /** Number of arguments `callNumber` takes (0 to 5); required with it. */
  arity?: number;
  /**
   * The number implementation: `arity` arguments in, a safe integer out (see
   * above). Called as a plain function (no `this`).
   */
  callNumber?(ctx: HelperContext, ...args: number[]): number;
  /**
   * Lets the Wasm engine compute this helper inline (see
   * {@link HelperIntrinsic} for the contract the implementation must meet).
   * The interpreter ignores it.
   */
  intrinsic?: HelperIntrinsic;
  /**
   * Lets the Wasm engine compute this helper as a load or store of a cell
   * (see {@link CellRule} for the contract the implementation must meet):
   * tried in order, the first rule whose conditions all hold is performed;
   * when none holds, or the context has no cell area, the helper is called.
   * Not with `intrinsic`. The interpreter ignores it.
   */
  cells?: readonly CellRule[];
}

/**
 * What a helper with a fallback (both forms) returns from `callNumber` to
 * have `call` compute the result (any value that is not a safe integer
 * does; NaN is the one to use).
 */
export const NUMBER_FALLBACK = NaN;

/** Bytes the `strlen` intrinsic scans for the NUL before leaving the string to the helper. */
export const INTRINSIC_STRING_SCAN = 4096;

/**
 * Helpers the Wasm engine may compute inline instead of calling: pure
 * functions of their arguments and the instance memory. The compiled code
 * runs the fast path below when its conditions hold; otherwise it calls the
 * helper, which throws its own fault (so faults are the helper's, message
 * and all). A helper may carry an intrinsic only if, whenever the conditions
 * hold, its implementation computes exactly this result and has no effect
 * but the one given. "In memory" means `[p, p + n)` lies inside the current
 * instance memory (memory.ts access rule); `M[x]` is the byte at eBPF
 * address x.
 *
 * | intrinsic       | r1, r2, r3 | conditions                       | effect, r0                                                     |
 * |-----------------|------------|----------------------------------|----------------------------------------------------------------|
 * | `memmove`       | d, s, n    | n ≤ memory size, d and s ranges of n in memory | copies n bytes from s to d as memmove; r0 = d       |
 * | `memset`        | d, c, n    | as memmove for d, c < 2^53       | fills n bytes at d with c mod 256; r0 = d                      |
 * | `memcmp`        | a, b, n    | as memmove for a and b           | r0 = M[a+i] − M[b+i] at the first i < n where they differ, else 0 (a negative r0 wraps modulo 2^64) |
 * | `bswap16`       | x          | none                             | r0 = ((x & 0xff) << 8) \| ((x >> 8) & 0xff)                    |
 * | `varint_skip`   | p          | p in memory (1 byte)             | r0 = 1 << (M[p] >> 6) (RFC 9000 §16 length)                    |
 * | `varint_decode` | p, max, o  | if max ≠ 0: p in memory (1 byte); if its length L ≤ max: p (L bytes) and o (8 bytes) in memory | max = 0 or L > max: r0 = 0; else stores the decoded varint (u64 little-endian) at o; r0 = L |
 * | `varint_encode` | p, max, v  | if v < 2^62 and its length L ≤ max: p (L bytes) in memory | v ≥ 2^62 or L > max: r0 = 0; else writes v as an L-byte varint at p; r0 = L |
 * | `strlen`        | s          | a NUL in memory within {@link INTRINSIC_STRING_SCAN} bytes from s, every byte before it below 0x80 | r0 = the number of bytes before the NUL |
 *
 * A helper carrying `strlen` must accept every such string (its own limit on
 * string length must be at least {@link INTRINSIC_STRING_SCAN} bytes).
 */
export type HelperIntrinsic =
  | "strlen"
  | "memmove"
  | "memset"
  | "memcmp"
  | "bswap16"
  | "varint_skip"
  | "varint_decode"
  | "varint_encode";

/**
 * One rule of {@link HelperDef.cells}: "when these conditions hold, this
 * helper's result is cell k (or it stores its argument into cell k and
 * returns 0)". The embedder keeps a small cell area of u64 values in each
 * instance memory, at {@link HelperContext.cells}; cell k is the u64
 * (little-endian) at byte offset `cells + 8·k` of the instance memory.
 *
 * Contract (as for {@link HelperIntrinsic}): a helper may carry cell rules
 * only if, whenever a rule applies, its implementation computes exactly that
 * result and has exactly that effect (reading or writing the same cell in
 * `ctx.memory`, nothing else). Both engines then agree: the interpreter
 * ignores the rules and calls the helper, the Wasm engine performs the rule
 * inline and calls the helper (which faults as it always does) only when no
 * rule applies.
 *
 * Conditions are tested in the order `when`, `index`, `mask`, on r1..r5 as
 * u64; a load sets r0, a store sets the cell and r0 = 0 (fields below).
 * Checked when the helper is registered: args 1 to 5 (at most the arity of a
 * number helper), `limit` 1 to 64, `mask` only with `index`, `cell` and
 * `mask` non-negative integers, `equals` a non-negative safe integer. When
 * an engine is made on a context with a cell area, every cell a rule of a
 * called helper can touch must lie inside the current memory.
 */
export interface CellRule {
  /** The rule applies only if register r<arg> (1..5) equals `equals` (a non-negative safe integer; compare the full u64). Absent: always. */
  readonly when?: { readonly arg: number; readonly equals: number };
  /** Register r<arg> (1..5) is the index added to `cell`; the rule applies only if it is below `limit` (u64 compare, limit ≥ 1, ≤ 64). Absent: index 0. */
  readonly index?: { readonly arg: number; readonly limit: number };
  /** First cell: cell k is the u64 (little-endian) at byte offset cells + 8·k of the instance memory (HelperContext.cells). */
  readonly cell: number;
  /** The rule applies only if bit <index> of cell `mask` is set (requires `index`). Absent: no mask. */
  readonly mask?: number;
  /** A store: cell[cell+index] = r<arg>, r0 = 0. Absent: a load, r0 = cell[cell+index]. */
  readonly store?: { readonly arg: number };
}

/** Arguments each intrinsic reads (a number helper carrying it must have this arity). */
export const INTRINSIC_ARITY: Readonly<Record<HelperIntrinsic, number>> = {
  memmove: 3,
  memset: 3,
  memcmp: 3,
  bswap16: 1,
  "varint_skip": 1,
  "varint_decode": 3,
  "varint_encode": 3,
  strlen: 1,
};

/**
 * Calls a helper the way both engines do: the BigInt form with r1..r5, or
 * the number form with `Number(r1)`…; the result is r0, unsigned 64-bit.
 * A PluginFault thrown by the helper passes through (the engine adds the pc).
 *
 * @param def the helper
 * @param ctx the helper context
 * @param r registers r0..r5 at least (unsigned 64-bit), read from index 1
 * @returns r0
 * @throws PluginFault "helper" when a number helper returns no safe integer
 */
export function invokeHelper(def: HelperDef, ctx: HelperContext, r: readonly bigint[]): bigint {
  const f = def.callNumber;
  const big = def.call;
  if (f !== undefined && big !== undefined) {
    // Number form first, the full-width form when it declines (see HelperDef).
    const x = +callNumberOf(f, def.arity!, ctx, r);
    if (Number.isSafeInteger(x) && x >= 0) return BigInt(x);
    return BigInt.asUintN(64, big(ctx, r[1]!, r[2]!, r[3]!, r[4]!, r[5]!));
  }
  if (f !== undefined) {
    const x = callNumberOf(f, def.arity!, ctx, r);
    // ToNumber, as a WebAssembly import's result is converted.
    const v = BigInt(checkNumberResult(def, +x));
    return v < 0n ? v + TWO_64 : v;
  }
  return BigInt.asUintN(64, def.call!(ctx, r[1]!, r[2]!, r[3]!, r[4]!, r[5]!));
}

/** `f` called with `arity` number arguments from r1.. (as the Wasm engine calls it). */
function callNumberOf(
  f: (ctx: HelperContext, ...args: number[]) => number,
  arity: number,
  ctx: HelperContext,
  r: readonly bigint[],
): number {
  switch (arity) {
    case 0:
      return f(ctx);
    case 1:
      return f(ctx, Number(r[1]!));
    case 2:
      return f(ctx, Number(r[1]!), Number(r[2]!));
    case 3:
      return f(ctx, Number(r[1]!), Number(r[2]!), Number(r[3]!));
    case 4:
      return f(ctx, Number(r[1]!), Number(r[2]!), Number(r[3]!), Number(r[4]!));
    default:
      return f(ctx, Number(r[1]!), Number(r[2]!), Number(r[3]!), Number(r[4]!), Number(r[5]!));
  }
}

/**
 * Checks the result of a number helper, after ToNumber (both engines call
 * this, the Wasm engine from its fault import).
 *
 * @param def the helper
 * @param x what `callNumber` returned, converted to a number
 * @returns x, a safe integer
 * @throws PluginFault "helper" for anything else
 */
export function checkNumberResult(def: HelperDef, x: number): number {
  if (Number.isSafeInteger(x)) return x as number;
  throw new PluginFault(
    "helper",
    `helper ${def.name} returned ${String(x)}, not a safe integer`,
  );
}

/**
 * Helpers by id and by name.
 *
 * @example
 * ```ts
 * import { HelperTable } from "./helpers.ts";
 * import assert from "node:assert/strict";
 * const t = new HelperTable();
 * t.register({ id: 1, name: "twice", call: (_c, a) => a * 2n });
 * t.register({ id: 2, name: "add", arity: 2, callNumber: (_c, a, b) => a + b });
 * assert.equal(t.byName("twice")?.id, 1);
 * ```
 */
export class HelperTable {
  #byId = new Map<number, HelperDef>();
  #byName = new Map<string, HelperDef>();

  /**
   * Adds a helper.
   *
   * @param def the helper
   * @returns this table
   * @throws RangeError on a duplicate id or name, an invalid id, neither
   *   `call` nor `callNumber` (which needs an arity of 0 to 5), or an
   *   unknown intrinsic or one whose arity differs from a number helper's,
   *   both an intrinsic and cell rules, or an invalid cell rule
   */
  register(def: HelperDef): this {
    if (def.call === undefined && def.callNumber === undefined) {
      throw new RangeError(
        `Cannot register helper "${def.name}": give call, callNumber or both`,
      );
    }
    if (
      def.callNumber !== undefined &&
      !(Number.isInteger(def.arity) && def.arity! >= 0 && def.arity! <= MAX_HELPER_ARGS)
    ) {
      throw new RangeError(
        `Cannot register helper "${def.name}": arity must be 0 to ${MAX_HELPER_ARGS}`,
      );
    }
    if (def.intrinsic !== undefined) {
      const n = Object.hasOwn(INTRINSIC_ARITY, def.intrinsic)
        ? INTRINSIC_ARITY[def.intrinsic]
        : undefined;
      if (n === undefined || (def.callNumber !== undefined && def.arity !== n)) {
        throw new RangeError(
          `Cannot register helper "${def.name}": intrinsic "${def.intrinsic}" ` +
            (n === undefined ? "is unknown" : `takes ${n} arguments, the helper ${def.arity}`),
        );
      }
    }
    if (def.cells !== undefined) {
      if (def.intrinsic !== undefined) {
        throw new RangeError(
          `Cannot register helper "${def.name}": give an intrinsic or cell rules, not both`,
        );
      }
      checkCellRules(def);
    }
    if (!Number.isInteger(def.id) || def.id < 0 || def.id > 0x7fff_ffff) {
      throw new RangeError(`Cannot register helper "${def.name}": invalid id ${def.id}`);
    }
    if (this.#byId.has(def.id)) {
      throw new RangeError(`Cannot register helper "${def.name}": id ${def.id} is taken`);
    }
    if (this.#byName.has(def.name)) {
      throw new RangeError(`Cannot register helper "${def.name}": name is taken`);
    }
    this.#byId.set(def.id, def);
    this.#byName.set(def.name, def);
    return this;
  }

  /**
   * @param id helper number
   * @returns the helper or undefined
   */
  byId(id: number): HelperDef | undefined {
    return this.#byId.get(id);
  }

  /**
   * @param name helper name
   * @returns the helper or undefined
   */
  byName(name: string): HelperDef | undefined {
    return this.#byName.get(name);
  }

  /** All helpers, in registration order. */
  all(): HelperDef[] {
    return [...this.#byId.values()];
  }
}

/**
 * A copy of a helper table whose helpers report every call that reaches
 * their code (for call statistics and tests). Intrinsics and cell rules are
 * kept, so the calls the Wasm engine computes inline are not reported.
 *
 * @param table the helpers
 * @param onCall called with the helper before each call of its code
 * @returns a new table with the same ids, names, forms, intrinsics and cell rules
 *
 * @example Count calls
 * ```ts
 * import assert from "node:assert/strict";
 * import { observedHelpers, HelperTable } from "./helpers.ts";
 * const t = new HelperTable().register({ id: 1, name: "one", arity: 0, callNumber: () => 1 });
 * let n = 0;
 * const counted = observedHelpers(t, () => n++);
 * counted.byId(1)!.callNumber!({ memory: undefined!, data: null });
 * assert.equal(n, 1);
 * ```
 */
export function observedHelpers(
  table: HelperTable,
  onCall: (def: HelperDef) => void,
): HelperTable {
  const out = new HelperTable();
  for (const d of table.all()) {
    const def: HelperDef = { ...d };
    const big = d.call;
    const num = d.callNumber;
    if (big !== undefined) def.call = (ctx, a, b, c, e, g) => (onCall(d), big(ctx, a, b, c, e, g));
    if (num !== undefined) def.callNumber = (ctx, ...args) => (onCall(d), num(ctx, ...args));
    out.register(def);
  }
  return out;
}
