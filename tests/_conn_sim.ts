/**
 * Scenario helpers: a client Connection and a server Connection (created on
 * the client's first Initial, as an endpoint would) on the simulated network,
 * each with an application callback run after every input.
 *
 * @module
 */

import type { SocketAddress } from "../transport/address.ts";
import { generateDemoCertificates } from "../transport/crypto/certificates.ts";
import type { CertificateIdentity } from "../transport/crypto/certificates.ts";
import { parsePacketHeader } from "../transport/packet/header.ts";
import { SeededRandom } from "../transport/random.ts";
import type {
  ClientConnectionConfig,
  ServerConnectionConfig,
} from "../transport/connection/config.ts";
import { Connection, type ServerInit } from "../transport/connection/connection.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import { SimNetwork, type SimNode } from "../io/sim/network.ts";
import type { LinkConfig } from "../io/sim/link.ts";

export const CLIENT_ADDR: SocketAddress = { hostname: "10.0.0.1", port: 5000 };
export const SERVER_ADDR: SocketAddress = { hostname: "10.0.0.2", port: 4433 };
/** 2026-01-01, for certificate validity. */
export const WALL_CLOCK_BASE = 1_767_225_600_000;

let demo: Promise<{ identity: CertificateIdentity; ca: Uint8Array }> | null = null;

/** One demo CA + server identity per process. */
export function testIdentity(): Promise<{ identity: CertificateIdentity; ca: Uint8Array }> {
  demo ??= generateDemoCertificates({ names: ["localhost"] }).then((d) => ({
    identity: d.identity,
    ca: d.caCertificate,
  }));
  return demo;
}

/** An application hook: runs after every input with the connection and its new events. */
export type App = (conn: Connection, events: ConnectionEvent[], now: number) => void;

/** A SimNode around one connection (the client), or a lazily created server connection. */
export class ConnNode implements SimNode {
  conn: Connection | null;
  readonly events: ConnectionEvent[] = [];
  app: App | null = null;
  /**
   * Sees every datagram first (an endpoint's job: Version Negotiation, Retry):
   * returns a reply to send back, `"drop"`, or `"pass"`.
   */
  gate: ((d: Uint8Array, now: number) => Uint8Array | "drop" | "pass") | null = null;
  /** Replies from `gate`, sent before anything else. */
  readonly outbox: { datagram: Uint8Array; remote: SocketAddress }[] = [];
  /** Rewrites or drops (null) datagrams on their way in, after the gate. */
  intercept: ((d: Uint8Array) => Uint8Array | null) | null = null;
  readonly #make: ((d: Uint8Array, now: number) => Connection) | null;

  constructor(conn: Connection | null, make: ((d: Uint8Array, now: number) => Connection) | null) {
    this.conn = conn;
    this.#make = make;
  }

  #run(now: number): void {
    const c = this.conn;
    if (c === null) return;
    const fresh: ConnectionEvent[] = [];
    for (let e = c.pollEvent(); e !== null; e = c.pollEvent()) fresh.push(e);
    for (const e of fresh) this.events.push(e);
    if (this.app !== null) {
      this.app(c, fresh, now);
      for (let e = c.pollEvent(); e !== null; e = c.pollEvent()) this.events.push(e);
    }
  }

  receive(datagram: Uint8Array, from: SocketAddress, now: number): void {
    if (this.gate !== null) {
      const g = this.gate(datagram, now);
      if (g === "drop") return;
      if (g !== "pass") {
        this.outbox.push({ datagram: g, remote: from });
        return;
      }
    }
    if (this.intercept !== null) {
      const d = this.intercept(datagram);
      if (d === null) return;
      datagram = d;
    }
    if (this.conn === null) {
      if (this.#make === null) return;
      try {
        this.conn = this.#make(datagram, now);
      } catch {
        return;
      }
    }
    this.conn.receive(datagram, from, now);
    this.#run(now);
  }

  pollTransmit(now: number): { datagram: Uint8Array; remote: SocketAddress } | null {
    const out = this.outbox.shift();
    if (out !== undefined) return out;
    if (this.conn === null) return null;
    this.#run(now);
    return this.conn.pollTransmit(now);
  }

  nextTimeout(): number {
    return this.conn?.nextTimeout() ?? Infinity;
  }

  onTimeout(now: number): void {
    if (this.conn === null) return;
    this.conn.onTimeout(now);
    this.#run(now);
  }

  has(type: ConnectionEvent["type"]): boolean {
    return this.events.some((e) => e.type === type);
  }
}

/** Options for {@link simPair}. */
export interface SimPairOptions {
  seed?: number;
  client?: Partial<ClientConnectionConfig>;
  server?: Partial<ServerConnectionConfig>;
  link?: LinkConfig;
  serverInit?: Partial<ServerInit>;
  serverCidLength?: number;
  /** Added to both wall clocks (ms), e.g. for a later resumption. */
  clockOffsetMs?: number;
}

/** A client and a server node on a fresh network. */
export async function simPair(opts: SimPairOptions = {}): Promise<{
  sim: SimNetwork;
  client: ConnNode;
  server: ConnNode;
  clientConn: Connection;
  serverInit: Partial<ServerInit>;
  serverConfig: ServerConnectionConfig;
}> {
  const { identity, ca } = await testIdentity();
  const seed = opts.seed ?? 1;
  const sim = new SimNetwork(seed);
  const offset = opts.clockOffsetMs ?? 0;
  sim.setDefaultLink(opts.link ?? { delay: 10_000 });
  const clientConfig: ClientConnectionConfig = {
    random: new SeededRandom(seed),
    serverName: "localhost",
    trustAnchors: [ca],
    wallClockMs: () => WALL_CLOCK_BASE + offset + sim.now / 1000,
    ...opts.client,
  };
  const serverConfig: ServerConnectionConfig = {
    random: new SeededRandom(seed + 7919),
    identity,
    wallClockMs: () => WALL_CLOCK_BASE + offset + sim.now / 1000,
    ...opts.server,
  };
  const cidLen = opts.serverCidLength ?? 8;
  const serverInit: Partial<ServerInit> = { ...opts.serverInit };
  const clientConn = Connection.client(clientConfig, SERVER_ADDR, 0);
  const client = new ConnNode(clientConn, null);
  const server = new ConnNode(null, (d, now) => {
    const h = parsePacketHeader(d, 0, cidLen);
    const localCid = new Uint8Array(cidLen);
    serverConfig.random.fill(localCid);
    return Connection.server(serverConfig, {
      remote: CLIENT_ADDR,
      version: h.version,
      clientDcid: h.dcid.slice(),
      clientScid: h.scid.slice(),
      localCid,
      ...serverInit,
    }, now);
  });
  sim.addNode(CLIENT_ADDR, client);
  sim.addNode(SERVER_ADDR, server);
  return { sim, client, server, clientConn, serverInit, serverConfig };
}

/** A deterministic payload of `n` bytes. */
export function payload(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  new SeededRandom(seed).fill(out);
  return out;
}

/** SHA-256 hex of bytes. */
export async function sha256(data: Uint8Array): Promise<string> {
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
  return Array.from(h, (b) => b.toString(16).padStart(2, "0")).join("");
}
