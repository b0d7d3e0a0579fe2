/**
 * A deterministic simulated network with a virtual clock.
 *
 * Nodes are sans-IO endpoints ({@link SimNode}) bound to addresses. The
 * network polls every node for datagrams, passes each through the {@link Link}
 * between the two hosts, and advances the clock straight to the next event:
 * a datagram arriving or a node's timer. Nothing waits on a real clock, so a
 * ten-second transfer over a 10 Mbit/s link takes as long as the CPU work.
 *
 * Given the same seed, nodes and configuration, a run is the same to the byte.
 *
 * @example Two echo nodes
 * ```ts
 * import { SimNetwork, type SimNode } from "./network.ts";
 * import assert from "node:assert/strict";
 * const sim = new SimNetwork(1);
 * const got: string[] = [];
 * let out: Uint8Array | null = new TextEncoder().encode("hi");
 * const a: SimNode = {
 *   receive() {},
 *   pollTransmit() {
 *     const d = out;
 *     out = null;
 *     return d && { datagram: d, remote: { hostname: "10.0.0.2", port: 1 } };
 *   },
 *   nextTimeout: () => Infinity,
 *   onTimeout() {},
 * };
 * const b: SimNode = {
 *   receive(d) { got.push(new TextDecoder().decode(d)); },
 *   pollTransmit: () => null,
 *   nextTimeout: () => Infinity,
 *   onTimeout() {},
 * };
 * sim.addNode({ hostname: "10.0.0.1", port: 1 }, a);
 * sim.addNode({ hostname: "10.0.0.2", port: 1 }, b);
 * sim.setDefaultLink({ delay: 10_000 });
 * sim.run();
 * assert.deepEqual(got, ["hi"]);
 * assert.equal(sim.now, 10_000);
 * ```
 *
 * @module
 */

import { formatAddress, type SocketAddress } from "../../transport/address.ts";
import { SeededRandom } from "../../transport/random.ts";
import { EventQueue } from "./event_queue.ts";
import { Link, type LinkConfig } from "./link.ts";

/** What the network needs of an endpoint: the sans-IO verbs. */
export interface SimNode {
  receive(datagram: Uint8Array, from: SocketAddress, now: number): void;
  pollTransmit(now: number): { datagram: Uint8Array; remote: SocketAddress } | null;
  nextTimeout(): number;
  onTimeout(now: number): void;
}

/** A datagram seen by the network, for taps and tests. */
export interface SimDatagram {
  readonly from: SocketAddress;
  readonly to: SocketAddress;
  readonly data: Uint8Array;
  readonly sentAt: number;
}

/** Options of {@link SimNetwork.run}. */
export interface RunOptions {
  /** Stop as soon as this returns true (checked after every step). */
  readonly until?: () => boolean;
  /** Stop when the clock would pass this absolute time (µs). */
  readonly maxTime?: number;
  /** Stop after this many steps (a guard against livelock; default 10 million). */
  readonly maxSteps?: number;
}

/** Why {@link SimNetwork.run} returned. */
export type RunResult = "until" | "idle" | "maxTime" | "maxSteps";

interface Delivery {
  readonly to: string;
  readonly dg: SimDatagram;
}

interface NodeEntry {
  readonly address: SocketAddress;
  readonly node: SimNode;
  /** Where the node's datagrams appear to come from (NAT rebinding). */
  publicAddress: SocketAddress;
}

/** The simulated network. */
export class SimNetwork {
  /** The virtual clock, in microseconds. */
  now = 0;
  /** Called for every datagram a node sends, before the link decides its fate. */
  onSend: ((dg: SimDatagram) => void) | null = null;
  /** Called for every datagram delivered to a node. */
  onDeliver: ((dg: SimDatagram) => void) | null = null;
  /** Datagrams sent to an address no node is bound to. */
  undeliverable = 0;

  readonly #random: SeededRandom;
  readonly #nodes = new Map<string, NodeEntry>();
  /** Public (translated) address → node key. */
  readonly #routes = new Map<string, string>();
  readonly #links = new Map<string, Link>();
  readonly #linkConfigs = new Map<string, LinkConfig>();
  #defaultLink: LinkConfig = {};
  readonly #queue = new EventQueue<Delivery>();

  /** @param seed Seeds every random choice the links make. */
  constructor(seed: number) {
    this.#random = new SeededRandom(seed);
  }

  /** Binds `node` to `address`. */
  addNode(address: SocketAddress, node: SimNode): void {
    const key = formatAddress(address);
    if (this.#nodes.has(key)) throw new RangeError(`Cannot add node: "${key}" is taken`);
    this.#nodes.set(key, { address, node, publicAddress: address });
    this.#routes.set(key, key);
  }

  /** Sets the link used between hosts that have no link of their own. */
  setDefaultLink(config: LinkConfig): void {
    this.#defaultLink = config;
    // Links already made from the old default start afresh from the new one.
    for (const key of [...this.#links.keys()]) {
      if (!this.#linkConfigs.has(key)) this.#links.delete(key);
    }
  }

  /** Sets the link from host `from` to host `to` (one direction). */
  setLink(from: string, to: string, config: LinkConfig): void {
    const key = `${from}>${to}`;
    this.#linkConfigs.set(key, config);
    this.#links.set(key, new Link(config, this.#random));
  }

  /** Sets the same link config in both directions between two hosts. */
  setPath(a: string, b: string, config: LinkConfig): void {
    this.setLink(a, b, config);
    this.setLink(b, a, config);
  }

  /** The link between two hosts (created from the default on first use). */
  link(from: string, to: string): Link {
    const key = `${from}>${to}`;
    let link = this.#links.get(key);
    if (link === undefined) {
      link = new Link(this.#linkConfigs.get(key) ?? this.#defaultLink, this.#random);
      this.#links.set(key, link);
    }
    return link;
  }

  /**
   * NAT rebinding: from now on the node bound at `address` sends from
   * `publicAddress`, and datagrams to `publicAddress` reach it. Datagrams to
   * its previous public address are no longer delivered (RFC 9000 §9.3).
   */
  rebind(address: SocketAddress, publicAddress: SocketAddress): void {
    const key = formatAddress(address);
    const entry = this.#nodes.get(key);
    if (entry === undefined) throw new RangeError(`Cannot rebind: no node at "${key}"`);
    this.#routes.delete(formatAddress(entry.publicAddress));
    entry.publicAddress = publicAddress;
    this.#routes.set(formatAddress(publicAddress), key);
  }

  /**
   * Runs until a stop condition holds or nothing is left to happen.
   *
   * @returns why it stopped.
   */
  run(opts: RunOptions = {}): RunResult {
    const maxSteps = opts.maxSteps ?? 10_000_000;
    const maxTime = opts.maxTime ?? Infinity;
    for (let step = 0; step < maxSteps; step++) {
      this.#flush();
      if (opts.until?.()) return "until";
      let next = this.#queue.peekTime();
      for (const e of this.#nodes.values()) next = Math.min(next, e.node.nextTimeout());
      if (next === Infinity) return "idle";
      if (next > maxTime) {
        this.now = maxTime;
        return "maxTime";
      }
      this.now = Math.max(this.now, next);
      // Deliveries due now, then timers due now: both in a fixed order.
      while (this.#queue.peekTime() <= this.now) {
        const d = this.#queue.pop()!;
        const entry = this.#nodes.get(d.to);
        if (entry === undefined) continue;
        this.onDeliver?.(d.dg);
        entry.node.receive(d.dg.data, d.dg.from, this.now);
      }
      for (const e of this.#nodes.values()) {
        if (e.node.nextTimeout() <= this.now) e.node.onTimeout(this.now);
      }
    }
    return "maxSteps";
  }

  /** Runs for `duration` microseconds of virtual time (or until idle). */
  runFor(duration: number): RunResult {
    return this.run({ maxTime: this.now + duration });
  }

  /** Polls every node until none has anything to send. */
  #flush(): void {
    let progress = true;
    while (progress) {
      progress = false;
      for (const e of this.#nodes.values()) {
        for (;;) {
          const t = e.node.pollTransmit(this.now);
          if (t === null) break;
          progress = true;
          this.#send(e, t.datagram, t.remote);
        }
      }
    }
  }

  #send(from: NodeEntry, datagram: Uint8Array, to: SocketAddress): void {
    // The sender may reuse its buffer: the network keeps its own copy.
    const dg: SimDatagram = {
      from: from.publicAddress,
      to,
      data: datagram.slice(),
      sentAt: this.now,
    };
    this.onSend?.(dg);
    const destKey = this.#routes.get(formatAddress(to));
    if (destKey === undefined) {
      this.undeliverable++;
      return;
    }
    const verdict = this.link(from.publicAddress.hostname, to.hostname).admit(dg.data, this.now);
    if (verdict.dropped) return;
    this.#queue.push(verdict.arrival, { to: destKey, dg });
  }
}
