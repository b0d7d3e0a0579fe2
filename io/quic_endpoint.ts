/**
 * `QuicEndpoint` and `QuicListener`: one UDP socket serving client and
 * server connections, modelled on Deno's `Deno.QuicEndpoint`.
 *
 * The endpoint owns a {@link UdpDriver} around a sans-IO `Endpoint`, wraps
 * each connection in a {@link QuicConn} and routes its events there. Its
 * server configuration is set by {@link QuicEndpoint.listen}; until then,
 * client Initials are dropped.
 *
 * Unlike Deno's, the listener yields connections once their handshake is
 * complete (there is no `QuicIncoming` step), and `close()` returns a promise
 * that settles once the socket is closed.
 *
 * @module
 */

import type { SocketAddress } from "../transport/address.ts";
import type { ClientConnectionConfig } from "../transport/connection/config.ts";
import {
  type CertificateIdentity,
  certificatesFromPem,
  type DemoCertificates,
  generateDemoCertificates,
  identityFromPem,
} from "../transport/crypto/certificates.ts";
import {
  Endpoint,
  type EndpointConfig,
  type EndpointEvent,
} from "../transport/endpoint/endpoint.ts";
import { CryptoRandom } from "../transport/random.ts";
import { wallClockMs } from "./clock.ts";
import { type ConnOwner, QuicConn, type QuicNetAddr } from "./quic_conn.ts";
import type {
  ConnectQuicOptions,
  QuicEndpointOptions,
  QuicListenOptions,
  QuicTransportOptions,
} from "./quic_options.ts";
import { transportConfig } from "./quic_options.ts";
import { UdpDriver } from "./udp_driver.ts";

type ServerConfig = NonNullable<EndpointConfig["server"]>;

/**
 * A QUIC endpoint on one UDP socket (Deno's `Deno.QuicEndpoint`): listen on
 * it, connect from it, or both.
 *
 * @example A server on an ephemeral loopback port
 * ```ts
 * import { QuicEndpoint } from "../quic.ts";
 * import assert from "node:assert/strict";
 * const endpoint = new QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
 * assert.ok(endpoint.addr.port > 0);
 * await endpoint.close();
 * ```
 */
export class QuicEndpoint {
  /** The sans-IO endpoint (statistics, tests). */
  readonly endpoint: Endpoint;
  /** The socket driver. */
  readonly driver: UdpDriver;
  readonly #conns = new Map<unknown, QuicConn>();
  readonly #owner: ConnOwner;
  #server: ServerConfig | undefined;
  #retry = false;
  #listener: QuicListener | null = null;
  #closing: Promise<void> | null = null;
  /** Close the endpoint when its last connection closes (an endpoint made by `connectQuic`). */
  #closeWithConnection = false;
  /** The server's key-log callback. */
  #keyLog: ((line: string) => void) | undefined;
  /** Key-log callbacks of client connections. */
  readonly #clientKeyLogs = new Map<unknown, (line: string) => void>();

  /** Binds the socket (synchronously, as Deno's). */
  constructor(options: QuicEndpointOptions = {}) {
    // The server settings are read at each new connection, so `listen` can set them later.
    const server = () => this.#server;
    const retry = () => this.#retry;
    const config: EndpointConfig = {
      random: new CryptoRandom(),
      ...(options.secret !== undefined ? { secret: options.secret } : {}),
      get server() {
        // Read as optional by the endpoint: undefined means "not a server (yet)".
        return server() as ServerConfig;
      },
      get retry() {
        return retry();
      },
    };
    this.endpoint = new Endpoint(config);
    const bind: { hostname?: string; port?: number } = {};
    if (options.hostname !== undefined) bind.hostname = options.hostname;
    if (options.port !== undefined) bind.port = options.port;
    this.driver = UdpDriver.bind(this.endpoint, bind, { onEvent: (e) => this.#onEvent(e) });
    this.#owner = {
      wake: () => this.driver.wake(),
      now: () => this.driver.now(),
      connectionClosed: (conn) => this.#connectionClosed(conn),
    };
  }

  /** The local address. */
  get addr(): QuicNetAddr {
    return { transport: "udp", hostname: this.driver.local.hostname, port: this.driver.local.port };
  }

  /**
   * Accepts connections on this endpoint. One listener per endpoint.
   *
   * @throws {TypeError} When a listener exists, or on bad certificate PEM.
   */
  listen(options: QuicListenOptions): QuicListener {
    if (this.#listener !== null) throw new TypeError("Cannot listen: the endpoint already listens");
    if ((options.cert === undefined) !== (options.key === undefined)) {
      throw new TypeError("Cannot listen: give both cert and key, or neither");
    }
    const listener = new QuicListener(this);
    this.#listener = listener;
    this.#retry = options.retry === true;
    const serverFor = (identity: CertificateIdentity): ServerConfig => ({
      ...transportConfig(options),
      identity,
      alpnProtocols: options.alpnProtocols,
      wallClockMs,
    });
    if (options.cert !== undefined && options.key !== undefined) {
      this.#server = serverFor(identityFromPem(options.cert, options.key));
      listener.setCertificates(null);
    } else {
      // Hold incoming datagrams while the demo certificates are made.
      this.driver.hold();
      generateDemoCertificates({ names: ["localhost", "127.0.0.1", "::1"] }).then((certs) => {
        this.#server = serverFor(certs.identity);
        listener.setCertificates(certs);
        this.driver.release();
      }, (e) => listener.setCertificates(e instanceof Error ? e : new Error(String(e))));
    }
    this.#keyLog = options.keyLog;
    return listener;
  }

  /**
   * Closes every connection with `info` (default code 0), sends the
   * CONNECTION_CLOSE frames, stops the listener and closes the socket.
   */
  close(info: { closeCode?: number; reason?: string } = {}): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    for (const conn of [...this.#conns.values()]) conn.close(info);
    this.#listener?.stop();
    this.#closing = this.driver.close();
    return this.#closing;
  }

  /**
   * Starts a client connection to `remote` (a literal address). Used by
   * `connectQuic`; the handshake completes when `conn.handshake` resolves.
   */
  connect(options: ConnectQuicOptions, remote: SocketAddress): QuicConn {
    if (this.#closing !== null) throw new TypeError("Cannot connect: the endpoint is closed");
    const serverName = options.serverName ?? options.hostname.replace(/^\[(.*)\]$/, "$1");
    const trustAnchors = (options.caCerts ?? []).flatMap((pem) => certificatesFromPem(pem));
    const config: Omit<ClientConnectionConfig, "random" | "resetTokenFor" | "localCidLength"> = {
      ...transportConfig(options as QuicTransportOptions),
      serverName,
      trustAnchors,
      alpnProtocols: options.alpnProtocols,
      wallClockMs,
    };
    if (options.insecure === true) config.insecureSkipVerify = true;
    const connection = this.endpoint.connect(config, remote, this.driver.now());
    const conn = new QuicConn(this.#owner, connection, serverName);
    this.#conns.set(connection, conn);
    const keyLog = options.keyLog;
    if (keyLog !== undefined) this.#clientKeyLogs.set(connection, keyLog);
    this.driver.flush();
    return conn;
  }

  /** @internal Closes the endpoint with its connection (for `connectQuic`'s own endpoints). */
  closeWithConnection(): void {
    this.#closeWithConnection = true;
  }

  #onEvent(e: EndpointEvent): void {
    if (e.type === "accepted") {
      this.#conns.set(e.connection, new QuicConn(this.#owner, e.connection));
      return;
    }
    const conn = this.#conns.get(e.connection);
    if (conn === undefined) return;
    const event = e.event;
    if (event.type === "keyLog") {
      (this.#clientKeyLogs.get(e.connection) ?? this.#keyLog)?.(event.line);
      return;
    }
    conn.onEvent(event);
    if (event.type === "connected" && !e.connection.isClient) this.#listener?.push(conn);
  }

  async #connectionClosed(conn: QuicConn): Promise<void> {
    this.#conns.delete(conn.connection);
    this.#clientKeyLogs.delete(conn.connection);
    if (this.#closeWithConnection && this.#conns.size === 0) await this.close();
  }
}

/**
 * Accepts connections on a {@link QuicEndpoint} (Deno's `QuicListener`):
 * `accept()` or `for await`. Connections come out once their handshake is
 * complete.
 *
 * @example
 * ```ts ignore
 * const listener = new QuicEndpoint({ port: 4433 }).listen({ alpnProtocols: ["hq-interop"] });
 * for await (const conn of listener) handle(conn);
 * ```
 */
export class QuicListener implements AsyncIterable<QuicConn> {
  /** The endpoint listened on. */
  readonly endpoint: QuicEndpoint;
  /**
   * Resolves with the generated demo certificates (PEM) when `listen` was
   * given none, with null otherwise; rejects when they could not be made.
   */
  readonly certificates: Promise<DemoCertificates | null>;
  readonly #ready: QuicConn[] = [];
  readonly #waiters: { resolve: (c: QuicConn) => void; reject: (e: Error) => void }[] = [];
  #stopped = false;
  #setCertificates!: (c: DemoCertificates | null | Error) => void;

  /** @param endpoint The endpoint. Use {@link QuicEndpoint.listen}. */
  constructor(endpoint: QuicEndpoint) {
    this.endpoint = endpoint;
    this.certificates = new Promise((resolve, reject) => {
      this.#setCertificates = (c) => c instanceof Error ? reject(c) : resolve(c);
    });
    this.certificates.catch(() => {});
  }

  /** @internal */
  setCertificates(c: DemoCertificates | null | Error): void {
    this.#setCertificates(c);
  }

  /** @internal A connection completed its handshake. */
  push(conn: QuicConn): void {
    if (this.#stopped) return;
    const w = this.#waiters.shift();
    if (w !== undefined) w.resolve(conn);
    else this.#ready.push(conn);
  }

  /** The next connection; rejects once the listener is stopped. */
  accept(): Promise<QuicConn> {
    const ready = this.#ready.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.#stopped) return Promise.reject(new TypeError("Listener stopped"));
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Stops accepting (connections already accepted go on). Pending `accept`s reject. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const w of this.#waiters.splice(0)) w.reject(new TypeError("Listener stopped"));
  }

  /** Iterates over incoming connections until {@link stop}. */
  async *[Symbol.asyncIterator](): AsyncIterableIterator<QuicConn> {
    for (;;) {
      let conn: QuicConn;
      try {
        conn = await this.accept();
      } catch {
        return;
      }
      yield conn;
    }
  }
}
