/**
 * `-P` loading (built-in names, files on disk, built-in paths not on disk,
 * refusals), and the `-S` and summary lines of plugin-carrying connections
 * on the simulator.
 */

import assert from "node:assert/strict";
import { runDownload, simPluginPair } from "../plugins/_sim_testing.ts";
import { loadBuiltin } from "../plugins/builtins.ts";
import {
  builtinNamed,
  CliPluginError,
  DATAGRAM_COUNTERS,
  loadCliPlugin,
  loadCliPlugins,
  MONITORING_COUNTERS,
  MONITORING_PLUGIN,
  pluginCounters,
  PluginStatsFile,
  pluginStatsLines,
  pluginSummaryLines,
} from "./plugins.ts";

/** mov r0, 0; exit */
const RETURN_0 = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

function files(map: Record<string, Uint8Array | string>): (path: string) => Uint8Array | null {
  return (path) => {
    const v = map[path];
    return v === undefined ? null : typeof v === "string" ? new TextEncoder().encode(v) : v;
  };
}

Deno.test("loadCliPlugin() takes a built-in by name, the same object every time", () => {
  const p = loadCliPlugin("monitoring");
  assert.equal(p.name, MONITORING_PLUGIN);
  assert.equal(p, loadBuiltin("monitoring"));
  assert.equal(loadCliPlugin("monitoring"), p);
});

Deno.test("loadCliPlugin() reads a .plugin file and its objects relative to it", () => {
  const read = files({
    "/x/dir/mine.plugin": "be.example.mine\nstream_opened post sub/a.o\n",
    "/x/dir/sub/a.o": RETURN_0,
  });
  const p = loadCliPlugin("/x/dir/mine.plugin", read);
  assert.equal(p.name, "be.example.mine");
  assert.deepEqual(p.pluglets.map((l) => [l.op, l.anchor, l.file]), [
    ["stream_opened", "post", "sub/a.o"],
  ]);
});

Deno.test("loadCliPlugin() uses the embedded built-in for <name>/<name>.plugin not on disk", () => {
  const p = loadCliPlugin("plugins/no_pacing/no_pacing.plugin", files({}));
  assert.equal(p, loadBuiltin("no_pacing"));
  assert.equal(builtinNamed("/elsewhere/fec/fec.plugin"), "fec");
  // A file on disk wins over the built-in of that name.
  const read = files({
    "plugins/no_pacing/no_pacing.plugin": "be.example.local\nstream_opened post a.o\n",
    "plugins/no_pacing/a.o": RETURN_0,
  });
  assert.equal(loadCliPlugin("plugins/no_pacing/no_pacing.plugin", read).name, "be.example.local");
});

Deno.test("loadCliPlugin() refusals carry the argument and the loader's reason", () => {
  const cases: [string, Record<string, Uint8Array | string>, RegExp][] = [
    ["nonesuch", {}, /^-P nonesuch: no built-in plugin of that name \(built-ins: .*monitoring/],
    ["a/b.plugin", {}, /^-P a\/b\.plugin: the file cannot be read, and no built-in/],
    ["m.plugin", { "m.plugin": "be.x.m\nstream_opened postt a.o\n" }, /postt/],
    ["m.plugin", { "m.plugin": "be.x.m\nstream_opened post a.o\n" }, /a\.o: object file/],
    [
      "m.plugin",
      { "m.plugin": "be.x.m\nstream_opened post a.o\n", "a.o": new Uint8Array([1, 2, 3]) },
      /a\.o: not a loadable object/,
    ],
  ];
  for (const [arg, map, reason] of cases) {
    assert.throws(() => loadCliPlugin(arg, files(map)), (e) => {
      assert.ok(e instanceof CliPluginError);
      assert.equal(e.arg, arg);
      assert.match(e.message, reason);
      return true;
    });
  }
  assert.throws(() => loadCliPlugins(["no_pacing", "nonesuch"]), /-P nonesuch/);
});

Deno.test("pluginSummaryLines() shows the monitoring counts, equal to the connection's own", async () => {
  const monitoring = loadBuiltin("monitoring");
  const pair = await simPluginPair({ client: [monitoring], server: [monitoring], seed: 4 });
  const r = runDownload(pair, 200_000, { close: true });
  assert.ok(r.sha256ok);
  for (const conn of [r.client, r.server!]) {
    const s = conn.stats();
    const m = pluginCounters(conn, "monitoring_get_counter", MONITORING_COUNTERS);
    assert.ok(m !== null);
    assert.equal(m.packetsReceived, s.packetsReceived);
    assert.equal(m.bytesReceived, s.bytesReceived);
    assert.equal(m.packetsLost, s.packetsLost);
    assert.ok(m.packetsSent > 0 && m.packetsSent <= s.packetsSent);
    const lines = pluginSummaryLines(conn);
    assert.equal(lines[0], `  plugins         ${MONITORING_PLUGIN}`);
    assert.ok(
      lines[1]!.startsWith(
        `  monitoring      packets received ${s.packetsReceived} (${s.bytesReceived} bytes), `,
      ),
      lines[1],
    );
  }
  // Not loaded: no counters, no lines.
  const plain = await simPluginPair({ seed: 4 });
  assert.equal(
    pluginCounters(plain.clientConn, "monitoring_get_counter", ["a"]),
    null,
  );
  assert.deepEqual(pluginSummaryLines(plain.clientConn), []);
});

Deno.test("pluginSummaryLines() shows the datagram plugin's counters and the peer's limit", async () => {
  const datagram = loadBuiltin("datagram");
  const pair = await simPluginPair({ client: [datagram], server: [datagram], seed: 5 });
  assert.ok(runDownload(pair, 10_000).sha256ok);
  const d = pluginCounters(pair.clientConn, "datagram_get_counter", DATAGRAM_COUNTERS);
  assert.ok(d !== null);
  assert.equal(d.sent, 0);
  assert.ok(d.peerMax > 0);
  const line = pluginSummaryLines(pair.clientConn).find((l) => l.startsWith("  datagrams"));
  assert.equal(
    line,
    `  datagrams       sent 0, received 0, acked 0, lost 0, refused 0; ` +
      `the peer takes frames up to ${d.peerMax} bytes`,
  );
});

Deno.test("pluginStatsLines() lists each pluglet that ran; PluginStatsFile writes them", async () => {
  const noPacing = loadBuiltin("no_pacing");
  const monitoring = loadBuiltin("monitoring");
  const pair = await simPluginPair({ server: [noPacing, monitoring], seed: 6 });
  assert.ok(runDownload(pair, 50_000).sha256ok);
  const server = pair.serverConn()!;
  const lines = pluginStatsLines(server);
  assert.match(lines[0]!, /^plugin be\.michelfra\.no_pacing: heap high-water .* of .*, no fault$/);
  const calls = Number(/set_next_wake_time pre \(no_pacing\.o\): (\d+) calls/.exec(lines[1]!)?.[1]);
  assert.ok(calls > 0, lines[1]);
  assert.match(lines[1]!, / µs mean, 0 faults, heap high-water 0 B$/);
  const monitoringAt = lines.findIndex((l) => l.startsWith(`plugin ${MONITORING_PLUGIN}`));
  assert.ok(monitoringAt > 1);
  assert.match(lines.at(-1)!, /^ {2}\(\d+ pluglets never called\)$/);
  assert.deepEqual(pluginStatsLines(pair.clientConn), []);

  const dir = Deno.makeTempDirSync();
  try {
    const f = PluginStatsFile.open(`${dir}/stats.txt`);
    f.connection(server, "[10.0.0.1]:5000");
    f.connection(pair.clientConn);
    f.close();
    const text = Deno.readTextFileSync(`${dir}/stats.txt`);
    assert.equal(
      text,
      ["[10.0.0.1]:5000: plugin statistics:", ...lines, "Plugin statistics: no plugin injected"]
        .join("\n") + "\n",
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
