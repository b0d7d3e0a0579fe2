/**
 * The access-key tables of the pquic field getters, and the number form of
 * those getters and of the metadata getters (vm/helpers.ts: a helper with
 * both forms). Field values and metadata are u64 and may need all 64 bits,
 * so `helpers.ts` keeps their BigInt form; the values pluglets read on every
 * run (protoop inputs and param, counters, sizes, plugin pointers kept in
 * metadata) fit in a safe integer, and then cross the VM boundary without a
 * BigInt. Each function here returns exactly what its BigInt form returns,
 * or {@link NUMBER_FALLBACK} — for a value ≥ 2^53, a handle that may have
 * been rounded, and any argument the BigInt form refuses (so every fault and
 * its message stay the BigInt form's) — and never throws. They only read.
 *
 * @module
 */

import { type HelperContext, NUMBER_FALLBACK } from "../vm/mod.ts";
import { ACCESS_KEYS, type AccessKeySpec, CONSTANTS, type FieldKind } from "./helper_ids.ts";
import { currentCall, inRun, stateOf } from "./helper_checks.ts";
import { CELL_ARGC, CELL_PARAM } from "./call_cells.ts";
import type { PlugletInvocation } from "./host.ts";
import type { NumberHelper } from "./helpers_memory.ts";

/** One family's access keys, indexed by value (no key is above 0xff). */
export type KeyTable = readonly (AccessKeySpec | undefined)[];

/** Key values index these tables directly: no string is built per helper call. */
export const KEY_LIMIT = 0x100;

function keyTable(kind: FieldKind): KeyTable {
  const t: (AccessKeySpec | undefined)[] = new Array(KEY_LIMIT).fill(undefined);
  for (const k of ACCESS_KEYS) {
    if (k.kind !== kind) continue;
    if (k.value >= KEY_LIMIT) throw new Error(`Access key ${k.name} is above 0xff`);
    t[k.value] = k;
  }
  return t;
}

/** Access keys by family, indexed by key value. */
export const KEYS: Readonly<Record<FieldKind, KeyTable>> = {
  cnx: keyTable("cnx"),
  path: keyTable("path"),
  "pkt_ctx": keyTable("pkt_ctx"),
  pkt: keyTable("pkt"),
  cnxid: keyTable("cnxid"),
  stream: keyTable("stream"),
  ph: keyTable("ph"),
};

const SAFE_LIMIT = 2 ** 53;
const METADATA_SLOTS = CONSTANTS.METADATA_SLOTS!;

/**
 * A u64 as a number, or the fallback when it does not fit. Number(v) is the
 * rounded value, which is ≥ 2^53 exactly when v is (no BigInt comparison:
 * each is a runtime call).
 */
function fit(v: bigint): number {
  const n = Number(v);
  return n >= 0 && n <= Number.MAX_SAFE_INTEGER ? n : NUMBER_FALLBACK;
}

/**
 * What the protoop table's calls (transport/protoop/call.ts) offer besides
 * {@link PlugletInvocation}: reads that make no BigInt (NaN when the value
 * does not fit or the read would fail).
 */
interface NumberReads {
  inputNumber(i: number): number;
  outputNumber(i: number): number;
  getMetadataNumber(handle: number, index: number): number;
}

type Invocation = PlugletInvocation & Partial<NumberReads>;

/** `param16` of helpers.ts: exact whatever the rounding (every value above 0xffff is 0xffff). */
function param16(p: number): number {
  return p > 0xffff ? 0xffff : p;
}

function getCnx(ctx: HelperContext, _cnx: number, ak: number, p: number): number {
  const spec = ak < KEY_LIMIT ? KEYS.cnx[ak] : undefined;
  const st = stateOf(ctx);
  if (spec === undefined || !inRun(st)) return NUMBER_FALLBACK;
  // Indices past 0xff name nothing, whatever their rounding (helpers.ts `slot`).
  const i = p < KEY_LIMIT ? p : KEY_LIMIT;
  const cells = st.cells;
  // What the cell rules read inline (call_cells.ts): no call needed (a direct run makes none).
  switch (spec.value) {
    case 0x00:
      if (cells !== null && cells.hasInput(i)) return cells.inputNumber(i);
      break;
    case 0x80:
      if (cells !== null) return cells.number(CELL_PARAM);
      break;
    case 0x82:
      if (cells !== null) return cells.number(CELL_ARGC);
      break;
  }
  const c: Invocation = currentCall(st)!;
  switch (spec.value) {
    case 0x00:
      // inputNumber is NaN past the last input, and reads (marshals) input i alone: asking
      // `args.length` first would marshal them all.
      if (c.inputNumber !== undefined) return c.inputNumber(i);
      return i >= c.args.length ? NUMBER_FALLBACK : fit(c.args[i]!);
    case 0x01:
      if (i >= c.outputs.length) return NUMBER_FALLBACK;
      return c.outputNumber !== undefined ? c.outputNumber(i) : fit(c.outputs[i]!);
    case 0x34:
      return fit(c.returnValue);
    case 0x80:
      return c.param;
    case 0x82:
      return c.args.length;
  }
  try {
    return fit(st.host.getField("cnx", spec.value, param16(p), 0n));
  } catch {
    return NUMBER_FALLBACK;
  }
}

function getField(kind: FieldKind, ctx: HelperContext, h: number, ak: number, p: number): number {
  const spec = ak < KEY_LIMIT ? KEYS[kind][ak] : undefined;
  if (spec === undefined || h === 0 || h >= SAFE_LIMIT) return NUMBER_FALLBACK;
  try {
    return fit(stateOf(ctx).host.getField(kind, spec.value, param16(p), BigInt(h)));
  } catch {
    return NUMBER_FALLBACK;
  }
}

function getMeta(ctx: HelperContext, h: number, idx: number, cnx: boolean): number {
  const st = stateOf(ctx);
  if (idx >= METADATA_SLOTS || !inRun(st)) return NUMBER_FALLBACK;
  // The plugin's connection metadata lives in its call cells when it has them.
  if (cnx && st.cells !== null) return st.cells.metaNumber(idx);
  if (!cnx && (h === 0 || h >= SAFE_LIMIT)) return NUMBER_FALLBACK;
  const c: Invocation = currentCall(st)!;
  if (c.getMetadataNumber !== undefined) return c.getMetadataNumber(cnx ? 0 : h, idx);
  try {
    return fit(c.getMetadata(cnx ? 0n : BigInt(h), idx));
  } catch {
    return NUMBER_FALLBACK;
  }
}

/** Number forms of the getters, by helper name (each joins its BigInt form in helpers.ts). */
export const GETTER_NUMBER_FORMS: Readonly<Record<string, NumberHelper>> = {
  "get_cnx": { arity: 3, fn: (ctx, cnx, ak, p) => getCnx(ctx, cnx!, ak!, p!) },
  "get_cnx_metadata": { arity: 2, fn: (ctx, _cnx, idx) => getMeta(ctx, 0, idx!, true) },
  "get_path": { arity: 3, fn: (ctx, h, ak, p) => getField("path", ctx, h!, ak!, p!) },
  "get_path_metadata": { arity: 3, fn: (ctx, _c, h, idx) => getMeta(ctx, h!, idx!, false) },
  "get_pkt_ctx": { arity: 2, fn: (ctx, h, ak) => getField("pkt_ctx", ctx, h!, ak!, 0) },
  "get_pkt_ctx_metadata": { arity: 3, fn: (ctx, _c, h, idx) => getMeta(ctx, h!, idx!, false) },
  "get_pkt": { arity: 2, fn: (ctx, h, ak) => getField("pkt", ctx, h!, ak!, 0) },
  "get_pkt_metadata": { arity: 3, fn: (ctx, _c, h, idx) => getMeta(ctx, h!, idx!, false) },
  "get_cnxid": { arity: 2, fn: (ctx, h, ak) => getField("cnxid", ctx, h!, ak!, 0) },
  "get_stream_head": { arity: 2, fn: (ctx, h, ak) => getField("stream", ctx, h!, ak!, 0) },
  "get_ph": { arity: 2, fn: (ctx, h, ak) => getField("ph", ctx, h!, ak!, 0) },
};
