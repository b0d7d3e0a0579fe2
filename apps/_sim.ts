/**
 * Test support: a client and a server {@link Endpoint} on a {@link SimNetwork},
 * with application callbacks fed every connection event (the way the CLI
 * drives apps over UDP).
 *
 * @module
 */

import { SimNetwork, type SimNode } from "../io/sim/network.ts";
import type { LinkConfig } from "../io/sim/link.ts";
import type { SocketAddress } from "../transport/address.ts";
import type { Connection } from "../transport/connection/connection.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import {
  type CertificateIdentity,
  generateDemoCertificates,
} from "../transport/crypto/certificates.ts";
import { Endpoint, type EndpointEvent } from "../transport/endpoint/endpoint.ts";
import { SeededRandom } from "../transport/random.ts";

/** The client's address on the simulated network. */
export const CLIENT: SocketAddress = { hostname: "10.0.0.1", port: 50000 };
/** The server's address on the simulated network. */
export const SERVER: SocketAddress = { hostname: "10.0.0.2", port: 4443 };
/** 2026-01-01, for certificate validity. */
const WALL_CLOCK_BASE = 1_767_225_600_000;

/** An application as the harness sees it. */
export type AppHook = (conn: Connection, event: ConnectionEvent, now: number) => void;

/** An endpoint on the simulator that hands connection events to an app. */
class AppNode implements SimNode {
  constructor(
    readonly endpoint: Endpoint,
    readonly onEvent: (e: EndpointEvent, now: number) => void,
  ) {}
  receive(d: Uint8Array, from: SocketAddress, now: number) {
    this.endpoint.handle(d, from, now);
    this.#drain(now);
  }
  pollTransmit(now: number) {
    return this.endpoint.pollTransmit(now);
  }
  nextTimeout() {
    return this.endpoint.nextTimeout();
  }
  onTimeout(now: number) {
    this.endpoint.onTimeout(now);
    this.#drain(now);
  }
  #drain(now: number) {
    for (let e = this.endpoint.pollEvent(); e !== null; e = this.endpoint.pollEvent()) {
      this.onEvent(e, now);
    }
  }
}

let certs: Promise<{ identity: CertificateIdentity; ca: Uint8Array }> | null = null;

/** One demo CA and server identity per process. */
function identity(): Promise<{ identity: CertificateIdentity; ca: Uint8Array }> {
  certs ??= generateDemoCertificates({ names: ["localhost"] }).then((d) => ({
    identity: d.identity,
    ca: d.caCertificate,
  }));
  return certs;
}

/** Options of {@link simPair}. */
export interface SimPairOptions {
  /** ALPN of the server (and of the client unless `clientAlpn` is given). */
  readonly alpn: string[];
  readonly clientAlpn?: string[];
  readonly server: AppHook;
  readonly client: AppHook;
  readonly seed?: number;
  readonly link?: LinkConfig;
}

/** A connected-to-be pair. */
export interface SimPair {
  readonly sim: SimNetwork;
  readonly conn: Connection;
  readonly serverConns: Connection[];
  /** Every event each side saw, for assertions. */
  readonly clientEvents: ConnectionEvent[];
  readonly serverEvents: ConnectionEvent[];
}

/**
 * Builds a client and a server endpoint on a simulated link and starts the
 * client's connection.
 */
export async function simPair(options: SimPairOptions): Promise<SimPair> {
  const { identity: id, ca } = await identity();
  const seed = options.seed ?? 1;
  const sim = new SimNetwork(seed);
  sim.setDefaultLink(options.link ?? { delay: 10_000 });
  const wallClockMs = () => WALL_CLOCK_BASE + sim.now / 1000;
  const serverConns: Connection[] = [];
  const clientEvents: ConnectionEvent[] = [];
  const serverEvents: ConnectionEvent[] = [];
  const server = new AppNode(
    new Endpoint({
      random: new SeededRandom(seed + 1),
      server: { identity: id, wallClockMs, alpnProtocols: options.clientAlpn ?? options.alpn },
    }),
    (e, now) => {
      if (e.type === "accepted") serverConns.push(e.connection);
      else {
        serverEvents.push(e.event);
        options.server(e.connection, e.event, now);
      }
    },
  );
  const client = new AppNode(new Endpoint({ random: new SeededRandom(seed) }), (e, now) => {
    if (e.type === "connection") {
      clientEvents.push(e.event);
      options.client(e.connection, e.event, now);
    }
  });
  sim.addNode(SERVER, server);
  sim.addNode(CLIENT, client);
  const conn = client.endpoint.connect(
    {
      serverName: "localhost",
      trustAnchors: [ca],
      wallClockMs,
      alpnProtocols: options.clientAlpn ?? options.alpn,
    },
    SERVER,
    0,
  );
  return { sim, conn, serverConns, clientEvents, serverEvents };
}
