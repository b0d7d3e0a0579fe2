/**
 * The FEC plugin fetched through plugin exchange (issues #8 and #9): a server
 * asks for `fec.plugin` at both ends (`-Q`), a client with an empty cache
 * receives the bundle, checks it, caches it and runs it in that same
 * connection; SFPID and REPAIR frames flow and packets lost on the wire are
 * rebuilt, byte-exact: on the simulated network, and over real UDP with the
 * command (`pquic -Q plugins/fec/fec.plugin`, a client with `-C`) through
 * `pquic relay` dropping 3% of the datagrams.
 *
 * @module
 */

import assert from "node:assert/strict";
import { runDownload, simPluginPair } from "../plugins/_sim_testing.ts";
import { builtinReader } from "../plugins/builtins.ts";
import { fecCounters } from "../plugins/fec_hold.ts";
import { offerPlugin, pluginExchange } from "../plugins/exchange/session.ts";
import { injectedPlugins } from "../plugins/inject.ts";
import type { Connection } from "../transport/connection/connection.ts";
import { type ExchangeEvent, exchangeOf } from "../transport/exchange/mod.ts";
import { findPatternMismatch } from "../apps/content.ts";
import { Buffer } from "node:buffer";
import { ConnectionState } from "../transport/connection/events.ts";
import { CLIENT_ADDR, payload, SERVER_ADDR } from "./_conn_sim.ts";
import { withTempCache } from "./_exchange_plugins.ts";
import { freeUdpPort, pquic, ROOT, tempCache } from "./peers/_util.ts";

const FEC = offerPlugin("fec/fec.plugin", builtinReader());

/** fec.h's counters through the plugin's extern fec_get_counter. */
function counter(conn: Connection, which: number): number {
  return Number(conn.ops.callExtern(conn, "fec_get_counter", [BigInt(which)]));
}
const FC_SOURCE = 0;
const FC_RX_SOURCE = 4;
const FC_RX_REPAIR = 5;
const FC_RECOVERED = 7;

Deno.test("fec.plugin fetched by a client that lacks it rebuilds lost packets in the same connection", () =>
  withTempCache(async (t) => {
    const events: ExchangeEvent[] = [];
    const link = { delay: 20_000, loss: 0.04 };
    const pair = await simPluginPair({
      seed: 13,
      link,
      clientConfig: {
        plugins: [pluginExchange({ store: t.store, onEvent: (_c, e) => events.push(e) })],
      },
      serverConfig: { plugins: [pluginExchange({ inject: [FEC] })] },
    });
    const active = (c: Connection | null) => c !== null && exchangeOf(c)!.isActive(FEC.name);
    pair.sim.run({
      until: () => active(pair.clientConn) && active(pair.serverConn()),
      maxTime: 20_000_000,
    });
    assert.deepEqual(events.map((e) => e.type), [
      "negotiated",
      "requested",
      "received",
      "attached",
      "active",
    ]);
    assert.deepEqual(t.store.list().map((e) => e.name), [FEC.name], "cached");
    const server = pair.serverConn()!;
    const before = pair.sim.link(SERVER_ADDR.hostname, CLIENT_ADDR.hostname).stats;
    const droppedBefore = before.dropped.loss + before.dropped.burst;
    const r = runDownload(pair, 400_000);
    assert.equal(r.sha256ok, true);
    for (const c of [r.client, server]) {
      assert.deepEqual(injectedPlugins(c).map((p) => [p.name, p.fault]), [[FEC.name, null]]);
    }
    const st = pair.sim.link(SERVER_ADDR.hostname, CLIENT_ADDR.hostname).stats;
    const dropped = st.dropped.loss + st.dropped.burst - droppedBefore;
    assert.ok(dropped >= 5, `dropped ${dropped}`);
    // SFPID and REPAIR flow server → client, RECOVERED back.
    const source = counter(server, FC_SOURCE);
    assert.ok(source > 200, `source ${source}`);
    assert.equal(server.stats().pluginFramesSent["SFPID"], source);
    assert.ok(counter(r.client, FC_RX_SOURCE) >= source - dropped);
    assert.ok(counter(r.client, FC_RX_REPAIR) >= source / 5 - dropped);
    const rebuilt = fecCounters(r.client)!.recovered;
    assert.equal(counter(r.client, FC_RECOVERED), rebuilt);
    assert.ok(rebuilt >= dropped / 3, `rebuilt ${rebuilt} of ${dropped}`);
    pair.sim.runFor(1_000_000); // the last RECOVERED frames reach the server (or are resent)
    assert.equal(server.stats().pluginFramesReceived["RECOVERED"], rebuilt);
    // What the client rebuilt was not sent again.
    const again = new Set(fecCounters(server)!.retransmittedPns);
    assert.deepEqual(fecCounters(r.client)!.recoveredPns.filter((pn) => again.has(pn)), []);
  }));

Deno.test("fec.plugin fetched while the client uploads: no SFPID reaches the server before it attached", () =>
  withTempCache(async (t) => {
    const pair = await simPluginPair({
      seed: 5,
      link: { delay: 10_000 },
      clientConfig: { plugins: [pluginExchange({ store: t.store })] },
      serverConfig: { plugins: [pluginExchange({ inject: [FEC] })] },
    });
    // The client sends 600 KB from the start: it attaches the plugin (after the transfer) one
    // round trip before the server does, with stream data waiting all along.
    const data = payload(600_000, 3);
    let id: number | null = null;
    let written = 0;
    pair.client.app = (c) => {
      if (c.state !== ConnectionState.Established) return;
      id ??= c.openStream(true);
      if (id === null) return;
      while (written < data.length) {
        const k = c.write(id, data.subarray(written, written + 65536));
        if (k === 0) break;
        written += k;
      }
      if (written === data.length) {
        c.finish(id);
        written++;
      }
    };
    const got: Uint8Array[] = [];
    let fin = false;
    pair.server.app = (c) => {
      for (const e of pair.server.events) {
        if (e.type !== "streamOpened") continue;
        for (let r = c.read(e.id); r !== null && (r.data.length > 0 || r.fin); r = c.read(e.id)) {
          got.push(r.data.slice());
          if (r.fin) fin = true;
          if (r.fin || r.data.length === 0) break;
        }
      }
    };
    pair.sim.run({
      until: () => fin || (pair.clientConn.state >= ConnectionState.Closing),
      maxTime: 30_000_000,
    });
    const server = pair.serverConn()!;
    assert.equal(pair.clientConn.state, ConnectionState.Established, "not closed");
    assert.equal(server.state, ConnectionState.Established);
    assert.ok(fin);
    assert.deepEqual(Buffer.concat(got), Buffer.from(data));
    assert.ok(exchangeOf(server)!.isActive(FEC.name));
    // The upload became source symbols once both ends had the plugin.
    assert.ok(counter(server, FC_RX_SOURCE) > 50, `${counter(server, FC_RX_SOURCE)}`);
  }));

/** "name N" counts of one summary line part ("SFPID 9, REPAIR 2"). */
function counts(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/([A-Z_]+) (\d+)/g)) out[m[1]!] = Number(m[2]);
  return out;
}

/** A summary's plugin frame counts: [sent, received]. */
function pluginFrames(text: string): [Record<string, number>, Record<string, number>] {
  const m = text.match(/plugin frames\s+sent ([^;\n]*); received ([^\n]*)/);
  assert.ok(m !== null, text);
  return [counts(m[1]!), counts(m[2]!)];
}

Deno.test("over UDP: pquic -Q fec.plugin, a client with an empty -C fetches it and rebuilds losses through pquic relay", async () => {
  const serverPort = freeUdpPort();
  const relayPort = freeUdpPort();
  const cache = tempCache();
  const out = `${cache.dir}/out`;
  const store = `${cache.dir}/plugins`;
  Deno.mkdirSync(out);
  const server = pquic(["-p", String(serverPort), "-Q", "plugins/fec/fec.plugin"], cache.env, ROOT);
  const relay = pquic(
    ["relay", "--listen", String(relayPort), "--to", `[::1]:${serverPort}`, "--loss", "3%"]
      .concat(["--seed", "9"]),
    cache.env,
    ROOT,
  );
  try {
    await server.waitFor("1 both plugins");
    await relay.waitFor("Relay listening");
    const client = pquic(["-C", store, "-o", out, "::1", String(relayPort), "/1000000"], cache.env);
    const status = await client.done;
    assert.equal(status.code, 0, client.stdout + client.stderr);
    assert.match(client.stdout, /Plugin be\.michelfra\.fecxor: requested from the peer/);
    assert.match(client.stdout, /Plugin be\.michelfra\.fecxor: active at both ends \(transferred/);
    const cached = [...Deno.readDirSync(store)].map((e) => e.name);
    assert.equal(cached.length, 1);
    assert.match(cached[0]!, /^be\.michelfra\.fecxor\.[0-9a-f]{64}\.bundle$/);
    const data = Deno.readFileSync(`${out}/_1000000`);
    assert.equal(data.length, 1_000_000);
    assert.equal(findPatternMismatch(data, 0), -1);
    // The 1 MB answer is about 600 source symbols; one repair symbol per 5.
    const [sent, received] = pluginFrames(client.stdout);
    assert.ok((received["SFPID"] ?? 0) >= 400, client.stdout);
    assert.ok((received["REPAIR"] ?? 0) >= (received["SFPID"] ?? 0) / 6, client.stdout);
    const rebuilt = client.stdout.match(/recovered (\d+) packets here/);
    assert.ok(rebuilt !== null, client.stdout);
    assert.ok(Number(rebuilt[1]) >= 1, client.stdout);
    assert.ok((sent["RECOVERED"] ?? 0) >= Number(rebuilt[1]), client.stdout);
    // The server prints its side when the connection ends: at the client's CONNECTION_CLOSE,
    // or, when the relay dropped that (the server then waits for its idle timeout), at its
    // shutdown.
    await relay.stop();
    assert.equal((await server.stop()).code, 0, server.stdout + server.stderr);
    const [serverSent] = pluginFrames(server.stdout);
    assert.ok((serverSent["SFPID"] ?? 0) >= (received["SFPID"] ?? 0), server.stdout);
  } finally {
    await relay.stop();
    const s = await server.stop();
    assert.equal(s.code, 0, server.stdout + server.stderr);
    await Deno.remove(cache.dir, { recursive: true });
  }
});
