/**
 * What every pquic helper checks its arguments with (STYLE.md §12): pointers
 * and lengths against the instance memory, bounded strings, host calls whose
 * errors become helper faults, host buffers by handle, and the QUIC varint
 * codec (RFC 9000 §16) they share. A failed check is
 * `PluginFault("helper", "<helper>: <what>")`.
 *
 * @module
 */

import {
  type HelperContext,
  type InstanceMemory,
  MEMORY_BASE_NUMBER,
  PluginFault,
} from "../vm/mod.ts";
import type { DirectInvocation, PluginHost, PlugletInvocation } from "./host.ts";
import type { PluginHeap } from "./memory.ts";
import type { CallCells } from "./call_cells.ts";

/** Per-instance state the helpers reach through `ctx.data`. */
export interface HelperState {
  /** Plugin name (log lines, qlog). */
  readonly plugin: string;
  /** The connection. */
  readonly host: PluginHost;
  /** The plugin heap. */
  readonly heap: PluginHeap;
  /**
   * The run in progress (innermost), or null between runs — and during a
   * direct observer run until a helper needs it ({@link currentCall}).
   */
  call: PlugletInvocation | null;
  /** A direct observer run in progress (instance.ts), whose full call is made on demand. */
  direct?: DirectInvocation | null;
  /** Set once the plugin faulted: nested calls unwind. */
  faulted: boolean;
  /** Set by the heap helpers: the run's end then looks at the heap's high-water mark. */
  heapTouched?: boolean;
  /**
   * The call cells in the instance memory (call_cells.ts), or null: then the
   * connection metadata is the protoop table's and inputs come from the call.
   */
  readonly cells: CallCells | null;
}

/** Longest string a helper reads (an arbitrary bound). */
export const MAX_STRING = 64 * 1024;

/**
 * Throws the fault of a helper's failed check.
 *
 * @param helper helper name
 * @param what what is wrong
 */
export function fail(helper: string, what: string): never {
  throw new PluginFault("helper", `${helper}: ${what}`);
}

/** The instance state behind a helper context. */
export function stateOf(ctx: HelperContext): HelperState {
  return ctx.data as HelperState;
}

/**
 * The run in progress, or null outside one. A direct observer run gets its
 * full call here, at the first helper that needs it.
 */
export function currentCall(st: HelperState): PlugletInvocation | null {
  const c = st.call;
  if (c !== null) return c;
  const d = st.direct;
  return d === undefined || d === null ? null : (st.call = d.full());
}

/** True during a run (a direct observer's included), whether or not its call is made yet. */
export function inRun(st: HelperState): boolean {
  return st.call !== null || (st.direct !== undefined && st.direct !== null);
}

/** A fault when the helper runs outside a run; makes no call for a direct observer run. */
export function requireRun(helper: string, st: HelperState): void {
  if (!inRun(st)) fail(helper, "called outside a pluglet run");
}

/** The run in progress, or a fault when the helper runs outside one. */
export function callOf(helper: string, st: HelperState): PlugletInvocation {
  const c = currentCall(st);
  if (c === null) fail(helper, "called outside a pluglet run");
  return c;
}

/** A count as a number, or a fault above `limit`. */
export function count(helper: string, what: string, n: number | bigint, limit: number): number {
  if (n > limit) fail(helper, `${what} ${n} is too large (limit ${limit})`);
  return Number(n);
}

function wrap(helper: string, e: PluginFault): PluginFault {
  return new PluginFault("helper", `${helper}: ${e.message}`, {
    ...(e.address === undefined ? {} : { address: e.address }),
    ...(e.size === undefined ? {} : { size: e.size }),
    ...(e.region === undefined ? {} : { region: e.region }),
  });
}

/**
 * Checks `[addr, addr + n)` in plugin memory.
 *
 * @returns the linear offset of addr
 */
export function mem(
  helper: string,
  m: InstanceMemory,
  addr: number | bigint,
  n: number,
  write: boolean,
): number {
  const a = Number(addr);
  const off = a - MEMORY_BASE_NUMBER;
  if (off >= 0 && off + n <= m.size) return off;
  const big = typeof addr === "bigint" ? addr : BigInt.asUintN(64, BigInt(a));
  throw wrap(helper, m.outOfBounds(big, n, write));
}

/** Reads a NUL-terminated UTF-8 string of at most `max` bytes from plugin memory. */
export function cString(
  helper: string,
  m: InstanceMemory,
  addr: number | bigint,
  max = MAX_STRING,
): string {
  const off = mem(helper, m, addr, 1, false);
  const bytes = m.bytes();
  const end = Math.min(bytes.length, off + max);
  const nul = bytes.subarray(off, end).indexOf(0);
  if (nul < 0) {
    fail(helper, `string at 0x${addr.toString(16)} has no NUL within ${end - off} bytes`);
  }
  return new TextDecoder().decode(bytes.subarray(off, off + nul));
}

/** Runs a host method; its errors become faults of the helper. */
export function host<T>(helper: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    return hostFault(helper, e);
  }
}

/**
 * Rethrows what a host method threw as the helper's fault (a PluginFault
 * as is). For helpers on the per-run path, which catch inline instead of
 * making a closure for {@link host}.
 *
 * @param helper helper name
 * @param e what the host threw
 */
export function hostFault(helper: string, e: unknown): never {
  if (e instanceof PluginFault) throw e;
  fail(helper, e instanceof Error ? e.message : String(e));
}

/** The host buffer behind a handle, or a fault. */
export function hostBytes(
  helper: string,
  st: HelperState,
  h: number | bigint,
  write: boolean,
): Uint8Array {
  const handle = typeof h === "bigint" ? h : BigInt(h);
  const b = host(helper, () => st.host.bytes(handle, write));
  if (b === null) fail(helper, `handle ${h} is not a ${write ? "writable " : ""}host buffer`);
  return b;
}

/** Length of the varint whose first byte is `first` (RFC 9000 §16). */
export function varintLength(first: number): number {
  return 1 << (first >> 6);
}

/** Decodes a varint of `len` bytes at `off`. */
export function readVarint(b: Uint8Array, off: number, len: number): bigint {
  let v = BigInt(b[off]! & 0x3f);
  for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(b[off + i]!);
  return v;
}

/** Bytes needed for `v`, 0 when v ≥ 2^62. */
export function varintSizeOf(v: bigint): number {
  return v < 0x40n
    ? 1
    : v < 0x4000n
    ? 2
    : v < 0x4000_0000n
    ? 4
    : v < 0x4000_0000_0000_0000n
    ? 8
    : 0;
}

/** Encodes `v` in `len` bytes at `off`. */
export function writeVarint(b: Uint8Array, off: number, len: number, v: bigint): void {
  for (let i = len - 1; i >= 0; i--) {
    b[off + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  b[off] = b[off]! | ([0, 0x40, 0x80, 0, 0xc0][len >> 1] ?? 0);
}
