/**
 * The pquic helpers whose arguments are pointers, lengths, handles and
 * counts, in the VM's number form (`callNumber`: every argument a plain
 * number, the result a safe integer), which the Wasm engine calls without
 * BigInts: the heap, memory and string functions, varints read from memory
 * or host buffers, host buffer copies, logging, qlog, frame reservations and
 * the clock. Values that may need all 64 bits (field values, metadata,
 * varints to encode, protoop results) stay in `helpers.ts`'s BigInt form;
 * the getters among them also have a number form that declines values of
 * 2^53 and more (`helpers_getters.ts`).
 *
 * A number argument is `Number(register)`: exact below 2^53, which covers
 * every valid pointer, length and handle; a larger one can only fail its
 * check, as it would have.
 *
 * @module
 */

import type { HelperContext } from "../vm/mod.ts";
import { formatLog } from "./format.ts";
import { CONSTANTS } from "./helper_ids.ts";
import {
  callOf,
  count,
  cString,
  fail,
  host,
  hostBytes,
  MAX_STRING,
  mem,
  readVarint,
  stateOf,
  varintLength,
} from "./helper_checks.ts";
import type { HostFrameBooking } from "./host.ts";
import type { PluginHeap } from "./memory.ts";

/** A number-form helper. */
export interface NumberHelper {
  /** Arguments it takes. */
  readonly arity: number;
  /** The implementation. */
  readonly fn: (ctx: HelperContext, ...args: number[]) => number;
}

/** Most frames one `reserve_frames` books (an arbitrary bound). */
export const MAX_RESERVE_FRAMES = 16;
const FIELD_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SIZE_LIMIT = Number.MAX_SAFE_INTEGER;

function size(n: number): number {
  return n > SIZE_LIMIT ? -1 : n;
}

function helperLog(ctx: HelperContext, fmtPtr: number, argsPtr: number, nargs: number): number {
  const helper = "helper_log";
  const st = stateOf(ctx);
  const m = ctx.memory;
  const n = count(helper, "nargs", nargs, CONSTANTS.HELPER_LOG_MAX_ARGS!);
  const fmt = cString(helper, m, fmtPtr, 1024);
  const args: bigint[] = [];
  if (n > 0) {
    const off = mem(helper, m, argsPtr, n * 8, false);
    for (let i = 0; i < n; i++) args.push(m.view().getBigUint64(off + i * 8, true));
  }
  const line = formatLog(fmt, args, (p) => cString(helper, m, p, 1024));
  host(helper, () => st.host.log(st.plugin, line));
  return 0;
}

function qlogEvent(ctx: HelperContext, name: number, fieldsPtr: number, values: number, n: number) {
  const helper = "qlog_event";
  const st = stateOf(ctx);
  const m = ctx.memory;
  const nvalues = count(helper, "n", n, CONSTANTS.QLOG_MAX_FIELDS!);
  const event = cString(helper, m, name, 65);
  if (!/^[A-Za-z0-9_]+:[A-Za-z0-9_]+$/.test(event)) {
    fail(helper, `name "${event}" is not "category:event"`);
  }
  const text = cString(helper, m, fieldsPtr, 4096);
  const fields = text === "" ? [] : text.split(",");
  if (fields.length !== nvalues) fail(helper, `${fields.length} field names for ${nvalues} values`);
  const data: Record<string, bigint> = {};
  if (nvalues > 0) {
    const off = mem(helper, m, values, nvalues * 8, false);
    fields.forEach((f, i) => {
      if (!FIELD_RE.test(f)) fail(helper, `field name "${f}" is not an identifier`);
      data[f] = m.view().getBigUint64(off + i * 8, true);
    });
  }
  host(helper, () => st.host.qlog(st.plugin, event, data));
  return 0;
}

function reserveFrames(ctx: HelperContext, nb: number, slots: number): number {
  const helper = "reserve_frames";
  const c = callOf(helper, stateOf(ctx));
  if (nb === 0 || nb > MAX_RESERVE_FRAMES) {
    fail(helper, `nb_frames ${nb} is out of range (1–${MAX_RESERVE_FRAMES})`);
  }
  const off = mem(helper, ctx.memory, slots, nb * 32, false);
  const dv = ctx.memory.view();
  const frames: HostFrameBooking[] = [];
  for (let i = 0; i < nb; i++) {
    const o = off + i * 32;
    const bytes = dv.getBigUint64(o, true);
    const type = dv.getBigUint64(o + 8, true);
    if (bytes === 0n || bytes > 0xffffn) {
      fail(helper, `slot ${i}: nb_bytes ${bytes} is out of range (1–65535)`);
    }
    if (type > 0x3fff_ffffn) {
      fail(helper, `slot ${i}: frame_type 0x${type.toString(16)} is too large`);
    }
    frames.push({
      type: Number(type),
      size: Number(bytes),
      ctx: dv.getBigUint64(o + 16, true),
      congestionControlled: dv.getUint8(o + 24) !== 0,
      retransmittable: dv.getUint8(o + 25) !== 0,
    });
  }
  return host(helper, () => c.reserveFrames(frames));
}

function compare(
  helper: string,
  ctx: HelperContext,
  a: number,
  b: number,
  n: number,
  str: boolean,
) {
  const m = ctx.memory;
  const len = str ? Math.min(n, MAX_STRING + 1) : count(helper, "n", n, m.maxSize);
  if (!str) {
    const x = mem(helper, m, a, len, false);
    const y = mem(helper, m, b, len, false);
    const bytes = m.bytes();
    for (let i = 0; i < len; i++) {
      const d = bytes[x + i]! - bytes[y + i]!;
      if (d !== 0) return d;
    }
    return 0;
  }
  for (let i = 0; i < len; i++) {
    if (i === MAX_STRING) fail(helper, `strings are longer than ${MAX_STRING} bytes`);
    const c1 = m.bytes()[mem(helper, m, a + i, 1, false)]!;
    const c2 = m.bytes()[mem(helper, m, b + i, 1, false)]!;
    if (c1 !== c2) return c1 - c2;
    if (c1 === 0) return 0;
  }
  return 0;
}

function copyHost(
  ctx: HelperContext,
  toHost: boolean,
  p: number,
  h: number,
  off: number,
  n: number,
) {
  const helper = toHost ? "my_memcpy_to_host" : "my_memcpy_from_host";
  const b = hostBytes(helper, stateOf(ctx), h, toHost);
  if (off + n > b.length) {
    fail(helper, `bytes ${off}..${off + n} are outside the buffer (${b.length} bytes)`);
  }
  const at = mem(helper, ctx.memory, p, n, !toHost);
  if (toHost) b.set(ctx.memory.bytes().subarray(at, at + n), off);
  else ctx.memory.bytes().set(b.subarray(off, off + n), at);
  return n;
}

/** The plugin heap, noted as touched by this run (its high-water mark is looked at after it). */
function touchedHeap(ctx: HelperContext): PluginHeap {
  const st = stateOf(ctx);
  st.heapTouched = true;
  return st.heap;
}

/** The number-form helpers, by name. */
export const NUMBER_HELPERS: Readonly<Record<string, NumberHelper>> = {
  "picoquic_current_time": {
    arity: 0,
    fn: (ctx) => {
      const st = stateOf(ctx);
      return Math.max(0, Math.trunc(host("picoquic_current_time", () => st.host.now())));
    },
  },
  "my_malloc": {
    arity: 2,
    fn: (ctx, _cnx, n) => Number(touchedHeap(ctx).malloc(size(n!))),
  },
  "my_free": {
    arity: 2,
    fn: (ctx, _cnx, p) => (touchedHeap(ctx).free(BigInt(p!)), 0),
  },
  "my_realloc": {
    arity: 3,
    fn: (ctx, _cnx, p, n) => Number(touchedHeap(ctx).realloc(BigInt(p!), size(n!))),
  },
  "my_memcpy": {
    arity: 3,
    fn: (ctx, dst, src, n) => {
      const len = count("my_memcpy", "n", n!, ctx.memory.maxSize);
      const d = mem("my_memcpy", ctx.memory, dst!, len, true);
      const s = mem("my_memcpy", ctx.memory, src!, len, false);
      ctx.memory.bytes().copyWithin(d, s, s + len);
      return dst!;
    },
  },
  "my_memset": {
    arity: 3,
    fn: (ctx, dst, c, n) => {
      const len = count("my_memset", "n", n!, ctx.memory.maxSize);
      const d = mem("my_memset", ctx.memory, dst!, len, true);
      ctx.memory.bytes().fill(c! % 256, d, d + len);
      return dst!;
    },
  },
  "strncmp": { arity: 3, fn: (ctx, a, b, n) => compare("strncmp", ctx, a!, b!, n!, true) },
  "memcmp": { arity: 3, fn: (ctx, a, b, n) => compare("memcmp", ctx, a!, b!, n!, false) },
  "strlen": {
    arity: 1,
    fn: (ctx, s) => new TextEncoder().encode(cString("strlen", ctx.memory, s!)).length,
  },
  "picoquic_varint_decode": {
    arity: 3,
    fn: (ctx, p, max, out) => {
      const h = "picoquic_varint_decode";
      if (max === 0) return 0;
      const m = ctx.memory;
      const len = varintLength(m.bytes()[mem(h, m, p!, 1, false)]!);
      if (len > max!) return 0;
      const off = mem(h, m, p!, len, false);
      const v = readVarint(m.bytes(), off, len);
      m.view().setBigUint64(mem(h, m, out!, 8, true), v, true);
      return len;
    },
  },
  "picoquic_varint_skip": {
    arity: 1,
    fn: (ctx, p) =>
      varintLength(ctx.memory.bytes()[mem("picoquic_varint_skip", ctx.memory, p!, 1, false)]!),
  },
  "helper_log": { arity: 3, fn: (ctx, f, a, n) => helperLog(ctx, f!, a!, n!) },
  "qlog_event": { arity: 4, fn: (ctx, e, f, v, n) => qlogEvent(ctx, e!, f!, v!, n!) },
  "reserve_frames": { arity: 3, fn: (ctx, _cnx, nb, slots) => reserveFrames(ctx, nb!, slots!) },
  "host_buffer_length": {
    arity: 1,
    fn: (ctx, h) => hostBytes("host_buffer_length", stateOf(ctx), h!, false).length,
  },
  "my_memcpy_from_host": {
    arity: 4,
    fn: (ctx, dst, h, off, n) => copyHost(ctx, false, dst!, h!, off!, n!),
  },
  "my_memcpy_to_host": {
    arity: 4,
    fn: (ctx, h, off, src, n) => copyHost(ctx, true, src!, h!, off!, n!),
  },
  "host_varint_decode": {
    arity: 3,
    fn: (ctx, h, offset, out) => {
      const helper = "host_varint_decode";
      const b = hostBytes(helper, stateOf(ctx), h!, false);
      if (offset! >= b.length) return 0;
      const len = varintLength(b[offset!]!);
      if (offset! + len > b.length) return 0;
      const o = mem(helper, ctx.memory, out!, 8, true);
      ctx.memory.view().setBigUint64(o, readVarint(b, offset!, len), true);
      return len;
    },
  },
};
