/**
 * The module cache: a compiled `WebAssembly.Module` per program digest
 * (`program.digest`, SHA-256 of code and data) and helper forms (which
 * helper ids the program calls are number helpers, and their arity: they
 * decide the import types; their intrinsics; a canonical text of their cell
 * rules, which are compiled into the code), so a second instance of the same
 * program costs an instantiation only.
 *
 * Entries are kept in insertion order and the oldest is dropped past
 * {@link DEFAULT_CACHE_ENTRIES} (an arbitrary bound: a few hundred distinct
 * pluglets is far more than a process loads).
 *
 * @module
 */

import { PluginFault } from "../fault.ts";
import { cellRulesText } from "../cell_rules.ts";
import type { CellRule, HelperIntrinsic, HelperTable } from "../helpers.ts";
import { CALL_HELPER, CLASS_JMP, isWide, JMP_CALL } from "../isa.ts";
import type { Program } from "../program.ts";
import { type CompiledLayout, type CompileOptions, compileProgram } from "./compile.ts";

/** Most modules kept (an arbitrary bound). */
export const DEFAULT_CACHE_ENTRIES = 512;

/** A compiled program: the module and what its exports are. */
export interface CompiledProgram extends CompiledLayout {
  /** The compiled module, instantiable any number of times. */
  readonly module: WebAssembly.Module;
  /** Size of the module's binary encoding. */
  readonly byteLength: number;
}

/** Counters of a {@link ModuleCache}. */
export interface ModuleCacheStats {
  /** Programs compiled (cache misses). */
  compiles: number;
  /** Lookups answered from the cache. */
  hits: number;
}

/**
 * Compiled modules by program digest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assemble } from "../assembler.ts";
 * import { makeProgram } from "../program.ts";
 * import { ModuleCache } from "./cache.ts";
 * const cache = new ModuleCache();
 * const p = makeProgram(assemble("mov r0, 1\nexit"));
 * assert.equal(cache.get(p), cache.get(p));
 * assert.deepEqual(cache.stats, { compiles: 1, hits: 1 });
 * ```
 */
export class ModuleCache {
  #modules = new Map<string, CompiledProgram>();
  /** The key of each program looked up, with what it was computed from. */
  #keys = new WeakMap<Program, KeyMemo>();
  #limit: number;
  #options: CompileOptions;
  /** Compiles and hits so far. */
  readonly stats: ModuleCacheStats = { compiles: 0, hits: 0 };

  /**
   * Makes an empty cache.
   *
   * @param limit most modules kept
   * @param options compiler options for every module of this cache
   */
  constructor(limit = DEFAULT_CACHE_ENTRIES, options: CompileOptions = {}) {
    this.#limit = limit;
    this.#options = options;
  }

  /** Number of modules held. */
  get size(): number {
    return this.#modules.size;
  }

  /**
   * The compiled module of a verified program, compiling it on first use.
   *
   * @param program a program that passed `verify()`
   * @param helpers the helper table the program will run with: its number
   *   helpers are imported in the number form (without it, every helper uses
   *   the BigInt form)
   * @returns the cached or freshly compiled module
   */
  get(program: Program, helpers?: HelperTable): CompiledProgram {
    // Every injection asks again for the same program and helper table: its
    // key is remembered while the helpers the program calls are unchanged.
    const memo = this.#keys.get(program);
    if (memo !== undefined && memo.helpers === helpers && sameDefs(memo.defs, helpers)) {
      const known = this.#modules.get(memo.key);
      if (known !== undefined) {
        this.stats.hits++;
        return known;
      }
    }
    // Code and data make the digest; the symbol table decides which entries get
    // an export, and the helper forms decide the import types, so both are
    // part of the key too.
    const entries = entriesOf(program);
    const numberHelpers = numberHelpersOf(program, helpers);
    const intrinsics = intrinsicsOf(program, helpers, !this.#options.noIntrinsics);
    const cellRules = cellRulesOf(program, helpers, !this.#options.noIntrinsics);
    const fallbackHelpers = new Set(
      [...numberHelpers.keys()].filter((id) => helpers?.byId(id)?.call !== undefined),
    );
    const forms = [...numberHelpers].map(([id, n]) => `${id}/${n}`).join(",") + ":" +
      [...fallbackHelpers].join(",") + ":" +
      [...intrinsics].map(([id, k]) => `${id}/${k}`).join(",") + ":" +
      [...cellRules].map(([id, r]) => `${id}/${cellRulesText(r)}`).join(",");
    const key = `${program.digest}:${entries.join(",")}:${forms}`;
    this.#keys.set(program, { helpers, defs: calledDefs(program, helpers), key });
    const known = this.#modules.get(key);
    if (known !== undefined) {
      this.stats.hits++;
      return known;
    }
    const out = compileProgram(program.instructions, entries, {
      ...this.#options,
      numberHelpers,
      fallbackHelpers,
      intrinsics,
      cellRules,
    });
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(out.bytes);
    } catch (e) {
      // An engine limit (function size, br_table entries) on a verified program.
      throw new PluginFault("unsupported", `cannot compile to WebAssembly: ${String(e)}`);
    }
    const compiled: CompiledProgram = {
      module,
      byteLength: out.bytes.length,
      entries: out.entries,
      helperIds: out.helperIds,
      groups: out.groups,
      numberHelpers: out.numberHelpers,
      intrinsics: out.intrinsics,
      cellRules: out.cellRules,
      fallbackHelpers: out.fallbackHelpers,
    };
    this.stats.compiles++;
    if (this.#modules.size >= this.#limit) {
      const oldest = this.#modules.keys().next().value;
      if (oldest !== undefined) this.#modules.delete(oldest);
    }
    this.#modules.set(key, compiled);
    return compiled;
  }

  /** Drops every module (counters are kept). */
  clear(): void {
    this.#modules.clear();
  }
}

/** A program's cache key and what it depends on besides the program. */
interface KeyMemo {
  readonly helpers: HelperTable | undefined;
  /** Each helper id the program calls, with its definition when the key was made. */
  readonly defs: readonly (readonly [number, unknown])[];
  readonly key: string;
}

/** The helper ids the program calls, each with its current definition in `helpers`. */
function calledDefs(
  program: Program,
  helpers: HelperTable | undefined,
): (readonly [number, unknown])[] {
  const out: (readonly [number, unknown])[] = [];
  if (helpers === undefined) return out;
  const seen = new Set<number>();
  const code = program.instructions;
  for (let pc = 0; pc < code.length; pc++) {
    const ins = code[pc]!;
    if (ins.opcode === (CLASS_JMP | JMP_CALL) && ins.src === CALL_HELPER && !seen.has(ins.imm)) {
      seen.add(ins.imm);
      out.push([ins.imm, helpers.byId(ins.imm)]);
    }
    if (isWide(ins.opcode)) pc++;
  }
  return out;
}

/** True when `helpers` still defines every called helper as it did (a table only grows). */
function sameDefs(
  defs: readonly (readonly [number, unknown])[],
  helpers: HelperTable | undefined,
): boolean {
  for (let i = 0; i < defs.length; i++) {
    const [id, def] = defs[i]!;
    if (helpers?.byId(id) !== def) return false;
  }
  return true;
}

/**
 * The program's helper calls that go to number helpers (or, with `anyForm`, to
 * any known helper), by id (ascending), with arity.
 */
function numberHelpersOf(
  program: Program,
  helpers?: HelperTable,
  anyForm = false,
): Map<number, number> {
  const out = new Map<number, number>();
  if (helpers === undefined) return out;
  const code = program.instructions;
  for (let pc = 0; pc < code.length; pc++) {
    const ins = code[pc]!;
    if (ins.opcode === (CLASS_JMP | JMP_CALL) && ins.src === CALL_HELPER) {
      const def = helpers.byId(ins.imm);
      if (def !== undefined && (anyForm || def.callNumber !== undefined)) {
        out.set(ins.imm, def.arity ?? 0);
      }
    }
    if (isWide(ins.opcode)) pc++;
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

/** The program's helper calls that go to helpers with an intrinsic, by id (ascending). */
function intrinsicsOf(
  program: Program,
  helpers: HelperTable | undefined,
  enabled: boolean,
): Map<number, HelperIntrinsic> {
  const out = new Map<number, HelperIntrinsic>();
  if (helpers === undefined || !enabled) return out;
  for (const id of numberHelpersOf(program, helpers, true).keys()) {
    const kind = helpers.byId(id)?.intrinsic;
    if (kind !== undefined) out.set(id, kind);
  }
  return out;
}

/**
 * The program's helper calls that go to helpers with cell rules (and no
 * intrinsic), by id (ascending).
 */
function cellRulesOf(
  program: Program,
  helpers: HelperTable | undefined,
  enabled: boolean,
): Map<number, readonly CellRule[]> {
  const out = new Map<number, readonly CellRule[]>();
  if (helpers === undefined || !enabled) return out;
  for (const id of numberHelpersOf(program, helpers, true).keys()) {
    const def = helpers.byId(id);
    if (def?.cells !== undefined && def.cells.length > 0 && def.intrinsic === undefined) {
      out.set(id, def.cells);
    }
  }
  return out;
}

function entriesOf(program: Program): number[] {
  return [...new Set([program.entry, ...program.functions.values()])].sort((a, b) => a - b);
}

/** The process-wide cache used by `wasmCompiler`. */
export const moduleCache: ModuleCache = new ModuleCache();
