/**
 * The hostile corpus (testdata/hostile/) on live connections: each plugin is
 * refused with its reason before anything is attached, or — once a pluglet
 * faults — detached from its connection, which closes with INTERNAL_ERROR
 * and a reason naming the plugin, while the server endpoint's other
 * connections go on.
 */

import assert from "node:assert/strict";
import { files, InteropPair } from "../tests/_interop.ts";
import type { Connection } from "../transport/connection/connection.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import { ConnectionState } from "../transport/connection/events.ts";
import { TransportErrorCode } from "../transport/errors.ts";
import { Op } from "../transport/protoop/mod.ts";
import { mapReader } from "./_testing.ts";
import {
  diskReader,
  loadBuiltinOrFile,
  pluginEventSink,
  runDownload,
  simPluginPair,
} from "./_sim_testing.ts";
import { injectedPlugins, injectPlugin, pluginFactory } from "./inject.ts";
import { loadPlugin, PluginLoadError } from "./loader.ts";

const DIR = new URL("./testdata/hostile/", import.meta.url).pathname;
const hostile = (name: string) => loadBuiltinOrFile(`${DIR}${name}.plugin`);

/** The run-time faults of the corpus (all `update_rtt post`), and what their reason says. */
const FAULTING: [string, RegExp][] = [
  ["oob", /out of bounds: write of 8 bytes at 0x1000/],
  ["loop", /fuel exhausted/],
  ["wild_memcpy", /my_memcpy: out of bounds/],
  ["wild_length", /my_memset: n 1099511627776 is too large/],
  ["bad_free", /my_free: 0x[0-9a-f]+ is not a block returned by my_malloc/],
  ["double_free", /my_free: double free/],
  ["bad_key", /get_cnx: unknown access key 0x7f/],
  ["read_only", /set_path: AK_PATH_SMOOTHED_RTT is read-only/],
  ["bad_metadata", /set_cnx_metadata: metadata index 15 is out of range/],
  ["null_deref", /out of bounds: write of 8 bytes at 0x8 /],
  ["wild_string", /helper_log: out of bounds: read of 1 bytes at 0x3000/],
];

function closedEvent(events: readonly ConnectionEvent[]) {
  const e = events.find((e) => e.type === "closed");
  return e?.type === "closed" ? e.error : null;
}

Deno.test("hostile pluglets on a live server: the connection closes with INTERNAL_ERROR naming the plugin", async () => {
  for (const [name, re] of FAULTING) {
    const logs: string[] = [];
    const { sink, events } = pluginEventSink();
    const pair = await simPluginPair({
      server: [hostile(name)],
      serverConfig: { qlog: sink },
      inject: { fuel: 100_000, onLog: (_p, line) => logs.push(line) },
    });
    const r = runDownload(pair, 50_000);
    assert.equal(r.sha256ok, false, name);
    const server = r.server!;
    assert.ok(server.state >= ConnectionState.Closing, `${name}: server closing`);
    const plugin = `be.hostile.${name}`;
    const prefix = `plugin "${plugin}" faulted in update_rtt post (${name}.o): `;
    // The peer hears INTERNAL_ERROR and the reason.
    pair.sim.run({ until: () => pair.client.has("closed"), maxTime: pair.sim.now + 5_000_000 });
    const err = closedEvent(pair.client.events);
    assert.ok(err?.kind === "transportError", `${name}: ${JSON.stringify(err)}`);
    assert.equal(err.code, TransportErrorCode.INTERNAL_ERROR);
    assert.equal(err.remote, true);
    assert.ok(err.reason.startsWith(prefix), `${name}: ${err.reason}`);
    assert.match(err.reason, re);
    // Detached, with its fault recorded, logged and in qlog.
    const [inj] = injectedPlugins(server);
    assert.ok(inj !== undefined && inj.fault !== null && inj.fault.startsWith(prefix));
    assert.equal(inj.attached, false);
    assert.ok(server.ops.isDefault(Op.UPDATE_RTT), `${name}: update_rtt is back to core`);
    assert.equal(inj.stats().pluglets[0]!.faults, 1);
    const faults = events.filter((e) => e.name === "plugin:fault");
    assert.deepEqual(faults, [{ plugin, name: "plugin:fault", data: { message: inj.fault } }]);
    assert.ok(logs.includes(inj.fault), `${name}: logged`);
  }
});

Deno.test("huge allocation on a live connection is refused inside the memory limit; the transfer completes", async () => {
  const plugin = hostile("huge_alloc");
  const pair = await simPluginPair({ client: [plugin], server: [plugin] });
  const r = runDownload(pair, 200_000);
  assert.ok(r.sha256ok);
  for (const conn of [r.client, r.server!]) {
    const st = injectedPlugins(conn)[0]!.stats();
    assert.equal(st.fault, null);
    assert.ok(st.pluglets[0]!.calls > 0);
    assert.ok(
      st.heapHighWater > 0 && st.heapHighWater <= plugin.options.memory,
      `${st.heapHighWater}`,
    );
  }
});

Deno.test("hostile manifests and objects are refused with their reason before anything is attached", () => {
  const cases: [string, new (...a: never[]) => Error, RegExp][] = [
    ["malformed", SyntaxError, /unknown anchor "postt"/],
    ["unknown_option", SyntaxError, /unknown option "sandbox_off"/],
    ["cycle_a", SyntaxError, /include cycle/],
    ["double_replace", SyntaxError, /second replace of "update_rtt" in one plugin/],
    ["missing_object", PluginLoadError, /be\.hostile\.missing_object.*absent\.o.*cannot be read/],
    ["socket", PluginLoadError, /unknown helper 'socket'/],
    ["bad_opcode", PluginLoadError, /refused by the verifier/],
  ];
  for (const [name, type, re] of cases) {
    assert.throws(
      () => hostile(name),
      (e: unknown) => e instanceof type && re.test(e.message),
      name,
    );
  }
});

Deno.test("a second connection on the server endpoint completes while the first is closed for a fault", async () => {
  const monitoring = loadBuiltinOrFile("monitoring");
  const p = await InteropPair.create({
    link: { delay: 5_000, bandwidth: 20_000_000 },
    serverConnection: { plugins: [pluginFactory(monitoring)] },
  });
  const first = p.connect(files(1, 400_000));
  const second = p.connect(files(1, 400_000, 9));
  // Mid-transfer, the first server connection gets a plugin that faults at its next RTT sample.
  let victim: Connection | null = null;
  let injectedAt = -1;
  const app = p.server.app!;
  p.server.app = (c, es, now) => {
    app(c, es, now);
    if (victim === null && c === p.server.accepted[0] && c.stats().bytesSent > 100_000) {
      victim = c;
      injectedAt = now;
      injectPlugin(c, hostile("oob"));
    }
  };
  let closedAt = -1;
  p.sim.run({
    until: () => {
      if (closedAt < 0 && p.closeOf(first.conn) !== null) closedAt = p.sim.now;
      return second.download.done && closedAt >= 0;
    },
    maxTime: 60_000_000,
  });
  assert.ok(victim !== null && injectedAt > 0, "the plugin was injected mid-transfer");
  const err = p.closeOf(first.conn) as { kind: string; code: number; reason: string };
  assert.equal(err.kind, "transportError");
  assert.equal(err.code, TransportErrorCode.INTERNAL_ERROR);
  assert.match(err.reason, /^plugin "be\.hostile\.oob" faulted in update_rtt post \(oob\.o\)/);
  assert.equal(first.download.done, false);
  assert.ok(second.download.done && second.download.mismatches === 0, "the second completed");
  assert.ok(closedAt < second.download.doneAt, "the first closed while the second was running");
  // The second connection's own plugin instance is untouched.
  const other = p.server.accepted[1]!;
  assert.equal(injectedPlugins(other)[0]!.fault, null);
  assert.equal(other.state, ConnectionState.Established);
});

Deno.test("a fault in a protoop another plugin observes detaches only the faulting plugin", async () => {
  const bad = loadPlugin(
    "p/state.plugin",
    mapReader({
      "p/state.plugin": "be.test.oob_state\nconnection_state_changed post oob.o\n",
      "p/oob.o": diskReader(`${DIR}oob.o`)!,
    }),
  );
  const monitoring = loadBuiltinOrFile("monitoring");
  const pair = await simPluginPair({ server: [monitoring, bad] });
  runDownload(pair, 10_000);
  pair.sim.run({ until: () => pair.client.has("closed"), maxTime: pair.sim.now + 5_000_000 });
  const err = closedEvent(pair.client.events);
  assert.ok(err?.kind === "transportError" && err.code === TransportErrorCode.INTERNAL_ERROR);
  assert.match(
    err.reason,
    /^plugin "be\.test\.oob_state" faulted in connection_state_changed post/,
  );
  const [mon, oob] = injectedPlugins(pair.serverConn()!);
  assert.ok(mon!.attached && mon!.fault === null, "monitoring stays");
  assert.ok(!oob!.attached && oob!.fault !== null);
});
