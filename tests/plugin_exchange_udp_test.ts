/**
 * Plugin exchange over real UDP on loopback (issue #8, "done when"): a
 * server started with a plugin to run at both ends (`-Q`: the XPING test
 * plugin, with a frame type of its own) and a client with an empty cache
 * directory (`-C`). The plugin is transferred, verified, cached and active in
 * that same connection and its frames flow; a second connection uses the
 * cache (no transfer).
 *
 * @module
 */

import assert from "node:assert/strict";
import { connectQuic } from "../quic.ts";
import { loopbackClientOptions, loopbackServer, within } from "../io/_quic_test_util.ts";
import { DirectoryPluginStore } from "../io/plugin_cache.ts";
import type { QuicConn } from "../io/quic_conn.ts";
import type { ExchangeEvent } from "../transport/exchange/mod.ts";
import { exchangeOf, LocalState } from "../transport/exchange/mod.ts";
import type { Connection } from "../transport/connection/connection.ts";
import { datagramOffer, tempCache, XPING, xpingOffer } from "./_exchange_plugins.ts";

const ALPN = ["pquic-exchange-test"];
const DATAGRAM = datagramOffer().name;

function isXping(e: ExchangeEvent): boolean {
  return e.type === "negotiated" || e.plugin.name === XPING;
}

/** Resolves when `test` holds (checked every 5 ms), rejects after `ms`. */
function until(test: () => boolean, ms: number, what: string): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      const tick = () => (test() ? resolve() : setTimeout(tick, 5));
      tick();
    }),
    ms,
    what,
  );
}

/** XPING frames received by a connection (only once the plugin is attached there). */
function received(c: Connection): bigint {
  return exchangeOf(c)?.entry(XPING)?.local === LocalState.Attached
    ? c.callExtern("xping_received", [0n]) ?? -1n
    : -1n;
}

Deno.test("over UDP: a plugin is fetched, cached and active in the same connection; the next connection uses the cache", async () => {
  const t = tempCache();
  const serverEvents: ExchangeEvent[] = [];
  const { endpoint, listener, port } = await loopbackServer(ALPN, {
    pluginExchange: {
      inject: [xpingOffer(), datagramOffer()],
      onEvent: (_c, e) => serverEvents.push(e),
    },
  });
  const accepted: QuicConn[] = [];
  const accepting = (async () => {
    for (let i = 0; i < 2; i++) accepted.push(await listener.accept());
  })();
  const connect = async (store: DirectoryPluginStore) => {
    const events: ExchangeEvent[] = [];
    const conn = await connectQuic({
      ...(await loopbackClientOptions(port, ALPN)),
      pluginExchange: { store, onEvent: (_c, e) => events.push(e) },
    });
    const x = () => exchangeOf(conn.connection);
    await until(
      () => x()?.isActive(XPING) === true && x()?.isActive(DATAGRAM) === true,
      10_000,
      "active",
    );
    return { conn, events };
  };
  try {
    const first = await connect(t.store);
    assert.deepEqual(first.events.filter(isXping).map((e) => e.type), [
      "negotiated",
      "requested",
      "received",
      "attached",
      "active",
    ]);
    const cached = [...Deno.readDirSync(t.cache)].map((e) => e.name);
    assert.equal(cached.length, 2);
    assert.match(cached.sort()[1]!, /^be\.pquic\.xping\.[0-9a-f]{64}\.bundle$/);
    await until(() => accepted.length >= 1, 5000, "accept");
    const server = accepted[0]!.connection;
    // Its frames flow both ways.
    for (const v of [1n, 2n, 3n]) first.conn.connection.callExtern("xping_send", [v]);
    first.conn.wake();
    server.callExtern("xping_send", [9n]);
    accepted[0]!.wake();
    await until(
      () => received(server) === 3n && received(first.conn.connection) === 1n,
      5000,
      "XPING frames",
    );
    // RFC 9221 datagrams through the datagram plugin, fetched in this connection too.
    await first.conn.sendDatagram(new Uint8Array([4, 5, 6]));
    const dg = await within(accepted[0]!.readDatagram(), 5000, "a datagram");
    assert.deepEqual([...dg], [4, 5, 6]);
    first.conn.close({ closeCode: 0, reason: "done" });
    await first.conn.closed;

    // A second connection with the same cache directory: no transfer.
    const second = await connect(new DirectoryPluginStore(t.cache));
    assert.deepEqual(second.events.filter(isXping).map((e) => e.type), [
      "negotiated",
      "attached",
      "active",
    ]);
    assert.ok(!second.events.some((e) => e.type === "requested"), "nothing requested");
    assert.equal(serverEvents.filter((e) => e.type === "serving").length, 2, "served once each");
    second.conn.connection.callExtern("xping_send", [4n]);
    second.conn.wake();
    await until(() => accepted.length >= 2, 5000, "second accept");
    await until(() => received(accepted[1]!.connection) === 1n, 5000, "second XPING");
    second.conn.close({ closeCode: 0, reason: "done" });
    await second.conn.closed;
    await accepting;
  } finally {
    await endpoint.close();
    Deno.removeSync(t.dir, { recursive: true });
  }
});
