/**
 * The UDP relay behind `pquic relay` (cli/relay.ts): clients send to the
 * relay's listening socket; each client address gets its own upstream socket
 * towards the server, so the server sees one peer per client, and the
 * server's replies go back to that client from the listening socket.
 *
 * Each direction is one {@link Link} of the simulator (`io/sim/link.ts`):
 * the relay asks the link, as each datagram arrives, whether it is dropped
 * and when it comes out (loss, Gilbert–Elliott bursts, delay, rate and
 * queue), then sends it at that time. The loss draws come from a
 * {@link SeededRandom} per direction, so with the same seed the relay drops
 * the same datagrams (by arrival order) as a simulated link does.
 *
 * @module
 */

import { delayMs, monotonicMicros } from "../io/clock.ts";
import { type DropReason, Link, type LinkConfig } from "../io/sim/link.ts";
import { bindUdp, resolveHost, toNetAddr, toSocketAddress } from "../io/udp.ts";
import type { SocketAddress } from "../transport/address.ts";
import { CryptoRandom, SeededRandom } from "../transport/random.ts";
import { relayLinkConfig, type RelayOptions } from "./relay_args.ts";

/** A client's upstream socket is closed after this long without traffic (ms). */
export const RELAY_SESSION_IDLE_MS = 60_000;
/** Largest datagram relayed (the largest UDP payload over IPv4). */
const RECEIVE_BUFFER_SIZE = 65_535;
/** Consecutive receive errors after which a receive loop stops (as io/udp_driver.ts's). */
const MAX_RECEIVE_ERRORS = 100;

/** The two directions. */
export type RelayDirection = "toServer" | "toClient";

/**
 * The seed of one direction's loss draws: the relay's seed towards the
 * server, the seed plus one towards the client.
 *
 * @param seed The relay's seed.
 * @param direction The direction.
 * @returns The seed of that direction's {@link SeededRandom}.
 */
export function directionSeed(seed: number, direction: RelayDirection): number {
  return direction === "toServer" ? seed >>> 0 : (seed + 1) >>> 0;
}

/** Counters of one direction. */
export interface RelayDirectionStats {
  /** Datagrams that entered the relay in this direction. */
  readonly received: number;
  /** Datagrams sent on (the link delivered them). */
  readonly forwarded: number;
  /** Bytes sent on. */
  readonly bytes: number;
  /** Datagrams dropped, all reasons. */
  readonly dropped: number;
  /** Datagrams dropped by reason (the link's reasons; zeros included). */
  readonly droppedBy: Readonly<Record<DropReason, number>>;
  /** Sends that failed. */
  readonly sendErrors: number;
}

/** Counters of a relay. */
export interface RelayStats {
  readonly toServer: RelayDirectionStats;
  readonly toClient: RelayDirectionStats;
  /** Client addresses seen. */
  readonly clients: number;
}

interface Pending {
  readonly data: Uint8Array;
  readonly socket: Deno.DatagramConn;
  readonly to: Deno.NetAddr;
  readonly arrival: number;
}

/** One direction: a link deciding drops and departure times, and a FIFO of datagrams to send. */
class Lane {
  readonly link: Link;
  sendErrors = 0;
  #queue: Pending[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(config: LinkConfig, seed: number) {
    this.link = new Link(config, new SeededRandom(seed));
  }

  /** A datagram arrived for this direction at `now` (µs). */
  push(data: Uint8Array, socket: Deno.DatagramConn, to: Deno.NetAddr, now: number): void {
    const verdict = this.link.admit(data, now);
    if (verdict.dropped) return;
    if (verdict.arrival <= now && this.#head === this.#queue.length) {
      this.#send(data, socket, to);
      return;
    }
    this.#queue.push({ data, socket, to, arrival: verdict.arrival });
    this.#arm(now);
  }

  stats(): RelayDirectionStats {
    const s = this.link.stats;
    let dropped = 0;
    for (const n of Object.values(s.dropped)) dropped += n;
    return {
      received: s.sent,
      forwarded: s.delivered,
      bytes: s.bytes,
      dropped,
      droppedBy: { ...s.dropped },
      sendErrors: this.sendErrors,
    };
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#queue = [];
    this.#head = 0;
  }

  #arm(now: number): void {
    if (this.#timer !== undefined || this.#closed) return;
    const head = this.#queue[this.#head];
    if (head === undefined) return;
    this.#timer = setTimeout(this.#flush, delayMs(now, head.arrival));
  }

  readonly #flush = (): void => {
    this.#timer = undefined;
    const now = monotonicMicros();
    const q = this.#queue;
    while (this.#head < q.length && q[this.#head]!.arrival <= now) {
      const p = q[this.#head++]!;
      this.#send(p.data, p.socket, p.to);
    }
    if (this.#head === q.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024) {
      this.#queue = q.slice(this.#head);
      this.#head = 0;
    }
    this.#arm(now);
  };

  #send(data: Uint8Array, socket: Deno.DatagramConn, to: Deno.NetAddr): void {
    socket.send(data, to).catch(() => {
      if (!this.#closed) this.sendErrors++;
    });
  }
}

interface Session {
  readonly client: Deno.NetAddr;
  readonly upstream: Deno.DatagramConn;
  lastSeen: number;
  loop: Promise<void>;
}

/**
 * A running relay.
 *
 * @example Relay datagrams to a UDP echo socket
 * ```ts
 * import { UdpRelay } from "./udp_relay.ts";
 * import assert from "node:assert/strict";
 * const echo = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
 * const echoing = (async () => {
 *   const [d, from] = await echo.receive();
 *   await echo.send(d, from);
 * })();
 * const relay = await UdpRelay.start({
 *   listen: { hostname: "127.0.0.1", port: 0 },
 *   to: { hostname: "127.0.0.1", port: (echo.addr as Deno.NetAddr).port },
 *   loss: 0, burst: 0, delayMs: 0, rateMbps: 0, queue: null, seed: 1, verbose: false,
 * });
 * const client = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
 * await client.send(new Uint8Array([1, 2, 3]), { transport: "udp", ...relay.local });
 * const [back] = await client.receive();
 * assert.deepEqual([...back], [1, 2, 3]);
 * await echoing;
 * assert.equal(relay.stats().toClient.forwarded, 1);
 * client.close();
 * echo.close();
 * await relay.close();
 * ```
 */
export class UdpRelay {
  /** The listening address (the port the system chose for port 0). */
  readonly local: SocketAddress;
  /** The server's address. */
  readonly to: SocketAddress;
  /** The seed of the loss draws. */
  readonly seed: number;
  readonly #socket: Deno.DatagramConn;
  readonly #lanes: Record<RelayDirection, Lane>;
  readonly #sessions = new Map<string, Session>();
  readonly #upstreamHost: string;
  #clients = 0;
  #closed = false;
  #loop: Promise<void> | null = null;
  #sweep: ReturnType<typeof setInterval> | undefined;

  private constructor(o: RelayOptions, to: SocketAddress, listenHost: string, seed: number) {
    const bound = bindUdp({ hostname: listenHost, port: o.listen.port });
    this.#socket = bound.socket;
    this.local = bound.local;
    this.to = to;
    this.seed = seed;
    const config = relayLinkConfig(o);
    this.#lanes = {
      toServer: new Lane(config, directionSeed(seed, "toServer")),
      toClient: new Lane(config, directionSeed(seed, "toClient")),
    };
    this.#upstreamHost = to.hostname.includes(":") ? "::" : "0.0.0.0";
  }

  /**
   * Resolves the addresses, binds the listening socket and starts relaying.
   *
   * @param o The options.
   * @returns The running relay.
   * @throws When an address does not resolve or the port cannot be bound.
   */
  static async start(o: RelayOptions): Promise<UdpRelay> {
    const toHost = await resolveHost(o.to.hostname);
    const listenHost = await resolveHost(o.listen.hostname);
    const seed = o.seed ?? new CryptoRandom().u32();
    const relay = new UdpRelay(o, { hostname: toHost, port: o.to.port }, listenHost, seed);
    relay.#loop = relay.#receiveFromClients();
    relay.#sweep = setInterval(() => relay.#closeIdle(), 1000);
    return relay;
  }

  /** A snapshot of the counters. */
  stats(): RelayStats {
    return {
      toServer: this.#lanes.toServer.stats(),
      toClient: this.#lanes.toClient.stats(),
      clients: this.#clients,
    };
  }

  /** Stops relaying: closes every socket and drops what was waiting. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
    this.#lanes.toServer.close();
    this.#lanes.toClient.close();
    const loops: Promise<void>[] = [];
    for (const s of this.#sessions.values()) {
      closeQuietly(s.upstream);
      loops.push(s.loop);
    }
    this.#sessions.clear();
    closeQuietly(this.#socket);
    if (this.#loop !== null) loops.push(this.#loop);
    await Promise.all(loops);
  }

  #receiveFromClients(): Promise<void> {
    const server = toNetAddr(this.to);
    return this.#receiveLoop(this.#socket, (data, addr, now) => {
      const session = this.#session(addr as Deno.NetAddr);
      if (session === null) return;
      session.lastSeen = now;
      this.#lanes.toServer.push(data, session.upstream, server, now);
    });
  }

  /**
   * Receives on `socket` until the relay closes, the socket is closed or it
   * keeps failing; `onDatagram` gets a copy of each datagram.
   */
  async #receiveLoop(
    socket: Deno.DatagramConn,
    onDatagram: (data: Uint8Array, from: Deno.Addr, now: number) => void,
  ): Promise<void> {
    const buf = new Uint8Array(RECEIVE_BUFFER_SIZE);
    let errors = 0;
    for (;;) {
      let data: Uint8Array;
      let from: Deno.Addr;
      try {
        [data, from] = await socket.receive(buf);
      } catch (e) {
        if (this.#closed || e instanceof Deno.errors.BadResource) return;
        // A socket that fails every receive would spin: give up on it.
        if (++errors >= MAX_RECEIVE_ERRORS) return;
        continue;
      }
      errors = 0;
      if (this.#closed) return;
      onDatagram(data.slice(), from, monotonicMicros());
    }
  }

  #session(client: Deno.NetAddr): Session | null {
    const key = `${client.hostname}|${client.port}`;
    let s = this.#sessions.get(key);
    if (s !== undefined) return s;
    let upstream: Deno.DatagramConn;
    try {
      upstream = bindUdp({ hostname: this.#upstreamHost }).socket;
    } catch {
      return null;
    }
    const from = toNetAddr(toSocketAddress(client));
    s = { client: from, upstream, lastSeen: monotonicMicros(), loop: Promise.resolve() };
    this.#sessions.set(key, s);
    s.loop = this.#receiveFromServer(upstream, from, key);
    this.#clients++;
    return s;
  }

  #receiveFromServer(
    upstream: Deno.DatagramConn,
    client: Deno.NetAddr,
    key: string,
  ): Promise<void> {
    return this.#receiveLoop(upstream, (data, _from, now) => {
      const s = this.#sessions.get(key);
      if (s !== undefined) s.lastSeen = now;
      this.#lanes.toClient.push(data, this.#socket, client, now);
    });
  }

  #closeIdle(): void {
    const limit = monotonicMicros() - RELAY_SESSION_IDLE_MS * 1000;
    for (const [key, s] of this.#sessions) {
      if (s.lastSeen < limit) {
        this.#sessions.delete(key);
        closeQuietly(s.upstream);
      }
    }
  }
}

function closeQuietly(socket: Deno.DatagramConn): void {
  try {
    socket.close();
  } catch {
    // Already closed.
  }
}
