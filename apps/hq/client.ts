/**
 * The hq-interop client (HTTP/0.9 over QUIC), sans-IO on top of a
 * {@link Connection}: one bidirectional stream per request, `GET <path>\r\n`
 * and a FIN, the response is every byte the server sends until its FIN.
 *
 * Requests made before the handshake completes, or while the peer's stream
 * limit is reached, wait and start as soon as they can (the interop runner's
 * "multiplexing" test opens many more streams than the initial limit).
 * Each request reports its progress: bytes so far, the expected total when
 * known (a `/<digits>` path asks for exactly that many bytes), start and end
 * times, and for `/<digits>` paths whether every byte matched picoquicdemo's
 * size pattern. PQUIC's `-G size` is `request(conn, "/<size>")`.
 *
 * @module
 */

import type { Connection } from "../../transport/connection/connection.ts";
import type { ConnectionEvent } from "../../transport/connection/events.ts";
import { ConnectionState } from "../../transport/connection/events.ts";
import type { StreamId } from "../../transport/streams/stream_id.ts";
import { findPatternMismatch, patternSizeOf } from "../content.ts";
import { Outgoing } from "../outgoing.ts";

/** Where a request stands. */
export type RequestState =
  /** Waiting for the handshake or for stream credit. */
  | "queued"
  /** Sent; the response is arriving. */
  | "open"
  /** The response ended with a FIN. */
  | "done"
  /** The server reset the stream (`resetCode` says why; see `HqErrorCode`). */
  | "reset"
  /** The connection closed before the response ended. */
  | "failed";

/** One request and its progress (a live object: fields change as data arrives). */
export interface HqRequest {
  /** The requested path. */
  readonly path: string;
  /** The stream, or -1 while queued. */
  streamId: StreamId;
  /** Where it stands. */
  state: RequestState;
  /** Response bytes received so far. */
  bytes: number;
  /** Expected response size: known for `/<digits>` paths, otherwise null. */
  readonly expected: number | null;
  /** When the request was sent (µs), or -1. */
  startedAt: number;
  /** When the response ended, was reset or failed (µs), or -1. */
  finishedAt: number;
  /** RESET_STREAM code from the server, when `state` is `"reset"`. */
  resetCode: bigint | null;
  /**
   * For `/<digits>` paths: absolute offset of the first byte that differs
   * from the size pattern, or -1 while every byte matched (and, once done,
   * when the size was right too: a short or long response sets it to the
   * offset where they part).
   */
  mismatchAt: number;
  /** The response body, when the client keeps bodies. */
  readonly body: Uint8Array[];
}

/** Options of {@link HqClient}. */
export interface HqClientOptions {
  /** Keep response bodies in `HqRequest.body` (default false: count and check only). */
  readonly keepBodies?: boolean;
  /** Called with each piece of a response, in order (e.g. to write a file). */
  readonly onData?: (request: HqRequest, data: Uint8Array) => void;
  /** Called once per request when it is done, reset or failed. */
  readonly onFinished?: (request: HqRequest) => void;
}

interface ConnState {
  readonly queue: HqRequest[];
  readonly open: Map<StreamId, { request: HqRequest; out: Outgoing | null }>;
  connected: boolean;
}

/**
 * Issues hq-interop GET requests on any number of connections.
 *
 * @example
 * ```ts ignore
 * const hq = new HqClient();
 * const req = hq.request(conn, "/10000", now);
 * // for each event of conn:
 * hq.onEvent(conn, event, now);
 * // later: req.state === "done" && req.bytes === 10000 && req.mismatchAt === -1
 * ```
 */
export class HqClient {
  readonly #options: HqClientOptions;
  readonly #conns = new Map<Connection, ConnState>();
  readonly #all = new WeakMap<Connection, HqRequest[]>();

  /**
   * Creates the object.
   * @param options Body keeping and hooks.
   */
  constructor(options: HqClientOptions = {}) {
    this.#options = options;
  }

  /**
   * Requests `path` on `conn`. Sent at once when the connection is ready and
   * has stream credit; otherwise queued.
   *
   * @param conn A client connection.
   * @param path The path; a leading `/` is added when missing.
   * @param now Current time in µs.
   * @returns The live request.
   */
  request(conn: Connection, path: string, now: number): HqRequest {
    const p = path.startsWith("/") ? path : `/${path}`;
    const size = patternSizeOf(p);
    const request: HqRequest = {
      path: p,
      streamId: -1,
      state: "queued",
      bytes: 0,
      expected: size >= 0 ? size : null,
      startedAt: -1,
      finishedAt: -1,
      resetCode: null,
      mismatchAt: -1,
      body: [],
    };
    const s = this.#state(conn);
    s.queue.push(request);
    this.#all.get(conn)!.push(request);
    if (conn.state === ConnectionState.Established) s.connected = true;
    if (s.connected) this.#startQueued(conn, s, now);
    return request;
  }

  /** Every request on `conn`, queued, open or finished. */
  requestsOf(conn: Connection): HqRequest[] {
    return this.#all.get(conn) ?? [];
  }

  /** True when no request on `conn` is queued or open. */
  isIdle(conn: Connection): boolean {
    const s = this.#conns.get(conn);
    return s === undefined || (s.queue.length === 0 && s.open.size === 0);
  }

  /**
   * Handles one event of a client connection.
   *
   * @param conn The connection.
   * @param event Its event.
   * @param now Current time in µs.
   */
  onEvent(conn: Connection, event: ConnectionEvent, now: number): void {
    const s = this.#conns.get(conn);
    if (s === undefined) return;
    switch (event.type) {
      case "connected":
        s.connected = true;
        this.#startQueued(conn, s, now);
        break;
      case "streamsAvailable":
        if (event.bidi) this.#startQueued(conn, s, now);
        break;
      case "streamReadable":
        this.#readable(conn, s, event.id, now);
        break;
      case "streamWritable": {
        const o = s.open.get(event.id);
        if (o?.out != null && o.out.pump(conn, event.id) !== "blocked") o.out = null;
        break;
      }
      case "streamReset": {
        const o = s.open.get(event.id);
        if (o === undefined) break;
        // Data already received stays counted; the reset ends the response.
        this.#readable(conn, s, event.id, now);
        if (s.open.has(event.id)) {
          o.request.resetCode = event.code;
          this.#end(s, event.id, "reset", now);
        }
        break;
      }
      case "closed":
        for (const id of [...s.open.keys()]) this.#end(s, id, "failed", now);
        for (const r of s.queue.splice(0)) {
          r.state = "failed";
          r.finishedAt = now;
          this.#options.onFinished?.(r);
        }
        this.#conns.delete(conn);
        break;
    }
  }

  #state(conn: Connection): ConnState {
    let s = this.#conns.get(conn);
    if (s === undefined) {
      s = { queue: [], open: new Map(), connected: false };
      this.#conns.set(conn, s);
      if (!this.#all.has(conn)) this.#all.set(conn, []);
    }
    return s;
  }

  #startQueued(conn: Connection, s: ConnState, now: number): void {
    while (s.queue.length > 0) {
      const id = conn.openStream(true);
      if (id === null) return;
      const request = s.queue.shift()!;
      request.streamId = id;
      request.state = "open";
      request.startedAt = now;
      const line = new TextEncoder().encode(`GET ${request.path}\r\n`);
      const out = new Outgoing([line], true);
      s.open.set(id, { request, out: out.pump(conn, id) === "blocked" ? out : null });
    }
  }

  #readable(conn: Connection, s: ConnState, id: StreamId, now: number): void {
    const o = s.open.get(id);
    if (o === undefined) return;
    const req = o.request;
    for (let r = conn.read(id); r !== null; r = conn.read(id)) {
      if (r.data.length > 0) {
        if (req.expected !== null && req.mismatchAt < 0) {
          if (req.bytes + r.data.length > req.expected) req.mismatchAt = req.expected;
          else req.mismatchAt = findPatternMismatch(r.data, req.bytes);
        }
        req.bytes += r.data.length;
        if (this.#options.keepBodies) req.body.push(r.data.slice());
        this.#options.onData?.(req, r.data);
      }
      if (r.fin) {
        if (req.expected !== null && req.mismatchAt < 0 && req.bytes !== req.expected) {
          req.mismatchAt = req.bytes;
        }
        this.#end(s, id, "done", now);
        return;
      }
    }
  }

  #end(s: ConnState, id: StreamId, state: RequestState, now: number): void {
    const o = s.open.get(id);
    if (o === undefined) return;
    s.open.delete(id);
    o.request.state = state;
    o.request.finishedAt = now;
    this.#options.onFinished?.(o.request);
  }
}
