/**
 * The endpoint with many connections: only connections with work are polled,
 * application calls are flushed, timers come from the heap. Two endpoints
 * joined by a zero-delay loop on a virtual clock.
 */

import assert from "node:assert/strict";
import type { SocketAddress } from "../address.ts";
import type { Connection } from "../connection/connection.ts";
import { generateDemoCertificates } from "../crypto/certificates.ts";
import { SeededRandom } from "../random.ts";
import { Endpoint, type EndpointEvent } from "./endpoint.ts";

const CLIENT: SocketAddress = { hostname: "10.0.0.1", port: 5000 };
const SERVER: SocketAddress = { hostname: "10.0.0.2", port: 4433 };
const WALL_CLOCK_BASE = 1_767_225_600_000;

const demo = generateDemoCertificates({ names: ["localhost"] });

/** Two endpoints, a clock, and the events each one reported. */
class Loop {
  now = 0;
  readonly events = new Map<Endpoint, EndpointEvent[]>();
  constructor(readonly client: Endpoint, readonly server: Endpoint) {
    this.events.set(client, []);
    this.events.set(server, []);
  }

  /** Delivers every datagram at once; returns the datagrams moved. */
  flush(): number {
    let moved = 0;
    for (let progress = true; progress;) {
      progress = false;
      for (
        const [from, to, addr] of [[this.client, this.server, CLIENT], [
          this.server,
          this.client,
          SERVER,
        ]] as const
      ) {
        for (let t = from.pollTransmit(this.now); t !== null; t = from.pollTransmit(this.now)) {
          to.handle(t.datagram.slice(), addr, this.now);
          moved++;
          progress = true;
        }
      }
      for (const ep of [this.client, this.server]) {
        for (let e = ep.pollEvent(); e !== null; e = ep.pollEvent()) this.events.get(ep)!.push(e);
      }
    }
    return moved;
  }

  /** Flushes and fires timers until `until()` or `maxTime` (µs of virtual time). */
  run(until: () => boolean, maxTime: number): void {
    for (let i = 0; i < 100_000; i++) {
      this.flush();
      if (until()) return;
      const next = Math.min(this.client.nextTimeout(), this.server.nextTimeout());
      if (next === Infinity || next > maxTime) return;
      this.now = Math.max(this.now, next);
      this.client.onTimeout(this.now);
      this.server.onTimeout(this.now);
    }
  }

  count(ep: Endpoint, type: string): number {
    return this.events.get(ep)!.filter((e) => e.type === "connection" && e.event.type === type)
      .length;
  }
}

async function connected(n: number): Promise<{ loop: Loop; clients: Connection[] }> {
  const { identity, caCertificate } = await demo;
  const wallClockMs = (): number => WALL_CLOCK_BASE + loop.now / 1000;
  const server = new Endpoint({
    random: new SeededRandom(7),
    secret: new Uint8Array(32).fill(1),
    server: { identity, wallClockMs },
  });
  const client = new Endpoint({ random: new SeededRandom(8) });
  const loop = new Loop(client, server);
  const clients: Connection[] = [];
  for (let i = 0; i < n; i++) {
    clients.push(client.connect(
      { serverName: "localhost", trustAnchors: [caCertificate], wallClockMs },
      SERVER,
      0,
    ));
  }
  loop.run(
    () => loop.count(client, "connected") === n && loop.count(server, "connected") === n,
    5e6,
  );
  assert.equal(loop.count(client, "connected"), n);
  // Let the handshakes' last ACKs and HANDSHAKE_DONE settle.
  loop.run(() => false, loop.now + 100_000);
  return { loop, clients };
}

/** Counts the calls of each connection's pollTransmit. */
function spyPolls(conns: Iterable<Connection>): Map<Connection, number> {
  const calls = new Map<Connection, number>();
  for (const c of conns) {
    calls.set(c, 0);
    const poll = c.pollTransmit.bind(c);
    c.pollTransmit = (now) => {
      calls.set(c, calls.get(c)! + 1);
      return poll(now);
    };
  }
  return calls;
}

Deno.test("Endpoint.pollTransmit() polls only the connections a datagram or a call touched", async () => {
  const { loop, clients } = await connected(20);
  const serverCalls = spyPolls(loop.server.connections);
  const clientCalls = spyPolls(clients);
  assert.equal(loop.flush(), 0, "nothing left to send once idle");
  assert.equal([...serverCalls.values()].reduce((a, b) => a + b, 0), 0);
  assert.equal([...clientCalls.values()].reduce((a, b) => a + b, 0), 0);

  const writer = clients[13]!;
  const id = writer.openStream(true)!;
  writer.write(id, new TextEncoder().encode("hello"), true);
  assert.ok(loop.flush() > 0);
  for (const [c, n] of clientCalls) {
    if (c === writer) assert.ok(n >= 2, "the writer sent and then had nothing more");
    else assert.equal(n, 0, "idle clients are not polled");
  }
  const touched = [...serverCalls].filter(([, n]) => n > 0);
  assert.equal(touched.length, 1, "one server connection received the stream");
  assert.ok(
    loop.count(loop.server, "streamReadable") + loop.count(loop.server, "streamOpened") > 0,
  );
});

Deno.test("Endpoint flushes application calls on connections it did not touch (Connection.onWork)", async () => {
  const { loop, clients } = await connected(3);
  const before = loop.client.stats.datagramsIn;
  clients[0]!.ping();
  const ping = loop.client.pollTransmit(loop.now);
  assert.ok(ping !== null, "the PING goes out");
  assert.equal(loop.client.pollTransmit(loop.now), null);
  loop.server.handle(ping.datagram, CLIENT, loop.now);
  loop.run(() => loop.client.stats.datagramsIn > before, loop.now + 1e6);
  assert.ok(loop.client.stats.datagramsIn > before, "the server acknowledged it");
  clients[2]!.close(1n, "done", loop.now);
  assert.ok(loop.client.pollTransmit(loop.now) !== null, "the CONNECTION_CLOSE goes out");
});

Deno.test("Endpoint.nextTimeout() follows an application close, and drained connections go", async () => {
  const { loop, clients } = await connected(4);
  const idle = loop.client.nextTimeout();
  assert.ok(idle > loop.now && idle < Infinity);
  for (const c of clients) c.close(0n, "bye", loop.now);
  const closing = loop.client.nextTimeout();
  assert.ok(closing < idle, `closing timer ${closing} comes before ${idle}`);
  loop.run(() => loop.client.connections.size === 0 && loop.server.connections.size === 0, 60e6);
  assert.equal(loop.client.connections.size, 0);
  assert.equal(loop.server.connections.size, 0);
  assert.equal(loop.client.nextTimeout(), Infinity);
  assert.equal(loop.server.nextTimeout(), Infinity);
  assert.equal(loop.count(loop.server, "closed"), 4);
});

Deno.test("Endpoint.onTimeout() fires every due connection, in creation order", async () => {
  const { loop, clients } = await connected(5);
  const order: Connection[] = [];
  for (const c of clients) {
    const fire = c.onTimeout.bind(c);
    c.onTimeout = (now) => {
      order.push(c);
      fire(now);
    };
  }
  // Idle timers all expire (no keep-alive): each connection times out once.
  const last = Math.max(...clients.map((c) => c.nextTimeout()));
  loop.client.onTimeout(last);
  assert.deepEqual(order, clients.filter((c) => order.includes(c)));
  assert.ok(order.length >= 1);
  loop.run(() => loop.client.connections.size === 0, 120e6);
  assert.equal(loop.client.connections.size, 0);
  assert.equal(loop.count(loop.client, "closed"), 5);
});
