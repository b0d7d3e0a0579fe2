/**
 * The hq-interop server (HTTP/0.9 over QUIC, as in the QUIC interop runner
 * and picoquicdemo's `hq` ALPN), sans-IO on top of a {@link Connection}.
 *
 * Protocol: the client opens a bidirectional stream, sends one request line
 * `GET /<path>\r\n` (a bare `\n` also ends it) and usually a FIN. The server
 * answers with the document's bytes and a FIN: no status, no headers. When
 * the request line ends in ` HTTP/1.0` or ` HTTP/1.1` (picoquicdemo's POST
 * form), the answer starts, as picoquicdemo's does, with `200 OK`, a
 * `Content-Type` line and a blank line.
 * What a path resolves to is {@link resolveResource}'s business.
 *
 * HTTP/0.9 has no status codes, so failures are told with RESET_STREAM
 * (this server's convention, documented in {@link HqErrorCode}):
 * `HqErrorCode.NotFound` (0x194, "404") for a path that does not resolve or is
 * refused (traversal, absolute path, bad characters), `HqErrorCode.BadRequest`
 * (0x190, "400") for a request that is not `GET <path>` or whose line is too
 * long. With `errorPages`, refused requests get picoquicdemo's answer
 * instead: a short "Bad request" HTML page and a FIN. Unidirectional
 * streams from the client are refused with STOP_SENDING (`BadRequest`).
 *
 * @module
 */

import type { Connection } from "../../transport/connection/connection.ts";
import type { ConnectionEvent } from "../../transport/connection/events.ts";
import { isBidi, isClientInitiated, type StreamId } from "../../transport/streams/stream_id.ts";
import { type ReadFile, resolveResource, type Resource } from "../content.ts";
import { Outgoing, type Segment } from "../outgoing.ts";

/** RESET_STREAM codes of the hq server (a local convention; HTTP/0.9 defines none). */
export const HqErrorCode = {
  /** The request line is malformed, not a GET, or too long ("400"). */
  BadRequest: 0x190n,
  /** Nothing to serve at that path, or the path was refused ("404"). */
  NotFound: 0x194n,
  /** The server failed while answering ("500"). */
  Internal: 0x1f4n,
} as const;

/** Longest request line accepted (an arbitrary bound; picoquicdemo's is 1024 bytes of path). */
export const MAX_REQUEST_LINE = 4096;

/** The ALPN identifiers of hq: the interop runner's, then picoquicdemo's draft-29 one. */
export const HQ_ALPNS: readonly string[] = ["hq-interop", "hq-29"];

/** One request the server saw, for logs and statistics. */
export interface HqServedRequest {
  /** The request stream. */
  readonly streamId: StreamId;
  /** The request path. */
  readonly path: string;
  /** Bytes of the response, or -1 when it was refused. */
  readonly size: number;
}

/** Options of {@link HqServer}. */
export interface HqServerOptions {
  /** Reads files below the web root (`-w`); without it only generated documents are served. */
  readonly readFile?: ReadFile | null;
  /** Called for every request once its line is parsed. */
  readonly onRequest?: (conn: Connection, request: HqServedRequest) => void;
  /**
   * Answer refused requests as picoquicdemo does, with a small "Bad request"
   * HTML page and a FIN (after `404 Not Found` / `400 Bad Request` and a
   * blank line when the request line named HTTP/1.x), instead of
   * RESET_STREAM (default false).
   */
  readonly errorPages?: boolean;
}

/** Per-stream parsing and sending state. */
interface StreamState {
  line: Uint8Array;
  lineLength: number;
  responded: boolean;
  out: Outgoing | null;
  /** The client's side of the stream ended (FIN read or reset). */
  finRead: boolean;
}

/** Server totals. */
export interface HqServerStats {
  /** Requests answered. */
  requests: number;
  /** Requests refused (not found or malformed). */
  refused: number;
  /** Response bytes queued on streams. */
  bytesQueued: number;
}

/**
 * Serves hq-interop on any number of connections.
 *
 * Feed it every connection event (`onEvent`); it keeps its per-connection
 * state in a `WeakMap` and forgets it on `closed`.
 *
 * @example
 * ```ts ignore
 * const hq = new HqServer({ readFile: (p) => tryRead(`${root}/${p}`) });
 * // for each endpoint event { connection, event }:
 * hq.onEvent(connection, event, now);
 * ```
 */
export class HqServer {
  readonly #options: HqServerOptions;
  readonly #conns = new WeakMap<Connection, Map<StreamId, StreamState>>();
  /** Totals over all connections. */
  readonly stats: HqServerStats = { requests: 0, refused: 0, bytesQueued: 0 };

  /**
   * Creates the object.
   * @param options The web root reader and a request hook.
   */
  constructor(options: HqServerOptions = {}) {
    this.#options = options;
  }

  /** Starts serving `conn` (optional: the first event attaches too). */
  attach(conn: Connection): void {
    if (!this.#conns.has(conn)) this.#conns.set(conn, new Map());
  }

  /**
   * Handles one connection event.
   *
   * @param conn The connection the event is from.
   * @param event The event.
   * @param now Current time in µs.
   */
  onEvent(conn: Connection, event: ConnectionEvent, now: number): void {
    try {
      this.#onEvent(conn, event);
    } catch (e) {
      // A bug here must not take the endpoint down: close this connection only.
      const msg = e instanceof Error ? e.message : String(e);
      conn.close(HqErrorCode.Internal, `Internal error: ${msg}`, now);
    }
  }

  #onEvent(conn: Connection, event: ConnectionEvent): void {
    let streams = this.#conns.get(conn);
    if (streams === undefined) {
      streams = new Map();
      this.#conns.set(conn, streams);
    }
    switch (event.type) {
      case "streamOpened":
      case "streamReadable":
        this.#readable(conn, streams, event.id);
        break;
      case "streamWritable": {
        const s = streams.get(event.id);
        if (s?.out != null && s.out.pump(conn, event.id) !== "blocked") {
          s.out = null;
          this.#finish(streams, event.id, s);
        }
        break;
      }
      case "stopSending": {
        safely(() => conn.resetStream(event.id, event.code));
        const s = streams.get(event.id);
        if (s !== undefined) {
          s.out = null;
          s.responded = true;
          this.#finish(streams, event.id, s);
        }
        break;
      }
      case "streamReset": {
        const s = streams.get(event.id);
        if (s !== undefined) {
          s.finRead = true;
          s.responded = true;
          this.#finish(streams, event.id, s);
        }
        break;
      }
      case "closed":
        this.#conns.delete(conn);
        break;
    }
  }

  #readable(conn: Connection, streams: Map<StreamId, StreamState>, id: StreamId): void {
    if (!isClientInitiated(id)) return;
    if (!isBidi(id)) {
      safely(() => conn.stopSending(id, HqErrorCode.BadRequest));
      for (let r = conn.read(id); r !== null && !r.fin; r = conn.read(id));
      return;
    }
    let s = streams.get(id);
    let r = conn.read(id);
    if (s === undefined) {
      if (r === null) return;
      s = {
        line: new Uint8Array(256),
        lineLength: 0,
        responded: false,
        out: null,
        finRead: false,
      };
      streams.set(id, s);
    }
    for (; r !== null; r = conn.read(id)) {
      if (r.fin) s.finRead = true;
      if (!s.responded) this.#absorb(conn, streams, id, s, r.data, r.fin);
      if (r.fin) break;
    }
    if (s.finRead) this.#finish(streams, id, s);
  }

  #absorb(
    conn: Connection,
    streams: Map<StreamId, StreamState>,
    id: StreamId,
    s: StreamState,
    data: Uint8Array,
    fin: boolean,
  ): void {
    let end = data.indexOf(0x0a);
    const take = end < 0 ? data.length : end;
    if (s.lineLength + take > MAX_REQUEST_LINE) {
      return this.#refuse(conn, streams, id, s, "", false, HqErrorCode.BadRequest);
    }
    if (s.lineLength + take > s.line.length) {
      const bigger = new Uint8Array(Math.min(MAX_REQUEST_LINE, 2 * (s.lineLength + take)));
      bigger.set(s.line.subarray(0, s.lineLength));
      s.line = bigger;
    }
    s.line.set(data.subarray(0, take), s.lineLength);
    s.lineLength += take;
    if (end < 0 && !fin) return;
    end = s.lineLength;
    const text = new TextDecoder().decode(s.line.subarray(0, end)).trim();
    const m = /^get\s+(\S+)(\s+HTTP\/1\.[01])?$/i.exec(text);
    if (m === null) {
      const http1 = /\sHTTP\/1\.[01]$/i.test(text);
      return this.#refuse(conn, streams, id, s, "", http1, HqErrorCode.BadRequest);
    }
    const path = m[1]!;
    const http1 = m[2] !== undefined;
    const resource = resolveResource(path, { readFile: this.#options.readFile ?? null });
    if (resource === null) return this.#refuse(conn, streams, id, s, path, http1);
    this.#respond(conn, id, s, path, resource, http1);
  }

  #respond(
    conn: Connection,
    id: StreamId,
    s: StreamState,
    path: string,
    resource: Resource,
    http1: boolean,
  ): void {
    s.responded = true;
    s.line = EMPTY;
    const seg: Segment = resource.kind === "pattern"
      ? { patternSize: resource.size }
      : resource.data;
    // picoquicdemo answers a request line that names HTTP/1.x with a status line first.
    const head = http1 ? [ascii(`200 OK\r\nContent-Type: ${resource.contentType}\r\n\r\n`)] : [];
    s.out = new Outgoing([...head, seg], true);
    this.stats.requests++;
    this.stats.bytesQueued += s.out.total;
    this.#options.onRequest?.(conn, { streamId: id, path, size: s.out.total });
    if (s.out.pump(conn, id) !== "blocked") s.out = null;
  }

  #refuse(
    conn: Connection,
    streams: Map<StreamId, StreamState>,
    id: StreamId,
    s: StreamState,
    path: string,
    http1: boolean,
    code: bigint = HqErrorCode.NotFound,
  ): void {
    s.responded = true;
    this.stats.refused++;
    this.#options.onRequest?.(conn, { streamId: id, path, size: -1 });
    s.line = EMPTY;
    if (this.#options.errorPages) {
      const status = code === HqErrorCode.NotFound ? "404 Not Found" : "400 Bad Request";
      const head = http1 ? [ascii(`${status}\r\n\r\n`)] : [];
      const out = new Outgoing([...head, BAD_REQUEST_PAGE], true);
      s.out = out.pump(conn, id) === "blocked" ? out : null;
    } else {
      safely(() => conn.resetStream(id, code));
      if (!s.finRead) safely(() => conn.stopSending(id, code));
    }
    this.#finish(streams, id, s);
  }

  /** Forgets the stream once the response is queued and the request side has ended. */
  #finish(streams: Map<StreamId, StreamState>, id: StreamId, s: StreamState): void {
    if (s.responded && s.out === null && s.finRead) streams.delete(id);
  }
}

const EMPTY = new Uint8Array(0);

function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The page picoquicdemo-style error answers carry (`errorPages`). */
export const BAD_REQUEST_PAGE: Uint8Array = ascii(
  "<html><head><title>Bad Request</title></head><body>Bad request. " +
    'Try "GET /123456" for a generated document.</body></html>',
);

/** Runs a stream operation that may throw because the stream is already gone. */
function safely(f: () => void): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
}
