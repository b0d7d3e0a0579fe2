/**
 * Helpers used by the conformance corpus and VM tests (not part of the
 * public surface). Ids are fixed so corpus files can `call` them.
 *
 * | id | name         | r1..r5                  | result                                   |
 * |----|--------------|-------------------------|------------------------------------------|
 * | 1  | mix_args     | a, b, c, d, e           | a + 2b + 3c + 4d + 5e (mod 2^64)         |
 * | 2  | sum_bytes    | ptr, len                | sum of the bytes (checked read)          |
 * | 3  | fill_bytes   | ptr, len, byte          | len (checked write)                      |
 * | 4  | log_string   | ptr, len                | len; appends the UTF-8 text to the log   |
 * | 5  | fail         | —                       | throws PluginFault("helper")             |
 * | 6  | grow_heap    | bytes                   | eBPF address of the new pages            |
 * | 7  | log_u64      | value                   | value; appends its decimal to the log    |
 * | 8  | mix_numbers  | a, b, c (numbers)       | a + 2b − c                               |
 * | 9  | sum_bytes_number | ptr, len (numbers)  | sum of the bytes (checked read)          |
 * | 10 | count_args   | a … e (numbers)         | how many are not 0                       |
 * | 11 | forty_two    | —                       | 42                                       |
 *
 * Helpers with an intrinsic (helpers.ts; the Wasm engine computes them
 * inline and calls them only when a check fails):
 *
 * | id | name          | form   | intrinsic       | r1..r3      | result                      |
 * |----|---------------|--------|-----------------|-------------|-----------------------------|
 * | 12 | move_bytes    | number | `memmove`       | dst, src, n | dst                         |
 * | 13 | set_bytes     | BigInt | `memset`        | dst, c, n   | dst                         |
 * | 14 | compare_bytes | number | `memcmp`        | a, b, n     | first difference, or 0      |
 * | 15 | swap16        | BigInt | `bswap16`       | x           | low 16 bits byte-swapped    |
 * | 16 | varint_size   | number | `varint_skip`   | p           | length of the varint at p   |
 * | 17 | varint_read   | number | `varint_decode` | p, max, out | length, or 0                |
 * | 18 | varint_write  | BigInt | `varint_encode` | p, max, v   | length, or 0                |
 * | 19 | string_length | number | `strlen`        | s           | UTF-8 length of the C string (a NUL within 64 KiB) |
 *
 * @module
 */

import { PluginFault } from "./fault.ts";
import { type HelperContext, HelperTable } from "./helpers.ts";
import { MEMORY_BASE } from "./memory.ts";

/** Per-instance data of the test helpers. */
export interface TestHelperData {
  /** Lines logged by log_string / log_u64. */
  log: string[];
}

function logOf(ctx: HelperContext): string[] {
  const d = ctx.data as TestHelperData | undefined;
  if (d === undefined || d === null || !Array.isArray(d.log)) {
    throw new PluginFault("helper", "log helper needs TestHelperData");
  }
  return d.log;
}

function length(len: bigint, max: number): number {
  if (len > BigInt(max)) {
    throw new PluginFault("helper", `length ${len} is larger than ${max}`);
  }
  return Number(len);
}

/**
 * A fresh table of the test helpers.
 *
 * @returns the table
 */
export function testHelpers(): HelperTable {
  const t = new HelperTable();
  t.register({
    id: 1,
    name: "mix_args",
    call: (_c, a, b, c, d, e) => BigInt.asUintN(64, a + 2n * b + 3n * c + 4n * d + 5n * e),
  });
  t.register({
    id: 2,
    name: "sum_bytes",
    call(ctx, ptr, len) {
      const n = length(len, ctx.memory.size);
      const off = ctx.memory.check(ptr, n, false);
      const bytes = ctx.memory.bytes();
      let s = 0;
      for (let i = 0; i < n; i++) s += bytes[off + i]!;
      return BigInt(s);
    },
  });
  t.register({
    id: 3,
    name: "fill_bytes",
    call(ctx, ptr, len, byte) {
      const n = length(len, ctx.memory.size);
      const off = ctx.memory.check(ptr, n, true);
      ctx.memory.bytes().fill(Number(byte & 0xffn), off, off + n);
      return len;
    },
  });
  t.register({
    id: 4,
    name: "log_string",
    call(ctx, ptr, len) {
      const n = length(len, 4096);
      const off = ctx.memory.check(ptr, n, false);
      logOf(ctx).push(new TextDecoder().decode(ctx.memory.bytes().slice(off, off + n)));
      return len;
    },
  });
  t.register({
    id: 5,
    name: "fail",
    call() {
      throw new PluginFault("helper", "fail: the helper refused its arguments");
    },
  });
  t.register({
    id: 6,
    name: "grow_heap",
    call(ctx, bytes) {
      const off = ctx.memory.grow(length(bytes, 1 << 24));
      return MEMORY_BASE + BigInt(off);
    },
  });
  t.register({
    id: 7,
    name: "log_u64",
    call(ctx, v) {
      logOf(ctx).push(v.toString());
      return v;
    },
  });
  // Number helpers (arguments and result as plain numbers).
  t.register({
    id: 8,
    name: "mix_numbers",
    arity: 3,
    // Negative results wrap modulo 2^64; past 2^53 the result is no safe integer.
    callNumber: (_c, a, b, c) => a + 2 * b - c,
  });
  t.register({
    id: 9,
    name: "sum_bytes_number",
    arity: 2,
    callNumber(ctx, ptr, len) {
      const n = length(BigInt(len), ctx.memory.size);
      const off = ctx.memory.check(BigInt(ptr), n, false);
      const bytes = ctx.memory.bytes();
      let s = 0;
      for (let i = 0; i < n; i++) s += bytes[off + i]!;
      return s;
    },
  });
  t.register({
    id: 10,
    name: "count_args",
    arity: 5,
    callNumber: (_c, a, b, c, d, e) => [a, b, c, d, e].filter((x) => x !== 0).length,
  });
  t.register({ id: 11, name: "forty_two", arity: 0, callNumber: () => 42 });
  registerIntrinsicHelpers(t);
  return t;
}

/** The checked linear offset of `[p, p + n)`, n first bounded by the memory size. */
function span(ctx: HelperContext, p: number | bigint, n: number | bigint, write: boolean) {
  const len = length(BigInt(n), ctx.memory.size);
  return [ctx.memory.check(BigInt(p), len, write), len] as const;
}

/** Bytes of a varint (RFC 9000 §16) by its first byte's top two bits. */
function varintBytes(first: number): number {
  return 1 << (first >> 6);
}

function registerIntrinsicHelpers(t: HelperTable): void {
  t.register({
    id: 12,
    name: "move_bytes",
    arity: 3,
    intrinsic: "memmove",
    callNumber(ctx, dst, src, n) {
      const [d, len] = span(ctx, dst, n, true);
      const [s] = span(ctx, src, len, false);
      ctx.memory.bytes().copyWithin(d, s, s + len);
      return dst;
    },
  });
  t.register({
    id: 13,
    name: "set_bytes",
    intrinsic: "memset",
    call(ctx, dst, c, n) {
      const [d, len] = span(ctx, dst, n, true);
      ctx.memory.bytes().fill(Number(c % 256n), d, d + len);
      return dst;
    },
  });
  t.register({
    id: 14,
    name: "compare_bytes",
    arity: 3,
    intrinsic: "memcmp",
    callNumber(ctx, a, b, n) {
      const [x, len] = span(ctx, a, n, false);
      const [y] = span(ctx, b, len, false);
      const m = ctx.memory.bytes();
      for (let i = 0; i < len; i++) if (m[x + i] !== m[y + i]) return m[x + i]! - m[y + i]!;
      return 0;
    },
  });
  t.register({
    id: 15,
    name: "swap16",
    intrinsic: "bswap16",
    call: (_ctx, x) => ((x & 0xffn) << 8n) | ((x >> 8n) & 0xffn),
  });
  t.register({
    id: 16,
    name: "varint_size",
    arity: 1,
    intrinsic: "varint_skip",
    callNumber: (ctx, p) => varintBytes(ctx.memory.bytes()[span(ctx, p, 1, false)[0]]!),
  });
  t.register({
    id: 17,
    name: "varint_read",
    arity: 3,
    intrinsic: "varint_decode",
    callNumber(ctx, p, max, out) {
      if (max === 0) return 0;
      const m = ctx.memory;
      const len = varintBytes(m.bytes()[span(ctx, p, 1, false)[0]]!);
      if (len > max) return 0;
      const [at] = span(ctx, p, len, false);
      let v = BigInt(m.bytes()[at]! & 0x3f);
      for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(m.bytes()[at + i]!);
      m.view().setBigUint64(span(ctx, out, 8, true)[0], v, true);
      return len;
    },
  });
  t.register({
    id: 18,
    name: "varint_write",
    intrinsic: "varint_encode",
    call(ctx, p, max, v) {
      const len = v < 0x40n ? 1 : v < 0x4000n ? 2 : v < 0x4000_0000n ? 4 : v < 1n << 62n ? 8 : 0;
      if (len === 0 || BigInt(len) > max) return 0n;
      const [at] = span(ctx, p, len, true);
      const m = ctx.memory.bytes();
      for (let i = len - 1; i >= 0; i--) {
        m[at + i] = Number((v >> BigInt(8 * (len - 1 - i))) & 0xffn);
      }
      m[at] = m[at]! | (Math.log2(len) << 6);
      return BigInt(len);
    },
  });
  t.register({
    id: 19,
    name: "string_length",
    arity: 1,
    intrinsic: "strlen",
    callNumber(ctx, p) {
      const [at] = span(ctx, p, 1, false);
      const bytes = ctx.memory.bytes();
      const nul = bytes.subarray(at, Math.min(bytes.length, at + 65536)).indexOf(0);
      if (nul < 0) throw new PluginFault("helper", "string_length: no NUL within 64 KiB");
      // The length of the text once decoded (invalid UTF-8 becomes U+FFFD).
      const text = new TextDecoder().decode(bytes.subarray(at, at + nul));
      return new TextEncoder().encode(text).length;
    },
  });
}
