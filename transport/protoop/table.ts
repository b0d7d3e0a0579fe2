/**
 * The per-connection protoop table (STYLE.md §13, DESIGN.md principle 2).
 *
 * `fns` is a dense array of functions, one per protoop id; `call` is the same
 * array typed by signatures.ts. Core code calls
 * `ops.call[Op.UPDATE_RTT](conn, space, sample, delay, now)` with native
 * arguments (see catalogue.ts for the convention). With nothing attached the
 * slot holds the default function itself: one indirect, monomorphic call, no
 * argument array, no BigInt, no handle.
 *
 * Attaching a pluglet rebuilds only that protoop's slot:
 * - non-param protoop: a wrapper that marshals the arguments once, runs the
 *   pre observers, then the replace pluglet or the default, then the post
 *   observers, and returns the body's (native) result;
 * - param protoop (frame type, TP id): a dispatcher that looks the param up in
 *   a per-param map — only protoops something was attached to have one — and
 *   calls that param's wrapper, or the default with the arguments untouched.
 *
 * A (protoop, param) whose only pluglets are post observers that can run
 * from native inputs ({@link Pluglet.observe}: VM pluglets can), on a
 * protoop without outputs, gets a direct wrapper instead: the default with
 * the arguments as they are, then each observer, with no call object made
 * unless one asks for it (direct_call.ts). That is the per-packet case:
 * monitoring's `header_parsed` and `segment_prepared`.
 *
 * Observer order: pre and post both run in attach order (first attached,
 * first run), as DESIGN.md principle 2 says — unlike PQUIC, whose observer
 * lists are LIFO (pquic-reference.md §2.1, §11.10). Observers here are strictly
 * read-only (each gets a fresh copy of the inputs and of the body's outputs,
 * and its return value is ignored), so no observer can affect another and
 * nesting order carries no meaning; attach order is then the order a reader
 * of the manifests and of the logs expects, and it does not change when an
 * unrelated plugin is attached later.
 *
 * Guards (errors are {@link ProtoopError}s, never process exits): recursion
 * into a running (protoop, param) — checked in wrappers, i.e. wherever a
 * pluglet could re-enter (a bare default slot has no flag: core code calling
 * itself is not guarded, and costs nothing); core calling an extern; more
 * than 16 arguments; handles that are not live; a pluglet that throws.
 * Errors thrown by a default (a TransportError) pass through untouched, and
 * post observers do not run for a body that threw.
 *
 * @module
 */

import {
  ArgKind,
  CATALOGUE,
  CATALOGUE_SIZE,
  Outputs,
  protoopByName,
  type ProtoopSpec,
} from "./catalogue.ts";
import { CallImpl, type CallTable } from "./call.ts";
import { type CallPool, canObserveDirectly, DirectCallImpl } from "./direct_call.ts";
import {
  checkArgc,
  checkParam,
  describe,
  dispatcher,
  type Entry,
  externFromCore,
  fallback,
  invoke,
  isNoop,
  keepArgs,
  MAX_NATIVE_ARGS,
  recursion,
  remove,
  Slot,
  type SlotFn,
  unmarshal,
  withoutParam,
} from "./_slot.ts";
import { MAX_PROTOOP_ARGS, ProtoopError, ProtoopErrorKind } from "./errors.ts";
import { HandleTable } from "./handles.ts";
import { MetadataStore } from "./metadata.ts";
import { Anchor, type FrameBooking, fromU64, NO_PARAM, type Pluglet, toU64 } from "./pluglet.ts";
import type { ProtoopFns, TypedDefaults } from "./signatures.ts";

export type { SlotFn };

/** Core's default implementations, by protoop id (`noop` and `none` protoops need none). */
export type ProtoopDefaults = Readonly<Partial<Record<number, SlotFn>>>;

/** Something that accepts frame bookings (FrameReservations registers itself). */
export interface ReservationSink {
  /** Books `frames` for `plugin`; returns the bytes booked. */
  reserve(pluginIndex: number, plugin: string, frames: readonly FrameBooking[]): number;
}

/** What {@link ProtoopTable.insertPluglet} returns, to remove it again. */
export interface PlugletToken {
  readonly op: number;
  readonly param: number;
  readonly anchor: Anchor;
  readonly entry: Entry;
}

/**
 * The protoop table of one connection; `H` is the host (the connection).
 *
 * @example Core calls a slot; a plugin observes it
 * ```ts
 * import { attachPlugin, Op, ProtoopTable } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const host = { smoothed: 0 };
 * const t = new ProtoopTable<typeof host>({
 *   [Op.UPDATE_RTT]: (h, _space, sample) => void (h.smoothed = sample),
 * });
 * const seen: bigint[] = [];
 * attachPlugin(t, {
 *   name: "example",
 *   pluglets: [{ op: "update_rtt", anchor: "post", pluglet: { run: (c) => (seen.push(c.args[1]!), 0n) } }],
 * });
 * t.call[Op.UPDATE_RTT](host, 2, 30_000, 0, 1);
 * assert.equal(host.smoothed, 30_000);
 * assert.deepEqual(seen, [30_000n]);
 * ```
 */
export class ProtoopTable<H = unknown> implements CallTable {
  /** The function core calls for each protoop id (untyped; externs follow the catalogue). */
  readonly fns: SlotFn[] = [];
  /** The same array, typed by the catalogue's signatures: what core code calls. */
  readonly call: ProtoopFns<H> = this.fns as unknown as ProtoopFns<H>;
  /** 1 where anything is attached to the protoop (cheap guard for logging call sites). */
  readonly plugged: Uint8Array = new Uint8Array(CATALOGUE_SIZE);
  /** Host object handles for marshalled calls. */
  readonly handles: HandleTable = new HandleTable();
  /** Per-plugin metadata slots. */
  readonly metadata: MetadataStore = new MetadataStore();
  /** Where `reserveFrames` goes (a FrameReservations sets itself here). */
  reservations: ReservationSink | null = null;
  /**
   * Told the id of a catalogue protoop whose slot was rebuilt (a pluglet
   * attached or removed), after `fns` and `plugged` changed: the host uses it
   * to route hooks through the table only while something is attached.
   */
  onChange: ((op: number) => void) | null = null;
  readonly #specs: ProtoopSpec[] = [...CATALOGUE];
  readonly #defaults: SlotFn[] = [];
  readonly #slots: (Slot | null)[] = [];
  readonly #paramSlots: (Map<number, Slot> | null)[] = [];
  readonly #externs = new Map<string, number>();
  readonly #pool: CallImpl[] = [];
  #depth = 0;
  #nextPlugin = 0;
  /** The pool as direct calls take from it. */
  readonly #callPool: CallPool = {
    acquire: () => this.#acquire(),
    release: () => void this.#depth--,
  };

  /**
   * @param defaults Core's implementations of the `default` protoops; one
   *   that is missing throws `noImplementation` when called.
   */
  constructor(defaults: TypedDefaults<H> = {}) {
    const given = defaults as ProtoopDefaults;
    for (const spec of CATALOGUE) {
      const d = given[spec.id] ?? fallback(spec);
      this.#defaults.push(d);
      this.fns.push(d);
      this.#slots.push(null);
      this.#paramSlots.push(null);
    }
  }

  /** A fresh plugin index (metadata key); never reused in this table. */
  newPluginIndex(): number {
    return this.#nextPlugin++;
  }

  /** The row of a protoop (catalogue or extern) by id. */
  spec(op: number): ProtoopSpec | undefined {
    return this.#specs[op];
  }

  /** The id of a protoop name: catalogue first, then externs. */
  idOf(name: string): number | undefined {
    return protoopByName(name)?.id ?? this.#externs.get(name);
  }

  /** The params something is attached to, for a param protoop (e.g. plugin TP ids to write). */
  attachedParams(op: number): number[] {
    const m = this.#paramSlots[op];
    return m === null || m === undefined ? [] : [...m.keys()];
  }

  /** True when something is attached to (op, param) — e.g. a plugin's TP id or frame type. */
  hasParam(op: number, param: number): boolean {
    return this.#paramSlots[op]?.has(param) === true;
  }

  /** True when `fns[op]` is the core default (nothing attached). */
  isDefault(op: number): boolean {
    return this.fns[op] === this.#defaults[op];
  }

  /**
   * Attaches one pluglet (low level: {@link attachPlugin} is the transaction
   * around it).
   *
   * @throws {ProtoopError} unknownOp, badParam, badAnchor, replaceExists.
   */
  insertPluglet(
    plugin: string,
    pluginIndex: number,
    name: string,
    param: number | undefined,
    anchor: Anchor,
    pluglet: Pluglet,
  ): PlugletToken {
    const entry: Entry = { plugin, pluginIndex, pluglet };
    const slot = anchor === Anchor.Extern
      ? this.#externSlot(name, param, plugin)
      : this.#internSlot(name, param, anchor, plugin);
    if (anchor === Anchor.Replace || anchor === Anchor.Extern) {
      if (slot.replace !== null) {
        throw new ProtoopError(
          ProtoopErrorKind.ReplaceExists,
          `Cannot attach ${anchor} to "${
            describe(slot)
          }": plugin "${slot.replace.plugin}" replaces it`,
          plugin,
        );
      }
      slot.replace = entry;
    } else if (anchor === Anchor.Pre) slot.pre.push(entry);
    else slot.post.push(entry);
    this.#rebuild(slot.spec.id);
    return { op: slot.spec.id, param: slot.param, anchor, entry };
  }

  /** Detaches a pluglet; the slot becomes the default again when nothing is left. */
  removePluglet(t: PlugletToken): void {
    const slot = this.#specs[t.op]!.param === "none"
      ? this.#slots[t.op]
      : this.#paramSlots[t.op]?.get(t.param);
    if (slot === null || slot === undefined) return;
    if (slot.replace === t.entry) slot.replace = null;
    remove(slot.pre, t.entry);
    remove(slot.post, t.entry);
    this.#rebuild(t.op);
  }

  /**
   * Runs an extern protoop for the application (PQUIC's
   * `protoop_prepare_and_run_extern`).
   *
   * @throws {ProtoopError} unknownOp, internAsExtern, tooManyArgs, recursion.
   */
  callExtern(
    host: unknown,
    name: string,
    args: readonly bigint[],
    outputs?: BigUint64Array,
  ): bigint {
    if (protoopByName(name) !== undefined) {
      throw new ProtoopError(
        ProtoopErrorKind.InternAsExtern,
        `Cannot call "${name}" as an extern: it is a core protoop`,
      );
    }
    const slot = this.#externSlotByName(name);
    return this.#runExtern(slot, host, args, outputs);
  }

  /** See {@link CallTable.runFromPluglet}: any protoop, u64 in, u64 out. */
  runFromPluglet(
    host: unknown,
    name: string,
    param: number | undefined,
    args: readonly bigint[],
    outputs: BigUint64Array | undefined,
  ): bigint {
    checkArgc(name, args.length);
    const spec = protoopByName(name);
    if (spec === undefined) {
      return this.#runExtern(this.#externSlotByName(name), host, args, outputs);
    }
    checkParam(spec, param);
    if (args.length !== spec.args.length) {
      throw new ProtoopError(
        ProtoopErrorKind.PluginFault,
        `Cannot call "${name}" with ${args.length} arguments: it takes ${spec.args.length}`,
      );
    }
    const h = this.handles;
    const native: unknown[] = [];
    for (let i = 0; i < args.length; i++) native.push(fromU64(args[i]!, spec.args[i]!, h, name));
    const out = spec.outputs.length > 0 ? new Outputs() : null;
    if (out !== null) native.push(out);
    const fn = this.fns[spec.id]!;
    const ret = spec.param === "none" ? fn(host, ...native) : fn(host, param, ...native);
    if (out !== null && outputs !== undefined) {
      for (let i = 0; i < spec.outputs.length && i < outputs.length; i++) {
        outputs[i] = toU64(out.values[i], spec.outputs[i]!, h);
      }
    }
    return spec.returns === null ? 0n : toU64(ret, spec.returns, h);
  }

  /** See {@link CallTable.reserveFrames}. */
  reserveFrames(pluginIndex: number, plugin: string, frames: readonly FrameBooking[]): number {
    if (this.reservations === null) {
      throw new ProtoopError(
        ProtoopErrorKind.BadReservation,
        "Cannot reserve frames: this connection has no reservation queue",
        plugin,
      );
    }
    return this.reservations.reserve(pluginIndex, plugin, frames);
  }

  // ---------------------------------------------------------------- slots

  #internSlot(name: string, param: number | undefined, anchor: Anchor, plugin: string): Slot {
    const spec = protoopByName(name);
    if (spec === undefined) {
      const kind = this.#externs.has(name)
        ? ProtoopErrorKind.BadAnchor
        : ProtoopErrorKind.UnknownOp;
      const why = kind === ProtoopErrorKind.BadAnchor
        ? "an extern protoop cannot have observers or a replace"
        : "no such protoop";
      throw new ProtoopError(kind, `Cannot attach ${anchor} to "${name}": ${why}`, plugin);
    }
    checkParam(spec, param, plugin);
    if (spec.param === "none") return this.#slots[spec.id] ??= new Slot(spec, NO_PARAM, false);
    const map = this.#paramSlots[spec.id] ??= new Map();
    let s = map.get(param!);
    if (s === undefined) map.set(param!, s = new Slot(spec, param!, false));
    return s;
  }

  #externSlot(name: string, param: number | undefined, plugin: string): Slot {
    if (protoopByName(name) !== undefined) {
      throw new ProtoopError(
        ProtoopErrorKind.BadAnchor,
        `Cannot attach extern to "${name}": it is a core protoop`,
        plugin,
      );
    }
    if (param !== undefined) {
      throw new ProtoopError(
        ProtoopErrorKind.BadParam,
        `Cannot attach extern "${name}" with a param: externs take none`,
        plugin,
      );
    }
    let id = this.#externs.get(name);
    if (id === undefined) {
      id = this.#specs.length;
      this.#externs.set(name, id);
      const spec: ProtoopSpec = {
        id,
        name,
        param: "none",
        args: [],
        outputs: [],
        returns: { name: "result", kind: ArgKind.U64 },
        core: "none",
        area: "extern",
        doc: "Exported by a plugin",
      };
      this.#specs.push(spec);
      this.#defaults.push(externFromCore(name));
      this.fns.push(this.#defaults[id]!);
      this.#slots.push(new Slot(spec, NO_PARAM, true));
      this.#paramSlots.push(null);
    }
    return this.#slots[id]!;
  }

  #externSlotByName(name: string): Slot {
    const id = this.#externs.get(name);
    const slot = id === undefined ? null : this.#slots[id]!;
    if (slot === null || slot.replace === null) {
      throw new ProtoopError(ProtoopErrorKind.UnknownOp, `Cannot call "${name}": no such protoop`);
    }
    return slot;
  }

  /** Rebuilds `fns[op]` from what is attached. */
  #rebuild(op: number): void {
    const spec = this.#specs[op]!;
    if (op < CATALOGUE_SIZE) {
      if (spec.param === "none") {
        const slot = this.#slots[op]!;
        if (slot.empty) {
          this.#slots[op] = null;
          this.fns[op] = this.#defaults[op]!;
        } else {
          this.#rewrap(slot);
          this.fns[op] = slot.fn;
        }
      } else {
        const map = this.#paramSlots[op]!;
        for (const [p, s] of map) {
          if (s.empty) map.delete(p);
          else this.#rewrap(s);
        }
        if (map.size === 0) {
          this.#paramSlots[op] = null;
          this.fns[op] = this.#defaults[op]!;
        } else {
          this.fns[op] = dispatcher(map, this.#defaults[op]!);
        }
      }
      this.plugged[op] = this.fns[op] === this.#defaults[op] ? 0 : 1;
      this.onChange?.(op);
    }
  }

  /**
   * Gives a slot the wrapper its pluglets need: the direct one while its
   * observers can all run directly (direct_call.ts), else the general one.
   * Both read the slot's lists when they run: a wrapper is built again only
   * when the kind changes.
   */
  #rewrap(slot: Slot): void {
    const direct = canObserveDirectly(slot.spec, slot.replace, slot.pre, slot.post);
    if (slot.wrapped && (slot.direct !== null) === direct) return;
    if (direct) {
      slot.direct = new DirectCallImpl(
        slot.spec,
        slot.param,
        slot.native,
        this.#callPool,
        this.handles,
      );
      slot.fn = this.#directWrapper(slot, slot.direct);
    } else {
      slot.direct = null;
      slot.fn = this.#wrapper(slot);
    }
    slot.wrapped = true;
  }

  /**
   * The wrapper of a slot whose observers all run directly: the default with
   * the arguments as they are (a noop one is not called: its result is a
   * constant), then each post observer's `observe` (one that cannot run
   * directly now runs through `invoke` with the full call).
   * No call object, no handle mark, unless an observer asks for the full
   * call. The arguments stay in the slot's array until the next call (a few
   * references), for an observer's full call to marshal.
   */
  #directWrapper(slot: Slot, direct: DirectCallImpl): SlotFn {
    const n = slot.native;
    const post = slot.post;
    const d = this.#defaults[slot.spec.id]!;
    const param = slot.param;
    const noParam = slot.spec.param === "none";
    // Most per-packet protoops: a default that does nothing, whose result is a constant.
    const noop = isNoop(d);
    const noopResult: unknown = noop ? d(undefined) : undefined;
    const run = (
      host: unknown,
      a0: unknown,
      a1: unknown,
      a2: unknown,
      a3: unknown,
      a4: unknown,
      a5: unknown,
      a6: unknown,
    ): unknown => {
      if (slot.running) throw recursion(slot);
      slot.running = true;
      let ret = noopResult;
      if (!noop) {
        try {
          ret = noParam
            ? d(host, a0, a1, a2, a3, a4, a5, a6)
            : d(host, param, a0, a1, a2, a3, a4, a5);
        } catch (err) {
          slot.running = false;
          throw err;
        }
      }
      keepArgs(n, a0, a1, a2, a3, a4, a5, a6);
      direct.start(host, ret);
      try {
        for (let i = 0; i < post.length; i++) {
          const e = post[i]!;
          direct.entry = e;
          if (!e.pluglet.observe!(direct)) invoke(direct.full(), e, Anchor.Post, true);
        }
        return ret;
      } finally {
        slot.running = false;
        direct.end();
      }
    };
    return noParam ? run : withoutParam(run);
  }

  /** A fixed-arity wrapper (no rest array): arguments go into the slot's own array. */
  #wrapper(slot: Slot): SlotFn {
    const n = slot.native;
    const run = (
      host: unknown,
      a0: unknown,
      a1: unknown,
      a2: unknown,
      a3: unknown,
      a4: unknown,
      a5: unknown,
      a6: unknown,
    ): unknown => {
      if (slot.running) throw recursion(slot);
      keepArgs(n, a0, a1, a2, a3, a4, a5, a6);
      return this.#run(slot, host, n);
    };
    return slot.spec.param === "none" ? run : withoutParam(run);
  }

  // ---------------------------------------------------------------- running

  #acquire(): CallImpl {
    const c = this.#pool[this.#depth] ??= new CallImpl(this);
    this.#depth++;
    return c;
  }

  /** Runs a plugged (protoop, param): pre → replace or default → post. Its wrapper checked `running`. */
  #run(slot: Slot, host: unknown, native: unknown[]): unknown {
    const spec = slot.spec;
    slot.running = true;
    const h = this.handles;
    const mark = h.mark();
    const call = this.#acquire();
    try {
      const argSpecs = spec.args;
      const nargs = argSpecs.length;
      const outSpecs = spec.outputs;
      call.begin(spec.id, spec.name, slot.param, host, nargs, outSpecs.length);
      call.defer(native, argSpecs); // marshalled at a pluglet's first read of its inputs
      const pre = slot.pre;
      for (let i = 0; i < pre.length; i++) invoke(call, pre[i]!, Anchor.Pre, false);
      let ret: unknown;
      const rep = slot.replace;
      const post = slot.post;
      if (rep !== null) {
        const r = invoke(call, rep, Anchor.Replace, false);
        call.returnValue = r;
        if (outSpecs.length > 0) call.saveBodyOutputs();
        ret = spec.returns === null ? undefined : unmarshal(r, spec.returns, h, spec.name, rep);
        if (outSpecs.length > 0) {
          const out = native[nargs] as Outputs;
          for (let i = 0; i < outSpecs.length; i++) {
            out.values[i] = unmarshal(call.outputs[i]!, outSpecs[i]!, h, spec.name, rep) as number;
          }
        }
      } else {
        const d = this.#defaults[spec.id]!;
        ret = slot.param === NO_PARAM
          ? d(host, native[0], native[1], native[2], native[3], native[4], native[5], native[6])
          : d(host, slot.param, native[0], native[1], native[2], native[3], native[4], native[5]);
        if (post.length > 0) {
          // A 0 result (process_frame's, most often) needs no conversion.
          call.returnValue = spec.returns === null || ret === 0 ? 0n : toU64(ret, spec.returns, h);
          if (outSpecs.length > 0) {
            const out = native[nargs] as Outputs;
            for (let i = 0; i < outSpecs.length; i++) {
              call.bodyOutputs[i] = toU64(out.values[i], outSpecs[i]!, h);
            }
          }
        }
      }
      for (let i = 0; i < post.length; i++) invoke(call, post[i]!, Anchor.Post, true);
      return ret;
    } finally {
      slot.running = false;
      this.#depth--;
      h.release(mark);
      for (let i = 0; i < MAX_NATIVE_ARGS; i++) native[i] = undefined;
    }
  }

  #runExtern(
    slot: Slot,
    host: unknown,
    args: readonly bigint[],
    outputs: BigUint64Array | undefined,
  ): bigint {
    checkArgc(slot.spec.name, args.length);
    if (slot.running) throw recursion(slot);
    slot.running = true;
    const mark = this.handles.mark();
    const call = this.#acquire();
    try {
      const outc = outputs === undefined ? 0 : Math.min(outputs.length, MAX_PROTOOP_ARGS);
      call.begin(slot.spec.id, slot.spec.name, NO_PARAM, host, args.length, outc);
      for (let i = 0; i < args.length; i++) call.pristine[i] = BigInt.asUintN(64, args[i]!);
      const r = invoke(call, slot.replace!, Anchor.Extern, false);
      for (let i = 0; i < outc; i++) outputs![i] = call.outputs[i]!;
      return r;
    } finally {
      slot.running = false;
      this.#depth--;
      this.handles.release(mark);
    }
  }
}
