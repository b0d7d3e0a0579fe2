/**
 * The pquic helpers called directly (edge cases and argument checks), and
 * the log formatter.
 */

import assert from "node:assert/strict";
import {
  type HelperContext,
  type HelperDef,
  InstanceMemory,
  invokeHelper,
  MEMORY_BASE,
  PluginFault,
} from "../vm/mod.ts";
import { FakeCall, FakeHost } from "./_testing.ts";
import { formatLog } from "./format.ts";
import { ACCESS_KEYS, HELPERS } from "./helper_ids.ts";
import { type HelperState, PQUIC_HELPERS } from "./helpers.ts";
import { PluginHeap } from "./memory.ts";

/** Calls a helper of any form as the engines do: u64 registers in, r0 out. */
function invoke(def: HelperDef, ctx: HelperContext, args: bigint[]): bigint {
  return invokeHelper(def, ctx, [0n, ...args, 0n, 0n, 0n, 0n, 0n]);
}

interface Rig {
  ctx: HelperContext;
  st: HelperState;
  host: FakeHost;
  mem: InstanceMemory;
  /** Places bytes in the heap; returns their address. */
  put(bytes: Uint8Array | string): bigint;
  /** Calls a helper by name. */
  h(name: string, ...args: bigint[]): bigint;
}

function rig(call: FakeCall | null = null): Rig {
  const mem = new InstanceMemory({ maxSize: 1 << 20 });
  const host = new FakeHost();
  const heap = new PluginHeap(mem);
  const st: HelperState = { plugin: "be.test.rig", host, heap, call, faulted: false, cells: null };
  const ctx: HelperContext = { memory: mem, data: st };
  return {
    ctx,
    st,
    host,
    mem,
    put(b) {
      const bytes = typeof b === "string" ? new TextEncoder().encode(b + "\0") : b;
      const p = heap.malloc(bytes.length);
      mem.bytes().set(bytes, Number(p - MEMORY_BASE));
      return p;
    },
    h(name, ...args) {
      return invoke(PQUIC_HELPERS.byName(name)!, ctx, args);
    },
  };
}

function u64s(...v: bigint[]): Uint8Array {
  const b = new Uint8Array(v.length * 8);
  v.forEach((x, i) => new DataView(b.buffer).setBigUint64(i * 8, x, true));
  return b;
}

function faults(f: () => unknown, re: RegExp): void {
  assert.throws(f, (e) => e instanceof PluginFault && e.kind === "helper" && re.test(e.message));
}

Deno.test("PQUIC_HELPERS implements every row of helper_ids.ts under its id", () => {
  for (const spec of HELPERS) {
    const def = PQUIC_HELPERS.byName(spec.name)!;
    assert.equal(def.id, spec.id);
    if (def.callNumber !== undefined) assert.equal(def.arity, spec.args.length, spec.name);
  }
  assert.equal(PQUIC_HELPERS.all().length, HELPERS.length);
  // The memory helpers take the BigInt-free form.
  assert.ok(PQUIC_HELPERS.byName("my_memcpy")!.callNumber !== undefined);
  assert.ok(PQUIC_HELPERS.byName("get_cnx")!.call !== undefined);
});

Deno.test("string helpers follow C semantics on plugin memory", () => {
  const r = rig();
  const abc = r.put("abc");
  const abd = r.put("abd");
  assert.equal(r.h("strlen", abc), 3n);
  assert.equal(BigInt.asIntN(64, r.h("strncmp", abc, abd, 3n)), -1n);
  assert.equal(r.h("strncmp", abc, abd, 2n), 0n);
  assert.equal(BigInt.asIntN(64, r.h("memcmp", abd, abc, 3n)), 1n);
  assert.equal(r.h("my_htons", 0x1234n), 0x3412n);
  const unterminated = r.put(new Uint8Array(16).fill(65));
  r.mem.bytes().fill(65, Number(unterminated - MEMORY_BASE), r.mem.size);
  faults(() => r.h("strlen", unterminated), /strlen: string at 0x[0-9a-f]+ has no NUL/);
  faults(() => r.h("memcmp", abc, 0x10n, 4n), /memcmp: out of bounds: read of 4 bytes at 0x10/);
});

Deno.test("varint helpers refuse what does not fit and values of 2^62 or more", () => {
  const r = rig();
  const buf = r.put(new Uint8Array(8));
  const out = r.put(new Uint8Array(8));
  assert.equal(r.h("picoquic_varint_encode", buf, 8n, 1n << 62n), 0n);
  assert.equal(r.h("picoquic_varint_encode", buf, 3n, 1n << 20n), 0n);
  assert.equal(r.h("picoquic_varint_encode", buf, 8n, 494878333n), 4n);
  assert.deepEqual([
    ...r.mem.bytes().slice(Number(buf - MEMORY_BASE), Number(buf - MEMORY_BASE) + 4),
  ], [
    0x9d,
    0x7f,
    0x3e,
    0x7d,
  ]); // RFC 9000 §A.1
  assert.equal(r.h("picoquic_varint_decode", buf, 3n, out), 0n);
  assert.equal(r.h("picoquic_varint_decode", buf, 4n, out), 4n);
  assert.equal(r.mem.view().getBigUint64(Number(out - MEMORY_BASE), true), 494878333n);
  assert.equal(r.h("picoquic_varint_skip", buf), 4n);
  faults(() => r.h("picoquic_varint_decode", buf, 4n, 8n), /picoquic_varint_decode: out of bounds/);
});

Deno.test("helper_log formats with plugin strings and bounds its arguments", () => {
  const call = new FakeCall(new FakeHost(), "x");
  const r = rig(call);
  const fmt = r.put("%s has %u/%d (0x%04x)%c");
  const name = r.put("path");
  r.h("helper_log", fmt, r.put(u64s(name, 3n, 2n ** 64n - 1n, 0xabn, 33n)), 5n);
  assert.deepEqual(r.host.logs, ["path has 3/-1 (0x00ab)!"]);
  faults(() => r.h("helper_log", fmt, 0n, 17n), /helper_log: nargs 17 is too large \(limit 16\)/);
  faults(
    () => r.h("helper_log", fmt, 0x40n, 1n),
    /helper_log: out of bounds: read of 8 bytes at 0x40/,
  );
});

Deno.test("qlog_event checks its name, fields and values", () => {
  const r = rig(new FakeCall(new FakeHost(), "x"));
  const values = r.put(u64s(1n, 2n));
  r.h("qlog_event", r.put("cat:ev"), r.put("a,b"), values, 2n);
  assert.deepEqual(r.host.qlogs, [{
    plugin: "be.test.rig",
    name: "cat:ev",
    data: { a: 1n, b: 2n },
  }]);
  faults(
    () => r.h("qlog_event", r.put("cat:ev"), r.put("a"), values, 2n),
    /1 field names for 2 values/,
  );
  faults(
    () => r.h("qlog_event", r.put("noColon"), r.put("a"), values, 1n),
    /is not "category:event"/,
  );
  faults(
    () => r.h("qlog_event", r.put("c:e"), r.put("a b"), values, 1n),
    /"a b" is not an identifier/,
  );
  faults(() => r.h("qlog_event", r.put("c:e"), r.put(""), values, 33n), /n 33 is too large/);
});

Deno.test("protoop and reservation helpers check counts and sizes", () => {
  const host = new FakeHost();
  const call = new FakeCall(host, "x", {
    onCall: (_n, _a, _p, out) => {
      out!.set([7n, 8n, 9n]);
      return 5n;
    },
  });
  const r = rig(call);
  const name = r.put("inner");
  const outs = r.put(u64s(0n, 0n, 0xeen));
  const pp = (inputc: number, outputc: number, inputv = 0n, outputv = outs) => {
    const b = new Uint8Array(24);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, 0xffff, true);
    dv.setUint8(3, outputc);
    dv.setInt32(4, inputc, true);
    dv.setBigUint64(8, inputv, true);
    dv.setBigUint64(16, outputv, true);
    return r.put(b);
  };
  assert.equal(r.h("plugin_run_protoop", 0n, pp(0, 2), name), 5n);
  const o = Number(outs - MEMORY_BASE);
  assert.deepEqual([0, 8, 16].map((i) => r.mem.view().getBigUint64(o + i, true)), [7n, 8n, 0xeen]);
  assert.deepEqual(call.calls.at(-1), { name: "inner", args: [], param: undefined });
  faults(() => r.h("plugin_run_protoop", 0n, pp(17, 0), name), /inputc 17 is out of range/);
  faults(
    () => r.h("plugin_run_protoop", 0n, pp(2, 0, 0x99n), name),
    /out of bounds: read of 16 bytes/,
  );
  const slot = (size: bigint) =>
    r.put(new Uint8Array([...u64s(size, 0x30n, 0n), ...new Uint8Array(8)]));
  faults(() => r.h("reserve_frames", 0n, 0n, slot(10n)), /nb_frames 0 is out of range/);
  faults(() => r.h("reserve_frames", 0n, 1n, slot(0n)), /slot 0: nb_bytes 0 is out of range/);
  assert.equal(r.h("reserve_frames", 0n, 1n, slot(10n)), 10n);
});

Deno.test("field helpers check keys, handles and the running call", () => {
  const key = (n: string) => BigInt(ACCESS_KEYS.find((k) => k.name === n)!.value);
  const outside = rig(null);
  faults(() => outside.h("get_cnx", 0n, 0n, 0n), /get_cnx: called outside a pluglet run/);
  const host = new FakeHost().set("path", Number(key("AK_PATH_CWIN")), 5000n, 11n);
  const r = rig(new FakeCall(host, "x", { args: [1, 2] }));
  r.st = { ...r.st };
  const ctx: HelperContext = { memory: r.mem, data: { ...r.st, host } };
  const h = (n: string, ...a: bigint[]) => invoke(PQUIC_HELPERS.byName(n)!, ctx, a);
  assert.equal(h("get_path", 11n, key("AK_PATH_CWIN"), 0n), 5000n);
  assert.equal(h("get_cnx", 0n, key("AK_CNX_INPUT"), 1n), 2n);
  faults(() => h("get_cnx", 0n, key("AK_CNX_INPUT"), 2n), /input 2 does not exist \(2 inputs\)/);
  faults(() => h("get_path", 12n, key("AK_PATH_CWIN"), 0n), /get_path: handle 12 is not a path/);
  faults(() => h("get_path", 0n, key("AK_PATH_CWIN"), 0n), /get_path: path is NULL/);
  faults(() => h("set_cnx", 0n, key("AK_CNX_STATE"), 0n, 1n), /set_cnx: AK_CNX_STATE is read-only/);
  faults(() => h("get_pkt", 11n, 0x10000n), /get_pkt: unknown access key 0x10000/);
  faults(() => h("get_path_metadata", 0n, 11n, 10n), /metadata index 10 is out of range/);
  h("set_path", 11n, key("AK_PATH_CWIN"), 0n, 1n << 63n);
  assert.equal(host.get("path", Number(key("AK_PATH_CWIN")), 11n), 1n << 63n);
});

Deno.test("formatLog() pads, signs and cuts like printf", () => {
  const s = () => "str";
  assert.equal(formatLog("%5s|%-5s|%c", [0n, 0n, 65n], s), "  str|str  |A");
  assert.equal(formatLog("%ld %llu %zu %X %p", [5n, 6n, 7n, 255n, 16n], s), "5 6 7 FF 0x10");
  assert.equal(formatLog("%05d", [2n ** 64n - 42n], s), "-0042");
  assert.equal(formatLog("%d %d", [1n], s), "1 (missing)");
  assert.equal(formatLog("%q %", [], s), "%q %");
  assert.equal(formatLog("%2000d", [1n], s).length, 1024);
});
