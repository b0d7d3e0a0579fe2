/**
 * The Wasm engine: verified eBPF compiled to WebAssembly (compile.ts), cached
 * per program digest (cache.ts), instantiated per instance with the
 * instance's `WebAssembly.Memory` and the helpers as imports.
 *
 * Helpers come in two forms (helpers.ts): a BigInt helper is called through a
 * small function converting the signed i64 arguments; a number helper's own
 * function is the import, called with the context (an externref global) and
 * doubles (or small integers), so no BigInt is made per call and each helper
 * keeps its own type feedback; a helper with both forms is a number helper
 * whose BigInt form is imported too, for the calls its number form declines
 * (helpers.ts). Which form each id takes is fixed at
 * compilation (the module cache keys on it). Helpers with an intrinsic
 * (memory copies, compares, varints: helpers.ts) are computed inline on the
 * instance memory, which must then be the memory their context names; so are
 * helpers with cell rules (helpers.ts `CellRule`), as loads and stores of
 * the cell area at `ctx.cells`, read once here.
 *
 * Faults raised inside the module go through one import that throws the same
 * PluginFault the interpreter throws (same kind, same message for memory
 * faults: both come from `InstanceMemory.outOfBounds`).
 *
 * @example Run a program
 * ```ts
 * import assert from "node:assert/strict";
 * import { assemble } from "../assembler.ts";
 * import { HelperTable } from "../helpers.ts";
 * import { InstanceMemory } from "../memory.ts";
 * import { makeProgram } from "../program.ts";
 * import { wasmCompiler } from "./mod.ts";
 * const program = makeProgram(assemble("mov r0, r1\nmul r0, 6\nexit"));
 * const memory = new InstanceMemory();
 * const engine = wasmCompiler.create(program, memory, new HelperTable(), { memory, data: null });
 * assert.equal(engine.run(0, [7n]), 42n);
 * ```
 *
 * @module
 */

import { DEFAULT_FUEL, type Engine, type EngineFactory, type RunOptions } from "../engine.ts";
import { fuelFault, PluginFault, stackOverflowFault } from "../fault.ts";
import {
  checkNumberResult,
  type HelperContext,
  type HelperDef,
  type HelperTable,
  invokeHelper,
} from "../helpers.ts";
import { type InstanceMemory, MAX_CALL_DEPTH, MEMORY_BASE } from "../memory.ts";
import { CELL_BYTES, highestCell } from "../cell_rules.ts";
import { type Instruction, OP_LDDW } from "../isa.ts";
import type { Program } from "../program.ts";
import { type CompiledProgram, type ModuleCache, moduleCache } from "./cache.ts";
import { entryExportName, numberEntryExportName } from "./compile.ts";
import type { AccessGroup } from "./access.ts";
import { FaultCode } from "./emit.ts";

export { type CompiledProgram, ModuleCache, moduleCache } from "./cache.ts";
export { compileProgram } from "./compile.ts";

const TWO_64 = 1n << 64n;

/** An entry export: r1..r5, r10, fuel → r0 (`f<pc>`: u64 registers and r0 as i64). */
type EntryFn = (
  r1: bigint,
  r2: bigint,
  r3: bigint,
  r4: bigint,
  r5: bigint,
  r10: bigint,
  fuel: number,
) => bigint;
/** The same with registers and r0 as doubles (`n<pc>`; registers exact, below 2^64). */
type NumberEntryFn = (
  r1: number,
  r2: number,
  r3: number,
  r4: number,
  r5: number,
  r10: number,
  fuel: number,
) => number;

/** `x` as a double when that is exact (every u64 register value the number entries take). */
function exactDouble(x: bigint): number | null {
  const d = Number(x);
  return x >= 0n && x < TWO_64 && BigInt(d) === x ? d : null;
}

/** A program instantiated on one instance memory. */
export class WasmEngine implements Engine {
  readonly #memory: InstanceMemory;
  readonly #code: readonly Instruction[];
  readonly #groups: readonly AccessGroup[];
  /** Entry functions by pc (an array: a Map lookup per run costs more). */
  readonly #entries: (EntryFn | undefined)[];
  /** The same entries returning r0 as a double (compile.ts `numberEntryExportName`). */
  readonly #numberEntries: (NumberEntryFn | undefined)[];
  /** r0 of a number entry when it is not below 2^53. */
  readonly #result: WebAssembly.Global;
  readonly #fuel: WebAssembly.Global;
  readonly #depth: WebAssembly.Global;
  /** pc of the last number-helper call (for the faults such a helper throws). */
  readonly #pc: WebAssembly.Global;
  readonly #helpers: HelperTable;
  /** r10 at entry (the stack area never moves). */
  readonly #frameTop: bigint;
  #budget = DEFAULT_FUEL;
  #running = 0;

  /**
   * Instantiates a compiled program on an instance memory.
   *
   * @param program the program (for fault positions)
   * @param compiled its compiled module (from a {@link ModuleCache})
   * @param memory the instance memory, imported by the module
   * @param helpers helper table
   * @param ctx passed to every helper
   */
  constructor(
    program: Program,
    compiled: CompiledProgram,
    memory: InstanceMemory,
    helpers: HelperTable,
    ctx: HelperContext,
  ) {
    this.#memory = memory;
    this.#frameTop = memory.frameTop;
    this.#code = program.instructions;
    this.#groups = compiled.groups;
    if ((compiled.intrinsics.size > 0 || compiled.cellRules.size > 0) && ctx.memory !== memory) {
      // Intrinsics and cell rules work on the module's memory, their helpers on ctx.memory.
      throw new RangeError(
        "Cannot instantiate: helpers computed inline need ctx.memory to be the instance memory",
      );
    }
    const cells = cellArea(compiled, memory, ctx);
    const h: Record<string, WebAssembly.ImportValue> = {};
    const small: Record<string, WebAssembly.ImportValue> = {};
    const big: Record<string, WebAssembly.ImportValue> = {};
    for (const id of compiled.helperIds) {
      const def = helpers.byId(id);
      const arity = compiled.numberHelpers.get(id);
      if (arity === undefined) {
        h[String(id)] = helperImport(def, id, ctx, helpers);
      } else if (def?.callNumber !== undefined && (def.arity ?? 0) === arity) {
        // The helper's own function, for doubles and for small integers.
        h[String(id)] = def.callNumber;
        if (arity > 0) small[String(id)] = def.callNumber;
        if (compiled.fallbackHelpers.has(id)) {
          if (def.call === undefined) {
            throw new RangeError(
              `Cannot instantiate: helper ${id} was compiled with a fallback, the helper table has none`,
            );
          }
          big[String(id)] = helperImport(def, id, ctx, helpers);
        }
      } else {
        throw new RangeError(
          `Cannot instantiate: helper ${id} was compiled as a number helper of arity ${arity}, ` +
            `the helper table has ${def === undefined ? "none" : "another form"}`,
        );
      }
    }
    const instance = new WebAssembly.Instance(compiled.module, {
      env: { memory: memory.memory, fault: this.#fault.bind(this) },
      h,
      i: small,
      b: big,
    });
    // Dense (filled), so that a lookup stays an element load.
    this.#entries = new Array(Math.max(-1, ...compiled.entries) + 1).fill(undefined);
    this.#numberEntries = new Array(this.#entries.length).fill(undefined);
    for (const pc of compiled.entries) {
      this.#entries[pc] = instance.exports[entryExportName(pc)] as EntryFn;
      this.#numberEntries[pc] = instance.exports[numberEntryExportName(pc)] as NumberEntryFn;
    }
    this.#result = instance.exports.result as WebAssembly.Global;
    this.#fuel = instance.exports.fuel as WebAssembly.Global;
    this.#depth = instance.exports.depth as WebAssembly.Global;
    this.#pc = instance.exports.pc as WebAssembly.Global;
    (instance.exports.ctx as WebAssembly.Global).value = ctx;
    // An offset from 2^31 reads as negative in i32: the module tests for -1 only.
    if (compiled.cellRules.size > 0) (instance.exports.cells as WebAssembly.Global).value = cells;
    this.#helpers = helpers;
  }

  /** Budget left at the end of the last run (the Wasm engine counts per basic block). */
  get fuelLeft(): number {
    return Number(this.#fuel.value);
  }

  /**
   * Runs the function entered at `fn` (a function entry of the program).
   *
   * @param fn entry pc
   * @param args r1..r5
   * @param opts budget
   * @returns r0, unsigned 64-bit
   */
  run(fn: number, args: bigint[], opts?: RunOptions): bigint {
    const f = Number.isInteger(fn) && fn >= 0 ? this.#entries[fn] : undefined;
    if (f === undefined) {
      throw new PluginFault("unsupported", `pc ${fn}: not a function entry of the program`, {
        pc: fn,
      });
    }
    const budget = opts?.fuel ?? DEFAULT_FUEL;
    // A helper may run this engine again (a pluglet calling another one):
    // the inner run must not clobber the outer run's budget and depth.
    const nested = this.#running > 0;
    const saved = nested
      ? [this.#budget, this.#fuel.value, this.#depth.value, this.#pc.value]
      : null;
    this.#budget = budget;
    this.#running++;
    try {
      const r0 = f(
        args[0] ?? 0n,
        args[1] ?? 0n,
        args[2] ?? 0n,
        args[3] ?? 0n,
        args[4] ?? 0n,
        this.#frameTop,
        fuelUnits(budget),
      );
      return r0 < 0n ? r0 + TWO_64 : r0;
    } catch (e) {
      throw this.#faultOf(e);
    } finally {
      this.#running--;
      if (saved !== null) {
        this.#budget = saved[0] as number;
        this.#fuel.value = saved[1];
        this.#depth.value = saved[2];
        this.#pc.value = saved[3];
      }
    }
  }

  /**
   * See {@link Engine.bind}: a closure over the entry's own export, whose
   * call site then sees one function only (the engine inlines the crossing
   * into WebAssembly) and which makes no lookup per run. A nested run takes
   * {@link run}.
   */
  bind(fn: number, args: readonly bigint[], opts?: RunOptions): () => bigint {
    const f = Number.isInteger(fn) && fn >= 0 ? this.#entries[fn] : undefined;
    if (f === undefined) {
      throw new PluginFault("unsupported", `pc ${fn}: not a function entry of the program`, {
        pc: fn,
      });
    }
    const all = [...args];
    const budget = opts?.fuel ?? DEFAULT_FUEL;
    const units = fuelUnits(budget);
    // Registers as doubles when each is exactly one (a pluglet's cnx value and zeros are):
    // else every run takes `run`, with BigInt registers.
    const regs = [0, 1, 2, 3, 4].map((i) => exactDouble(all[i] ?? 0n));
    const top = exactDouble(this.#frameTop);
    if (regs.includes(null) || top === null) return () => this.run(fn, all, opts);
    const [r1, r2, r3, r4, r5] = regs as number[];
    const g = this.#numberEntries[fn]!;
    const result = this.#result;
    return () => {
      if (this.#running > 0) return this.run(fn, all, opts);
      this.#budget = budget;
      this.#running = 1;
      try {
        // r0 as a double: no BigInt for the usual small results (0 most of all).
        const x = g(r1!, r2!, r3!, r4!, r5!, top, units);
        if (x === 0) return 0n;
        return x === x ? BigInt(x) : BigInt.asUintN(64, result.value as bigint);
      } catch (e) {
        throw this.#faultOf(e);
      } finally {
        this.#running = 0;
      }
    };
  }

  /** What a run throws for `e`, thrown out of the module. */
  #faultOf(e: unknown): unknown {
    if (e instanceof WebAssembly.RuntimeError) {
      return new PluginFault("unsupported", `wasm trap: ${e.message}`);
    }
    // Every fault raised by the module names its pc: one without came from
    // a number helper, called straight from the module (helpers.ts).
    if (e instanceof PluginFault && e.pc === undefined) e.pc = this.#pc.value as number;
    return e;
  }

  /**
   * The instruction at which a per-instruction count would have run out: the
   * block at `start` was entered with `left` units, so its instruction number
   * `left` (from 0, lddw counting once) is the first one not paid for. A
   * negative `left` means the balance was found spent at `start` itself (a
   * test after the fact: before exit or a helper call).
   */
  #fuelPc(start: number, left: number): number {
    if (left < 0) return start;
    let pc = start;
    for (let i = 0; i < left; i++) pc += this.#code[pc]?.opcode === OP_LDDW ? 2 : 1;
    return pc;
  }

  /** The fault import: throws the fault the interpreter would throw. */
  #fault(code: number, pc: number, off: bigint, size: number): never {
    switch (code) {
      case FaultCode.read:
      case FaultCode.write:
        throw this.#memory.outOfBounds(
          BigInt.asUintN(64, off + MEMORY_BASE),
          size,
          code === FaultCode.write,
          pc,
        );
      case FaultCode.fuel:
        throw fuelFault(this.#budget, this.#fuelPc(pc, Number(off)));
      case FaultCode.group: {
        // Loads through one base were checked together: the first one out of
        // bounds is where the interpreter stops.
        const mem = this.#memory;
        for (const a of this.#groups[pc] ?? []) {
          const addr = BigInt.asUintN(64, off + BigInt(a.offset));
          const rel = addr - MEMORY_BASE;
          if (rel < 0n || rel + BigInt(a.size) > BigInt(mem.size)) {
            throw mem.outOfBounds(addr, a.size, a.write, a.pc);
          }
        }
        throw new PluginFault("unsupported", `access group ${pc}: no access out of bounds`);
      }
      case FaultCode.helperResult: {
        // `off` holds the bits of the double, `size` the helper id.
        const bits = new DataView(new ArrayBuffer(8));
        bits.setBigInt64(0, off, true);
        const def = this.#helpers.byId(size)!;
        try {
          checkNumberResult(def, bits.getFloat64(0, true));
        } catch (e) {
          throw atCall(e, pc);
        }
        throw new PluginFault(
          "unsupported",
          `pc ${pc}: helper ${def.name} returned a safe integer`,
        );
      }
      case FaultCode.stackOverflow:
        throw stackOverflowFault(MAX_CALL_DEPTH, pc);
      default:
        throw new PluginFault("unsupported", `pc ${pc}: execution left the program`, { pc });
    }
  }
}

/**
 * The cell area offset for the module's `cells` global: -1 for none (or no
 * cell rules); otherwise `ctx.cells`, checked to be a multiple of 8 with
 * every cell a compiled rule can touch inside the current memory (which
 * never shrinks, so the check holds for the instance's life).
 */
function cellArea(compiled: CompiledProgram, memory: InstanceMemory, ctx: HelperContext): number {
  const at = ctx.cells;
  if (compiled.cellRules.size === 0 || at === undefined) return -1;
  if (!Number.isSafeInteger(at) || at < 0 || at % CELL_BYTES !== 0) {
    throw new RangeError(
      `Cannot instantiate: the cell area offset must be a non-negative multiple of ${CELL_BYTES}, not ${at}`,
    );
  }
  let top = -1;
  for (const rules of compiled.cellRules.values()) top = Math.max(top, highestCell(rules));
  const end = at + CELL_BYTES * (top + 1);
  if (end > memory.size) {
    throw new RangeError(
      `Cannot instantiate: cell ${top} of the cell area at ${at} ends at byte ${end}, ` +
        `past the memory of ${memory.size} bytes`,
    );
  }
  return at;
}

/**
 * A budget for the module's i64 counter (passed as a double, which the entry
 * converts exactly: no BigInt per run): whole units, an unbounded one
 * (Infinity) as 2^62.
 */
function fuelUnits(budget: number): number {
  if (Number.isNaN(budget) || budget < 0) return 0;
  return Math.min(Math.floor(budget), 2 ** 62);
}

/** Fills in the pc of a helper call on a PluginFault that lacks one (helpers.ts). */
function atCall(err: unknown, pc: number): unknown {
  if (err instanceof PluginFault && err.pc === undefined) err.pc = pc;
  return err;
}

/**
 * The import for one helper id in the BigInt form: converts the signed i64
 * arguments Wasm hands over to the unsigned values helpers expect.
 */
function helperImport(
  def: HelperDef | undefined,
  id: number,
  ctx: HelperContext,
  helpers: HelperTable,
) {
  const regs: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n];
  return (a: bigint, b: bigint, c: bigint, d: bigint, e: bigint, pc: number): bigint => {
    // Not registered when the instance was made: look again at call time, as
    // the interpreter does, and fault as it does when still missing.
    const h = def ?? helpers.byId(id);
    if (h === undefined) {
      throw new PluginFault("helper", `pc ${pc}: call to unknown helper ${id}`, { pc });
    }
    try {
      if (h.call !== undefined) {
        return h.call(
          ctx,
          a < 0n ? a + TWO_64 : a,
          b < 0n ? b + TWO_64 : b,
          c < 0n ? c + TWO_64 : c,
          d < 0n ? d + TWO_64 : d,
          e < 0n ? e + TWO_64 : e,
        );
      }
      regs[1] = BigInt.asUintN(64, a);
      regs[2] = BigInt.asUintN(64, b);
      regs[3] = BigInt.asUintN(64, c);
      regs[4] = BigInt.asUintN(64, d);
      regs[5] = BigInt.asUintN(64, e);
      return invokeHelper(h, ctx, regs);
    } catch (err) {
      throw atCall(err, pc);
    }
  };
}

/**
 * Makes a Wasm engine for a program using a given module cache (tests use a
 * fresh cache to count compilations).
 *
 * @param cache the module cache
 * @returns an engine factory
 */
export function wasmCompilerWith(cache: ModuleCache): EngineFactory {
  return {
    name: "wasm",
    create(program: Program, memory, helpers, ctx): Engine {
      return new WasmEngine(program, cache.get(program, helpers), memory, helpers, ctx);
    },
  };
}

/** The eBPF → WebAssembly engine, with the process-wide module cache. */
export const wasmCompiler: EngineFactory = wasmCompilerWith(moduleCache);
