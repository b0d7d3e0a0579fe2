import assert from "node:assert/strict";
import type { SocketAddress } from "../../transport/address.ts";
import { SimNetwork, type SimNode } from "./network.ts";

/** A node that sends `count` datagrams to `peer` one per `interval`, and echoes nothing. */
class Pinger implements SimNode {
  received: { from: SocketAddress; at: number; data: Uint8Array }[] = [];
  #next = 0;
  #sent = 0;
  constructor(
    readonly peer: SocketAddress | null,
    readonly count: number,
    readonly interval: number,
    readonly echo = false,
  ) {}
  #pending: { datagram: Uint8Array; remote: SocketAddress }[] = [];
  receive(data: Uint8Array, from: SocketAddress, now: number): void {
    this.received.push({ from, at: now, data });
    if (this.echo) this.#pending.push({ datagram: data, remote: from });
  }
  pollTransmit(now: number) {
    if (this.#pending.length > 0) return this.#pending.shift()!;
    if (this.peer === null || this.#sent >= this.count || now < this.#next) return null;
    this.#sent++;
    this.#next = now + this.interval;
    return { datagram: new Uint8Array([this.#sent]), remote: this.peer };
  }
  nextTimeout(): number {
    return this.peer !== null && this.#sent < this.count ? this.#next : Infinity;
  }
  onTimeout(): void {}
}

const A = { hostname: "10.0.0.1", port: 1000 };
const B = { hostname: "10.0.0.2", port: 2000 };

Deno.test("SimNetwork.run() advances the virtual clock to each event", () => {
  const sim = new SimNetwork(1);
  const a = new Pinger(B, 3, 5000);
  const b = new Pinger(null, 0, 0);
  sim.addNode(A, a);
  sim.addNode(B, b);
  sim.setDefaultLink({ delay: 20_000 });
  assert.equal(sim.run(), "idle");
  assert.deepEqual(b.received.map((r) => r.at), [20_000, 25_000, 30_000]);
  assert.deepEqual(b.received[0]!.from, A);
});

Deno.test("SimNetwork.rebind() changes the source address the peer sees", () => {
  const sim = new SimNetwork(1);
  const a = new Pinger(B, 4, 1000);
  const b = new Pinger(null, 0, 0, true);
  sim.addNode(A, a);
  sim.addNode(B, b);
  sim.run({ maxTime: 1500 });
  const nat = { hostname: "10.0.0.1", port: 1001 };
  sim.rebind(A, nat);
  sim.run();
  assert.deepEqual(b.received.map((r) => r.from.port), [1000, 1000, 1001, 1001]);
  // Echoes reach A at its new public address.
  assert.equal(a.received.length, 4);
});

Deno.test("SimNetwork is deterministic under a seed", () => {
  const trace = (seed: number) => {
    const sim = new SimNetwork(seed);
    const a = new Pinger(B, 200, 100);
    const b = new Pinger(null, 0, 0);
    sim.addNode(A, a);
    sim.addNode(B, b);
    sim.setDefaultLink({ delay: 1000, loss: 0.2, jitter: 500 });
    sim.run();
    return b.received.map((r) => `${r.at}:${r.data[0]}`).join(",");
  };
  assert.equal(trace(42), trace(42));
  assert.notEqual(trace(42), trace(43));
});

Deno.test("SimNetwork.run() stops at maxTime and on until()", () => {
  const sim = new SimNetwork(1);
  const a = new Pinger(B, 100, 1000);
  const b = new Pinger(null, 0, 0);
  sim.addNode(A, a);
  sim.addNode(B, b);
  assert.equal(sim.run({ maxTime: 10_500 }), "maxTime");
  assert.equal(b.received.length, 11);
  assert.equal(sim.run({ until: () => b.received.length >= 20 }), "until");
  assert.equal(b.received.length, 20);
});

Deno.test("SimNetwork counts datagrams to unbound addresses", () => {
  const sim = new SimNetwork(1);
  sim.addNode(A, new Pinger({ hostname: "10.9.9.9", port: 1 }, 2, 10));
  sim.run();
  assert.equal(sim.undeliverable, 2);
});
