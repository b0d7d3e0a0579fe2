/**
 * Plugins on live connections (simulator): injectPlugin and pluginFactory
 * with the built-in monitoring plugin, one instance per connection, refusal
 * of a replace conflict, detach, frame names, log lines and qlog events.
 */

import assert from "node:assert/strict";
import { files, InteropPair } from "../tests/_interop.ts";
import { PING_PAYLOAD, PingLog, pingPlugin, PONG_PAYLOAD } from "../tests/_protoop_plugins.ts";
import type { Connection } from "../transport/connection/connection.ts";
import { Op } from "../transport/protoop/mod.ts";
import { mapReader } from "./_testing.ts";
import {
  loadBuiltinOrFile,
  MON,
  monitoringCounter,
  pluginEventSink,
  runDownload,
  simPluginPair,
} from "./_sim_testing.ts";
import { builtinReader } from "./builtins.ts";
import {
  injectedPlugins,
  injectPlugin,
  pluginFactory,
  pluginFrameName,
  PluginInjectError,
} from "./inject.ts";
import { loadPlugin } from "./loader.ts";
import { interpreter, wasmCompiler } from "../vm/mod.ts";

const MONITORING = loadBuiltinOrFile("monitoring");
const NO_CC = loadBuiltinOrFile("disable_congestion_control");

const C = MON;
const counter = monitoringCounter;

/** Monitoring's counters against the connection's own statistics. */
function assertCountersMatch(conn: Connection): void {
  const s = conn.stats();
  const side = conn.isClient ? "client" : "server";
  assert.equal(counter(conn, C.packetsSent), s.packetsSent, `${side}: packets sent`);
  assert.equal(counter(conn, C.packetsReceived), s.packetsReceived, `${side}: packets received`);
  assert.equal(counter(conn, C.packetsLost), s.packetsLost, `${side}: packets lost`);
  assert.equal(counter(conn, C.bytesReceived), s.bytesReceived, `${side}: bytes received`);
}

Deno.test("injectPlugin() attaches monitoring to a live client; its counters equal the stats", async () => {
  const pair = await simPluginPair({ link: { delay: 10_000, bandwidth: 20_000_000, loss: 0.03 } });
  const injected = injectPlugin(pair.clientConn, MONITORING);
  assert.deepEqual(injectedPlugins(pair.clientConn), [injected]);
  const r = runDownload(pair, 300_000);
  assert.ok(r.sha256ok, `download ended with ${r.result}`);
  assert.ok(r.client.stats().packetsLost > 0, "the link lost packets");
  assertCountersMatch(r.client);
  assert.equal(counter(r.client, C.streamsOpened), 1);
  assert.ok(counter(r.client, C.rttSamples) > 0);
  const st = injected.stats();
  assert.equal(st.fault, null);
  assert.ok(st.pluglets.every((p) => p.faults === 0));
  assert.ok(
    st.pluglets.find((p) => p.op === "header_parsed")!.calls >= r.client.stats().packetsReceived,
  );
});

Deno.test("pluginFactory() in both configs: monitoring counts match on client and server", async () => {
  const pair = await simPluginPair({
    client: [MONITORING],
    server: [MONITORING],
    link: { delay: 5_000, bandwidth: 50_000_000, loss: 0.02 },
    seed: 5,
  });
  const r = runDownload(pair, 400_000);
  assert.ok(r.sha256ok);
  assertCountersMatch(r.client);
  assertCountersMatch(r.server!);
  const [c] = injectedPlugins(r.client);
  const [s] = injectedPlugins(r.server!);
  assert.ok(c !== undefined && s !== undefined && c.instance !== s.instance);
  assert.ok(c.attached && s.attached);
});

Deno.test("pluginFactory() on a server endpoint gives every connection its own instance", async () => {
  const p = await InteropPair.create({
    link: { delay: 5_000, bandwidth: 50_000_000 },
    serverConnection: { plugins: [pluginFactory(MONITORING)] },
  });
  const a = p.connect(files(1, 50_000));
  const b = p.connect(files(2, 80_000, 7));
  p.sim.run({ until: () => a.download.done && b.download.done, maxTime: 30_000_000 });
  assert.ok(
    a.download.done && b.download.done && a.download.mismatches + b.download.mismatches === 0,
  );
  const servers = p.server.accepted;
  assert.equal(servers.length, 2);
  const [ia, ib] = servers.map((s) => injectedPlugins(s)[0]!);
  assert.ok(ia !== undefined && ib !== undefined && ia.instance !== ib.instance);
  for (const s of servers) {
    assert.equal(counter(s, C.packetsSent), s.stats().packetsSent);
  }
  assert.notEqual(counter(servers[0]!, C.packetsSent), counter(servers[1]!, C.packetsSent));
});

Deno.test("injectPlugin() refuses a replace conflict with the reason; nothing of it stays", async () => {
  const pair = await simPluginPair();
  const conn = pair.clientConn;
  injectPlugin(conn, NO_CC);
  const rival = loadPlugin(
    "disable_congestion_control/rival.plugin",
    (path) =>
      path === "disable_congestion_control/rival.plugin"
        ? new TextEncoder().encode(
          "be.test.rival\nstream_opened post disable_cc.o\n" +
            "congestion_algorithm_notify replace disable_cc.o\n",
        )
        : builtinReader()(path),
  );
  assert.throws(
    () => injectPlugin(conn, rival),
    (e: unknown) =>
      e instanceof PluginInjectError && e.plugin === "be.test.rival" &&
      /congestion_algorithm_notify.*be\.michelfra\.disable_congestion_control/.test(e.message),
  );
  assert.equal(conn.ops.plugged[Op.STREAM_OPENED], 0, "the rival's first line was rolled back");
  assert.deepEqual(injectedPlugins(conn).map((p) => p.name), [NO_CC.name]);
  const r = runDownload(pair, 50_000);
  assert.ok(r.sha256ok);
});

Deno.test("a plugin refused by a server endpoint's config drops that Initial; the endpoint goes on", async () => {
  const refusals: unknown[] = [];
  const p = await InteropPair.create({
    server: { onRefused: (e) => refusals.push(e) },
    serverConnection: { plugins: [pluginFactory(NO_CC), pluginFactory(NO_CC)] },
  });
  const a = p.connect(files(1, 1000));
  // The client sends its Initial again on PTO: each one is refused, nothing throws.
  p.sim.run({ until: () => refusals.length >= 2, maxTime: 5_000_000 });
  assert.equal(p.server.endpoint.stats.refused, refusals.length);
  assert.ok(refusals.length >= 2);
  assert.match(
    String(refusals[0]),
    /plugin "be\.michelfra\.disable_congestion_control" replaces it/,
  );
  assert.equal(p.server.accepted.length, 0);
  assert.equal(a.download.done, false);
});

Deno.test("detach() removes every pluglet; the connection goes on without the plugin", async () => {
  const pair = await simPluginPair();
  const inj = injectPlugin(pair.clientConn, MONITORING);
  assert.equal(pair.clientConn.ops.plugged[Op.HEADER_PARSED], 1);
  inj.detach();
  inj.detach();
  assert.equal(inj.attached, false);
  assert.ok(pair.clientConn.ops.isDefault(Op.HEADER_PARSED));
  assert.equal(pair.clientConn.callExtern("monitoring_get_counter", [0n]), null);
  // An unknown extern closes the connection (callExtern's contract): use a fresh pair.
  const pair2 = await simPluginPair();
  const inj2 = injectPlugin(pair2.clientConn, MONITORING);
  inj2.detach();
  const r = runDownload(pair2, 20_000);
  assert.ok(r.sha256ok);
  assert.equal(inj2.stats().pluglets.reduce((n, p) => n + p.calls, 0), 0);
});

Deno.test("frames= names a plugin's frame types in the connection's statistics", async () => {
  const named = loadPlugin(
    "p/named.plugin",
    mapReader({
      "p/named.plugin": `be.test.named frames=0x${PING_PAYLOAD.toString(16)}:PINGP,0x${
        PONG_PAYLOAD.toString(16)
      }:PONGP\nnamed_noop extern noop.o\n`,
      // mov r0, 0; exit
      "p/noop.o": new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]),
    }),
  );
  const clientLog = new PingLog();
  const serverLog = new PingLog();
  const pair = await simPluginPair({
    client: [named],
    server: [named],
    clientConfig: { plugins: [pingPlugin(clientLog)] },
    serverConfig: { plugins: [pingPlugin(serverLog)] },
  });
  runDownload(pair, 10_000);
  for (let i = 0; i < 3; i++) pair.clientConn.callExtern("ping_send", [BigInt(i)]);
  pair.sim.run({ until: () => clientLog.pongs.length === 3, maxTime: pair.sim.now + 2_000_000 });
  assert.equal(pluginFrameName(pair.clientConn, PING_PAYLOAD), "PINGP");
  assert.equal(pluginFrameName(pair.clientConn, 0x30), undefined);
  const c = pair.clientConn.stats();
  const s = pair.serverConn()!.stats();
  assert.equal(c.pluginFramesSent["PINGP"], 3);
  assert.equal(s.pluginFramesReceived["PINGP"], 3);
  assert.equal(s.pluginFramesSent["PONGP"], 3);
  assert.equal(c.pluginFramesReceived["PONGP"], 3);
  assert.equal(c.framesSent["PINGP"], undefined, "core frame counts do not include them");
});

Deno.test("helper_log lines go to onLog and qlog events to the connection's sink", async () => {
  const { sink, events } = pluginEventSink();
  const logs: string[] = [];
  const pair = await simPluginPair({
    client: [MONITORING],
    clientConfig: { qlog: sink },
    inject: { onLog: (plugin, line) => logs.push(`${plugin}: ${line}`) },
  });
  const r = runDownload(pair, 30_000, { close: true });
  assert.ok(r.sha256ok);
  const summary = events.find((e) => e.name === "monitoring:summary");
  assert.ok(summary !== undefined, "monitoring:summary was emitted at close");
  assert.equal(summary.plugin, MONITORING.name);
  const s = r.client.stats();
  // The summary is taken when the close starts: the close's own packet is not in it.
  assert.equal(summary.data["packets_received"], BigInt(s.packetsReceived));
  assert.ok(BigInt(summary.data["packets_sent"]!) <= BigInt(s.packetsSent));
  assert.equal(logs.filter((l) => l.startsWith(`${MONITORING.name}: monitoring:`)).length, 1);
});

Deno.test("injectPlugin() with the reference interpreter counts the same as with Wasm", async () => {
  const counts = [];
  for (const engine of [interpreter, wasmCompiler]) {
    const pair = await simPluginPair({ seed: 8, link: { delay: 5_000, loss: 0.02 } });
    injectPlugin(pair.clientConn, MONITORING, { engine });
    const r = runDownload(pair, 100_000);
    assert.ok(r.sha256ok);
    assertCountersMatch(r.client);
    counts.push(counter(r.client, C.packetsReceived));
  }
  assert.equal(counts[0], counts[1], "same seed, same run, whatever the engine");
});
