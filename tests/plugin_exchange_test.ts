/**
 * Plugin exchange end to end on the simulated network (issue #8): a server
 * asks for a plugin with a frame type of its own (the XPING test plugin, eBPF
 * built by clang) at both ends; a client with an empty cache receives it,
 * checks it, caches it and runs it in the same connection; a second
 * connection uses the cache. Every refusal (tampered bundle, bad signature,
 * oversized bundle, path escape, malformed ELF, verifier refusal) leaves the
 * plugin off at both ends, the connection up, and the cache directory
 * untouched.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DirectoryPluginStore } from "../io/plugin_cache.ts";
import { writeArchive } from "../plugins/exchange/archive.ts";
import {
  DEFAULT_BUNDLE_LIMITS,
  encodeBundle,
  signBundle,
  unpackBundle,
} from "../plugins/exchange/bundle.ts";
import {
  type OfferedPlugin,
  pluginExchange,
  type PluginExchangeOptions,
} from "../plugins/exchange/session.ts";
import { injectedPlugins } from "../plugins/inject.ts";
import { ed25519PrivateKey, publicKeyOf } from "../plugins/exchange/keys.ts";
import type { Connection } from "../transport/connection/connection.ts";
import { ConnectionState } from "../transport/connection/events.ts";
import {
  type ExchangeEvent,
  exchangeOf,
  LocalState,
  PeerState,
} from "../transport/exchange/mod.ts";
import { simPair } from "./_conn_sim.ts";
import {
  datagramOffer,
  packFiles,
  withTempCache,
  XPING,
  XPING_DIR,
  xpingFiles,
  xpingOffer,
} from "./_exchange_plugins.ts";

const NAME = XPING;
const DIR = XPING_DIR;
const files = xpingFiles;
const pack = packFiles;
const GOOD = xpingOffer();

/** The good plugin, but other bytes on the wire. */
function serving(bytes: Uint8Array): OfferedPlugin {
  return { ...GOOD, bundle: bytes };
}

interface Run {
  client: Connection;
  server: Connection;
  events: { side: "client" | "server"; e: ExchangeEvent }[];
}

async function exchange(
  offered: OfferedPlugin,
  client: Partial<PluginExchangeOptions>,
  seed = 1,
): Promise<Run> {
  const events: Run["events"] = [];
  const pair = await simPair({
    seed,
    client: {
      plugins: [
        pluginExchange({ ...client, onEvent: (_c, e) => events.push({ side: "client", e }) }),
      ],
    },
    server: {
      plugins: [
        pluginExchange({
          inject: [offered],
          onEvent: (_c, e) => events.push({ side: "server", e }),
        }),
      ],
    },
  });
  const settled = (c: Connection | null) => {
    const e = c === null ? undefined : exchangeOf(c)?.entry(NAME);
    return e !== undefined &&
      ((e.local === LocalState.Attached && e.peer === PeerState.Active) ||
        (e.local === LocalState.Refused && e.peer !== PeerState.Unknown) ||
        e.peer === PeerState.Refused);
  };
  pair.sim.run({
    until: () => settled(pair.client.conn) && settled(pair.server.conn),
    maxTime: 20_000_000,
  });
  pair.sim.runFor(200_000);
  return { client: pair.client.conn!, server: pair.server.conn!, events };
}

function assertRefused(r: Run, reason: RegExp): void {
  const c = exchangeOf(r.client)!.entry(NAME)!;
  const s = exchangeOf(r.server)!.entry(NAME)!;
  assert.equal(c.local, LocalState.Refused);
  assert.match(c.reason ?? "", reason);
  assert.equal(s.peer, PeerState.Refused, "the server heard the refusal");
  assert.match(s.reason ?? "", reason, "with the client's reason");
  assert.equal(injectedPlugins(r.client).length, 0, "never attached at the client");
  assert.equal(injectedPlugins(r.server).length, 0, "never attached at the server");
  assert.equal(r.client.state, ConnectionState.Established, "the connection goes on");
  assert.equal(r.server.state, ConnectionState.Established);
}

function assertNothingWritten(t: { dir: string; cache: string }): void {
  assert.deepEqual([...Deno.readDirSync(t.dir)].map((e) => e.name), ["cache"]);
  assert.deepEqual([...Deno.readDirSync(t.cache)], []);
}

Deno.test("a missing plugin with new frames is transferred, cached and active in the same connection", () =>
  withTempCache(async (t) => {
    const r = await exchange(GOOD, { store: t.store });
    const x = exchangeOf(r.client)!;
    assert.ok(x.isActive(NAME), "active at the client");
    assert.ok(exchangeOf(r.server)!.isActive(NAME), "active at the server");
    const kinds = r.events.filter((v) => v.side === "client").map((v) => v.e.type);
    assert.deepEqual(kinds, ["negotiated", "requested", "received", "attached", "active"]);
    assert.deepEqual(t.store.list().map((e) => e.name), [NAME], "cached under its name");
    assert.deepEqual(t.store.list()[0]!.digest, GOOD.digest, "and its digest");
    assert.equal(injectedPlugins(r.client)[0]?.name, NAME);
    assert.equal(injectedPlugins(r.server)[0]?.name, NAME);
  }));

Deno.test("XPING frames flow once active, and a frame booked at attach waits for the peer", () =>
  withTempCache(async (t) => {
    const events: ExchangeEvent[] = [];
    const pair = await simPair({
      seed: 4,
      client: { plugins: [pluginExchange({ store: t.store, onEvent: (_c, e) => events.push(e) })] },
      server: { plugins: [pluginExchange({ inject: [GOOD] })] },
    });
    let bookedAtAttach = false;
    pair.client.app = (c) => {
      const e = exchangeOf(c)?.entry(NAME);
      if (!bookedAtAttach && e?.local === LocalState.Attached && e.peer !== PeerState.Active) {
        // The server has not attached it yet: this frame must wait for its ACTIVE.
        assert.ok(c.reservations.isHeld(NAME));
        c.callExtern("xping_send", [1000n]);
        bookedAtAttach = true;
      }
    };
    // (An extern the connection does not have closes it: ask only once attached.)
    const received = (c: Connection | null, what: bigint) =>
      c !== null && exchangeOf(c)?.entry(NAME)?.local === LocalState.Attached
        ? c.callExtern("xping_received", [what])
        : null;
    pair.sim.run({
      until: () => received(pair.server.conn, 0n) === 1n,
      maxTime: 10_000_000,
    });
    assert.ok(bookedAtAttach);
    const client = pair.client.conn!;
    const server = pair.server.conn!;
    for (const v of [5n, 6n, 7n]) client.callExtern("xping_send", [v]);
    server.callExtern("xping_send", [100n]);
    pair.sim.runFor(300_000);
    assert.equal(server.callExtern("xping_received", [0n]), 4n);
    assert.equal(server.callExtern("xping_received", [1n]), 1018n);
    assert.equal(client.callExtern("xping_received", [0n]), 1n);
    assert.equal(client.callExtern("xping_received", [1n]), 100n);
    assert.equal(client.state, ConnectionState.Established);
  }));

Deno.test("under loss and reordering no plugin frame arrives before the peer attached it", async () => {
  for (const seed of [21, 22, 23, 24]) {
    await withTempCache(async (t) => {
      const pair = await simPair({
        seed,
        link: { delay: 5_000, loss: 0.15, reorder: 0.3, reorderDelay: 12_000 },
        client: { plugins: [pluginExchange({ store: t.store })] },
        server: { plugins: [pluginExchange({ inject: [GOOD] })] },
      });
      // Both ends book XPINGs from the moment they attached, every input.
      let booked = 0;
      const eager = (c: Connection) => {
        if (exchangeOf(c)?.entry(NAME)?.local === LocalState.Attached && booked < 400) {
          c.callExtern("xping_send", [1n]);
          booked++;
        }
      };
      pair.client.app = eager;
      pair.server.app = eager;
      const done = (c: Connection | null) =>
        c !== null && exchangeOf(c)!.isActive(NAME) &&
        c.callExtern("xping_received", [0n])! > 0n;
      pair.sim.run({
        until: () => done(pair.client.conn) && done(pair.server.conn),
        maxTime: 30_000_000,
      });
      for (const c of [pair.client.conn!, pair.server.conn!]) {
        assert.equal(c.state, ConnectionState.Established, `seed ${seed}: still up`);
        assert.ok(c.callExtern("xping_received", [0n])! > 0n, `seed ${seed}: XPINGs arrived`);
      }
    });
  }
});

Deno.test("the datagram plugin is exchanged and RFC 9221 datagrams flow through it", async () => {
  const dg = datagramOffer();
  const datagrams = { transportParameters: { maxDatagramFrameSize: 65535 } };
  const pair = await simPair({
    seed: 6,
    client: { ...datagrams, plugins: [pluginExchange({})] },
    server: { ...datagrams, plugins: [pluginExchange({ inject: [dg] })] },
  });
  pair.sim.run({
    until: () =>
      pair.server.conn !== null && exchangeOf(pair.server.conn)!.isActive(dg.name) &&
      exchangeOf(pair.client.conn!)!.isActive(dg.name),
    maxTime: 10_000_000,
  });
  const client = pair.client.conn!;
  assert.equal(injectedPlugins(client)[0]?.name, dg.name);
  assert.ok(client.sendDatagram(new Uint8Array([1, 2, 3])), "the plugin knows the peer's limit");
  pair.sim.runFor(200_000);
  const got = pair.server.events.filter((e) => e.type === "datagram");
  assert.equal(got.length, 1);
  assert.ok(got[0]!.type === "datagram");
  assert.deepEqual([...got[0]!.data], [1, 2, 3]);
  assert.equal(client.callExtern("datagram_get_counter", [0n]), 1n, "sent by the plugin");
});

Deno.test("a second connection uses the cache: no transfer", () =>
  withTempCache(async (t) => {
    await exchange(GOOD, { store: t.store });
    const again = new DirectoryPluginStore(t.cache);
    const r = await exchange(GOOD, { store: again }, 2);
    const kinds = r.events.filter((v) => v.side === "client").map((v) => v.e.type);
    assert.deepEqual(kinds, ["negotiated", "attached", "active"]);
    assert.ok(!r.events.some((v) => v.e.type === "serving"), "the server sent nothing");
    const active = r.events.find((v) => v.side === "client" && v.e.type === "active")!.e;
    assert.ok(active.type === "active" && !active.transferred);
    assert.ok(exchangeOf(r.server)!.isActive(NAME));
  }));

Deno.test("the other direction: a server with a cache fetches the client's -Q plugin", () =>
  withTempCache(async (t) => {
    const pair = await simPair({
      seed: 8,
      client: { plugins: [pluginExchange({ inject: [GOOD] })] },
      server: { plugins: [pluginExchange({ store: t.store })] },
    });
    pair.sim.run({
      until: () =>
        pair.server.conn !== null && exchangeOf(pair.server.conn)!.isActive(NAME) &&
        exchangeOf(pair.client.conn!)!.isActive(NAME),
      maxTime: 10_000_000,
    });
    const server = exchangeOf(pair.server.conn!)!;
    assert.ok(server.entry(NAME)!.transferred, "the server received it");
    assert.deepEqual(t.store.list().map((e) => e.name), [NAME]);
    pair.server.conn!.callExtern("xping_send", [77n]);
    pair.sim.runFor(200_000);
    assert.equal(pair.client.conn!.callExtern("xping_received", [1n]), 77n);
  }));

Deno.test("refusal: a tampered bundle (digest mismatch)", () =>
  withTempCache(async (t) => {
    const send = readFileSync(join(DIR, "send.o"));
    send[send.length - 1]! ^= 0xff; // the last byte of the object: content changes, archive is sane
    const r = await exchange(serving(pack(files({ "send.o": send }))), { store: t.store });
    assertRefused(r, /digest mismatch/);
    assertNothingWritten(t);
  }));

Deno.test("refusal: a bad signature under the signature policy", () =>
  withTempCache(async (t) => {
    const trusted = new Uint8Array(32).fill(1);
    const publicKey = publicKeyOf(ed25519PrivateKey(trusted));
    const policy = { kind: "signed" as const, keys: [publicKey] };
    // Signed by another key: no signature by a trusted key.
    const other = await exchange(
      serving(signBundle(GOOD.bundle, new Uint8Array(32).fill(2))),
      { store: t.store, trust: policy },
    );
    assertRefused(other, /no signature by a trusted key/);
    // A trusted key, but the signature does not verify.
    const bundle = unpackBundle(signBundle(GOOD.bundle, trusted));
    const forged = encodeBundle({
      ...bundle,
      signatures: [{ publicKey, signature: new Uint8Array(64).fill(9) }],
    });
    const bad = await exchange(serving(forged), { store: t.store, trust: policy }, 3);
    assertRefused(bad, /bad signature by trusted key/);
    assertNothingWritten(t);
    // The same bundle properly signed is accepted.
    const ok = await exchange(
      serving(signBundle(GOOD.bundle, trusted)),
      { store: t.store, trust: policy },
      4,
    );
    assert.ok(exchangeOf(ok.client)!.isActive(NAME));
  }));

Deno.test("refusal: an oversized bundle, before it is received", () =>
  withTempCache(async (t) => {
    const limits = { ...DEFAULT_BUNDLE_LIMITS, maxBytes: 2048 };
    const r = await exchange(GOOD, { store: t.store, limits });
    assertRefused(r, new RegExp(`bundle of ${GOOD.bundle.length} bytes exceeds the limit of 2048`));
    const received = r.events.filter((v) => v.e.type === "received");
    assert.equal(received.length, 0);
    assertNothingWritten(t);
  }));

Deno.test("refusal: a path escape in the archive, nothing written outside the cache", () =>
  withTempCache(async (t) => {
    const m = files();
    const evil = writeArchive([
      { name: "xping.plugin", data: m.get("xping.plugin")! },
      { name: "../../escape.o", data: m.get("send.o")! },
    ]);
    const r = await exchange(serving(evil), { store: t.store });
    assertRefused(r, /escapes the bundle/);
    assertNothingWritten(t);
  }));

Deno.test("refusal: a malformed ELF object inside", () =>
  withTempCache(async (t) => {
    const junk = new Uint8Array(300);
    junk.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    const r = await exchange(serving(pack(files({ "write.o": junk }))), { store: t.store });
    // The digest is checked first: the negotiated one is GOOD's. Negotiate the junk's own.
    assertRefused(r, /digest mismatch/);
    const offered = { ...GOOD, bundle: pack(files({ "write.o": junk })) };
    const own = { ...offered, digest: unpackBundle(offered.bundle).digest };
    const r2 = await exchange(own, { store: t.store }, 5);
    assertRefused(r2, /write\.o: not a loadable object/);
    assertNothingWritten(t);
  }));

Deno.test("refusal: a plugin the verifier refuses", () =>
  withTempCache(async (t) => {
    const hostile = new URL("../plugins/testdata/hostile/bad_opcode.o", import.meta.url).pathname;
    const bytes = pack(files({ "parse.o": readFileSync(hostile) }));
    const offered = { ...GOOD, bundle: bytes, digest: unpackBundle(bytes).digest };
    const r = await exchange(offered, { store: t.store });
    assertRefused(r, /parse\.o: refused by the verifier/);
    assertNothingWritten(t);
  }));
