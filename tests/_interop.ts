/**
 * The quic-interop-runner's scenarios on the simulated network: a client
 * Endpoint and a server Endpoint, an hq-interop-style request/response (the
 * client sends `GET /<size>/<seed>` on a bidi stream, the server answers with
 * `payload(size, seed)` and FIN), byte-exact checks, and the runner's link
 * (15 ms one way, 10 Mbit/s, 25-packet drop-tail queue).
 *
 * @module
 */

import assert from "node:assert/strict";
import { SimNetwork, type SimNode } from "../io/sim/network.ts";
import type { LinkConfig } from "../io/sim/link.ts";
import { formatAddress, sameAddress, type SocketAddress } from "../transport/address.ts";
import type { ClientConnectionConfig } from "../transport/connection/config.ts";
import type { Connection } from "../transport/connection/connection.ts";
import { ConnectionState } from "../transport/connection/events.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import { Endpoint, type EndpointConfig } from "../transport/endpoint/endpoint.ts";
import { SeededRandom } from "../transport/random.ts";
import { payload, testIdentity, WALL_CLOCK_BASE } from "./_conn_sim.ts";

export const CLIENT: SocketAddress = { hostname: "10.0.0.1", port: 5000 };
export const SERVER: SocketAddress = { hostname: "10.0.0.2", port: 443 };

/** The runner's default link: 15 ms one way, 10 Mbit/s, 25-packet queue. */
export const RUNNER_LINK: LinkConfig = { delay: 15_000, bandwidth: 10_000_000, queue: 25 };

const ENC = new TextEncoder();
const DEC = new TextDecoder();

/** Per-stream state of the hq server: the request, then the response being written. */
interface Response {
  request: string;
  body: Uint8Array | null;
  written: number;
}

/** A SimNode around an Endpoint, running an application hook after every input. */
export class EndpointNode implements SimNode {
  readonly events: { connection: Connection; event: ConnectionEvent }[] = [];
  readonly accepted: Connection[] = [];
  /** Runs after every input with each connection that had events. */
  app: ((conn: Connection, events: ConnectionEvent[], now: number) => void) | null = null;
  /** Connections whose application state must be pumped after every input. */
  readonly active = new Set<Connection>();

  /** Datagrams for other local addresses of ours (see {@link FaceNode}), by address. */
  readonly faceQueues = new Map<string, { datagram: Uint8Array; remote: SocketAddress }[]>();

  constructor(public endpoint: Endpoint, readonly address: SocketAddress = SERVER) {}

  receive(d: Uint8Array, from: SocketAddress, now: number): void {
    this.endpoint.handle(d, from, now);
    this.#drain(now);
  }
  pollTransmit(now: number): { datagram: Uint8Array; remote: SocketAddress } | null {
    for (;;) {
      const t = this.endpoint.pollTransmit(now);
      this.#drain(now);
      if (t === null || t.local === undefined || sameAddress(t.local, this.address)) return t;
      const key = formatAddress(t.local);
      let q = this.faceQueues.get(key);
      if (q === undefined) this.faceQueues.set(key, q = []);
      q.push({ datagram: t.datagram, remote: t.remote });
    }
  }
  nextTimeout(): number {
    return this.endpoint.nextTimeout();
  }
  onTimeout(now: number): void {
    this.endpoint.onTimeout(now);
    this.#drain(now);
  }
  #drain(now: number): void {
    const by = new Map<Connection, ConnectionEvent[]>();
    for (let e = this.endpoint.pollEvent(); e !== null; e = this.endpoint.pollEvent()) {
      if (e.type === "accepted") {
        this.accepted.push(e.connection);
        this.active.add(e.connection);
        continue;
      }
      this.events.push({ connection: e.connection, event: e.event });
      let list = by.get(e.connection);
      if (list === undefined) by.set(e.connection, list = []);
      list.push(e.event);
    }
    if (this.app === null) return;
    for (const c of this.active) {
      this.app(c, by.get(c) ?? [], now);
      by.delete(c);
    }
    for (const [c, es] of by) this.app(c, es, now);
  }
  has(conn: Connection, type: ConnectionEvent["type"]): boolean {
    return this.events.some((e) => e.connection === conn && e.event.type === type);
  }
  eventsOf(conn: Connection): ConnectionEvent[] {
    return this.events.filter((e) => e.connection === conn).map((e) => e.event);
  }
}

/** Another local address of an endpoint (a server's preferred_address): one socket more. */
export class FaceNode implements SimNode {
  constructor(readonly main: EndpointNode, readonly address: SocketAddress) {}
  receive(d: Uint8Array, from: SocketAddress, now: number): void {
    this.main.receive(d, from, now);
  }
  pollTransmit(): { datagram: Uint8Array; remote: SocketAddress } | null {
    return this.main.faceQueues.get(formatAddress(this.address))?.shift() ?? null;
  }
  nextTimeout(): number {
    return Infinity;
  }
  onTimeout(): void {}
}

/** Scenario settings. */
export interface InteropOptions {
  seed?: number;
  /** Both directions (default {@link RUNNER_LINK}). */
  link?: LinkConfig;
  /** Overrides of the server endpoint's settings. */
  server?: Partial<EndpointConfig>;
  /** Overrides of the server connection settings. */
  serverConnection?: Partial<NonNullable<EndpointConfig["server"]>>;
  /** Whether the server listens at its preferred_address (default true). */
  preferredReachable?: boolean;
  /** The endpoints' addresses (default {@link CLIENT} and {@link SERVER}). */
  addresses?: { client: SocketAddress; server: SocketAddress };
}

/** The hq-interop server: answers `GET /<size>/<seed>` with that payload. */
export function hqServer(
  conn: Connection,
  events: ConnectionEvent[],
  streams: Map<number, Response>,
) {
  for (const e of events) {
    if (e.type !== "streamOpened" && e.type !== "streamReadable") continue;
    let r = streams.get(e.id);
    if (r === undefined) streams.set(e.id, r = { request: "", body: null, written: 0 });
    for (let d = conn.read(e.id); d !== null; d = conn.read(e.id)) {
      r.request += DEC.decode(d.data);
      if (d.fin) {
        const m = /^GET \/(\d+)\/(\d+)\r\n$/.exec(r.request);
        assert.ok(m !== null, `bad request ${JSON.stringify(r.request)}`);
        r.body = payload(Number(m[1]), Number(m[2]));
        break;
      }
    }
  }
  if (conn.state !== ConnectionState.Established) return;
  for (const [id, r] of streams) {
    if (r.body === null) continue;
    while (r.written < r.body.length) {
      const n = conn.write(id, r.body.subarray(r.written, r.written + 65536));
      if (n === 0) break;
      r.written += n;
    }
    if (r.written === r.body.length) {
      conn.finish(id);
      streams.delete(id);
    }
  }
}

/** A file the client downloads. */
export interface FileRequest {
  size: number;
  seed: number;
}

/** Download progress of one client connection. */
export class Download {
  readonly files: FileRequest[];
  next = 0;
  readonly got = new Map<number, { file: FileRequest; bytes: number; ok: boolean; fin: boolean }>();
  completed = 0;
  bytes = 0;
  mismatches = 0;
  firstByteAt = -1;
  doneAt = -1;
  constructor(files: FileRequest[]) {
    this.files = files;
  }
  get done(): boolean {
    return this.completed === this.files.length;
  }
  /** Opens streams and sends requests; reads responses. `early`: also before the handshake. */
  pump(conn: Connection, events: ConnectionEvent[], now: number, early = false): void {
    for (const e of events) {
      if (e.type !== "streamReadable" && e.type !== "streamFinished") continue;
      const st = this.got.get(e.id);
      if (st === undefined || st.fin) continue;
      for (let d = conn.read(e.id); d !== null; d = conn.read(e.id)) {
        if (d.data.length > 0) {
          if (this.firstByteAt < 0) this.firstByteAt = now;
          // Byte-exact: compare against the expected payload as it arrives.
          const expect = expected(st.file).subarray(st.bytes, st.bytes + d.data.length);
          if (!bytesEq(expect, d.data)) st.ok = false;
          st.bytes += d.data.length;
          this.bytes += d.data.length;
        }
        if (d.fin) {
          st.fin = true;
          if (st.bytes !== st.file.size || !st.ok) this.mismatches++;
          this.completed++;
          if (this.done) this.doneAt = now;
          break;
        }
      }
    }
    if (!early && conn.state !== ConnectionState.Established) return;
    if (conn.state >= ConnectionState.Closing) return;
    while (this.next < this.files.length) {
      const id = conn.openStream(true);
      if (id === null) break;
      const f = this.files[this.next++]!;
      this.got.set(id, { file: f, bytes: 0, ok: true, fin: false });
      const req = ENC.encode(`GET /${f.size}/${f.seed}\r\n`);
      assert.equal(conn.write(id, req, true), req.length);
    }
  }
}

const expectedCache = new Map<string, Uint8Array>();
function expected(f: FileRequest): Uint8Array {
  const k = `${f.size}/${f.seed}`;
  let p = expectedCache.get(k);
  if (p === undefined) {
    if (expectedCache.size > 64) expectedCache.clear();
    expectedCache.set(k, p = payload(f.size, f.seed));
  }
  return p;
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `n` files of `size` bytes. */
export function files(n: number, size: number, seed = 1): FileRequest[] {
  return Array.from({ length: n }, (_, i) => ({ size, seed: seed + i }));
}

/** A client and a server endpoint on a fresh simulated network. */
export class InteropPair {
  readonly sim: SimNetwork;
  readonly server: EndpointNode;
  readonly client: EndpointNode;
  readonly serverConfig: EndpointConfig;
  readonly ca: Uint8Array;
  readonly #serverStreams = new Map<Connection, Map<number, Response>>();
  readonly #downloads = new Map<Connection, { d: Download; early: boolean }>();

  private constructor(
    sim: SimNetwork,
    server: EndpointNode,
    client: EndpointNode,
    cfg: EndpointConfig,
    ca: Uint8Array,
  ) {
    this.sim = sim;
    this.server = server;
    this.client = client;
    this.serverConfig = cfg;
    this.ca = ca;
    server.app = (c, es) => {
      let m = this.#serverStreams.get(c);
      if (m === undefined) this.#serverStreams.set(c, m = new Map());
      hqServer(c, es, m);
    };
    client.app = (c, es, now) => {
      const d = this.#downloads.get(c);
      if (d !== undefined) d.d.pump(c, es, now, d.early);
    };
  }

  /** Builds the pair. */
  static async create(opts: InteropOptions = {}): Promise<InteropPair> {
    const { identity, ca } = await testIdentity();
    const seed = opts.seed ?? 1;
    const sim = new SimNetwork(seed);
    sim.setDefaultLink(opts.link ?? RUNNER_LINK);
    const wallClockMs = () => WALL_CLOCK_BASE + sim.now / 1000;
    const cfg: EndpointConfig = {
      random: new SeededRandom(seed + 100),
      secret: new Uint8Array(32).fill(7),
      server: { identity, wallClockMs, ...opts.serverConnection },
      ...opts.server,
    };
    const at = opts.addresses ?? { client: CLIENT, server: SERVER };
    const server = new EndpointNode(new Endpoint(cfg), at.server);
    const client = new EndpointNode(new Endpoint({ random: new SeededRandom(seed) }), at.client);
    sim.addNode(at.server, server);
    sim.addNode(at.client, client);
    const pref = cfg.server?.preferredAddress;
    if (pref !== undefined && opts.preferredReachable !== false) {
      sim.addNode(pref, new FaceNode(server, pref));
    }
    return new InteropPair(sim, server, client, cfg, ca);
  }

  /** Opens a client connection that downloads `list`. */
  connect(
    list: FileRequest[],
    config: Partial<ClientConnectionConfig> = {},
  ): { conn: Connection; download: Download } {
    const wallClockMs = () => WALL_CLOCK_BASE + this.sim.now / 1000;
    const conn = this.client.endpoint.connect(
      { serverName: "localhost", trustAnchors: [this.ca], wallClockMs, ...config },
      this.server.address,
      this.sim.now,
    );
    const download = new Download(list);
    const early = config.enableEarlyData === true && config.sessionTicket !== undefined;
    this.#downloads.set(conn, { d: download, early });
    this.client.active.add(conn);
    if (early) download.pump(conn, [], this.sim.now, true);
    return { conn, download };
  }

  /**
   * Runs until `download` is complete, then closes with code 0 and runs until
   * both sides drained. Asserts byte-exactness and a clean close.
   */
  finish(conn: Connection, download: Download, maxTime = 120_000_000): void {
    const r = this.sim.run({
      until: () => download.done || conn.state >= ConnectionState.Closing,
      maxTime: this.sim.now + maxTime,
    });
    assert.equal(
      r,
      "until",
      `stopped (${r}) at ${this.sim.now} µs with ${download.completed}/${download.files.length} files, ${download.bytes} bytes`,
    );
    assert.ok(download.done, `connection ended early: ${JSON.stringify(this.closeOf(conn))}`);
    assert.equal(download.mismatches, 0, "every file byte-exact");
    conn.close(0n, "", this.sim.now);
    const peer = this.server.accepted.find((s) =>
      this.server.has(s, "connected") &&
      !this.server.has(s, "drained")
    );
    this.sim.run({
      until: () =>
        this.client.has(conn, "drained") && (peer === undefined ||
          this.server.has(peer, "closed")),
      maxTime: this.sim.now + 10_000_000,
    });
    assert.deepEqual(this.closeOf(conn), { kind: "localClose", code: 0n, reason: "" });
    if (peer !== undefined) {
      const pc = this.server.eventsOf(peer).find((e) => e.type === "closed");
      assert.ok(pc?.type === "closed");
      assert.deepEqual(pc.error, { kind: "applicationClosed", code: 0n, reason: "", remote: true });
    }
  }

  /** How `conn` closed, or null. */
  closeOf(conn: Connection): unknown {
    const e = this.client.eventsOf(conn).find((e) => e.type === "closed");
    return e?.type === "closed" ? e.error : null;
  }
}

/** Goodput in Mbit/s of `bytes` delivered between `from` and `to` (µs). */
export function goodputMbps(bytes: number, from: number, to: number): number {
  return (bytes * 8) / (to - from);
}
