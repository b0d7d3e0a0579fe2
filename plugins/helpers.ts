/**
 * The pquic helpers (DESIGN.md principle 3): the implementations of every
 * row of `helper_ids.ts`, bound into one `HelperTable` shared by all plugin
 * instances. Each helper reads its instance's {@link HelperState} from
 * `ctx.data`.
 *
 * Every argument is checked before use (STYLE.md §12): pointers and lengths
 * against the instance memory, strings bounded, access keys against the
 * table, metadata indices 0–9, handles by the host. A failed check is a
 * `PluginFault("helper", "<helper>: <what>")`; so is any error the host
 * throws while serving a helper. Nothing a pluglet passes can reach memory
 * other than its own and the host buffers the host hands out.
 *
 * @module
 */

import {
  type HelperContext,
  type HelperDef,
  type HelperIntrinsic,
  HelperTable,
  PluginFault,
} from "../vm/mod.ts";
import { CONSTANTS, type FieldKind, HELPERS } from "./helper_ids.ts";
import {
  callOf,
  cString,
  fail,
  host,
  hostBytes,
  hostFault,
  mem,
  requireRun,
  stateOf,
  varintSizeOf,
  writeVarint,
} from "./helper_checks.ts";
import { NUMBER_HELPERS } from "./helpers_memory.ts";
import { CELL_ARGC, CELL_PARAM, CELL_RULES } from "./call_cells.ts";
import { GETTER_NUMBER_FORMS, KEY_LIMIT, KEYS, type KeyTable } from "./helpers_getters.ts";
import { DATAGRAM_HELPERS } from "./helpers_datagram.ts";
import { FEC_HELPERS } from "./helpers_fec.ts";

export type { HelperState } from "./helper_checks.ts";

const MAX_ARGS = CONSTANTS.PROTOOPARGS_MAX!;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

const KEY_LIMIT_BIG = BigInt(KEY_LIMIT);

const CNX_KEYS = KEYS.cnx;
const PATH_KEYS = KEYS.path;
const PKT_CTX_KEYS = KEYS.pkt_ctx;
const PKT_KEYS = KEYS.pkt;
const CNXID_KEYS = KEYS.cnxid;
const STREAM_KEYS = KEYS.stream;
const PH_KEYS = KEYS.ph;

function key(helper: string, keys: KeyTable, ak: bigint, write: boolean): number {
  // bigint against bigint: a mixed comparison would be a runtime call per helper call.
  const spec = ak < KEY_LIMIT_BIG ? keys[Number(ak)] : undefined;
  if (spec === undefined) fail(helper, `unknown access key 0x${ak.toString(16)}`);
  if (write && !spec.writable) fail(helper, `${spec.name} is read-only`);
  return spec.value;
}

const METADATA_SLOTS = BigInt(CONSTANTS.METADATA_SLOTS!);

function index(helper: string, idx: bigint): number {
  if (idx >= METADATA_SLOTS) fail(helper, `metadata index ${idx} is out of range (0–9)`);
  return Number(idx);
}

/** An input/output index as a number (indices past 0xff all name nothing). */
function slot(p: bigint): number {
  return p < KEY_LIMIT_BIG ? Number(p) : KEY_LIMIT;
}

function nonNull(helper: string, what: string, h: bigint): bigint {
  if (h === 0n) fail(helper, `${what} is NULL`);
  return h;
}

function param16(p: bigint): number {
  return p > 0xffffn ? 0xffff : Number(p);
}

// The helpers below run on every pluglet run: host errors are caught inline
// (`hostFault`) rather than through `host(helper, () => …)`, which would make
// a closure per call.

function getField(
  helper: string,
  kind: FieldKind,
  keys: KeyTable,
  ctx: HelperContext,
  h: bigint,
  ak: bigint,
  p: bigint,
): bigint {
  const st = stateOf(ctx);
  const k = key(helper, keys, ak, false);
  if (kind !== "cnx") nonNull(helper, kind, h);
  try {
    return st.host.getField(kind, k, param16(p), h);
  } catch (e) {
    return hostFault(helper, e);
  }
}

function getCnx(ctx: HelperContext, ak: bigint, p: bigint): bigint {
  const helper = "get_cnx";
  const k = key(helper, CNX_KEYS, ak, false);
  const st = stateOf(ctx);
  switch (k) {
    case 0x00: {
      requireRun(helper, st);
      const i = slot(p);
      // What the cell rule reads inline (call_cells.ts): the input's cell, when written.
      const cells = st.cells;
      if (cells !== null && cells.hasInput(i)) return cells.inputBig(i);
      const c = callOf(helper, st);
      if (i >= c.args.length) fail(helper, `input ${p} does not exist (${c.args.length} inputs)`);
      return c.args[i]!;
    }
    case 0x01: {
      const c = callOf(helper, st);
      const i = slot(p);
      if (i >= c.outputs.length) fail(helper, `output ${p} does not exist`);
      return c.outputs[i]!;
    }
    case 0x34:
      return callOf(helper, st).returnValue;
    case 0x80:
      requireRun(helper, st);
      return st.cells !== null ? st.cells.big(CELL_PARAM) : BigInt(callOf(helper, st).param);
    case 0x82:
      requireRun(helper, st);
      return st.cells !== null ? st.cells.big(CELL_ARGC) : BigInt(callOf(helper, st).args.length);
  }
  try {
    return st.host.getField("cnx", k, param16(p), 0n);
  } catch (e) {
    return hostFault(helper, e);
  }
}

function setCnx(ctx: HelperContext, ak: bigint, p: bigint, v: bigint): bigint {
  const helper = "set_cnx";
  key(helper, CNX_KEYS, ak, true); // only AK_CNX_OUTPUT is writable
  const c = callOf(helper, stateOf(ctx));
  const i = slot(p);
  if (i >= c.outputs.length) fail(helper, `output ${p} does not exist`);
  c.outputs[i] = v;
  return 0n;
}

function setField(
  helper: string,
  kind: FieldKind,
  keys: KeyTable,
  ctx: HelperContext,
  h: bigint,
  ak: bigint,
  p: bigint,
  v: bigint,
): bigint {
  const st = stateOf(ctx);
  const k = key(helper, keys, ak, true);
  nonNull(helper, kind, h);
  try {
    st.host.setField(kind, k, param16(p), h, v);
  } catch (e) {
    hostFault(helper, e);
  }
  return 0n;
}

function getMeta(helper: string, ctx: HelperContext, h: bigint, idx: bigint, cnx: boolean): bigint {
  const i = index(helper, idx);
  const st = stateOf(ctx);
  requireRun(helper, st);
  // The plugin's connection metadata lives in its call cells when it has them.
  if (cnx && st.cells !== null) return st.cells.metaBig(i);
  const handle = cnx ? 0n : nonNull(helper, "object", h);
  const c = callOf(helper, st);
  try {
    return c.getMetadata(handle, i);
  } catch (e) {
    return hostFault(helper, e);
  }
}

function setMeta(
  helper: string,
  ctx: HelperContext,
  h: bigint,
  idx: bigint,
  v: bigint,
  cnx: boolean,
): bigint {
  const i = index(helper, idx);
  const st = stateOf(ctx);
  requireRun(helper, st);
  if (cnx && st.cells !== null) {
    st.cells.setMeta(i, v);
    return 0n;
  }
  const handle = cnx ? 0n : nonNull(helper, "object", h);
  const c = callOf(helper, st);
  try {
    c.setMetadata(handle, i, v);
  } catch (e) {
    hostFault(helper, e);
  }
  return 0n;
}

/** Marks a fault that only unwinds a run whose plugin already faulted (reported once). */
export const UNWIND = "plugin faulted in a nested call";

function runProtoop(ctx: HelperContext, pp: bigint, namePtr: bigint): bigint {
  const helper = "plugin_run_protoop";
  const st = stateOf(ctx);
  const c = callOf(helper, st);
  const m = ctx.memory;
  const off = mem(helper, m, pp, 24, false);
  const dv = m.view();
  const param = dv.getUint16(off, true);
  const outputc = dv.getUint8(off + 3);
  const inputc = dv.getInt32(off + 4, true);
  const inputv = dv.getBigUint64(off + 8, true);
  const outputv = dv.getBigUint64(off + 16, true);
  if (inputc < 0 || inputc > MAX_ARGS) {
    fail(helper, `inputc ${inputc} is out of range (0–${MAX_ARGS})`);
  }
  const name = cString(helper, m, namePtr, 101);
  const args: bigint[] = [];
  if (inputc > 0) {
    const io = mem(helper, m, inputv, inputc * 8, false);
    for (let i = 0; i < inputc; i++) args.push(m.view().getBigUint64(io + i * 8, true));
  }
  const room = outputv === 0n ? 0 : Math.min(outputc === 0 ? MAX_ARGS : outputc, MAX_ARGS);
  const oo = room === 0 ? 0 : mem(helper, m, outputv, room * 8, true);
  const outputs = new BigUint64Array(MAX_ARGS);
  const ret = host(helper, () => c.call(name, args, param === 0xffff ? undefined : param, outputs));
  if (st.faulted) throw new PluginFault("helper", UNWIND);
  const view = m.view();
  for (let i = 0; i < room; i++) view.setBigUint64(oo + i * 8, outputs[i]!, true);
  return ret;
}

type Impl = (
  ctx: HelperContext,
  r1: bigint,
  r2: bigint,
  r3: bigint,
  r4: bigint,
  r5: bigint,
) => bigint;

const IMPLS: Record<string, Impl> = {
  "plugin_run_protoop": (ctx, _cnx, pp, name) => runProtoop(ctx, pp, name),
  "get_cnx": (ctx, _cnx, ak, p) => getCnx(ctx, ak, p),
  "set_cnx": (ctx, _cnx, ak, p, v) => setCnx(ctx, ak, p, v),
  "get_cnx_metadata": (ctx, _cnx, idx) => getMeta("get_cnx_metadata", ctx, 0n, idx, true),
  "set_cnx_metadata": (ctx, _cnx, idx, v) => setMeta("set_cnx_metadata", ctx, 0n, idx, v, true),
  "get_path": (ctx, h, ak, p) => getField("get_path", "path", PATH_KEYS, ctx, h, ak, p),
  "set_path": (ctx, h, ak, p, v) => setField("set_path", "path", PATH_KEYS, ctx, h, ak, p, v),
  "get_path_metadata": (ctx, _c, h, idx) => getMeta("get_path_metadata", ctx, h, idx, false),
  "set_path_metadata": (ctx, _c, h, idx, v) => setMeta("set_path_metadata", ctx, h, idx, v, false),
  "get_pkt_ctx": (ctx, h, ak) => getField("get_pkt_ctx", "pkt_ctx", PKT_CTX_KEYS, ctx, h, ak, 0n),
  "set_pkt_ctx": (ctx, h, ak, v) =>
    setField("set_pkt_ctx", "pkt_ctx", PKT_CTX_KEYS, ctx, h, ak, 0n, v),
  "get_pkt_ctx_metadata": (ctx, _c, h, idx) => getMeta("get_pkt_ctx_metadata", ctx, h, idx, false),
  "set_pkt_ctx_metadata": (ctx, _c, h, idx, v) =>
    setMeta("set_pkt_ctx_metadata", ctx, h, idx, v, false),
  "get_pkt": (ctx, h, ak) => getField("get_pkt", "pkt", PKT_KEYS, ctx, h, ak, 0n),
  "get_pkt_metadata": (ctx, _c, h, idx) => getMeta("get_pkt_metadata", ctx, h, idx, false),
  "set_pkt_metadata": (ctx, _c, h, idx, v) => setMeta("set_pkt_metadata", ctx, h, idx, v, false),
  "get_cnxid": (ctx, h, ak) => getField("get_cnxid", "cnxid", CNXID_KEYS, ctx, h, ak, 0n),
  "get_stream_head": (ctx, h, ak) =>
    getField("get_stream_head", "stream", STREAM_KEYS, ctx, h, ak, 0n),
  "get_ph": (ctx, h, ak) => getField("get_ph", "ph", PH_KEYS, ctx, h, ak, 0n),
  "my_htons": (_ctx, x) => ((x & 0xffn) << 8n) | ((x >> 8n) & 0xffn),
  "my_ntohs": (_ctx, x) => ((x & 0xffn) << 8n) | ((x >> 8n) & 0xffn),
  "picoquic_varint_encode": (ctx, p, max, v) => {
    const len = varintSizeOf(v);
    if (len === 0 || BigInt(len) > max) return 0n;
    writeVarint(
      ctx.memory.bytes(),
      mem("picoquic_varint_encode", ctx.memory, p, len, true),
      len,
      v,
    );
    return BigInt(len);
  },
  "picoquic_find_stream": (ctx, _cnx, id) => {
    const st = stateOf(ctx);
    return host("picoquic_find_stream", () => st.host.findStream(id));
  },
  "host_varint_encode": (ctx, h, offset, v) => {
    const b = hostBytes("host_varint_encode", stateOf(ctx), h, true);
    const len = varintSizeOf(v);
    if (len === 0 || offset + BigInt(len) > BigInt(b.length)) return 0n;
    writeVarint(b, Number(offset), len, v);
    return BigInt(len);
  },
};

/**
 * The helpers the Wasm engine computes inline (vm/helpers.ts
 * `HelperIntrinsic`): each implementation above or in helpers_memory.ts
 * computes exactly the intrinsic's result whenever its conditions hold, and
 * the engine calls it for everything else, so faults stay the helper's own.
 */
const INTRINSICS: Readonly<Record<string, HelperIntrinsic>> = {
  "my_memcpy": "memmove",
  "my_memset": "memset",
  "memcmp": "memcmp",
  "my_htons": "bswap16",
  "my_ntohs": "bswap16",
  "picoquic_varint_skip": "varint_skip",
  "picoquic_varint_decode": "varint_decode",
  "picoquic_varint_encode": "varint_encode",
  "strlen": "strlen",
};

/**
 * Builds the helper table of the pquic ABI (one per process is enough: see
 * {@link PQUIC_HELPERS}).
 *
 * @returns a table with every helper of `helper_ids.ts`
 * @throws Error when an implementation is missing (a programming error)
 */
export function pquicHelpers(): HelperTable {
  const table = new HelperTable();
  for (const spec of HELPERS) {
    const big = IMPLS[spec.name];
    const num = NUMBER_HELPERS[spec.name] ?? DATAGRAM_HELPERS[spec.name] ??
      FEC_HELPERS[spec.name];
    let def: HelperDef;
    const fast = GETTER_NUMBER_FORMS[spec.name];
    if (big !== undefined && fast !== undefined) {
      // Both forms: numbers while the values fit, BigInts otherwise (vm/helpers.ts).
      def = { id: spec.id, name: spec.name, call: big, arity: fast.arity, callNumber: fast.fn };
    } else if (big !== undefined) def = { id: spec.id, name: spec.name, call: big };
    else if (num !== undefined) {
      def = { id: spec.id, name: spec.name, arity: num.arity, callNumber: num.fn };
    } else throw new Error(`No implementation for helper "${spec.name}"`);
    const intrinsic = INTRINSICS[spec.name];
    if (intrinsic !== undefined) def.intrinsic = intrinsic;
    const cells = CELL_RULES[spec.name];
    if (cells !== undefined) def.cells = cells;
    table.register(def);
  }
  return table;
}

/** The shared helper table every plugin is loaded and run with. */
export const PQUIC_HELPERS: HelperTable = pquicHelpers();

/** 2^64 − 1, PQUIC's VM error value, returned by a run that faulted. */
export const FAULT_RESULT: bigint = U64_MAX;
