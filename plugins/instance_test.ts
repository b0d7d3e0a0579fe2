/**
 * Plugin instances and the pquic helpers, through the test plugin
 * testdata/exercise (C, built by build.sh), on both engines.
 */

import assert from "node:assert/strict";
import { diskReader } from "./_sim_testing.ts";
import { type EngineFactory, interpreter, wasmCompiler } from "../vm/mod.ts";
import { FakeCall, FakeHost, plugletIndex } from "./_testing.ts";
import { ACCESS_KEYS } from "./helper_ids.ts";
import { FAULT_RESULT, instantiatePlugin, type PluginInstance } from "./instance.ts";
import { type LoadedPlugin, loadPlugin } from "./loader.ts";
import { loadBuiltin } from "./builtins.ts";

const engines: EngineFactory[] = [interpreter, wasmCompiler];

const read = diskReader;

const plugin: LoadedPlugin = loadPlugin(
  new URL("./testdata/exercise/exercise.plugin", import.meta.url).pathname,
  read,
);

function key(name: string): number {
  return ACCESS_KEYS.find((k) => k.name === name)!.value;
}

/** A host with the path and packet context fields.o reads (path 11, packet context 12), at `time`. */
function fieldsHost(time: number): FakeHost {
  const host = new FakeHost();
  host.time = time;
  host.set("cnx", key("AK_CNX_PATH"), 11n, 0n, 0);
  host.set("path", key("AK_PATH_SMOOTHED_RTT"), 30_000n, 11n);
  host.set("path", key("AK_PATH_PKT_CTX"), 12n, 11n, 2);
  host.objects.set(12n, "pkt_ctx");
  return host;
}

function extern(
  inst: PluginInstance,
  host: FakeHost,
  op: string,
  args: (bigint | number)[] = [],
  opts = {},
) {
  const call = new FakeCall(host, op, { args, anchor: "extern", ...opts });
  return { ret: inst.run(plugletIndex(inst.plugin, op), call), call };
}

for (const engine of engines) {
  const name = (what: string) => `${what} (${engine.name})`;

  Deno.test(name("varint helpers round-trip in plugin memory and host buffers"), () => {
    const host = new FakeHost();
    host.buffers.set(5n, { bytes: new Uint8Array([0xaa, 0x7b, 0xbd, 0x00]), writable: false });
    const out = new Uint8Array(3);
    host.buffers.set(6n, { bytes: out, writable: true });
    const inst = instantiatePlugin(plugin, host, { engine });
    const { ret, call } = extern(inst, host, "t_varint", [5, 6, 15293]);
    assert.equal(ret, 15293n);
    assert.equal(call.outputs[0], 15293n); // 0x7bbd (RFC 9000 §A.1 example)
    assert.equal(call.outputs[1], 2n);
    assert.equal(call.outputs[2], 2n);
    assert.deepEqual([...out], [0x7b, 0xbd, 0]);
    // A value too large for the 3-byte buffer writes nothing.
    const big = extern(inst, host, "t_varint", [5, 6, 1n << 40n]);
    assert.equal(big.ret, 1n << 40n);
    assert.equal(big.call.outputs[2], 0n);
  });

  Deno.test(name("host buffers are copied in and out by handle"), () => {
    const host = new FakeHost();
    const input = new Uint8Array([1, 2, 3, 250]);
    const output = new Uint8Array(4);
    host.buffers.set(5n, { bytes: input, writable: false });
    host.buffers.set(6n, { bytes: output, writable: true });
    const inst = instantiatePlugin(plugin, host, { engine });
    assert.equal(extern(inst, host, "t_copy", [5, 6]).ret, 256n);
    assert.deepEqual([...output], [250, 3, 2, 1]);
    assert.equal(inst.heap.inUse, 0);
    assert.ok(inst.stats().heapHighWater >= 32);
    // The read-only buffer cannot be written.
    extern(inst, host, "t_copy", [6, 5]);
    assert.match(
      host.faults[0]!.message,
      /my_memcpy_to_host: handle 5 is not a writable host buffer/,
    );
  });

  Deno.test(name("plugin_run_protoop marshals inputs, outputs and the param"), () => {
    const host = new FakeHost();
    const inst = instantiatePlugin(plugin, host, { engine });
    const { ret, call } = extern(inst, host, "t_run", [20, 1], {
      onCall: (
        op: string,
        args: readonly bigint[],
        param: number | undefined,
        out?: BigUint64Array,
      ) => {
        if (op === "double_it") {
          out![0] = 2n * (args[0]! + args[1]!);
          return 0n;
        }
        return param === 0x31 ? 1000n : 0n;
      },
    });
    assert.equal(ret, 1042n);
    assert.deepEqual(call.calls, [
      { name: "double_it", args: [20n, 1n], param: undefined },
      { name: "typed", args: [], param: 0x31 },
    ]);
  });

  Deno.test(name("reserve_frames books the slots as the plugin laid them out"), () => {
    const host = new FakeHost();
    const inst = instantiatePlugin(plugin, host, { engine });
    const { ret, call } = extern(inst, host, "t_reserve");
    assert.equal(ret, 120n);
    assert.deepEqual(call.reservations, [[
      { type: 0x30, size: 100, ctx: 0xabcdefn, congestionControlled: true, retransmittable: true },
      { type: 0x31, size: 20, ctx: 0n, congestionControlled: false, retransmittable: false },
    ]]);
  });

  Deno.test(name("each object keeps its own data and globals on the shared memory"), () => {
    const host = new FakeHost();
    const inst = instantiatePlugin(plugin, host, { engine });
    assert.equal(extern(inst, host, "t_counter_a", [5]).ret, 105n);
    assert.equal(extern(inst, host, "t_counter_b").ret, 7001n);
    assert.equal(extern(inst, host, "t_counter_a", [5]).ret, 110n);
    assert.equal(extern(inst, host, "t_counter_b").ret, 7002n);
    assert.deepEqual(host.logs, [
      "counter_a=105",
      "counter_b=7001",
      "counter_a=110",
      "counter_b=7002",
    ]);
    // Another connection starts from the initial data.
    const other = new FakeHost();
    const inst2 = instantiatePlugin(plugin, other, { engine });
    assert.equal(extern(inst2, other, "t_counter_a", [1]).ret, 101n);
  });

  Deno.test(
    name("a nested run of the same plugin leaves the outer stack and inputs intact"),
    () => {
      const host = new FakeHost();
      const inst = instantiatePlugin(plugin, host, { engine });
      const expected = Array.from({ length: 32 }, (_, i) => (7n * BigInt(i + 1)) ^ BigInt(i))
        .reduce((a, b) => a + b, 7n);
      const alone = extern(inst, host, "t_nested", [7]).ret;
      assert.equal(alone, expected);
      let inner = 0n;
      const nested = extern(inst, host, "t_nested", [7], {
        onCall: () => {
          // With an input of its own, in the cell where the outer run's input 0 is.
          inner = extern(inst, host, "t_scribble", [99]).ret;
          return 0n;
        },
      }).ret;
      assert.equal(inner, 1n);
      assert.equal(nested, expected);
    },
  );

  Deno.test(name("field, metadata, time and stream helpers reach the host"), () => {
    const host = fieldsHost(5_000_123);
    host.streams.set(4n, 40n);
    host.set("stream", key("AK_STREAMHEAD_STREAM_ID"), 4n, 40n);
    const inst = instantiatePlugin(plugin, host, { engine });
    const i = plugletIndex(plugin, "process_frame", 0x1c);
    const call = new FakeCall(host, "process_frame", {
      args: [1, 2, 3],
      param: 0x1c,
      returnValue: 77n,
    });
    assert.equal(inst.run(i, call), 30_000n + 1_000_000n + 4n);
    assert.deepEqual([...call.outputs], [0x1cn, 3n, 77n, 5_000_123n]);
    assert.deepEqual(host.writes, [
      {
        kind: "pkt_ctx",
        key: key("AK_PKTCTX_ACK_DELAY_LOCAL"),
        param: 0,
        handle: 12n,
        value: 25_000n,
      },
    ]);
    assert.equal(host.metadata.get("11:9"), 1n);
    inst.run(i, call);
    assert.equal(host.metadata.get("11:9"), 2n);
  });

  Deno.test(
    name("a post observer runs straight from native inputs; its full call on demand"),
    () => {
      const host = fieldsHost(7);
      const inst = instantiatePlugin(plugin, host, { engine, timeEvery: 2 });
      const i = plugletIndex(plugin, "process_frame", 0x1c);
      const line = inst.definition().pluglets.find((p) => p.op === "process_frame")!;
      const full = new FakeCall(host, "process_frame", {
        args: [1, 2, 3],
        param: 0x1c,
        returnValue: 77n,
      });
      let made = 0;
      const direct = {
        param: 0x1c,
        argc: 3,
        native: [{ frame: 1 }, { header: 2 }, 3],
        kinds: Uint8Array.of(0, 0, 1),
        full: () => (made++, full),
      };
      // Timed runs too (the first two, then one in two): every run here is direct.
      for (let n = 0; n < 6; n++) assert.equal(line.pluglet.observe(direct), true);
      // fields.o reads the return value: each run made its full call once.
      assert.equal(made, 6);
      // Param and input count from the cells, the return value and outputs through the full call.
      assert.deepEqual([...full.outputs], [0x1cn, 3n, 77n, 7n]);
      assert.equal(host.metadata.get("11:9"), 6n);
      const stats = inst.stats().pluglets[i]!;
      assert.deepEqual([stats.calls, stats.timedCalls], [6, 4]); // runs 0, 1, 2 and 4
    },
  );

  Deno.test(name("monitoring's per-packet observers run directly without a full call"), () => {
    const host = new FakeHost();
    const mon = loadBuiltin("monitoring");
    const inst = instantiatePlugin(mon, host, { engine, timeEvery: 1_000 });
    const line = inst.definition().pluglets.find((p) => p.op === "header_parsed")!;
    const direct = (n: number) => ({
      param: 0xffff,
      argc: 4,
      native: [{}, null, n, 1000 + n],
      kinds: Uint8Array.of(0, 0, 1, 1),
      full: () => {
        throw new Error("full call made");
      },
    });
    let bytes = 0;
    for (let n = 0; n < 1_003; n++) {
      assert.equal(line.pluglet.observe(direct(n)), true);
      bytes += 1000 + n;
    }
    const counter = (k: number) =>
      inst.run(plugletIndex(mon, "monitoring_get_counter"), new FakeCall(host, "x", { args: [k] }));
    assert.deepEqual(host.faults.map((f) => f.message), []);
    assert.equal(counter(0), 1_003n); // packets received
    assert.equal(counter(1), BigInt(bytes)); // bytes received
    assert.equal(host.faults.length, 0);
  });
}

Deno.test("PluginInstance.definition() binds the lines of each phase", () => {
  const host = new FakeHost();
  const inst = instantiatePlugin(plugin, host, { engine: interpreter });
  const def = inst.definition();
  assert.equal(def.name, "be.test.exercise");
  assert.equal(def.pluglets.length, plugin.pluglets.length);
  assert.deepEqual(def.pluglets.at(-1)!.param, 0x1c);
  assert.equal(inst.definition("negotiated").pluglets.length, 0);
  const i = def.pluglets.findIndex((p) => p.op === "t_counter_b");
  assert.equal(def.pluglets[i]!.pluglet.run(new FakeCall(host, "t_counter_b")), 7001n);
  assert.throws(() => inst.run(999, new FakeCall(host, "x")), RangeError);
});

Deno.test("a faulted instance reports once and runs nothing more", () => {
  const host = new FakeHost();
  const inst = instantiatePlugin(plugin, host, { engine: wasmCompiler });
  // t_copy on a handle that is no buffer: host_buffer_length faults.
  assert.equal(extern(inst, host, "t_copy", [99, 98]).ret, FAULT_RESULT);
  assert.equal(host.faults.length, 1);
  assert.equal(
    host.faults[0]!.message,
    'plugin "be.test.exercise" faulted in t_copy extern (copy.o): host_buffer_length: handle 99 is not a host buffer',
  );
  assert.equal(extern(inst, host, "t_counter_a", [1]).ret, FAULT_RESULT);
  assert.equal(host.logs.length, 0);
  assert.equal(host.faults.length, 1);
  const stats = inst.stats();
  assert.equal(stats.fault, host.faults[0]!.message);
  assert.equal(stats.pluglets[plugletIndex(plugin, "t_copy")]!.faults, 1);
  assert.equal(stats.pluglets[plugletIndex(plugin, "t_counter_a")]!.calls, 0);
});

Deno.test("PluginInstance.stats() times the first runs, then one in timeEvery, and scales", () => {
  const host = new FakeHost();
  // The clock advances 1 ms per read: every timed run measures exactly 1,000 µs.
  let reads = 0;
  let t = 0;
  const clock = () => (reads++, (t += 1));
  const inst = instantiatePlugin(plugin, host, { engine: wasmCompiler, clock, timeEvery: 4 });
  const i = plugletIndex(plugin, "t_counter_b");
  const run = () => inst.run(i, new FakeCall(host, "t_counter_b"));
  for (let n = 0; n < 3; n++) run();
  let s = inst.stats().pluglets[i]!;
  assert.deepEqual([s.calls, s.timedCalls, s.totalTimeUs], [3, 3, 3000]);
  for (let n = 3; n < 14; n++) run();
  s = inst.stats().pluglets[i]!;
  // Runs 0–3 timed, then runs 4, 8 and 12: 7 timed of 14, two clock reads each.
  assert.equal(s.calls, 14);
  assert.equal(s.timedCalls, 7);
  assert.equal(reads, 14);
  // 4 first runs exactly, then 3 timed runs standing for the 10 later ones.
  assert.equal(s.totalTimeUs, 4000 + (3000 * 10) / 3);
  const exact = instantiatePlugin(plugin, host, { engine: wasmCompiler, clock, timeEvery: 1 });
  for (let n = 0; n < 5; n++) exact.run(i, new FakeCall(host, "t_counter_b"));
  assert.deepEqual(
    [exact.stats().pluglets[i]!.timedCalls, exact.stats().pluglets[i]!.totalTimeUs],
    [5, 5000],
  );
  assert.throws(() => instantiatePlugin(plugin, host, { timeEvery: 0 }), RangeError);
});
