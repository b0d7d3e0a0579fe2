/**
 * `QuicConn`: one QUIC connection as the application sees it, modelled on
 * Deno's `Deno.QuicConn` (streams as Web streams, `closed`, `close`,
 * `remoteAddr`, `protocol`), plus `stats()`.
 *
 * It listens to its connection's events (routed here by its
 * `QuicEndpoint`), wakes the stream readers and writers waiting on them,
 * and hands peer-opened streams out through
 * {@link QuicConn.incomingBidirectionalStreams} and
 * {@link QuicConn.incomingUnidirectionalStreams}.
 *
 * Unreliable datagrams (RFC 9221) go through {@link QuicConn.sendDatagram}
 * and {@link QuicConn.readDatagram} when both sides allow them.
 *
 * Not offered (yet): stream priorities (`sendOrder`), 0-RTT through this API.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import type { SocketAddress } from "../transport/address.ts";
import type { Connection } from "../transport/connection/connection.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import type { ConnectionStats } from "../transport/connection/stats.ts";
import { isBidi } from "../transport/streams/stream_id.ts";
import { closeInfoOf, type QuicCloseInfo, QuicConnectionError } from "./quic_errors.ts";
import {
  type QuicBidirectionalStream,
  QuicReceiveStream,
  QuicSendStream,
  type StreamHost,
  StreamSlot,
} from "./quic_stream.ts";

/** Received datagrams kept until read; older ones are dropped past this. */
const MAX_QUEUED_DATAGRAMS = 1024;

/** A UDP address as Deno's `NetAddr`. */
export interface QuicNetAddr {
  readonly transport: "udp";
  readonly hostname: string;
  readonly port: number;
}

/** What a connection needs from its endpoint. */
export interface ConnOwner {
  /** Flush the endpoint's transmissions soon. */
  wake(): void;
  /** The transport clock, µs. */
  now(): number;
  /** The connection is closed for the application (called before `closed` resolves). */
  connectionClosed(conn: QuicConn): Promise<void>;
}

/**
 * A QUIC connection (Deno's `QuicConn`). Get one from `connectQuic()` or a
 * `QuicListener`.
 *
 * @example Echo on a bidirectional stream, over loopback
 * ```ts
 * import { connectQuic, QuicEndpoint, generateCertificates } from "../quic.ts";
 * import assert from "node:assert/strict";
 * const certs = await generateCertificates(["localhost"]);
 * const server = new QuicEndpoint({ hostname: "127.0.0.1" });
 * const listener = server.listen({ alpnProtocols: ["echo"], cert: certs.certPem, key: certs.keyPem });
 * (async () => {
 *   for await (const conn of listener) {
 *     for await (const { readable, writable } of conn.incomingBidirectionalStreams) {
 *       readable.pipeTo(writable);
 *     }
 *   }
 * })();
 * const conn = await connectQuic({
 *   hostname: "localhost", port: server.addr.port, alpnProtocols: ["echo"], caCerts: [certs.caPem],
 * });
 * const { readable, writable } = await conn.createBidirectionalStream();
 * const writer = writable.getWriter();
 * await writer.write(new TextEncoder().encode("hello"));
 * await writer.close();
 * assert.equal(await new Response(readable).text(), "hello");
 * conn.close({ closeCode: 0, reason: "done" });
 * await conn.closed;
 * await server.close();
 * ```
 */
export class QuicConn implements StreamHost {
  /** The sans-IO connection underneath (statistics, key updates, tests). */
  readonly connection: Connection;
  /** Resolves when the handshake completed; rejects if the connection ended before. */
  readonly handshake: Promise<void>;
  /** Resolves with how the connection ended (it never rejects). */
  readonly closed: Promise<QuicCloseInfo>;
  /** Bidirectional streams the peer opened. */
  readonly incomingBidirectionalStreams: ReadableStream<QuicBidirectionalStream>;
  /** Unidirectional streams the peer opened. */
  readonly incomingUnidirectionalStreams: ReadableStream<QuicReceiveStream>;
  /** The name the client asked for (the client side only). */
  readonly serverName: string | undefined;

  readonly #owner: ConnOwner;
  readonly #slots = new Map<number, StreamSlot>();
  #wakeSoonPending = false;
  #protocol: string | undefined;
  #closeError: QuicConnectionError | null = null;
  #resolveHandshake!: () => void;
  #rejectHandshake!: (e: Error) => void;
  #resolveClosed!: (info: QuicCloseInfo) => void;
  #bidiController!: ReadableStreamDefaultController<QuicBidirectionalStream>;
  #uniController!: ReadableStreamDefaultController<QuicReceiveStream>;
  #streamsAvailable: (() => void)[] = [];
  readonly #datagrams: Uint8Array[] = [];
  #datagramWaiters: { resolve: (d: Uint8Array) => void; reject: (e: Error) => void }[] = [];

  /**
   * Wraps a connection. Applications get theirs from `connectQuic` or a listener.
   *
   * @param owner The endpoint side.
   * @param connection The sans-IO connection.
   * @param serverName The client's SNI, if a client.
   */
  constructor(owner: ConnOwner, connection: Connection, serverName?: string) {
    this.#owner = owner;
    this.connection = connection;
    this.serverName = serverName;
    this.handshake = new Promise((resolve, reject) => {
      this.#resolveHandshake = resolve;
      this.#rejectHandshake = reject;
    });
    // Nobody may await the handshake (a server connection): do not report it unhandled.
    this.handshake.catch(() => {});
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    this.incomingBidirectionalStreams = new ReadableStream({
      start: (c) => {
        this.#bidiController = c;
      },
    });
    this.incomingUnidirectionalStreams = new ReadableStream({
      start: (c) => {
        this.#uniController = c;
      },
    });
  }

  /** The peer's address. */
  get remoteAddr(): QuicNetAddr {
    const r: SocketAddress = this.connection.remote;
    return { transport: "udp", hostname: r.hostname, port: r.port };
  }

  /** The negotiated ALPN protocol, once the handshake completed. */
  get protocol(): string | undefined {
    return this.#protocol;
  }

  /** The error streams see once the connection is closed, else null. */
  get closeError(): QuicConnectionError | null {
    return this.#closeError;
  }

  /** Connection statistics: packets, bytes, losses, RTT, frames by type. */
  stats(): ConnectionStats {
    return this.connection.stats();
  }

  /**
   * The largest datagram payload the peer accepts (0 when it takes none,
   * or before the handshake); with a datagram plugin attached
   * (plugins/datagram), the plugin's answer.
   */
  get maxDatagramSize(): number {
    return this.connection.maxDatagramPayload;
  }

  /**
   * Sends an unreliable datagram (RFC 9221).
   *
   * @throws {QuicConnectionError} When the connection is closed.
   * @throws {RangeError} When the peer takes no datagrams or `data` is too large.
   */
  sendDatagram(data: Uint8Array): Promise<void> {
    if (this.#closeError !== null) return Promise.reject(this.#closeError);
    if (!this.connection.sendDatagram(data.slice())) {
      return Promise.reject(
        new RangeError(
          `Cannot send a datagram of ${data.length} bytes: the peer takes at most ${this.maxDatagramSize}`,
        ),
      );
    }
    this.#owner.wake();
    return Promise.resolve();
  }

  /** The next datagram from the peer; rejects once the connection is closed. */
  readDatagram(): Promise<Uint8Array> {
    const d = this.#datagrams.shift();
    if (d !== undefined) return Promise.resolve(d);
    if (this.#closeError !== null) return Promise.reject(this.#closeError);
    return new Promise((resolve, reject) => this.#datagramWaiters.push({ resolve, reject }));
  }

  /**
   * Opens a bidirectional stream; waits while the peer's stream limit is reached.
   */
  async createBidirectionalStream(): Promise<QuicBidirectionalStream> {
    const id = await this.#open(true);
    const slot = this.#slot(id);
    return {
      readable: new QuicReceiveStream(this, slot),
      writable: new QuicSendStream(this, slot),
    };
  }

  /**
   * Opens a unidirectional stream; waits while the peer's stream limit is reached.
   */
  async createUnidirectionalStream(): Promise<QuicSendStream> {
    const id = await this.#open(false);
    return new QuicSendStream(this, this.#slot(id));
  }

  /**
   * Closes the connection with an application error code and reason phrase
   * (CONNECTION_CLOSE, RFC 9000 §19.19). `closed` then resolves.
   */
  close(info: { closeCode?: number; reason?: string } = {}): void {
    if (this.#closeError !== null) return;
    const code = info.closeCode ?? 0;
    if (!Number.isSafeInteger(code) || code < 0) {
      throw new RangeError(`Cannot close: closeCode ${code} is not a non-negative integer`);
    }
    this.connection.close(BigInt(code), info.reason ?? "", this.#owner.now());
    this.#owner.wake();
  }

  /** Forgets the state of stream `id` once the transport has (both parts ended). */
  streamPartDone(id: number): void {
    if (!this.connection.streams.has(id)) this.#slots.delete(id);
  }

  /** Flushes the endpoint (streams call this after queueing data). */
  wake(): void {
    this.#owner.wake();
  }

  /** Flushes the endpoint on the next turn of the event loop (one flush for all calls). */
  wakeSoon(): void {
    if (this.#wakeSoonPending) return;
    this.#wakeSoonPending = true;
    setImmediate(this.#wakeNow);
  }

  readonly #wakeNow = (): void => {
    this.#wakeSoonPending = false;
    this.#owner.wake();
  };

  /** @internal Takes one event of this connection (from the endpoint). */
  onEvent(e: ConnectionEvent): void {
    switch (e.type) {
      case "connected":
        this.#protocol = e.alpn;
        this.#resolveHandshake();
        break;
      case "streamReadable":
        this.#slots.get(e.id)?.notifyReadable();
        break;
      case "streamFinished":
        this.#slots.get(e.id)?.notifyWritable();
        this.streamPartDone(e.id);
        break;
      case "streamWritable":
        this.#slots.get(e.id)?.notifyWritable();
        break;
      case "streamReset": {
        const s = this.#slots.get(e.id);
        if (s !== undefined) {
          s.resetCode = e.code;
          s.notifyReadable();
        }
        break;
      }
      case "stopSending": {
        const s = this.#slots.get(e.id);
        if (s !== undefined) {
          s.stopCode = e.code;
          s.notifyWritable();
          this.streamPartDone(e.id);
        }
        break;
      }
      case "streamOpened":
        this.#incoming(e.id);
        break;
      case "streamsAvailable": {
        const waiters = this.#streamsAvailable;
        this.#streamsAvailable = [];
        for (const w of waiters) w();
        break;
      }
      case "datagram": {
        const w = this.#datagramWaiters.shift();
        if (w !== undefined) w.resolve(e.data);
        // Unread datagrams are kept up to a bound, then the oldest go (they are unreliable).
        else if (this.#datagrams.push(e.data) > MAX_QUEUED_DATAGRAMS) this.#datagrams.shift();
        break;
      }
      case "closed":
        this.#onClosed(closeInfoOf(e.error));
        break;
      default:
        break;
    }
  }

  async #open(bidi: boolean): Promise<number> {
    for (;;) {
      if (this.#closeError !== null) throw this.#closeError;
      const id = this.connection.openStream(bidi);
      if (id !== null) return id;
      this.#owner.wake(); // STREAMS_BLOCKED
      await new Promise<void>((resolve) => this.#streamsAvailable.push(resolve));
    }
  }

  #slot(id: number): StreamSlot {
    let s = this.#slots.get(id);
    if (s === undefined) {
      s = new StreamSlot(id);
      this.#slots.set(id, s);
    }
    return s;
  }

  #incoming(id: number): void {
    const slot = this.#slot(id);
    const readable = new QuicReceiveStream(this, slot);
    if (isBidi(id)) {
      this.#bidiController.enqueue({ readable, writable: new QuicSendStream(this, slot) });
    } else {
      this.#uniController.enqueue(readable);
    }
  }

  #onClosed(info: QuicCloseInfo): void {
    if (this.#closeError !== null) return;
    this.#closeError = new QuicConnectionError(info);
    this.#rejectHandshake(this.#closeError);
    for (const w of this.#streamsAvailable) w();
    this.#streamsAvailable = [];
    for (const w of this.#datagramWaiters) w.reject(this.#closeError);
    this.#datagramWaiters = [];
    for (const s of this.#slots.values()) {
      s.notifyReadable();
      s.notifyWritable();
    }
    try {
      this.#bidiController.close();
      this.#uniController.close();
    } catch {
      // Cancelled by the application.
    }
    this.#owner.connectionClosed(this).then(() => this.#resolveClosed(info));
  }
}
