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
  return t;
}
