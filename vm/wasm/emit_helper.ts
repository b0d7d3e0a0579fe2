/**
 * Emission of a call to a number helper (helpers.ts), whose own function is
 * the import: the context comes from a global, the pc goes to a global for
 * the faults the helper throws (the engine fills it in), and the double it
 * returns is checked here to be a safe integer — otherwise the fault import
 * throws the fault the interpreter throws — before its exact conversion.
 *
 * What this adds to the import call itself, measured on a bare Wasm loop of
 * 100 calls (≈0.46 µs on our machines): the pc store ≈0.01 µs, the test for
 * small arguments ≈0.02 µs, the result check ≈0.05 µs (a check through
 * `i64.trunc_sat_f64_s` and back costs the same). The crossing into
 * JavaScript is the cost, so helpers that need no host state are not called
 * at all: they are computed inline (emit_intrinsic.ts).
 *
 * @module
 */

import { BLOCK_VOID, type CodeWriter, Op, ValType } from "./module.ts";

/** Module indices the call needs. */
export interface NumberHelperEnv {
  /** Function index of the fault import. */
  faultFn: number;
  /** Global index of the helper context (externref). */
  ctxGlobal: number;
  /** Global index of the pc of the last number-helper call (i32). */
  pcGlobal: number;
  /** Second import `(ctx, i32 × n) → f64` by helper id, for arguments below 2^31. */
  helperSmallFn: ReadonlyMap<number, number>;
}

/** The call site. */
export interface NumberHelperCall {
  /** Helper id. */
  id: number;
  /** Arguments taken from r1.. (registers are locals 0..10). */
  arity: number;
  /** Function index of the import `(ctx, f64 × n) → f64`. */
  fn: number;
  /** Slot of the call. */
  pc: number;
}

/**
 * Emits the call; leaves the result (r0, as i64) on the stack.
 *
 * @param w the function body
 * @param env module indices
 * @param call the call site
 * @param opts the fault code of a bad result ((pc, the double's bits, helper
 *   id) go with it) and an f64 scratch local
 */
export function emitNumberHelperCall(
  w: CodeWriter,
  env: NumberHelperEnv,
  call: NumberHelperCall,
  opts: { faultCode: number; resultLocal: number; fallback?: () => void },
): void {
  const { id, arity, fn, pc } = call;
  const reg = (r: number) => w.byte(Op.localGet).u32(r);
  w.byte(Op.i32Const).i32(pc).byte(Op.globalSet).u32(env.pcGlobal);
  const small = env.helperSmallFn.get(id);
  if (small !== undefined) {
    // All arguments below 2^31: pass them as i32 (the same numbers).
    reg(1);
    for (let r = 2; r <= arity; r++) reg(r).byte(Op.i64Or);
    w.byte(Op.i64Const).i64(0x8000_0000n).byte(Op.i64LtU).byte(Op.if).byte(ValType.f64);
    w.byte(Op.globalGet).u32(env.ctxGlobal);
    for (let r = 1; r <= arity; r++) reg(r).byte(Op.i32WrapI64);
    w.byte(Op.call).u32(small).byte(Op.else);
  }
  // Number(rN) is the correctly rounded double, as convert_i64_u.
  w.byte(Op.globalGet).u32(env.ctxGlobal);
  for (let r = 1; r <= arity; r++) reg(r).byte(Op.f64ConvertI64U);
  w.byte(Op.call).u32(fn);
  if (small !== undefined) w.byte(Op.end);
  // Safe integer: equal to its truncation and |x| <= 2^53 - 1 (NaN fails both).
  const x = opts.resultLocal;
  if (opts.fallback !== undefined) {
    // A helper with a fallback: a result in [0, 2^53) is r0, anything else
    // (NaN included) has the BigInt form compute it (helpers.ts).
    w.byte(Op.localTee).u32(x).byte(Op.localGet).u32(x).byte(Op.f64Trunc).byte(Op.f64Eq);
    w.byte(Op.localGet).u32(x).byte(Op.f64Const).f64(0).byte(Op.f64Ge).byte(Op.i32And);
    w.byte(Op.localGet).u32(x).byte(Op.f64Const).f64(Number.MAX_SAFE_INTEGER).byte(Op.f64Le)
      .byte(Op.i32And).byte(Op.if).byte(ValType.i64);
    w.byte(Op.localGet).u32(x).byte(Op.i64TruncF64S).byte(Op.else);
    opts.fallback();
    w.byte(Op.end);
    return;
  }
  w.byte(Op.localTee).u32(x).byte(Op.localGet).u32(x).byte(Op.f64Trunc).byte(Op.f64Eq);
  w.byte(Op.localGet).u32(x).byte(Op.f64Abs).byte(Op.f64Const).f64(Number.MAX_SAFE_INTEGER)
    .byte(Op.f64Le).byte(Op.i32And).byte(Op.i32Eqz).byte(Op.if).byte(BLOCK_VOID);
  w.byte(Op.i32Const).i32(opts.faultCode).byte(Op.i32Const).i32(pc);
  w.byte(Op.localGet).u32(x).byte(Op.i64ReinterpretF64).byte(Op.i32Const).i32(id)
    .byte(Op.call).u32(env.faultFn).byte(Op.unreachable);
  w.byte(Op.end);
  w.byte(Op.localGet).u32(x).byte(Op.i64TruncF64S);
}
