/**
 * The pieces of a protoop slot (private to table.ts): the attached pluglets
 * of one (protoop, param), how a pluglet is invoked, the per-param
 * dispatcher, the fallbacks for protoops without a core default, and the
 * argument checks.
 *
 * @module
 */

import { TransportError } from "../errors.ts";
import { ArgKind, type ProtoopSpec } from "./catalogue.ts";
import type { CallImpl } from "./call.ts";
import type { DirectCallImpl } from "./direct_call.ts";
import { MAX_PROTOOP_ARGS, ProtoopError, ProtoopErrorKind } from "./errors.ts";
import type { HandleTable } from "./handles.ts";
import { type Anchor, fromU64, NO_PARAM, type Pluglet, U64_MAX } from "./pluglet.ts";

/** A slot function: the default, or a wrapper/dispatcher built for attached pluglets. */
// deno-lint-ignore no-explicit-any
export type SlotFn = (host: any, ...args: any[]) => any;

/** A pluglet as attached to a slot. */
export interface Entry {
  readonly plugin: string;
  readonly pluginIndex: number;
  readonly pluglet: Pluglet;
}

/** Most native arguments of a catalogue protoop (arguments plus the Outputs block). */
export const MAX_NATIVE_ARGS = 7;

/** One (protoop, param) with pluglets attached. */
export class Slot {
  replace: Entry | null = null;
  readonly pre: Entry[] = [];
  readonly post: Entry[] = [];
  running = false;
  fn: SlotFn = noop;
  /** `fn` is the table's wrapper of this slot (built again only when its kind changes). */
  wrapped = false;
  /**
   * Set while the slot's observers can all run directly (direct_call.ts):
   * the call they share, and `fn` is the direct wrapper; null otherwise.
   */
  direct: DirectCallImpl | null = null;
  /**
   * The native arguments of the running call. One per slot is enough: a slot
   * is never re-entered (the wrapper checks `running` before writing it).
   */
  readonly native: unknown[] = new Array(MAX_NATIVE_ARGS).fill(undefined);
  constructor(readonly spec: ProtoopSpec, readonly param: number, readonly extern: boolean) {}
  get empty(): boolean {
    return this.replace === null && this.pre.length === 0 && this.post.length === 0;
  }
}

function noop(): undefined {
  return undefined;
}
function noopZero(): number {
  return 0;
}
function noopFalse(): boolean {
  return false;
}
function noopNull(): null {
  return null;
}

/**
 * A param slot's function — `(host, param, a0, …)` — over a wrapper that
 * takes the arguments alone (a slot's wrapper knows its own param).
 */
export function withoutParam(run: SlotFn): SlotFn {
  return (
    host: unknown,
    _param: number,
    a0: unknown,
    a1: unknown,
    a2: unknown,
    a3: unknown,
    a4: unknown,
    a5: unknown,
    a6: unknown,
  ) => run(host, a0, a1, a2, a3, a4, a5, a6);
}

/**
 * Keeps a call's arguments in its slot's array (`Slot.native`), where the
 * call object marshals them from when it is made.
 */
export function keepArgs(
  n: unknown[],
  a0: unknown,
  a1: unknown,
  a2: unknown,
  a3: unknown,
  a4: unknown,
  a5: unknown,
  a6: unknown,
): void {
  n[0] = a0;
  n[1] = a1;
  n[2] = a2;
  n[3] = a3;
  n[4] = a4;
  n[5] = a5;
  n[6] = a6;
}

/** True for the slot function {@link fallback} gives a `noop` protoop (it ignores its arguments). */
export function isNoop(fn: SlotFn): boolean {
  return fn === noop || fn === noopZero || fn === noopFalse || fn === noopNull;
}

/** The slot function of a protoop core gives no implementation of. */
export function fallback(spec: ProtoopSpec): SlotFn {
  if (spec.core === "noop") {
    const r = spec.returns;
    if (r === null) return noop;
    return r.kind === ArgKind.Bool ? noopFalse : r.kind === ArgKind.Ref ? noopNull : noopZero;
  }
  const why = spec.core === "none" ? "no pluglet implements it" : "no core default installed";
  return () => {
    throw new ProtoopError(
      ProtoopErrorKind.NoImplementation,
      `Cannot run "${spec.name}": ${why}`,
    );
  };
}

/** Runs one pluglet; anything but a ProtoopError or TransportError becomes a pluginFault. */
export function invoke(call: CallImpl, e: Entry, anchor: Anchor, outSource: boolean): bigint {
  call.enter(anchor, e.plugin, e.pluginIndex, outSource);
  let r: unknown;
  try {
    r = e.pluglet.run(call);
  } catch (err) {
    if (err instanceof ProtoopError && err.plugin === null) {
      // Raised by a protoop the pluglet called: name the plugin that made the call.
      throw new ProtoopError(
        err.kind,
        `${err.message} (called by the ${anchor} pluglet of "${call.name}")`,
        e.plugin,
        { cause: err },
      );
    }
    if (err instanceof ProtoopError || err instanceof TransportError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new ProtoopError(
      ProtoopErrorKind.PluginFault,
      `Cannot run ${anchor} pluglet of "${call.name}": ${msg}`,
      e.plugin,
      { cause: err },
    );
  }
  if (typeof r !== "bigint") {
    throw new ProtoopError(
      ProtoopErrorKind.PluginFault,
      `Cannot use the result of ${anchor} pluglet of "${call.name}": ${typeof r}, not a u64`,
      e.plugin,
    );
  }
  // An observer's result is ignored (checked above, as a fault, all the same): skip the
  // range test, two BigInt comparisons.
  if (anchor === "pre" || anchor === "post") return 0n;
  // Already a u64 (a VM run's r0 always is): no new BigInt.
  return r >= 0n && r <= U64_MAX ? r : BigInt.asUintN(64, r);
}

/** A pluglet's u64 as a native value; a bad handle is that plugin's fault. */
export function unmarshal(
  v: bigint,
  spec: ProtoopSpec["args"][number],
  h: HandleTable,
  what: string,
  e: Entry,
): unknown {
  try {
    return fromU64(v, spec, h, what);
  } catch (err) {
    if (err instanceof ProtoopError) {
      throw new ProtoopError(err.kind, err.message, e.plugin);
    }
    throw err;
  }
}

/** Params below this are looked up in an array by the dispatcher (frame types mostly are). */
const DENSE_PARAMS = 0x100;

/**
 * The dispatcher of a param protoop: the param's wrapper, else the default,
 * untouched. Built again whenever the map changes (a snapshot): params below
 * 0x100 (core frame types) are found by index, the others in the map.
 */
export function dispatcher(map: Map<number, Slot>, d: SlotFn): SlotFn {
  // As long as the largest attached param below DENSE_PARAMS needs (the
  // dispatcher is rebuilt once per attached line).
  let most = 0;
  for (const p of map.keys()) if (p < DENSE_PARAMS && p >= most) most = p + 1;
  const n = most;
  const dense: (Slot | undefined)[] = new Array(n).fill(undefined);
  for (const [p, s] of map) if (p < n) dense[p] = s;
  return (
    host: unknown,
    param: number,
    a0?: unknown,
    a1?: unknown,
    a2?: unknown,
    a3?: unknown,
    a4?: unknown,
    a5?: unknown,
  ) => {
    const s = param < n ? dense[param] : param < DENSE_PARAMS ? undefined : map.get(param);
    return s === undefined
      ? d(host, param, a0, a1, a2, a3, a4, a5)
      : s.fn(host, param, a0, a1, a2, a3, a4, a5);
  };
}

export function externFromCore(name: string): SlotFn {
  return () => {
    throw new ProtoopError(
      ProtoopErrorKind.ExternFromCore,
      `Cannot call extern "${name}" from core: externs are for the application and pluglets`,
    );
  };
}

export function recursion(slot: Slot): ProtoopError {
  return new ProtoopError(
    ProtoopErrorKind.Recursion,
    `Cannot run "${describe(slot)}": it is already running`,
  );
}

export function describe(slot: Slot): string {
  const p = slot.param === NO_PARAM ? "" : `[0x${slot.param.toString(16)}]`;
  return slot.spec.name + p;
}

export function checkArgc(name: string, n: number): void {
  if (n > MAX_PROTOOP_ARGS) {
    throw new ProtoopError(
      ProtoopErrorKind.TooManyArgs,
      `Cannot call "${name}" with ${n} arguments: at most ${MAX_PROTOOP_ARGS}`,
    );
  }
}

export function checkParam(
  spec: ProtoopSpec,
  param: number | undefined,
  plugin: string | null = null,
) {
  if (spec.param === "none") {
    if (param === undefined || param === NO_PARAM) return;
    throw new ProtoopError(
      ProtoopErrorKind.BadParam,
      `Cannot use param ${param} with "${spec.name}": it takes none`,
      plugin,
    );
  }
  if (param === undefined || !Number.isInteger(param) || param < 0 || param >= NO_PARAM) {
    throw new ProtoopError(
      ProtoopErrorKind.BadParam,
      `Cannot use "${spec.name}" without a 16-bit param (${spec.param}): got ${param}`,
      plugin,
    );
  }
}

export function remove(list: Entry[], e: Entry): void {
  const i = list.indexOf(e);
  if (i >= 0) list.splice(i, 1);
}
