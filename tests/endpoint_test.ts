/**
 * The endpoint on the simulated network: routing, accepting, Retry, Version
 * Negotiation and stateless reset, with real TLS and packet protection.
 */

import assert from "node:assert/strict";
import { SimNetwork, type SimNode } from "../io/sim/network.ts";
import type { SocketAddress } from "../transport/address.ts";
import type { Connection } from "../transport/connection/connection.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import { Endpoint, type EndpointConfig } from "../transport/endpoint/endpoint.ts";
import { PacketType, parsePacketHeader } from "../transport/packet/header.ts";
import { SeededRandom } from "../transport/random.ts";
import { testIdentity, WALL_CLOCK_BASE } from "./_conn_sim.ts";

const CLIENT: SocketAddress = { hostname: "10.0.0.1", port: 5000 };
const SERVER: SocketAddress = { hostname: "10.0.0.2", port: 4433 };

/** A SimNode whose endpoint can be swapped, as a server restarting would. */
class EndpointNode implements SimNode {
  events: { connection: Connection; event: ConnectionEvent }[] = [];
  accepted: Connection[] = [];
  constructor(public endpoint: Endpoint) {}
  receive(d: Uint8Array, from: SocketAddress, now: number) {
    this.endpoint.handle(d, from, now);
    this.#drain();
  }
  pollTransmit(now: number) {
    return this.endpoint.pollTransmit(now);
  }
  nextTimeout() {
    return this.endpoint.nextTimeout();
  }
  onTimeout(now: number) {
    this.endpoint.onTimeout(now);
    this.#drain();
  }
  #drain() {
    for (let e = this.endpoint.pollEvent(); e !== null; e = this.endpoint.pollEvent()) {
      if (e.type === "accepted") this.accepted.push(e.connection);
      else this.events.push({ connection: e.connection, event: e.event });
    }
  }
  has(type: ConnectionEvent["type"]): boolean {
    return this.events.some((e) => e.event.type === type);
  }
}

async function setup(serverOptions: Partial<EndpointConfig> = {}, seed = 1) {
  const { identity, ca } = await testIdentity();
  const sim = new SimNetwork(seed);
  sim.setDefaultLink({ delay: 10_000 });
  const wallClockMs = () => WALL_CLOCK_BASE + sim.now / 1000;
  const secret = new Uint8Array(32).fill(3);
  const serverConfig: EndpointConfig = {
    random: new SeededRandom(seed + 100),
    secret,
    server: { identity, wallClockMs },
    ...serverOptions,
  };
  const server = new EndpointNode(new Endpoint(serverConfig));
  const client = new EndpointNode(new Endpoint({ random: new SeededRandom(seed) }));
  sim.addNode(SERVER, server);
  sim.addNode(CLIENT, client);
  const conn = client.endpoint.connect(
    { serverName: "localhost", trustAnchors: [ca], wallClockMs },
    SERVER,
    0,
  );
  return { sim, server, client, conn, serverConfig };
}

Deno.test("Endpoint accepts a connection and routes both ways by CID", async () => {
  const { sim, server, client, conn } = await setup();
  sim.run({ until: () => client.has("connected") && server.has("connected"), maxTime: 5e6 });
  assert.ok(client.has("connected"));
  assert.equal(server.accepted.length, 1);
  assert.equal(server.endpoint.stats.accepted, 1);
  // A stream round trip through the routing table.
  const id = conn.openStream(true)!;
  conn.write(id, new TextEncoder().encode("ping"), true);
  const peer = server.accepted[0]!;
  let got = "";
  sim.run({
    until: () => {
      const r = peer.read(id);
      if (r !== null) got += new TextDecoder().decode(r.data);
      return got === "ping";
    },
    maxTime: 5e6,
  });
  assert.equal(got, "ping");
});

Deno.test("Endpoint with retry validates the client address with one Retry", async () => {
  const { sim, server, client } = await setup({ retry: true });
  sim.run({ until: () => client.has("connected") && server.has("connected"), maxTime: 5e6 });
  assert.ok(client.has("connected"), "client connected after a Retry");
  assert.equal(server.endpoint.stats.retriesSent, 1);
  assert.equal(server.endpoint.stats.accepted, 1);
});

Deno.test("Endpoint answers an unknown version with Version Negotiation", async () => {
  const { server } = await setup();
  const d = new Uint8Array(1200);
  d.set([0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 8, 1, 2, 3, 4, 5, 6, 7, 8, 4, 9, 9, 9, 9]);
  server.endpoint.handle(d, CLIENT, 0);
  const vn = server.endpoint.pollTransmit(0);
  assert.ok(vn !== null);
  const h = parsePacketHeader(vn.datagram, 0, 8);
  assert.equal(h.type, PacketType.VersionNegotiation);
  assert.deepEqual(h.dcid, new Uint8Array([9, 9, 9, 9]));
  assert.deepEqual(h.scid, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  assert.ok(h.supportedVersions.includes(1));
  // Not for small datagrams, which cannot be a client's first Initial.
  server.endpoint.handle(d.subarray(0, 600), CLIENT, 0);
  assert.equal(server.endpoint.pollTransmit(0), null);
});

Deno.test("Endpoint drops Initials in datagrams under 1200 bytes", async () => {
  const { server } = await setup();
  const d = new Uint8Array(1199);
  d.set([0xc0, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0x44, 0x00]);
  server.endpoint.handle(d, CLIENT, 0);
  assert.equal(server.endpoint.stats.accepted, 0);
  assert.equal(server.endpoint.pollTransmit(0), null);
});

Deno.test("Endpoint that lost its state resets the peer with a stateless reset", async () => {
  const { sim, server, client, conn, serverConfig } = await setup();
  sim.run({ until: () => client.has("connected") && server.has("connected"), maxTime: 5e6 });
  assert.ok(client.has("connected"));
  sim.run({ maxTime: sim.now + 200_000 });
  // The server restarts with the same secret and no connections.
  server.endpoint = new Endpoint(serverConfig);
  const id = conn.openStream(true)!;
  conn.write(id, new Uint8Array(100), true);
  sim.run({ until: () => client.has("closed"), maxTime: sim.now + 5e6 });
  const closed = client.events.find((e) => e.event.type === "closed")?.event;
  assert.ok(closed !== undefined && closed.type === "closed");
  assert.deepEqual(closed.error, { kind: "reset" });
  assert.ok(server.endpoint.stats.statelessResetsSent >= 1);
});
