/**
 * The exchange state machine on two simulated connections, with a delegate
 * whose "bundles" are plain bytes and whose plugin is the TypeScript ping
 * plugin of the protoop tests (a frame type of its own).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Connection } from "../connection/connection.ts";
import { ConnectionState } from "../connection/events.ts";
import type { Attachment } from "../protoop/mod.ts";
import type { QlogSink } from "../connection/qlog_sink.ts";
import { SeededRandom } from "../random.ts";
import { CLIENT_ADDR, SERVER_ADDR, simPair } from "../../tests/_conn_sim.ts";
import { PingLog, pingPlugin, pluginEventSink } from "../../tests/_protoop_plugins.ts";
import {
  type ExchangeDelegate,
  exchangeFactory,
  exchangeOf,
  type ExchangeOptions,
  LocalState,
  PeerState,
} from "./mod.ts";
import { type PluginRef, sameDigest } from "./plugin_list.ts";

const NAME = "test.ping";

function bundleBytes(n: number, seed = 5): Uint8Array {
  const b = new Uint8Array(n);
  new SeededRandom(seed).fill(b);
  return b;
}

/** One end's plugin layer: bytes it has, what it accepted, what it attached. */
class FakeLayer {
  readonly have = new Map<string, Uint8Array>();
  readonly received: Uint8Array[] = [];
  readonly attached: string[] = [];
  readonly detached: string[] = [];
  readonly log = new PingLog();
  refuse: string | null = null;
  #attachment: Attachment | null = null;

  constructor(readonly digest: Uint8Array) {}

  delegate(conn: Connection): ExchangeDelegate {
    return {
      has: (p) => this.have.has(p.name) && sameDigest(p.digest, this.digest),
      bundle: (p) => (sameDigest(p.digest, this.digest) ? this.have.get(p.name) ?? null : null),
      accept: (p, bytes) => {
        this.received.push(bytes);
        if (this.refuse !== null) return this.refuse;
        this.have.set(p.name, bytes);
        return null;
      },
      attach: (p) => {
        this.attached.push(p.name);
        this.#attachment = conn.attachPlugin(pingPlugin(this.log, p.name));
        return null;
      },
      detach: (p) => {
        this.detached.push(p.name);
        this.#attachment?.detach();
      },
    };
  }
}

interface Setup {
  size?: number;
  clientHas?: boolean;
  serverInjects?: boolean;
  clientInjects?: boolean;
  clientMax?: number;
  serverTakesPart?: boolean;
  seed?: number;
  loss?: number;
  /** The client's copy has another digest (another version of the plugin). */
  clientDigest?: number;
  /** The client's trace sink. */
  qlog?: QlogSink;
}

async function run(s: Setup) {
  const bundle = bundleBytes(s.size ?? 20_000);
  const digest = new Uint8Array(32).fill(0xd1);
  const ref: PluginRef = { name: NAME, digest };
  const clientRef = s.clientDigest === undefined
    ? ref
    : { name: NAME, digest: new Uint8Array(32).fill(s.clientDigest) };
  const client = new FakeLayer(clientRef.digest);
  const server = new FakeLayer(digest);
  if (s.clientHas === true || s.clientInjects === true) client.have.set(NAME, bundle);
  if (s.serverInjects !== false) server.have.set(NAME, bundle);
  const opts = (layer: FakeLayer, inject: boolean, max?: number) => (c: Connection) => {
    const mine = layer === client ? clientRef : ref;
    const o: ExchangeOptions = {
      delegate: layer.delegate(c),
      supported: layer.have.has(NAME) ? [mine] : [],
      inject: inject ? [mine] : [],
      ...(max === undefined ? {} : { maxBundleSize: max }),
    };
    return o;
  };
  const link = { delay: 10_000, ...(s.loss === undefined ? {} : { loss: s.loss }) };
  const pair = await simPair({
    seed: s.seed ?? 3,
    link,
    client: {
      plugins: [exchangeFactory(opts(client, s.clientInjects === true, s.clientMax))],
      ...(s.qlog === undefined ? {} : { qlog: s.qlog }),
    },
    server: s.serverTakesPart === false
      ? {}
      : { plugins: [exchangeFactory(opts(server, s.serverInjects !== false))] },
  });
  return { ...pair, cl: client, sl: server, bundle, ref };
}

/** The plugin is active at both ends. */
function bothActive(
  t: { client: { conn: Connection | null }; server: { conn: Connection | null } },
) {
  const active = (c: Connection | null) => c !== null && exchangeOf(c)!.isActive(NAME);
  return active(t.client.conn) && active(t.server.conn);
}

function states(conn: Connection | null) {
  const e = conn === null ? undefined : exchangeOf(conn)?.entry(NAME);
  return e === undefined ? null : [e.local, e.peer];
}

Deno.test("PluginExchange transfers a missing plugin and activates it at both ends", async () => {
  const t = await run({});
  t.sim.run({
    until: () =>
      t.client.conn!.state === ConnectionState.Established &&
      exchangeOf(t.client.conn!)!.isActive(NAME) &&
      t.server.conn !== null && exchangeOf(t.server.conn)!.isActive(NAME),
    maxTime: 10_000_000,
  });
  assert.deepEqual(t.cl.received, [t.bundle], "the client received the server's bytes");
  assert.deepEqual(t.cl.attached, [NAME]);
  assert.deepEqual(t.sl.attached, [NAME]);
  assert.deepEqual(states(t.client.conn), [LocalState.Attached, PeerState.Active]);
  assert.deepEqual(states(t.server.conn), [LocalState.Attached, PeerState.Active]);
  const kinds = exchangeOf(t.client.conn!)!.events.map((e) => e.type);
  assert.deepEqual(kinds, ["negotiated", "requested", "received", "attached", "active"]);
  const active = exchangeOf(t.client.conn!)!.events.at(-1)!;
  assert.ok(active.type === "active" && active.transferred);
  assert.deepEqual(exchangeOf(t.server.conn!)!.events.map((e) => e.type), [
    "negotiated",
    "serving",
    "attached",
    "active",
  ]);
  // The plugin's frames flow both ways now.
  for (let i = 0; i < 5; i++) t.client.conn!.callExtern("ping_send", [BigInt(i)]);
  t.sim.runFor(200_000);
  assert.deepEqual(t.sl.log.pings, [0n, 1n, 2n, 3n, 4n]);
  assert.deepEqual(t.cl.log.pongs, [0n, 1n, 2n, 3n, 4n]);
});

Deno.test("PluginExchange holds a plugin's frames until the peer announced ACTIVE", async () => {
  const t = await run({});
  let heldAtBooking: boolean | null = null;
  let serverAttachedBeforePing = true;
  t.client.app = (c) => {
    const e = exchangeOf(c)!.entry(NAME);
    if (heldAtBooking === null && e?.local === LocalState.Attached) {
      // Booked as soon as the client attached: the server has not yet.
      c.callExtern("ping_send", [42n]);
      heldAtBooking = c.reservations.isHeld(NAME);
    }
  };
  t.server.app = (c) => {
    if (t.sl.log.pings.length > 0 && states(c)?.[0] !== LocalState.Attached) {
      serverAttachedBeforePing = false;
    }
  };
  t.sim.run({ until: () => t.sl.log.pings.length > 0, maxTime: 10_000_000 });
  assert.equal(heldAtBooking, true);
  assert.equal(serverAttachedBeforePing, true);
  assert.deepEqual(t.sl.log.pings, [42n]);
  assert.equal(t.client.conn!.state, ConnectionState.Established);
});

Deno.test("PluginExchange uses the plugin an end already has (no transfer)", async () => {
  const t = await run({ clientHas: true });
  t.sim.run({
    until: () => bothActive(t),
    maxTime: 10_000_000,
  });
  assert.deepEqual(t.cl.received, []);
  const kinds = exchangeOf(t.client.conn!)!.events.map((e) => e.type);
  assert.ok(!kinds.includes("requested"), kinds.join());
  assert.ok(!exchangeOf(t.server.conn!)!.events.some((e) => e.type === "serving"));
});

Deno.test("PluginExchange works from client to server (the client injects)", async () => {
  const t = await run({ clientInjects: true, serverInjects: false });
  t.sim.run({
    until: () => bothActive(t),
    maxTime: 10_000_000,
  });
  assert.deepEqual(t.sl.received, [t.bundle]);
  assert.deepEqual(t.cl.received, []);
});

Deno.test("PluginExchange: a refused bundle is disabled at both ends, the connection goes on", async () => {
  const t = await run({});
  t.cl.refuse = "bad signature";
  t.sim.run({
    until: () => t.server.conn !== null && states(t.server.conn)?.[1] === PeerState.Refused,
    maxTime: 10_000_000,
  });
  t.sim.runFor(300_000);
  assert.deepEqual(t.cl.attached, []);
  assert.deepEqual(t.sl.attached, [], "the server never attached it");
  assert.deepEqual(states(t.client.conn), [LocalState.Refused, PeerState.Ready]);
  assert.deepEqual(states(t.server.conn), [LocalState.Refused, PeerState.Refused]);
  const refused = exchangeOf(t.server.conn!)!.events.find((e) => e.type === "refused");
  assert.ok(refused?.type === "refused" && refused.by === "peer");
  assert.equal(refused.reason, "bad signature");
  assert.equal(t.client.conn!.state, ConnectionState.Established);
  assert.equal(t.server.conn!.state, ConnectionState.Established);
});

Deno.test("PluginExchange refuses a bundle over its size limit before receiving it", async () => {
  const t = await run({ size: 50_000, clientMax: 10_000 });
  t.sim.run({
    until: () => t.server.conn !== null && states(t.server.conn)?.[1] === PeerState.Refused,
    maxTime: 10_000_000,
  });
  t.sim.runFor(300_000);
  assert.deepEqual(t.cl.received, []);
  const e = exchangeOf(t.client.conn!)!.entry(NAME)!;
  assert.match(e.reason ?? "", /bundle of 50000 bytes exceeds the limit of 10000 bytes/);
  assert.equal(t.client.conn!.state, ConnectionState.Established);
  // The server stopped sending: far fewer bytes than the bundle crossed the link.
  const sent = t.sim.link(SERVER_ADDR.hostname, CLIENT_ADDR.hostname).stats.bytes;
  assert.ok(sent < 30_000, `server sent ${sent} bytes`);
});

Deno.test("PluginExchange without a peer that takes part activates nothing", async () => {
  const t = await run({ clientInjects: true, serverTakesPart: false });
  t.sim.run({
    until: () => t.client.conn!.state === ConnectionState.Established,
    maxTime: 10_000_000,
  });
  t.sim.runFor(100_000);
  const x = exchangeOf(t.client.conn!)!;
  assert.equal(x.peerTakesPart, false);
  assert.deepEqual(states(t.client.conn), [LocalState.Refused, PeerState.Unknown]);
  assert.match(x.entry(NAME)!.reason!, /does not take part/);
  assert.deepEqual(t.cl.attached, []);
  assert.equal(t.server.conn!.state, ConnectionState.Established);
});

Deno.test("PluginExchange completes a 200 KB transfer under 10% loss", async () => {
  for (const seed of [11, 12]) {
    const t = await run({ size: 200_000, loss: 0.1, seed });
    t.sim.run({
      until: () => bothActive(t),
      maxTime: 30_000_000,
    });
    assert.deepEqual(t.cl.received, [t.bundle], `seed ${seed}`);
    assert.equal(t.client.conn!.state, ConnectionState.Established);
  }
});

Deno.test("PluginExchange: both ends asking for the same plugin activate it without a transfer", async () => {
  const t = await run({ clientInjects: true });
  t.sim.run({
    until: () => bothActive(t),
    maxTime: 10_000_000,
  });
  assert.deepEqual([t.cl.received, t.sl.received], [[], []]);
  assert.deepEqual([t.cl.attached, t.sl.attached], [[NAME], [NAME]]);
});

Deno.test("PluginExchange: two versions of one plugin are refused at both ends", async () => {
  const t = await run({ clientInjects: true, clientDigest: 0xd2 });
  t.sim.run({
    until: () => t.server.conn !== null && states(t.server.conn) !== null,
    maxTime: 1e7,
  });
  t.sim.runFor(200_000);
  for (const conn of [t.client.conn!, t.server.conn!]) {
    const e = exchangeOf(conn)!.entry(NAME)!;
    assert.equal(e.local, LocalState.Refused);
    assert.match(e.reason!, /different versions/);
    assert.equal(conn.state, ConnectionState.Established);
  }
  assert.deepEqual([t.cl.attached, t.sl.attached, t.cl.received], [[], [], []]);
});

Deno.test("PluginExchange reports its events to the qlog sink as exchange:* plugin events", async () => {
  const { sink, events } = pluginEventSink();
  const t = await run({ qlog: sink });
  t.sim.run({ until: () => exchangeOf(t.client.conn!)!.isActive(NAME), maxTime: 10_000_000 });
  const seen = events.map((e) => `${e.plugin} ${e.name} ${e.data.plugin ?? e.data.plugins}`);
  assert.deepEqual(seen, [
    `pquic.exchange exchange:negotiated ${NAME}`,
    `pquic.exchange exchange:requested ${NAME}`,
    `pquic.exchange exchange:received ${NAME}`,
    `pquic.exchange exchange:attached ${NAME}`,
    `pquic.exchange exchange:active ${NAME}`,
  ]);
});
