/**
 * The stream_scheduling_rr plugin: its schedule on a fake host, on both
 * engines; then on the simulator, the order of the STREAM frames a server
 * sends on several streams at once, with and without it.
 *
 * The plugin reads AK_STREAMHEAD_SEND_QUEUE and returns the handle
 * `picoquic_find_stream` gives as `schedule_next_stream`'s stream.
 */

import assert from "node:assert/strict";
import { ConnectionState } from "../../transport/connection/events.ts";
import type { QlogSink } from "../../transport/connection/qlog_sink.ts";
import { type EngineFactory, interpreter, wasmCompiler } from "../../vm/mod.ts";
import { FakeCall, FakeHost, plugletIndex } from "../_testing.ts";
import { loadFromDisk } from "../_cc_testing.ts";
import { ACCESS_KEYS } from "../helper_ids.ts";
import { instantiatePlugin } from "../instance.ts";
import { simPluginPair } from "../_sim_testing.ts";

const engines: EngineFactory[] = [interpreter, wasmCompiler];
const plugin = loadFromDisk("stream_scheduling_rr");
/** AK_STREAMHEAD_SEND_QUEUE. */
const SEND_QUEUE = ACCESS_KEYS.find((k) => k.name === "AK_STREAMHEAD_SEND_QUEUE")!.value;

/** A fake connection: streams by id with a send-queue flag; runs the plugin's pluglets. */
function fake(engine: EngineFactory) {
  const host = new FakeHost();
  const inst = instantiatePlugin(plugin, host, { engine });
  const run = (op: string, args: number[]) =>
    inst.run(
      plugletIndex(plugin, op),
      new FakeCall(host, op, {
        args,
        anchor: op === "schedule_next_stream" ? "replace" : "post",
      }),
    );
  const open = (id: number, hasData: boolean) => {
    const h = BigInt(1000 + id);
    host.streams.set(BigInt(id), h);
    host.set("stream", SEND_QUEUE, hasData ? 1n : 0n, h);
    run("stream_opened", [id]);
  };
  const setReady = (id: number, v: boolean) =>
    host.set("stream", SEND_QUEUE, v ? 1n : 0n, BigInt(1000 + id));
  const next = () => {
    const h = run("schedule_next_stream", [1200, 0]);
    return h === 0n ? null : Number(h) - 1000;
  };
  return { host, run, open, setReady, next };
}

for (const engine of engines) {
  Deno.test({
    name: `stream_scheduling_rr serves streams with data in turn, by id (${engine.name})`,
    fn() {
      const f = fake(engine);
      assert.equal(f.next(), null, "no stream");
      // Opened out of order; stream 12 has nothing to send.
      for (const [id, data] of [[8, true], [0, true], [12, false], [4, true]] as const) {
        f.open(id, data);
      }
      assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(() => f.next()), [0, 4, 8, 0, 4, 8, 0]);
      f.setReady(4, false);
      f.setReady(12, true);
      assert.deepEqual([1, 2, 3, 4].map(() => f.next()), [8, 12, 0, 8]);
      f.run("stream_closed", [8]);
      f.host.streams.delete(8n);
      assert.deepEqual([1, 2, 3].map(() => f.next()), [12, 0, 12]);
      for (const id of [0, 12]) f.setReady(id, false);
      assert.equal(f.next(), null, "nothing to send");
      assert.equal(f.host.faults.length, 0);
    },
  });

  Deno.test({
    name: `stream_scheduling_rr keeps many streams in order (${engine.name})`,
    fn() {
      const f = fake(engine);
      const ids = Array.from({ length: 100 }, (_, i) => 4 * ((i * 37) % 100));
      for (const id of ids) f.open(id, true);
      const served = ids.map(() => f.next());
      assert.deepEqual(served, [...ids].sort((a, b) => a - b));
      assert.equal(f.host.faults.length, 0);
    },
  });
}

/** The stream id of each STREAM frame the server sends in 1-RTT packets. */
function streamOrder(): { sink: QlogSink; order: number[] } {
  const order: number[] = [];
  const none = () => {};
  const sink: QlogSink = {
    packetReceived: none,
    packetLost: none,
    metricsUpdated: none,
    packetSent(_odcid, _now, _type, _pn, _size, frames) {
      for (const f of frames) {
        if (f.type >= 0x08 && f.type <= 0x0f) order.push((f as unknown as { id: number }).id);
      }
    },
  };
  return { sink, order };
}

/** The server answers on three streams at once, written in the order 8, 0, 4. */
async function threeStreams(withPlugin: boolean, loss = 0) {
  const trace = streamOrder();
  const pair = await simPluginPair({
    server: withPlugin ? [plugin] : [],
    link: { delay: 10_000, bandwidth: 20_000_000, queue: 100, loss },
    seed: 11,
    serverConfig: { qlog: trace.sink },
  });
  const { sim, clientConn: c } = pair;
  sim.run({ until: () => c.state === ConnectionState.Established, maxTime: 2_000_000 });
  const ids = [c.openStream(true)!, c.openStream(true)!, c.openStream(true)!];
  for (const id of ids) c.write(id, new TextEncoder().encode("GET"), true);
  sim.run({
    until: () => (pair.serverConn()?.streams.has(8 as never) ?? false),
    maxTime: 4_000_000,
  });
  const s = pair.serverConn()!;
  const size = 60_000;
  for (const id of [8, 0, 4]) s.write(id as never, new Uint8Array(size).fill(id), true);
  const got = new Map<number, number>(ids.map((id) => [id, 0]));
  const fin = new Set<number>();
  pair.client.app = (conn) => {
    for (const id of ids) {
      for (let r = conn.read(id); r !== null; r = conn.read(id)) {
        got.set(id, got.get(id)! + r.data.length);
        if (r.fin) fin.add(id);
        if (r.data.length === 0) break;
      }
    }
  };
  trace.order.length = 0;
  sim.run({ until: () => fin.size === 3, maxTime: 10_000_000 });
  assert.equal(fin.size, 3, "all three answers arrived");
  for (const id of ids) assert.equal(got.get(id), size);
  return trace.order;
}

/** The first `n` entries of a cyclic order with period 3, or null when it is not one. */
function cycle(order: readonly number[], n: number): number[] | null {
  const head = order.slice(0, 3);
  if (new Set(head).size !== 3) return null;
  for (let i = 0; i < n; i++) if (order[i] !== head[i % 3]) return null;
  return head;
}

Deno.test({
  name:
    "stream_scheduling_rr on the simulator: STREAM frames alternate 0, 4, 8 whatever the write order",
  async fn() {
    const plain = await threeStreams(false);
    const rr = await threeStreams(true);
    // Strict rotation over the three streams while all have data, in id order.
    assert.deepEqual(cycle(rr, 30), [0, 4, 8], `plugin: ${rr.slice(0, 12)}`);
    // The core serves them in the order they got data: 8 first.
    assert.equal(plain[0], 8, `core: ${plain.slice(0, 12)}`);
    assert.deepEqual(cycle(plain, 30), [8, 0, 4]);
  },
});

Deno.test({
  name: "stream_scheduling_rr on a lossy link: lost data is resent in turn, every answer complete",
  async fn() {
    const rr = await threeStreams(true, 0.03);
    assert.deepEqual(cycle(rr, 9), [0, 4, 8], `plugin: ${rr.slice(0, 12)}`);
  },
});
