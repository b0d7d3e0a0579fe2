/**
 * Test helper: a client and a server Connection shuttling datagrams directly
 * under a virtual clock (quinn's `Pair`), with an optional one-way delay and a
 * drop filter. Not part of the public API.
 *
 * @module
 */

import type { SocketAddress } from "../address.ts";
import { generateDemoCertificates } from "../crypto/certificates.ts";
import type { CertificateIdentity } from "../crypto/certificates.ts";
import { SeededRandom } from "../random.ts";
import { parsePacketHeader } from "../packet/header.ts";
import type { ClientConnectionConfig, ServerConnectionConfig } from "./config.ts";
import { Connection } from "./connection.ts";
import type { ConnectionEvent } from "./events.ts";

/** The client's address in tests. */
export const CLIENT_ADDR: SocketAddress = { hostname: "10.0.0.1", port: 5000 };
/** The server's address in tests. */
export const SERVER_ADDR: SocketAddress = { hostname: "10.0.0.2", port: 4433 };

/** A fixed wall clock for certificate validity (2026-01-01). */
export const WALL_CLOCK_BASE = 1_767_225_600_000;

let demo: Promise<{ identity: CertificateIdentity; ca: Uint8Array }> | null = null;

/** A demo CA and server identity, generated once per process. */
export function testIdentity(): Promise<{ identity: CertificateIdentity; ca: Uint8Array }> {
  if (demo === null) {
    demo = generateDemoCertificates({ names: ["localhost"] }).then((d) => ({
      identity: d.identity,
      ca: d.caCertificate,
    }));
  }
  return demo;
}

/** Options for {@link Pair.create}. */
export interface PairOptions {
  seed?: number;
  client?: Partial<ClientConnectionConfig>;
  server?: Partial<ServerConnectionConfig>;
  /** One-way delay, µs (default 10 ms). */
  delay?: number;
  /** Serverside CID length. */
  serverCidLength?: number;
}

interface InFlight {
  at: number;
  to: "client" | "server";
  data: Uint8Array;
}

/** Two connections and a wire between them. */
export class Pair {
  now = 0;
  readonly client: Connection;
  server: Connection | null = null;
  readonly serverConfig: ServerConnectionConfig;
  readonly delay: number;
  readonly clientEvents: ConnectionEvent[] = [];
  readonly serverEvents: ConnectionEvent[] = [];
  /** Return false to drop a datagram. */
  filter: ((d: Uint8Array, to: "client" | "server") => boolean) | null = null;
  /** Rewrites a datagram before delivery (e.g. a Retry injector). */
  intercept: ((d: Uint8Array, to: "client" | "server") => Uint8Array | null) | null = null;
  readonly #wire: InFlight[] = [];
  readonly #serverCidLength: number;
  /** Datagrams delivered, by direction. */
  delivered = { client: 0, server: 0 };
  /** Extra fields for `Connection.server`'s init. */
  serverInit: { originalDcid?: Uint8Array; retryScid?: Uint8Array; addressValidated?: boolean } =
    {};

  private constructor(client: Connection, serverConfig: ServerConnectionConfig, opts: PairOptions) {
    this.client = client;
    this.serverConfig = serverConfig;
    this.delay = opts.delay ?? 10_000;
    this.#serverCidLength = opts.serverCidLength ?? 8;
  }

  /** A client and (lazily, on its first Initial) a server. */
  static async create(opts: PairOptions = {}): Promise<Pair> {
    const { identity, ca } = await testIdentity();
    const seed = opts.seed ?? 1;
    const clientConfig: ClientConnectionConfig = {
      random: new SeededRandom(seed),
      serverName: "localhost",
      trustAnchors: [ca],
      wallClockMs: () => WALL_CLOCK_BASE,
      ...opts.client,
    };
    const serverConfig: ServerConnectionConfig = {
      random: new SeededRandom(seed + 1000),
      identity,
      wallClockMs: () => WALL_CLOCK_BASE,
      ...opts.server,
    };
    const client = Connection.client(clientConfig, SERVER_ADDR, 0);
    return new Pair(client, serverConfig, opts);
  }

  /** Moves everything the connections want to send onto the wire. */
  #flush(): void {
    for (;;) {
      const t = this.client.pollTransmit(this.now);
      if (t === null) break;
      this.#send(t.datagram, "server");
    }
    if (this.server !== null) {
      for (;;) {
        const t = this.server.pollTransmit(this.now);
        if (t === null) break;
        this.#send(t.datagram, "client");
      }
    }
  }

  #send(data: Uint8Array, to: "client" | "server"): void {
    if (this.filter !== null && !this.filter(data, to)) return;
    this.#wire.push({ at: this.now + this.delay, to, data });
  }

  /** Delivers one datagram to `to`. */
  deliver(data: Uint8Array, to: "client" | "server"): void {
    if (this.intercept !== null) {
      const d = this.intercept(data, to);
      if (d === null) return;
      data = d;
    }
    this.delivered[to]++;
    if (to === "client") {
      this.client.receive(data, SERVER_ADDR, this.now);
      return;
    }
    if (this.server === null) {
      const h = parsePacketHeader(data, 0, this.#serverCidLength);
      const localCid = new Uint8Array(this.#serverCidLength);
      this.serverConfig.random.fill(localCid);
      this.server = Connection.server(this.serverConfig, {
        remote: CLIENT_ADDR,
        version: h.version,
        clientDcid: h.dcid.slice(),
        clientScid: h.scid.slice(),
        localCid,
        ...this.serverInit,
      }, this.now);
    }
    this.server.receive(data, CLIENT_ADDR, this.now);
  }

  #drainEvents(): void {
    for (let e = this.client.pollEvent(); e !== null; e = this.client.pollEvent()) {
      this.clientEvents.push(e);
    }
    if (this.server !== null) {
      for (let e = this.server.pollEvent(); e !== null; e = this.server.pollEvent()) {
        this.serverEvents.push(e);
      }
    }
  }

  /** One step: flush, then advance to the next delivery or timeout. Returns false when idle. */
  step(): boolean {
    this.#flush();
    this.#drainEvents();
    let next = Infinity;
    for (const f of this.#wire) if (f.at < next) next = f.at;
    const ct = this.client.nextTimeout();
    const st = this.server?.nextTimeout() ?? Infinity;
    const t = Math.min(next, ct, st);
    if (t === Infinity) return false;
    if (t > this.now) this.now = t;
    // Deliver everything due, in order.
    for (let i = 0; i < this.#wire.length;) {
      const f = this.#wire[i]!;
      if (f.at <= this.now) {
        this.#wire.splice(i, 1);
        this.deliver(f.data, f.to);
      } else i++;
    }
    if (this.client.nextTimeout() <= this.now) this.client.onTimeout(this.now);
    if (this.server !== null && this.server.nextTimeout() <= this.now) {
      this.server.onTimeout(this.now);
    }
    this.#drainEvents();
    return true;
  }

  /** Steps until `done()` or `maxTime` (µs of virtual time) or idle. */
  drive(done: () => boolean, maxTime = 60_000_000, maxSteps = 1_000_000): boolean {
    for (let i = 0; i < maxSteps; i++) {
      if (done()) return true;
      if (this.now > maxTime) return false;
      if (!this.step()) return done();
    }
    return done();
  }

  /** True once `events` holds an event of `type`. */
  static has(events: ConnectionEvent[], type: ConnectionEvent["type"]): boolean {
    return events.some((e) => e.type === type);
  }
}
