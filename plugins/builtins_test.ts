/**
 * The built-in C plugins, loaded from their committed objects and run on
 * both engines against a fake host.
 */

import assert from "node:assert/strict";
import { type EngineFactory, interpreter, wasmCompiler } from "../vm/mod.ts";
import { FakeCall, FakeHost, plugletIndex } from "./_testing.ts";
import { ACCESS_KEYS } from "./helper_ids.ts";
import { BUILTIN_PLUGINS, loadBuiltin } from "./builtins.ts";
import { EMBEDDED } from "./builtins_embedded.ts";
import { instantiatePlugin } from "./instance.ts";
import { type LoadedPlugin, loadPlugin } from "./loader.ts";

const engines: EngineFactory[] = [interpreter, wasmCompiler];
const U64_MAX = 0xffff_ffff_ffff_ffffn;

function read(p: string): Uint8Array | null {
  try {
    return Deno.readFileSync(p);
  } catch {
    return null;
  }
}

function builtin(name: string): LoadedPlugin {
  return loadPlugin(new URL(`./${name}/${name}.plugin`, import.meta.url).pathname, read);
}

function key(name: string): number {
  return ACCESS_KEYS.find((k) => k.name === name)!.value;
}

const PACING = key("AK_PATH_PACING_ENABLED");
const CWIN = key("AK_PATH_CWIN");
const NB_PATHS = key("AK_CNX_NB_PATHS");
const PATH = key("AK_CNX_PATH");

const COUNTERS = [
  "packets_received",
  "bytes_received",
  "packets_sent",
  "bytes_sent",
  "packets_lost",
  "rtt_samples",
  "rtt_min",
  "rtt_max",
  "rtt_latest",
  "streams_opened",
  "streams_closed",
];

for (const engine of engines) {
  Deno.test(`monitoring counts packets, losses, RTT and streams (${engine.name})`, () => {
    const plugin = builtin("monitoring");
    assert.equal(plugin.name, "be.mpiraux.monitoring");
    const host = new FakeHost();
    const inst = instantiatePlugin(plugin, host, { engine });
    const run = (op: string, args: (bigint | number)[], param?: number) =>
      inst.run(
        plugletIndex(plugin, op, param),
        new FakeCall(host, op, { args, ...(param === undefined ? {} : { param }) }),
      );
    // A model of what the counters must be.
    const expect = new Map<string, bigint>(COUNTERS.map((c) => [c, 0n]));
    const add = (c: string, v: bigint) => expect.set(c, expect.get(c)! + v);
    for (const len of [1200, 100, 50]) {
      run("header_parsed", [0, 0, 7, len]);
      add("packets_received", 1n);
      add("bytes_received", BigInt(len));
    }
    for (const [h, len] of [[21n, 1000n], [22n, 500n]] as const) {
      run("segment_prepared", [h, len]);
      add("packets_sent", 1n);
      add("bytes_sent", len);
    }
    run("packet_was_lost", [21, 0]);
    add("packets_lost", 1n);
    for (const rtt of [30_000n, 20_000n, 40_000n, 25_000n]) run("update_rtt", [2, rtt, 0, 0]);
    expect.set("rtt_samples", 4n).set("rtt_min", 20_000n).set("rtt_max", 40_000n);
    expect.set("rtt_latest", 25_000n);
    run("stream_opened", [0]);
    run("stream_opened", [4]);
    run("stream_closed", [0]);
    expect.set("streams_opened", 2n).set("streams_closed", 1n);
    const get = (i: number) => run("monitoring_get_counter", [i]);
    COUNTERS.forEach((c, i) => assert.equal(get(i), expect.get(c), c));
    assert.equal(get(12), 0n); // past the last counter
    assert.equal(get(1000), 0n);
    // Closing emits one summary.
    run("connection_state_changed", [0, 1]);
    assert.equal(host.qlogs.length, 0);
    run("connection_state_changed", [1, 2]);
    run("connection_state_changed", [2, 3]);
    assert.equal(host.qlogs.length, 1);
    assert.equal(host.qlogs[0]!.name, "monitoring:summary");
    assert.equal(host.qlogs[0]!.plugin, "be.mpiraux.monitoring");
    assert.deepEqual(host.qlogs[0]!.data, Object.fromEntries(expect));
    assert.deepEqual(host.logs, ["monitoring: 3 packets received, 2 sent, 1 lost\n"]);
    assert.equal(host.faults.length, 0);
    const stats = inst.stats();
    assert.equal(stats.heapInUse, 96); // the 12 counters
    const rtt = stats.pluglets[plugletIndex(plugin, "update_rtt")]!;
    assert.equal(rtt.calls, 4);
    assert.equal(rtt.faults, 0);
    assert.ok(rtt.totalTimeUs > 0);
    assert.equal(rtt.heapHighWater, 96);
  });

  Deno.test(`monitoring keeps separate counters per connection (${engine.name})`, () => {
    const plugin = builtin("monitoring");
    const a = new FakeHost();
    const b = new FakeHost();
    const ia = instantiatePlugin(plugin, a, { engine });
    const ib = instantiatePlugin(plugin, b, { engine });
    const i = plugletIndex(plugin, "stream_opened");
    const g = plugletIndex(plugin, "monitoring_get_counter");
    ia.run(i, new FakeCall(a, "stream_opened", { args: [0] }));
    ia.run(i, new FakeCall(a, "stream_opened", { args: [4] }));
    ib.run(i, new FakeCall(b, "stream_opened", { args: [0] }));
    assert.equal(ia.run(g, new FakeCall(a, "monitoring_get_counter", { args: [9] })), 2n);
    assert.equal(ib.run(g, new FakeCall(b, "monitoring_get_counter", { args: [9] })), 1n);
  });

  Deno.test(`no_pacing turns pacing off on every path (${engine.name})`, () => {
    const plugin = builtin("no_pacing");
    assert.equal(plugin.pluglets[0]!.anchor, "pre");
    const host = new FakeHost().set("cnx", NB_PATHS, 2n);
    host.set("cnx", PATH, 11n, 0n, 0).set("cnx", PATH, 12n, 0n, 1);
    host.set("path", PACING, 1n, 11n).set("path", PACING, 1n, 12n).set("path", PACING, 1n, 13n);
    const inst = instantiatePlugin(plugin, host, { engine });
    assert.equal(
      inst.run(0, new FakeCall(host, "set_next_wake_time", { args: [5], anchor: "pre" })),
      0n,
    );
    assert.deepEqual(host.writes.map((w) => [w.handle, w.key, w.value]), [
      [11n, PACING, 0n],
      [12n, PACING, 0n],
    ]);
    assert.equal(host.get("path", PACING, 13n), 1n); // not a path of the connection
    inst.run(0, new FakeCall(host, "set_next_wake_time", { args: [6], anchor: "pre" }));
    assert.equal(host.writes.length, 2); // already off: nothing written
  });

  Deno.test(`disable_congestion_control pins the window of the notified path (${engine.name})`, () => {
    const plugin = builtin("disable_congestion_control");
    assert.equal(plugin.pluglets[0]!.anchor, "replace");
    const host = new FakeHost().set("path", CWIN, 12_000n, 11n).set("cnx", PATH, 12n, 0n, 0);
    host.set("path", CWIN, 12_000n, 12n);
    const inst = instantiatePlugin(plugin, host, { engine });
    inst.run(
      0,
      new FakeCall(host, "congestion_algorithm_notify", { args: [11, 1, 0, 0, 1200, 9] }),
    );
    assert.equal(host.get("path", CWIN, 11n), U64_MAX);
    assert.equal(host.get("path", CWIN, 12n), 12_000n);
    inst.run(0, new FakeCall(host, "congestion_algorithm_notify", { args: [0, 0, 0, 0, 0, 9] }));
    assert.equal(host.get("path", CWIN, 12n), U64_MAX);
    assert.equal(host.faults.length, 0);
  });
}

Deno.test("loaded built-ins share one program per object file and bind helpers by name", () => {
  // DATAGRAM frames with and without a length (0x30, 0x31) share their object files.
  const datagram: LoadedPlugin = builtin("datagram");
  const frames = datagram.pluglets.filter((p) => p.op === "process_frame");
  assert.equal(frames.length, 2);
  assert.ok(frames[0]!.file === frames[1]!.file && frames[0]!.program === frames[1]!.program);
  const plugin: LoadedPlugin = builtin("monitoring");
  const names = [...plugin.pluglets[plugletIndex(plugin, "connection_state_changed")]!.program
    .helperNames.values()].sort();
  assert.deepEqual(names, [
    "get_cnx",
    "get_cnx_metadata",
    "helper_log",
    "my_malloc",
    "my_memset",
    "qlog_event",
    "set_cnx_metadata",
  ]);
});

Deno.test("the embedded built-ins are the files of plugins/, and load by name", () => {
  // Every plugin directory with its <name>.plugin is a built-in (others join as they land).
  for (const name of ["disable_congestion_control", "fec", "monitoring", "no_pacing"]) {
    assert.ok(BUILTIN_PLUGINS.includes(name), name);
  }
  assert.deepEqual(BUILTIN_PLUGINS, [...BUILTIN_PLUGINS].sort());
  for (const [path, b64] of Object.entries(EMBEDDED)) {
    const onDisk = read(new URL(`./${path}`, import.meta.url).pathname);
    assert.ok(onDisk !== null, `${path} is not on disk`);
    assert.equal(
      btoa(String.fromCharCode(...onDisk)),
      b64,
      `${path} differs from the embedded copy`,
    );
  }
  for (const name of BUILTIN_PLUGINS) {
    const embedded = loadBuiltin(name);
    const disk = builtin(name);
    assert.equal(embedded.name, disk.name);
    assert.deepEqual(
      embedded.pluglets.map((p) => p.program.digest),
      disk.pluglets.map((p) => p.program.digest),
    );
  }
  assert.throws(
    () => loadBuiltin("nope"),
    /Cannot load built-in plugin "nope": unknown \(built-ins: /,
  );
});
