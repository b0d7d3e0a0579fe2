/**
 * Compiles a verified eBPF program to a WebAssembly module (bytes).
 *
 * Module shape:
 *
 * - imports: `env.fault(code i32, pc i32, off i64, size i32)` (throws the
 *   PluginFault; see {@link FaultCode}), for every helper id the program
 *   calls either `h.<id>(r1 … r5 i64, pc i32) → i64` (a BigInt helper) or,
 *   for a number helper of arity n (helpers.ts), its own function as
 *   `h.<id>(ctx externref, r1 … rn f64) → f64` (arguments by
 *   `f64.convert_i64_u`, the result checked to be a safe integer and
 *   converted back by `i64.trunc_f64_s`: no BigInt crosses the boundary) and
 *   `i.<id>(ctx, r1 … rn i32) → f64`, called instead when every argument is
 *   below 2^31 (small integers cross as tagged integers, without allocation;
 *   the helper sees the same numbers either way), plus, for a number helper
 *   with a fallback (both forms), `b.<id>` in the BigInt form, called when
 *   the number form returns no safe integer, and
 *   `env.memory` (the instance's `WebAssembly.Memory`); a helper with an
 *   intrinsic (helpers.ts) is computed inline and its import is called only
 *   when the intrinsic's conditions fail (emit_intrinsic.ts), and a helper
 *   with cell rules likewise when none of its rules applies (emit_cells.ts);
 * - globals: the shared fuel counter (i64) and the frame count (i32), so
 *   bpf-to-bpf calls spend one budget per run; the helper context
 *   (externref, set at instantiation) and the pc of the last number-helper
 *   call (i32, for the faults such a helper throws); in a module that calls
 *   a helper with cell rules only, the cell area offset (i32 `cells`, −1 for
 *   none, set at instantiation);
 * - one function per eBPF function, `(r0 … r10) → (r0 … r5)` (emit.ts), or
 *   `(r0 … r10) → r0` for a function that no local call targets;
 * - one export per function entry, `f<pc>(r1 … r5, r10 i64, fuel f64) → r0`, which
 *   resets the globals and calls the function with r0 and r6–r9 zero.
 *
 * The module depends only on the program's code, on which of its helpers
 * are number helpers (and their arity) and on their intrinsics and cell
 * rules: memory size, cell area,
 * helper implementations and budget come in at instantiation or per run, so
 * one module serves every instance of the program with the same helper forms
 * (cache.ts).
 *
 * @module
 */

import { CALL_HELPER, CALL_LOCAL, CLASS_JMP, type Instruction, isWide, JMP_CALL } from "../isa.ts";
import { buildCfg, findLeaders, functionEntries } from "./cfg.ts";
import type { AccessGroup } from "./access.ts";
import {
  type EmitEnv,
  emitFunction,
  EXTRA_LOCALS,
  FUNC_PARAMS,
  FUNC_RESULTS,
  INTRINSIC_LOCALS,
} from "./emit.ts";
import type { CellRule, HelperIntrinsic } from "../helpers.ts";
import {
  CodeWriter,
  MISC_I64_TRUNC_SAT_F64_S,
  MISC_I64_TRUNC_SAT_F64_U,
  ModuleBuilder,
  Op,
  ValType,
} from "./module.ts";

/** What the engine needs to know about a compiled module besides its bytes. */
export interface CompiledLayout {
  /** Entry pcs that have an export named `f<pc>`. */
  readonly entries: readonly number[];
  /** Helper ids imported as `h.<id>`. */
  readonly helperIds: readonly number[];
  /** Accesses checked jointly, by group id (for the fault import). */
  readonly groups: readonly AccessGroup[];
  /** Helper ids imported in the number form, with their arity. */
  readonly numberHelpers: ReadonlyMap<number, number>;
  /** Helper ids computed inline (emit_intrinsic.ts), with their intrinsic. */
  readonly intrinsics: ReadonlyMap<number, HelperIntrinsic>;
  /**
   * Helper ids computed as cell loads and stores when a rule applies
   * (emit_cells.ts), with their rules; when not empty the module exports
   * the i32 global `cells`.
   */
  readonly cellRules: ReadonlyMap<number, readonly CellRule[]>;
  /**
   * Number helpers with a fallback (helpers.ts: both forms), also imported as
   * `b.<id>` in the BigInt form for the calls their number form declines.
   */
  readonly fallbackHelpers: ReadonlySet<number>;
}

/** Options of {@link compileProgram}. */
export interface CompileOptions {
  /** Compile every function with the br_table dispatcher (tests of the fallback). */
  dispatchOnly?: boolean;
  /** Check every access on its own, without base flags (wasm/ranges.ts; for tests). */
  noFlags?: boolean;
  /** Compile no loop twice (wasm/versioning.ts; for tests). */
  noVersions?: boolean;
  /**
   * Helper ids to import in the number form, with their arity (helpers.ts);
   * the others use the BigInt form.
   */
  numberHelpers?: ReadonlyMap<number, number>;
  /** Number helpers that fall back to the BigInt form (helpers.ts: both forms). */
  fallbackHelpers?: ReadonlySet<number>;
  /**
   * Helper ids to compute inline, with their intrinsic (helpers.ts); each is
   * still imported, for the calls its fast path does not cover.
   */
  intrinsics?: ReadonlyMap<number, HelperIntrinsic>;
  /**
   * Helper ids with cell rules (helpers.ts), with their rules; each is still
   * imported, for the calls none of its rules covers.
   */
  cellRules?: ReadonlyMap<number, readonly CellRule[]>;
  /**
   * Compute no helper inline, by intrinsic or cell rule: every call is an
   * import call (for tests and benchmarks).
   */
  noIntrinsics?: boolean;
}

/** Output of {@link compileProgram}. */
export interface CompileOutput extends CompiledLayout {
  /** The module's binary encoding. */
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/**
 * Name of the export that runs the function entered at `pc` and returns r0 as
 * a double when it is below 2^53 (NaN otherwise, r0 being in the `result`
 * global).
 *
 * @param pc function entry
 * @returns the export name
 */
export function numberEntryExportName(pc: number): string {
  return `n${pc}`;
}

/**
 * Name of the export that runs the function entered at `pc`.
 *
 * @param pc function entry
 * @returns the export name
 */
export function entryExportName(pc: number): string {
  return `f${pc}`;
}

/**
 * Compiles a verified program.
 *
 * @param instructions the program's slots
 * @param knownEntries function entries from symbols (program entry, named functions)
 * @param opts code shape options
 * @returns module bytes and layout
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assemble } from "../assembler.ts";
 * import { compileProgram } from "./compile.ts";
 * const out = compileProgram(assemble("mov r0, 7\nexit"), [0]);
 * assert.ok(WebAssembly.validate(out.bytes));
 * assert.deepEqual(out.entries, [0]);
 * ```
 */
export function compileProgram(
  instructions: readonly Instruction[],
  knownEntries: Iterable<number>,
  opts: CompileOptions = {},
): CompileOutput {
  const { i32, i64 } = ValType;
  const entries = functionEntries(instructions, knownEntries);
  const helperIds = helperIdsOf(instructions);
  const m = new ModuleBuilder();

  const tFault = m.type({ params: [i32, i32, i64, i32], results: [] });
  const tHelper = m.type({ params: [i64, i64, i64, i64, i64, i32], results: [i64] });
  const faultFn = m.importFunction("env", "fault", tFault);
  const helperFn = new Map<number, number>();
  const helperSmallFn = new Map<number, number>();
  const numberHelpers = new Map<number, number>();
  const helperBigFn = new Map<number, number>();
  for (const id of helperIds) {
    const arity = opts.numberHelpers?.get(id);
    let t = tHelper;
    if (arity !== undefined) {
      const { externref, f64 } = ValType;
      numberHelpers.set(id, arity);
      t = m.type({ params: [externref, ...new Array(arity).fill(f64)], results: [f64] });
      if (arity > 0) {
        const small = m.type({
          params: [externref, ...new Array(arity).fill(i32)],
          results: [f64],
        });
        helperSmallFn.set(id, m.importFunction("i", String(id), small));
      }
      if (opts.fallbackHelpers?.has(id) === true) {
        helperBigFn.set(id, m.importFunction("b", String(id), tHelper));
      }
    }
    helperFn.set(id, m.importFunction("h", String(id), t));
  }
  m.importMemory("env", "memory", 0);

  const fuelGlobal = m.global(i64, true, 0);
  const depthGlobal = m.global(i32, true, 0);
  m.exportGlobal("fuel", fuelGlobal);
  m.exportGlobal("depth", depthGlobal);
  const ctxGlobal = m.global(ValType.externref, true, 0);
  const pcGlobal = m.global(i32, true, 0);
  m.exportGlobal("ctx", ctxGlobal);
  m.exportGlobal("pc", pcGlobal);
  const intrinsics: ReadonlyMap<number, HelperIntrinsic> = opts.noIntrinsics
    ? new Map()
    : opts.intrinsics ?? new Map();
  // Rules of the helpers called (and not computed by an intrinsic); only a
  // module with some gets the global, so others keep their shape.
  const cellRules = new Map<number, readonly CellRule[]>();
  for (const id of helperIds) {
    const rules = opts.noIntrinsics ? undefined : opts.cellRules?.get(id);
    if (rules !== undefined && rules.length > 0 && !intrinsics.has(id)) cellRules.set(id, rules);
  }
  let cellsGlobal: number | undefined;
  if (cellRules.size > 0) {
    cellsGlobal = m.global(i32, true, -1);
    m.exportGlobal("cells", cellsGlobal);
  }

  const tFunc = m.type({
    params: new Array(FUNC_PARAMS).fill(i64),
    results: new Array(FUNC_RESULTS).fill(i64),
  });
  const funcByEntry = new Map<number, number>();
  const first = m.nextFunctionIndex();
  entries.forEach((e, i) => funcByEntry.set(e, first + i));
  const env: EmitEnv = {
    faultFn,
    helperFn,
    helperSmallFn,
    helperBigFn,
    numberHelpers,
    intrinsics,
    cellRules,
    ...(cellsGlobal === undefined ? {} : { cellsGlobal }),
    funcByEntry,
    fuelGlobal,
    depthGlobal,
    ctxGlobal,
    pcGlobal,
    dispatchOnly: opts.dispatchOnly ?? false,
    noFlags: opts.noFlags ?? false,
    noVersions: opts.noVersions ?? false,
    groups: [],
  };

  // A function no local call targets returns r0 only, so its r1..r5 need not
  // stay live to the end.
  const tMain = m.type({ params: new Array(FUNC_PARAMS).fill(i64), results: [i64] });
  const targets = localCallTargets(instructions);
  const leaders = findLeaders(instructions, entries);
  const locals = env.intrinsics!.size > 0 ? [...EXTRA_LOCALS, ...INTRINSIC_LOCALS] : EXTRA_LOCALS;
  for (const e of entries) {
    const results = targets.has(e) ? FUNC_RESULTS : 1;
    const body = emitFunction(instructions, buildCfg(instructions, leaders, e), env, results);
    m.func(results === 1 ? tMain : tFunc, locals, body);
  }

  // Entry wrappers: (r1..r5, r10, fuel as f64, a whole number) → r0, as i64 (`f<pc>`); and
  // all seven as doubles (exact, below 2^64) → r0 as f64 (`n<pc>`: r0 when below 2^53, else NaN
  // with r0 in the `result` global), which makes no BigInt on the way in or back: the crossing
  // into WebAssembly then converts no BigInt either, even before the engine has compiled a
  // wrapper for it.
  const entryParams = [i64, i64, i64, i64, i64, i64, ValType.f64];
  const tEntry = m.type({ params: entryParams, results: [i64] });
  const tEntryNumber = m.type({
    params: new Array(entryParams.length).fill(ValType.f64),
    results: [ValType.f64],
  });
  const resultGlobal = m.global(i64, true, 0);
  m.exportGlobal("result", resultGlobal);
  /** The call of entry `e` from its wrapper, registers as i64 (or as doubles: `asDoubles`). */
  const entryCall = (e: number, asDoubles: boolean): Uint8Array => {
    const w = new CodeWriter();
    const reg = (local: number) => {
      w.byte(Op.localGet).u32(local);
      if (asDoubles) w.byte(Op.miscPrefix).u32(MISC_I64_TRUNC_SAT_F64_U);
    };
    w.byte(Op.localGet).u32(6).byte(Op.miscPrefix).u32(MISC_I64_TRUNC_SAT_F64_S)
      .byte(Op.globalSet).u32(fuelGlobal);
    w.byte(Op.i32Const).i32(1).byte(Op.globalSet).u32(depthGlobal);
    w.byte(Op.i64Const).i32(0);
    for (let r = 1; r <= 5; r++) reg(r - 1);
    for (let r = 6; r <= 9; r++) w.byte(Op.i64Const).i32(0);
    reg(5);
    w.byte(Op.call).u32(funcByEntry.get(e)!);
    if (targets.has(e)) { for (let r = 1; r < FUNC_RESULTS; r++) w.byte(Op.drop); }
    return w.toBytes();
  };
  for (const e of entries) {
    m.exportFunction(
      entryExportName(e),
      m.func(tEntry, [], new CodeWriter().bytes(entryCall(e, false)).byte(Op.end).toBytes()),
    );
    // r0 in local 7: exact as a double below 2^53.
    const n = new CodeWriter().bytes(entryCall(e, true)).byte(Op.localTee).u32(7);
    n.byte(Op.i64Const).i64(1n << 53n).byte(Op.i64LtU).byte(Op.if).byte(ValType.f64);
    n.byte(Op.localGet).u32(7).byte(Op.f64ConvertI64U);
    n.byte(Op.else).byte(Op.localGet).u32(7).byte(Op.globalSet).u32(resultGlobal);
    n.byte(Op.f64Const).f64(NaN).byte(Op.end).byte(Op.end);
    m.exportFunction(numberEntryExportName(e), m.func(tEntryNumber, [i64], n.toBytes()));
  }
  const called = new Map([...intrinsics].filter(([id]) => helperIds.includes(id)));
  const fallbackHelpers = new Set(helperBigFn.keys());
  return {
    bytes: m.toBytes(),
    entries,
    helperIds,
    groups: env.groups,
    numberHelpers,
    intrinsics: called,
    cellRules,
    fallbackHelpers,
  };
}

/** Entry slots of the functions that local calls target. */
function localCallTargets(instructions: readonly Instruction[]): Set<number> {
  const out = new Set<number>();
  for (let pc = 0; pc < instructions.length; pc++) {
    const ins = instructions[pc]!;
    if (ins.opcode === (CLASS_JMP | JMP_CALL) && ins.src === CALL_LOCAL) out.add(pc + ins.imm + 1);
    if (isWide(ins.opcode)) pc++;
  }
  return out;
}

/** Distinct helper ids called anywhere in the program, ascending. */
function helperIdsOf(instructions: readonly Instruction[]): number[] {
  const ids = new Set<number>();
  for (let pc = 0; pc < instructions.length; pc++) {
    const ins = instructions[pc]!;
    if (ins.opcode === (CLASS_JMP | JMP_CALL) && ins.src === CALL_HELPER) ids.add(ins.imm);
    if (isWide(ins.opcode)) pc++;
  }
  return [...ids].sort((a, b) => a - b);
}
