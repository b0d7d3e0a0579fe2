/**
 * Errors at the protoop seam on live connections: a pluglet that throws,
 * recursion, an unknown protoop, extern misuse. Each closes only the
 * connection concerned, with INTERNAL_ERROR and a reason naming the plugin,
 * the protoop and the fault; the endpoint and its other connections go on.
 *
 * @module
 */

import assert from "node:assert/strict";
import { SimNetwork, type SimNode } from "../io/sim/network.ts";
import type { SocketAddress } from "../transport/address.ts";
import type { Connection } from "../transport/connection/connection.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import { ConnectionState } from "../transport/connection/events.ts";
import { Endpoint } from "../transport/endpoint/endpoint.ts";
import { Op, type PluginDefinition, ProtoopError } from "../transport/protoop/mod.ts";
import { SeededRandom } from "../transport/random.ts";
import { payload, simPair, testIdentity, WALL_CLOCK_BASE } from "./_conn_sim.ts";
import { pl } from "./_protoop_plugins.ts";

const CLIENT: SocketAddress = { hostname: "10.0.0.1", port: 5000 };
const SERVER: SocketAddress = { hostname: "10.0.0.2", port: 4433 };

/** An endpoint on the simulator, its events kept per connection. */
class EndpointNode implements SimNode {
  readonly events: { connection: Connection; event: ConnectionEvent }[] = [];
  readonly accepted: Connection[] = [];
  constructor(readonly endpoint: Endpoint) {}
  receive(d: Uint8Array, from: SocketAddress, now: number) {
    this.endpoint.handle(d, from, now);
    this.drain();
  }
  pollTransmit(now: number) {
    return this.endpoint.pollTransmit(now);
  }
  nextTimeout() {
    return this.endpoint.nextTimeout();
  }
  onTimeout(now: number) {
    this.endpoint.onTimeout(now);
    this.drain();
  }
  drain() {
    for (let e = this.endpoint.pollEvent(); e !== null; e = this.endpoint.pollEvent()) {
      if (e.type === "accepted") this.accepted.push(e.connection);
      else this.events.push({ connection: e.connection, event: e.event });
    }
  }
  closedOf(c: Connection): ConnectionEvent | undefined {
    return this.events.find((e) => e.connection === c && e.event.type === "closed")?.event;
  }
}

/** The local close reason of `c` (asserts it closed with INTERNAL_ERROR). */
function internalReason(ev: ConnectionEvent | undefined): string {
  assert.ok(ev?.type === "closed", "the connection closed");
  assert.equal(ev.error.kind, "transportError");
  if (ev.error.kind !== "transportError") return "";
  assert.equal(ev.error.code, 0x01);
  assert.equal(ev.error.remote, false);
  return ev.error.reason;
}

/**
 * One server endpoint, one client endpoint with two connections: the first
 * gets `plugin`, the second none; `poke` runs on the first once established.
 */
async function twoConnections(plugin: PluginDefinition, poke?: (c: Connection) => void) {
  const { identity, ca } = await testIdentity();
  const sim = new SimNetwork(21);
  sim.setDefaultLink({ delay: 10_000 });
  const wallClockMs = () => WALL_CLOCK_BASE + sim.now / 1000;
  const server = new EndpointNode(
    new Endpoint({
      random: new SeededRandom(121),
      secret: new Uint8Array(32).fill(3),
      server: { identity, wallClockMs },
    }),
  );
  const client = new EndpointNode(new Endpoint({ random: new SeededRandom(21) }));
  sim.addNode(SERVER, server);
  sim.addNode(CLIENT, client);
  const cfg = { serverName: "localhost", trustAnchors: [ca], wallClockMs };
  const bad = client.endpoint.connect(cfg, SERVER, 0);
  const good = client.endpoint.connect(cfg, SERVER, 0);
  bad.attachPlugin(plugin);
  let poked = false;
  let got = 0;
  let sid: number | null = null;
  const data = payload(50_000, 4);
  sim.run({
    until: () => {
      if (!poked && poke !== undefined && bad.state === ConnectionState.Established) {
        poked = true;
        poke(bad);
      }
      if (sid === null && good.state === ConnectionState.Established) {
        sid = good.openStream(true);
        good.write(sid!, data, true);
      }
      for (const c of server.accepted) {
        if (sid === null || !c.isHandshakeConfirmed) continue;
        for (let r = c.read(sid); r !== null && r.data.length > 0; r = c.read(sid)) {
          got += r.data.length;
        }
      }
      return got === data.length && bad.state >= ConnectionState.Closing;
    },
    maxTime: 10_000_000,
  });
  client.drain();
  server.drain();
  assert.equal(got, data.length, "the other connection moved its data");
  assert.equal(good.state, ConnectionState.Established);
  assert.equal(server.accepted.length, 2);
  return { sim, server, client, bad, good };
}

Deno.test("a pluglet that throws closes its connection with INTERNAL_ERROR; another goes on", async () => {
  const { client, bad, server } = await twoConnections({
    name: "test.faulty",
    pluglets: [{
      op: "update_rtt",
      anchor: "post",
      pluglet: pl(() => {
        throw new Error("boom");
      }),
    }],
  });
  const reason = internalReason(client.closedOf(bad));
  assert.match(reason, /test\.faulty/);
  assert.match(reason, /update_rtt/);
  assert.match(reason, /boom/);
  // The peer learns it from CONNECTION_CLOSE.
  const peerSide = server.events.find((e) =>
    e.event.type === "closed" && e.event.error.kind === "transportError" && e.event.error.remote
  );
  assert.ok(peerSide !== undefined);
});

Deno.test("recursion into a running protoop closes the connection with a clear reason", async () => {
  const { client, bad } = await twoConnections({
    name: "test.loop",
    pluglets: [{
      op: "update_rtt",
      anchor: "pre",
      pluglet: pl((c) => c.call("update_rtt", [c.args[0]!, c.args[1]!, c.args[2]!, c.args[3]!])),
    }],
  });
  const reason = internalReason(client.closedOf(bad));
  assert.match(reason, /recursion/);
  assert.match(reason, /update_rtt/);
  assert.match(reason, /test\.loop/);
});

Deno.test("a pluglet calling an unknown protoop closes the connection", async () => {
  const { client, bad } = await twoConnections({
    name: "test.unknown",
    pluglets: [{
      op: "stream_opened",
      anchor: "post",
      pluglet: pl((c) => c.call("no_such_protoop", [])),
    }],
  }, (c) => void c.openStream(true));
  const reason = internalReason(client.closedOf(bad));
  assert.match(reason, /unknownOp/);
  assert.match(reason, /no_such_protoop/);
});

Deno.test("extern misuse closes the connection: a core protoop, then an unknown name", async () => {
  let ret: bigint | null | undefined;
  const { client, bad } = await twoConnections(
    { name: "test.ext", pluglets: [{ op: "ext_ok", anchor: "extern", pluglet: pl(() => 9n) }] },
    (c) => {
      assert.equal(c.callExtern("ext_ok", []), 9n);
      ret = c.callExtern("update_rtt", [0n, 1n, 0n, 0n]);
    },
  );
  assert.equal(ret, null);
  assert.match(internalReason(client.closedOf(bad)), /internAsExtern/);
  // A closed connection refuses further calls quietly.
  assert.equal(bad.callExtern("ext_ok", []), null);

  const { sim, clientConn, client: node } = await simPair({ seed: 22 });
  sim.run({ until: () => clientConn.isHandshakeConfirmed, maxTime: 5_000_000 });
  assert.equal(clientConn.callExtern("nobody_exports_this", [1n]), null);
  const evs = [...node.events];
  for (let e = clientConn.pollEvent(); e !== null; e = clientConn.pollEvent()) evs.push(e);
  const closed = evs.find((e) => e.type === "closed");
  const reason = internalReason(closed);
  assert.match(reason, /unknownOp/);
  assert.match(reason, /nobody_exports_this/);
});

Deno.test("attaching to an unknown protoop or with a bad param is refused; nothing stays", async () => {
  const { clientConn } = await simPair({ seed: 23 });
  const tries: PluginDefinition[] = [
    {
      name: "test.bad",
      pluglets: [
        { op: "update_rtt", anchor: "post", pluglet: pl(() => {}) },
        { op: "no_such_protoop", anchor: "pre", pluglet: pl(() => {}) },
      ],
    },
    {
      name: "test.bad",
      pluglets: [
        { op: "update_rtt", anchor: "post", pluglet: pl(() => {}) },
        { op: "parse_frame", anchor: "replace", pluglet: pl(() => 0n) },
      ],
    },
  ];
  for (const p of tries) {
    assert.throws(() => clientConn.attachPlugin(p), ProtoopError);
    assert.ok(clientConn.ops.isDefault(Op.UPDATE_RTT));
    assert.ok(clientConn.ops.isDefault(Op.PARSE_FRAME));
  }
  assert.equal(clientConn.state, ConnectionState.Handshake);
});

Deno.test("a plugin in the config that is refused makes Connection.client throw", async () => {
  await assert.rejects(
    () =>
      simPair({
        seed: 24,
        client: {
          plugins: [{
            name: "test.twice",
            pluglets: [
              { op: "is_ack_needed", anchor: "replace", pluglet: pl(() => 1n) },
              { op: "is_ack_needed", anchor: "replace", pluglet: pl(() => 0n) },
            ],
          }],
        },
      }),
    (e: unknown) => e instanceof ProtoopError && e.kind === "replaceExists",
  );
});
