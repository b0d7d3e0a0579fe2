/**
 * The HTTP/3 server (RFC 9114) for GET and HEAD, sans-IO on top of a
 * {@link Connection}: what it serves is {@link resolveResource}'s business,
 * as for hq: 200 with content-type and content-length, 404 with a short text
 * body when nothing resolves, 405 for other methods.
 *
 * A request stream carries HEADERS, then DATA and trailing HEADERS, which a
 * GET server reads and drops (§4.1). The response is sent as soon as the
 * request's HEADERS arrive: HEADERS, one DATA frame with the whole body
 * (generated bodies are produced chunk by chunk), FIN. Errors: DATA before
 * HEADERS, a HEADERS after trailers, or a control-stream frame type on a
 * request stream is H3_FRAME_UNEXPECTED (§4.1, §7.2); a stream ending inside
 * a frame is H3_FRAME_ERROR (§7.1); ending before HEADERS is
 * H3_REQUEST_INCOMPLETE; a malformed head is H3_MESSAGE_ERROR (§4.1.2);
 * requests on streams at or above our GOAWAY get H3_REQUEST_REJECTED (§5.2).
 *
 * @module
 */

import type { Connection } from "../../transport/connection/connection.ts";
import type { ConnectionEvent } from "../../transport/connection/events.ts";
import { isClientInitiated, type StreamId } from "../../transport/streams/stream_id.ts";
import { type ReadFile, resolveResource, type Resource } from "../content.ts";
import { Outgoing, type Segment } from "../outgoing.ts";
import { H3Error, H3ErrorCode } from "./errors.ts";
import { FrameReader } from "./frame_reader.ts";
import { dataFrameHeader, encodeFrame, FrameType } from "./frames.ts";
import { parseRequestHead, type RequestHead } from "./message.ts";
import { decodeFieldSection, encodeFieldSection, type HeaderField } from "./qpack/field_section.ts";
import { H3Session, tryStream } from "./session.ts";

/** One request the server answered, for logs and statistics. */
export interface H3ServedRequest {
  /** The request stream. */
  readonly streamId: StreamId;
  /** The request method. */
  readonly method: string;
  /** The request path. */
  readonly path: string;
  /** The response status. */
  readonly status: number;
  /** Body bytes sent (0 for HEAD). */
  readonly size: number;
}

/** Options of {@link H3Server}. */
export interface H3ServerOptions {
  /** Reads files below the web root (`-w`); without it only generated documents are served. */
  readonly readFile?: ReadFile | null;
  /** Called for every request once answered. */
  readonly onRequest?: (conn: Connection, request: H3ServedRequest) => void;
  /** The `server` response field (default "pquic"). */
  readonly serverHeader?: string;
}

/** Server totals. */
export interface H3ServerStats {
  /** Requests answered. */
  requests: number;
  /** Requests answered with 404. */
  notFound: number;
  /** Response bytes (frames included) queued on streams. */
  bytesQueued: number;
}

interface RequestStream {
  readonly reader: FrameReader;
  head: RequestHead | null;
  trailers: boolean;
  out: Outgoing | null;
  responded: boolean;
  finRead: boolean;
}

const NOT_FOUND_BODY = new TextEncoder().encode("Not found\r\n");
const NOT_ALLOWED_BODY = new TextEncoder().encode("Method not allowed\r\n");

/** The HTTP/3 state of one server connection. */
export class H3ServerSession extends H3Session {
  readonly #server: H3Server;
  readonly #options: H3ServerOptions;
  readonly #streams = new Map<StreamId, RequestStream>();
  #maxRequest: StreamId = -1;

  /** Creates the object. */
  constructor(conn: Connection, server: H3Server, options: H3ServerOptions) {
    super(conn, false);
    this.#server = server;
    this.#options = options;
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected goawayId(): number {
    return this.#maxRequest + 4;
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected onStarted(_now: number): void {}

  /** Implements the {@link H3Session} hook of the same name. */
  protected onRequestReadable(id: StreamId, _now: number): void {
    if (!isClientInitiated(id)) return;
    let s = this.#streams.get(id);
    let r = this.conn.read(id);
    if (s === undefined) {
      if (r === null) return;
      if (this.sentGoaway !== null && id >= this.sentGoaway) {
        const code = BigInt(H3ErrorCode.H3_REQUEST_REJECTED);
        tryStream(() => this.conn.stopSending(id, code));
        tryStream(() => this.conn.resetStream(id, code));
        return;
      }
      s = {
        reader: new FrameReader(),
        head: null,
        trailers: false,
        out: null,
        responded: false,
        finRead: false,
      };
      this.#streams.set(id, s);
      if (id > this.#maxRequest) this.#maxRequest = id;
    }
    for (; r !== null; r = this.conn.read(id)) {
      if (s.finRead) continue;
      s.reader.push(r.data.slice());
      this.#frames(id, s);
      if (r.fin) {
        s.finRead = true;
        if (!s.reader.atBoundary) {
          throw new H3Error(
            H3ErrorCode.H3_FRAME_ERROR,
            `Cannot parse stream ${id}: ends inside a frame`,
          );
        }
        if (s.head === null) {
          throw new H3Error(
            H3ErrorCode.H3_REQUEST_INCOMPLETE,
            "Cannot answer: request ended before HEADERS",
            true,
          );
        }
        this.#forgetIfDone(id, s);
        return;
      }
    }
  }

  #frames(id: StreamId, s: RequestStream): void {
    for (let e = s.reader.next(); e !== null; e = s.reader.next()) {
      if (e.kind === "data") {
        if (s.head === null || s.trailers) {
          throw new H3Error(
            H3ErrorCode.H3_FRAME_UNEXPECTED,
            "Cannot accept DATA outside a request body",
          );
        }
        continue; // A GET server ignores request bodies.
      }
      if (e.type !== FrameType.HEADERS) {
        throw new H3Error(
          H3ErrorCode.H3_FRAME_UNEXPECTED,
          `Cannot accept frame type 0x${e.type.toString(16)} on a request stream`,
        );
      }
      const fields = decodeFieldSection(e.payload);
      if (s.head === null) {
        s.head = parseRequestHead(fields);
        this.#respond(id, s, s.head);
      } else if (!s.trailers) s.trailers = true;
      else {throw new H3Error(
          H3ErrorCode.H3_FRAME_UNEXPECTED,
          "Cannot accept HEADERS after trailers",
        );}
    }
  }

  #respond(id: StreamId, s: RequestStream, head: RequestHead): void {
    const server = this.#options.serverHeader ?? "pquic";
    let status: number;
    let resource: Resource | null = null;
    let body: Uint8Array | null = null;
    const extra: HeaderField[] = [];
    if (head.method === "GET" || head.method === "HEAD") {
      resource = resolveResource(head.path, { readFile: this.#options.readFile ?? null });
      status = resource === null ? 404 : 200;
      if (resource === null) body = NOT_FOUND_BODY;
    } else {
      status = 405;
      body = NOT_ALLOWED_BODY;
      extra.push(["allow", "GET, HEAD"]);
    }
    const size = resource !== null
      ? (resource.kind === "pattern" ? resource.size : resource.data.length)
      : body!.length;
    const contentType = resource?.contentType ?? "text/plain";
    const fields: HeaderField[] = [
      [":status", String(status)],
      ["content-type", contentType],
      ["content-length", String(size)],
      ["server", server],
      ...extra,
    ];
    const segments: Segment[] = [encodeFrame(FrameType.HEADERS, encodeFieldSection(fields))];
    const sendBody = head.method !== "HEAD" && size > 0;
    if (sendBody) {
      segments.push(dataFrameHeader(size));
      if (resource === null) segments.push(body!);
      else {segments.push(
          resource.kind === "pattern" ? { patternSize: resource.size } : resource.data,
        );}
    }
    s.responded = true;
    const out = new Outgoing(segments, true);
    const stats = this.#server.stats;
    stats.requests++;
    if (status === 404) stats.notFound++;
    stats.bytesQueued += out.total;
    this.#options.onRequest?.(this.conn, {
      streamId: id,
      method: head.method,
      path: head.path,
      status,
      size: sendBody ? size : 0,
    });
    s.out = out.pump(this.conn, id) === "blocked" ? out : null;
  }

  #forgetIfDone(id: StreamId, s: RequestStream): void {
    if (s.finRead && s.responded && s.out === null) this.#streams.delete(id);
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected onRequestWritable(id: StreamId, _now: number): void {
    const s = this.#streams.get(id);
    if (s?.out == null) return;
    if (s.out.pump(this.conn, id) !== "blocked") {
      s.out = null;
      this.#forgetIfDone(id, s);
    }
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected onRequestReset(id: StreamId, _code: bigint, _now: number): void {
    const s = this.#streams.get(id);
    if (s === undefined) return;
    s.finRead = true;
    if (!s.responded) {
      // The request will never be complete (§4.1.1): give up on it.
      tryStream(() => this.conn.resetStream(id, BigInt(H3ErrorCode.H3_REQUEST_INCOMPLETE)));
      s.responded = true;
    }
    this.#forgetIfDone(id, s);
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected onRequestStopSending(id: StreamId, _code: bigint, _now: number): void {
    const s = this.#streams.get(id);
    if (s === undefined) return;
    s.out = null;
    s.responded = true;
    this.#forgetIfDone(id, s);
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected onRequestError(id: StreamId, _e: H3Error, _now: number): void {
    this.#streams.delete(id);
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected onGoaway(_id: number, _now: number): void {}

  /** Implements the {@link H3Session} hook of the same name. */
  protected onClosed(_event: Extract<ConnectionEvent, { type: "closed" }>, _now: number): void {
    this.#streams.clear();
    this.#server.forget(this.conn);
  }
}

/**
 * Serves HTTP/3 GET on any number of connections.
 *
 * @example
 * ```ts ignore
 * const h3 = new H3Server({ readFile: (p) => tryRead(`${root}/${p}`) });
 * // for each endpoint event { connection, event } of an "h3" connection:
 * h3.onEvent(connection, event, now);
 * ```
 */
export class H3Server {
  readonly #options: H3ServerOptions;
  readonly #sessions = new Map<Connection, H3ServerSession>();
  /** Totals over all connections. */
  readonly stats: H3ServerStats = { requests: 0, notFound: 0, bytesQueued: 0 };

  /**
   * Creates the object.
   * @param options The web root reader, a request hook and the `server` field.
   */
  constructor(options: H3ServerOptions = {}) {
    this.#options = options;
  }

  /** Starts serving `conn` (optional: the first event attaches too); returns its session. */
  attach(conn: Connection): H3ServerSession {
    let s = this.#sessions.get(conn);
    if (s === undefined) {
      s = new H3ServerSession(conn, this, this.#options);
      this.#sessions.set(conn, s);
    }
    return s;
  }

  /** The session of `conn`, if attached and not closed. */
  sessionOf(conn: Connection): H3ServerSession | undefined {
    return this.#sessions.get(conn);
  }

  /**
   * Handles one connection event.
   *
   * @param conn The connection.
   * @param event Its event.
   * @param now Current time in µs.
   */
  onEvent(conn: Connection, event: ConnectionEvent, now: number): void {
    const s = this.#sessions.get(conn) ?? (event.type === "closed" ? undefined : this.attach(conn));
    s?.onEvent(event, now);
  }

  /** Closes `conn` gracefully: GOAWAY, then CONNECTION_CLOSE H3_NO_ERROR. */
  close(conn: Connection, now: number): void {
    this.#sessions.get(conn)?.close(now);
  }

  /** @internal Drops a closed connection's session. */
  forget(conn: Connection): void {
    this.#sessions.delete(conn);
  }
}
