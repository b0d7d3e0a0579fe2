/**
 * One plugin on one connection (DESIGN.md principle 3): a single instance
 * memory (data, stack, heap up to the plugin's `memory=` limit) shared by
 * all the plugin's pluglets, one engine per object file bound to that
 * memory, the pquic helpers bound to a {@link PluginHost}, per-pluglet
 * statistics, and fault containment.
 *
 * Memory sharing. PQUIC gives every pluglet its own VM and all of them the
 * plugin's heap; here every object file's program runs on the same memory,
 * so heap pointers kept in metadata are valid in every pluglet. Each object
 * has its own data image (its `.rodata`/`.data`/`.bss`, loaded at offset 0):
 * the data region is as large as the largest image, and the image of the
 * object about to run is swapped in when another object's is there (saved
 * back first, so writable globals persist per object file); an object
 * without data runs on whatever image is in place. A pluglet run nested
 * inside another of the same plugin (through `plugin_run_protoop`) gets the
 * stack and the call cells (call_cells.ts) of the outer run saved and
 * restored around it, since both start at the same frame pointer.
 *
 * A post observer on a slot the protoop table runs directly (its
 * `observe`, transport/protoop direct_call.ts) gets its call cells filled
 * from the call's native inputs, and the full call is made only when a
 * helper needs it (`currentCall` in helper_checks.ts); the runs that take
 * the full path (nested, or swapping a data image in) still get the full
 * call from the table.
 *
 * Faults stay inside: any fault of a run — out of bounds, fuel, a bad helper
 * argument, even an unexpected host error while serving a helper — marks the
 * plugin faulted, is reported once to {@link PluginHost.onFault} with the
 * plugin, the pluglet and the fault, and the run returns
 * {@link FAULT_RESULT} (PQUIC's VM error value). Nothing is thrown past this
 * layer. A faulted instance runs nothing more and returns FAULT_RESULT.
 *
 * Statistics cost next to nothing per run: calls, faults and the heap
 * high-water mark are counted on every run; run time is measured on the
 * first {@link PluginInstanceOptions.timeEvery} runs of each pluglet (default
 * {@link DEFAULT_TIME_EVERY}), then on one run in that many. `totalTimeUs` is
 * the first runs' measured time plus the later timed runs' time scaled by
 * later runs / later timed runs: exact for a pluglet run fewer times than
 * that (or with `timeEvery: 1`), an estimate from a regular sample after.
 * Two clock reads per run cost about half as much as a small pluglet.
 *
 * @module
 */

import {
  DEFAULT_FUEL,
  type Engine,
  type EngineFactory,
  type HelperContext,
  InstanceMemory,
  PluginFault,
  wasmCompiler,
} from "../vm/mod.ts";
import { FAULT_RESULT, type HelperState, PQUIC_HELPERS } from "./helpers.ts";
import { CallCells, CELL_COUNT } from "./call_cells.ts";
import type {
  DirectInvocation,
  PluginFaultReport,
  PluginHost,
  PlugletInvocation,
  PlugletRef,
} from "./host.ts";
import type { LoadedPlugin, LoadedPluglet } from "./loader.ts";
import type { ManifestAnchor } from "./manifest.ts";
import { PluginHeap } from "./memory.ts";

export { FAULT_RESULT } from "./helpers.ts";

/**
 * The value pluglets receive as `cnx` in r1: never a handle (< 2^53), never a
 * plugin address (from 2^32, a few MB at most), and below 2^63, so that a
 * helper call passing it back costs no BigInt arithmetic in the engine.
 */
export const CNX_VALUE = 1n << 62n;

/** Runs per timed run of a pluglet, after as many timed runs, by default (see the module doc). */
export const DEFAULT_TIME_EVERY = 64;

/**
 * r1..r5 of every run: `cnx`, the rest 0 (never written by an engine). All
 * five are present: an engine reading past the end of a shorter array takes
 * a slower path.
 */
const RUN_ARGS: bigint[] = [CNX_VALUE, 0n, 0n, 0n, 0n];

/** Options of {@link instantiatePlugin}. */
export interface PluginInstanceOptions {
  /** Engine; default the Wasm compiler. */
  engine?: EngineFactory;
  /** Instruction budget of one pluglet run; default the VM's DEFAULT_FUEL. */
  fuel?: number;
  /** Clock for run times, milliseconds; default `performance.now`. */
  clock?: () => number;
  /**
   * Time the first this-many runs of each pluglet, then one run in this many,
   * and scale: default {@link DEFAULT_TIME_EVERY}; 1 times every run (exact).
   */
  timeEvery?: number;
}

/** Statistics of one pluglet on one connection. */
export interface PlugletStats extends PlugletRef {
  /** Runs. */
  calls: number;
  /**
   * Time spent running it (helpers and nested protoops included), µs: exact
   * over the first runs, scaled from the timed runs after (module doc).
   */
  totalTimeUs: number;
  /** Runs whose time was measured (see {@link PluginInstanceOptions.timeEvery}). */
  timedCalls: number;
  /** Runs that faulted. */
  faults: number;
  /** Most heap bytes in use at the end of one of its runs. */
  heapHighWater: number;
}

/** Statistics of one plugin on one connection. */
export interface PluginStats {
  /** Plugin name. */
  readonly name: string;
  /** Per pluglet, in manifest order. */
  readonly pluglets: readonly PlugletStats[];
  /** The fault message, or null. */
  readonly fault: string | null;
  /** Heap bytes in use now. */
  readonly heapInUse: number;
  /** Most heap bytes ever in use. */
  readonly heapHighWater: number;
  /** Instance memory size now, bytes. */
  readonly memorySize: number;
}

/** A pluglet line bound to an instance (the shape of `transport/protoop`'s `PlugletLine`). */
export interface BoundPluglet {
  /** Protoop name. */
  readonly op: string;
  /** Param. */
  readonly param?: number;
  /** Anchor. */
  readonly anchor: ManifestAnchor;
  /** Runs it (`observe`: as a post observer, from native inputs). */
  readonly pluglet: {
    run(call: PlugletInvocation): bigint;
    observe(call: DirectInvocation): boolean;
  };
}

/** Which lines {@link PluginInstance.definition} returns. */
export type PlugletPhase = "all" | "initial" | "negotiated";

/** A plugin instantiated on one connection. */
export class PluginInstance {
  /** The plugin. */
  readonly plugin: LoadedPlugin;
  /** Its memory on this connection. */
  readonly memory: InstanceMemory;
  /** Its heap. */
  readonly heap: PluginHeap;
  readonly #host: PluginHost;
  readonly #state: HelperState;
  readonly #cells: CallCells;
  readonly #engines: Engine[] = [];
  readonly #images: Uint8Array[] = [];
  /** By pluglet index: what a run needs. */
  readonly #records: PlugletRun[] = [];
  readonly #stats: PlugletStats[];
  /** Measured time of the first (all timed) runs, µs, per pluglet. */
  readonly #firstUs: number[];
  /** Measured time of the later timed runs, µs, per pluglet. */
  readonly #sampledUs: number[];
  readonly #runOpts: { fuel: number };
  readonly #clock: () => number;
  readonly #timeEvery: number;
  #owner = -1;
  /** The heap's bytes in use after the last run that touched it. */
  #heapInUse = 0;
  /**
   * 1 for an object file with data, whose image must be in place when it runs (#swapData);
   * one without data runs whatever image is there.
   */
  readonly #hasData: Uint8Array;
  #depth = 0;
  #fault: PluginFaultReport | null = null;

  /**
   * @param plugin the loaded plugin
   * @param host the connection side
   * @param opts engine, fuel, clock
   */
  constructor(plugin: LoadedPlugin, host: PluginHost, opts: PluginInstanceOptions = {}) {
    this.plugin = plugin;
    this.#host = host;
    this.#runOpts = { fuel: opts.fuel ?? DEFAULT_FUEL };
    this.#clock = opts.clock ?? (() => performance.now());
    const every = opts.timeEvery ?? DEFAULT_TIME_EVERY;
    if (!Number.isInteger(every) || every < 1) {
      throw new RangeError(`Cannot time one run in ${every}: give an integer of at least 1`);
    }
    this.#timeEvery = every;
    const programs = [...new Set(plugin.pluglets.map((p) => p.program))];
    const dataSize = Math.max(0, ...programs.map((p) => p.rodata.length));
    // Room for the call cells from the start (they may not follow the stack in its last page).
    const heapSize = CELL_COUNT * 8 + 16;
    this.memory = new InstanceMemory({ dataSize, maxSize: plugin.options.memory, heapSize });
    // The call cells come first in the heap region, outside the allocator (call_cells.ts).
    const cellsAt = Math.ceil(this.memory.heapBase / 16) * 16;
    this.heap = new PluginHeap(this.memory, cellsAt - this.memory.heapBase + CELL_COUNT * 8);
    this.#cells = new CallCells(this.memory.memory, cellsAt);
    this.#state = {
      plugin: plugin.name,
      host,
      heap: this.heap,
      call: null,
      faulted: false,
      cells: this.#cells,
      // Present from the start: the object keeps one shape for the helpers that read it.
      direct: null,
      heapTouched: false,
    };
    const ctx: HelperContext = { memory: this.memory, data: this.#state, cells: cellsAt };
    const engine = opts.engine ?? wasmCompiler;
    for (const program of programs) {
      this.#engines.push(engine.create(program, this.memory, PQUIC_HELPERS, ctx));
      this.#images.push(program.rodata.slice());
    }
    this.#hasData = Uint8Array.from(this.#images, (img) => (img.length > 0 ? 1 : 0));
    this.#stats = plugin.pluglets.map((p) => {
      const prog = programs.indexOf(p.program);
      const e = this.#engines[prog]!;
      const entry = p.program.entry;
      const opts = this.#runOpts;
      const stats = {
        ...ref(p),
        calls: 0,
        totalTimeUs: 0,
        timedCalls: 0,
        faults: 0,
        heapHighWater: 0,
      };
      const runner = e.bind?.(entry, RUN_ARGS, opts) ?? (() => e.run(entry, RUN_ARGS, opts));
      const index = this.#records.length;
      this.#records.push(
        new PlugletRun(this, index, prog, this.#hasData[prog] === 1, runner, stats, every),
      );
      return stats;
    });
    this.#firstUs = this.#stats.map(() => 0);
    this.#sampledUs = this.#stats.map(() => 0);
  }

  /** The fault report, once the plugin faulted; null before. */
  get fault(): PluginFaultReport | null {
    return this.#fault;
  }

  /**
   * Runs pluglet `index` for one protoop call.
   *
   * @param index the pluglet's position in `plugin.pluglets`
   * @param call the protoop call
   * @returns r0, or {@link FAULT_RESULT} when the run faulted or the plugin had faulted
   */
  run(index: number, call: PlugletInvocation): bigint {
    const rec = this.#records[index];
    if (rec === undefined) throw new RangeError(`Cannot run pluglet ${index}: no such pluglet`);
    return this.runRecord(rec, call);
  }

  /** @internal {@link run} for the pluglet's own record (what the table calls). */
  runRecord(rec: PlugletRun, call: PlugletInvocation): bigint {
    if (this.#fault !== null) return FAULT_RESULT;
    if (this.#needsFullPath(rec)) return this.#runFull(rec, call);
    this.#cells.fill(call);
    this.#state.call = call;
    return this.#runShort(rec);
  }

  /**
   * A run on the short path, its cells and call already in place: timed
   * when its turn comes, its statistics kept, then no run in progress.
   */
  #runShort(rec: PlugletRun): bigint {
    const stats = rec.stats;
    const n = stats.calls;
    const timed = this.#timed(rec, n);
    const t0 = timed ? this.#clock() : 0;
    this.#depth = 1;
    try {
      return this.#runContained(rec);
    } finally {
      if (timed) this.#addTime(rec, n, t0);
      this.#endRun(stats, n);
    }
  }

  /**
   * Nested runs and runs that need their object's data image swapped in
   * take the full path; the others (nearly all) the short one.
   */
  #needsFullPath(rec: PlugletRun): boolean {
    return this.#depth !== 0 || (rec.image && this.#owner !== rec.prog);
  }

  /**
   * Whether run `n` of `rec` is timed (module doc): the first
   * {@link PluginInstanceOptions.timeEvery} runs, then one in that many.
   * Called once per run, in run order.
   */
  #timed(rec: PlugletRun, n: number): boolean {
    if (n < this.#timeEvery) return true;
    if (n !== rec.nextTimed) return false;
    rec.nextTimed = n + this.#timeEvery;
    return true;
  }

  /** Adds the time of timed run `n` of `rec`, begun at `t0`. */
  #addTime(rec: PlugletRun, n: number, t0: number): void {
    rec.stats.timedCalls++;
    const us = (this.#clock() - t0) * 1000;
    if (n < this.#timeEvery) this.#firstUs[rec.index]! += us;
    else this.#sampledUs[rec.index]! += us;
  }

  /** The end of a run that took no full path: statistics, then no run in progress. */
  #endRun(stats: PlugletStats, n: number): void {
    const st = this.#state;
    stats.calls = n + 1;
    // The heap's use, read again only after a heap helper ran.
    if (st.heapTouched === true) {
      st.heapTouched = false;
      this.#heapInUse = this.heap.inUse;
    }
    if (this.#heapInUse > stats.heapHighWater) stats.heapHighWater = this.#heapInUse;
    this.#depth = 0;
    st.call = null;
    st.direct = null;
  }

  /**
   * @internal Runs the pluglet's record as a post observer straight from
   * the call's native inputs (transport/protoop direct_call.ts): the cells
   * are filled from them, and the full call is made only if a helper asks
   * for it. A run that {@link runRecord} would take its full path for is
   * not done here.
   *
   * @returns true when it ran (or the plugin had faulted); false when the
   *   caller must run it through {@link runRecord} with the full call
   */
  observeRecord(rec: PlugletRun, call: DirectInvocation): boolean {
    if (this.#fault !== null) return true;
    if (this.#needsFullPath(rec)) return false;
    this.#cells.fillDirect(call);
    this.#state.direct = call;
    this.#runShort(rec);
    return true;
  }

  /** Runs a pluglet; a fault is contained (reported, the plugin detached): FAULT_RESULT. */
  #runContained(rec: PlugletRun): bigint {
    try {
      return rec.runner();
    } catch (e) {
      this.#contain(rec.index, e);
      return FAULT_RESULT;
    }
  }

  /** {@link run} for a nested run, or a run that swaps data images in. */
  #runFull(rec: PlugletRun, call: PlugletInvocation): bigint {
    const st = this.#state;
    const mem = this.memory;
    const outerCall = st.call;
    const outerDirect = st.direct ?? null;
    const depth = this.#depth;
    const nested = depth > 0;
    // Only a nested run has an outer run whose data image and cells must come back.
    const outerOwner = nested ? this.#owner : -1;
    const savedStack = nested ? mem.bytes().slice(mem.stackBase, mem.stackTop) : null;
    if (nested) this.#cells.save(depth);
    if (this.#owner !== rec.prog) this.#swapData(rec.prog);
    this.#cells.fill(call);
    st.call = call;
    st.direct = null;
    this.#depth++;
    const stats = rec.stats;
    const n = stats.calls;
    const timed = this.#timed(rec, n);
    const t0 = timed ? this.#clock() : 0;
    try {
      return this.#runContained(rec);
    } finally {
      stats.calls = n + 1;
      if (timed) this.#addTime(rec, n, t0);
      st.heapTouched = false;
      this.#heapInUse = this.heap.inUse;
      if (this.#heapInUse > stats.heapHighWater) stats.heapHighWater = this.#heapInUse;
      this.#depth--;
      st.call = outerCall;
      st.direct = outerDirect;
      if (savedStack !== null) {
        mem.bytes().set(savedStack, mem.stackBase);
        this.#cells.restore(depth);
      }
      if (outerOwner >= 0) this.#swapData(outerOwner);
    }
  }

  /**
   * The plugin as the protoop table attaches it (`attachPlugin(table,
   * instance.definition())`).
   *
   * @param phase "initial": lines before `-` only (negotiate plugins);
   *   "negotiated": lines after it; "all" (default): every line
   * @returns name and bound pluglet lines
   */
  definition(phase: PlugletPhase = "all"): { name: string; pluglets: BoundPluglet[] } {
    const pluglets: BoundPluglet[] = [];
    this.plugin.pluglets.forEach((p, i) => {
      if (phase === "initial" && p.negotiated) return;
      if (phase === "negotiated" && !p.negotiated) return;
      pluglets.push({
        op: p.op,
        ...(p.param === undefined ? {} : { param: p.param }),
        anchor: p.anchor,
        pluglet: this.#records[i]!,
      });
    });
    return { name: this.plugin.name, pluglets };
  }

  /** A snapshot of the statistics. */
  stats(): PluginStats {
    return {
      name: this.plugin.name,
      pluglets: this.#stats.map((s, i) => ({ ...s, totalTimeUs: this.#totalUs(s, i) })),
      fault: this.#fault?.message ?? null,
      heapInUse: this.heap.inUse,
      heapHighWater: this.heap.highWater,
      memorySize: this.memory.size,
    };
  }

  /** Estimated total run time of pluglet `i` (module doc). */
  #totalUs(s: PlugletStats, i: number): number {
    const every = this.#timeEvery;
    const firstRuns = Math.min(s.calls, every);
    const later = s.calls - firstRuns;
    const laterTimed = s.timedCalls - firstRuns;
    const scaled = laterTimed > 0 ? (this.#sampledUs[i]! * later) / laterTimed : 0;
    return this.#firstUs[i]! + scaled;
  }

  /** Puts program `prog`'s data image at offset 0, saving the current owner's. */
  #swapData(prog: number): void {
    const owner = this.#owner;
    // Most objects have no data at all: they run on whatever image is in place.
    if (owner === prog || this.#hasData[prog] === 0) return;
    this.#owner = prog;
    const img = owner >= 0 ? this.#images[owner]! : null;
    const bytes = this.memory.bytes();
    if (img !== null && img.length > 0) img.set(bytes.subarray(0, img.length));
    bytes.set(this.#images[prog]!, 0);
  }

  #contain(index: number, e: unknown): void {
    if (this.#state.faulted) return; // unwinding after a nested fault, already reported
    const fault = e instanceof PluginFault
      ? e
      : new PluginFault("helper", `host error: ${e instanceof Error ? e.message : String(e)}`);
    this.#state.faulted = true;
    this.#stats[index]!.faults++;
    const p = this.plugin.pluglets[index]!;
    const where = p.param === undefined ? p.op : `${p.op} param 0x${p.param.toString(16)}`;
    const report: PluginFaultReport = {
      plugin: this.plugin.name,
      pluglet: ref(p),
      fault,
      message:
        `plugin "${this.plugin.name}" faulted in ${where} ${p.anchor} (${p.file}): ${fault.message}`,
    };
    this.#fault = report;
    this.#host.onFault(report);
  }
}

/**
 * One pluglet of an instance: what a run of it needs, in one object, and how
 * the protoop table runs it. One class for all of them (not a closure each):
 * the table's call site then sees one function, which the engine can inline.
 */
class PlugletRun {
  constructor(
    readonly instance: PluginInstance,
    readonly index: number,
    /** Index of its object file's program (engine, data image). */
    readonly prog: number,
    /** Its object file has data: the image must be in place (#swapData). */
    readonly image: boolean,
    /** Its entry bound to its engine (Engine.bind). */
    readonly runner: () => bigint,
    readonly stats: PlugletStats,
    /** The run number of its next timed run after the first ones (see #timed). */
    public nextTimed: number,
  ) {}

  run(call: PlugletInvocation): bigint {
    return this.instance.runRecord(this, call);
  }

  observe(call: DirectInvocation): boolean {
    return this.instance.observeRecord(this, call);
  }
}

function ref(p: LoadedPluglet): PlugletRef {
  return {
    op: p.op,
    ...(p.param === undefined ? {} : { param: p.param }),
    anchor: p.anchor,
    file: p.file,
  };
}

/**
 * Instantiates a loaded plugin on one connection.
 *
 * @param plugin the loaded (cached) plugin
 * @param host the connection side
 * @param opts engine, fuel, clock
 * @returns the instance
 */
export function instantiatePlugin(
  plugin: LoadedPlugin,
  host: PluginHost,
  opts: PluginInstanceOptions = {},
): PluginInstance {
  return new PluginInstance(plugin, host, opts);
}
