/**
 * The HTTP/3 client's per-connection state (RFC 9114) for GET and HEAD, sans-IO on top of a
 * {@link Connection}: one request stream per request carrying HEADERS and a
 * FIN; the response's HEADERS (interim 1xx skipped), DATA and trailers are
 * collected into a live {@link H3Request}.
 *
 * Requests made before the handshake completes or while the peer's stream
 * limit is reached wait, as with hq. A response whose body does not match its
 * content-length is malformed (H3_MESSAGE_ERROR, §4.1.2); DATA before HEADERS
 * or after trailers is H3_FRAME_UNEXPECTED; a PUSH_PROMISE is H3_ID_ERROR
 * since we never send MAX_PUSH_ID (§7.2.5). After the server's GOAWAY, queued
 * requests and requests on streams at or above its ID fail (§5.2).
 *
 * @module
 */

import type { Connection } from "../../transport/connection/connection.ts";
import type { ConnectionEvent } from "../../transport/connection/events.ts";
import { ConnectionState } from "../../transport/connection/events.ts";
import type { StreamId } from "../../transport/streams/stream_id.ts";
import { findPatternMismatch, patternSizeOf } from "../content.ts";
import { Outgoing } from "../outgoing.ts";
import { H3Error, H3ErrorCode } from "./errors.ts";
import { FrameReader } from "./frame_reader.ts";
import { encodeFrame, FrameType } from "./frames.ts";
import { fieldValue, parseResponseHead } from "./message.ts";
import { decodeFieldSection, encodeFieldSection, type HeaderField } from "./qpack/field_section.ts";
import { H3Session } from "./session.ts";

/** Where a request stands. */
export type H3RequestState =
  /** Waiting for the handshake, the control streams or stream credit. */
  | "queued"
  /** Sent; the response is arriving. */
  | "open"
  /** The response ended cleanly. */
  | "done"
  /** The stream was reset, by the server or by us for a malformed response (`resetCode`). */
  | "reset"
  /** The connection closed, or the server's GOAWAY excluded the request. */
  | "failed";

/** One request and its response so far (a live object). */
export interface H3Request {
  /** The request method. */
  readonly method: string;
  /** The request path. */
  readonly path: string;
  /** The `:authority` (host and port). */
  readonly authority: string;
  /** The stream, or -1 while queued. */
  streamId: StreamId;
  /** Where the request stands. */
  state: H3RequestState;
  /** The final status, once its HEADERS arrived. */
  status: number | null;
  /** The final response's regular fields. */
  headers: HeaderField[];
  /** Trailer fields, if any. */
  trailers: HeaderField[];
  /** Body bytes received so far. */
  bytes: number;
  /** The body size announced by content-length, once known. */
  expected: number | null;
  /** When the request was sent (µs), or -1. */
  startedAt: number;
  /** When the response ended or failed (µs), or -1. */
  finishedAt: number;
  /** The reset code when `state` is `"reset"`. */
  resetCode: bigint | null;
  /**
   * For a 200 response to a `/<digits>` path: absolute offset of the first
   * body byte that differs from the size pattern (or where the size is
   * wrong), -1 while all is well.
   */
  mismatchAt: number;
  /** The body, when the client keeps bodies. */
  readonly body: Uint8Array[];
}

/** Options of {@link H3Client}. */
export interface H3ClientOptions {
  /** The `:authority` of requests that name none (e.g. "localhost:4443"). */
  readonly authority?: string;
  /** The `user-agent` field (default "pquic"). */
  readonly userAgent?: string;
  /** Keep response bodies in `H3Request.body` (default false). */
  readonly keepBodies?: boolean;
  /** Called with each piece of a response body, in order. */
  readonly onData?: (request: H3Request, data: Uint8Array) => void;
  /** Called once per request when it is done, reset or failed. */
  readonly onFinished?: (request: H3Request) => void;
}

/** Per-request options of {@link H3Client.request}. */
export interface H3RequestOptions {
  /** The request method. */
  readonly method?: "GET" | "HEAD";
  /** The `:authority` (host and port). */
  readonly authority?: string;
  /** Extra request fields (lowercase names). */
  readonly headers?: readonly HeaderField[];
}

interface Open {
  readonly request: H3Request;
  readonly reader: FrameReader;
  readonly checkPattern: boolean;
  out: Outgoing | null;
  final: boolean;
  trailers: boolean;
}

/** The HTTP/3 state of one client connection. */
export class H3ClientSession extends H3Session {
  readonly #options: H3ClientOptions;
  readonly #queue: { request: H3Request; fields: HeaderField[] }[] = [];
  readonly #open = new Map<StreamId, Open>();
  /** Every request, queued, open or finished. */
  readonly requests: H3Request[] = [];

  /** Creates the object. */
  constructor(conn: Connection, options: H3ClientOptions) {
    super(conn, true);
    this.#options = options;
  }

  /** Queues or sends a request. */
  request(path: string, now: number, options: H3RequestOptions = {}): H3Request {
    const p = path.startsWith("/") ? path : `/${path}`;
    const method = options.method ?? "GET";
    const authority = options.authority ?? this.#options.authority ?? "localhost";
    const request: H3Request = {
      method,
      path: p,
      authority,
      streamId: -1,
      state: "queued",
      status: null,
      headers: [],
      trailers: [],
      bytes: 0,
      expected: null,
      startedAt: -1,
      finishedAt: -1,
      resetCode: null,
      mismatchAt: -1,
      body: [],
    };
    const fields: HeaderField[] = [
      [":method", method],
      [":scheme", "https"],
      [":authority", authority],
      [":path", p],
      ["user-agent", this.#options.userAgent ?? "pquic"],
      ...(options.headers ?? []),
    ];
    this.requests.push(request);
    if (this.closing || this.peerGoaway !== null) {
      this.#finish(request, "failed", now);
      return request;
    }
    this.#queue.push({ request, fields });
    if (!this.started && this.conn.state === ConnectionState.Established) this.start(now);
    if (this.started) this.#sendQueued(now);
    return request;
  }

  /** True when no request is queued or open. */
  get idle(): boolean {
    return this.#queue.length === 0 && this.#open.size === 0;
  }

  #sendQueued(now: number): void {
    while (this.#queue.length > 0) {
      const id = this.conn.openStream(true);
      if (id === null) return;
      const { request, fields } = this.#queue.shift()!;
      request.streamId = id;
      request.state = "open";
      request.startedAt = now;
      const out = new Outgoing([encodeFrame(FrameType.HEADERS, encodeFieldSection(fields))], true);
      this.#open.set(id, {
        request,
        reader: new FrameReader(),
        checkPattern: patternSizeOf(request.path) >= 0 && request.method === "GET",
        out: out.pump(this.conn, id) === "blocked" ? out : null,
        final: false,
        trailers: false,
      });
    }
  }

  /** Also retries queued requests when stream credit arrives. */
  override onEvent(event: ConnectionEvent, now: number): void {
    super.onEvent(event, now);
    if (event.type === "streamsAvailable" && event.bidi && this.started) this.#sendQueued(now);
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected goawayId(): number {
    return 0; // A push ID: we accept no pushes.
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected onStarted(now: number): void {
    this.#sendQueued(now);
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected onRequestReadable(id: StreamId, now: number): void {
    const o = this.#open.get(id);
    if (o === undefined) return;
    for (let r = this.conn.read(id); r !== null; r = this.conn.read(id)) {
      o.reader.push(r.data.slice());
      this.#frames(o);
      if (r.fin) {
        if (!o.reader.atBoundary) {
          throw new H3Error(
            H3ErrorCode.H3_FRAME_ERROR,
            `Cannot parse stream ${id}: ends inside a frame`,
          );
        }
        const req = o.request;
        if (!o.final) {
          throw new H3Error(
            H3ErrorCode.H3_MESSAGE_ERROR,
            "Cannot accept a response without HEADERS",
            true,
          );
        }
        if (req.expected !== null && req.bytes !== req.expected && req.method !== "HEAD") {
          throw new H3Error(
            H3ErrorCode.H3_MESSAGE_ERROR,
            `Cannot accept a body of ${req.bytes} bytes: content-length is ${req.expected}`,
            true,
          );
        }
        this.#open.delete(id);
        this.#finish(req, "done", now);
        return;
      }
    }
  }

  #frames(o: Open): void {
    const req = o.request;
    for (let e = o.reader.next(); e !== null; e = o.reader.next()) {
      if (e.kind === "data") {
        if (!o.final || o.trailers) {
          throw new H3Error(
            H3ErrorCode.H3_FRAME_UNEXPECTED,
            "Cannot accept DATA outside a response body",
          );
        }
        if (o.checkPattern && req.status === 200 && req.mismatchAt < 0) {
          req.mismatchAt = findPatternMismatch(e.data, req.bytes);
        }
        req.bytes += e.data.length;
        if (req.expected !== null && req.bytes > req.expected) {
          throw new H3Error(
            H3ErrorCode.H3_MESSAGE_ERROR,
            `Cannot accept more than content-length ${req.expected} bytes`,
            true,
          );
        }
        if (this.#options.keepBodies) req.body.push(e.data);
        this.#options.onData?.(req, e.data);
        continue;
      }
      if (e.type === FrameType.PUSH_PROMISE) {
        throw new H3Error(
          H3ErrorCode.H3_ID_ERROR,
          "Cannot accept PUSH_PROMISE: no MAX_PUSH_ID was sent",
        );
      }
      if (e.type !== FrameType.HEADERS) {
        throw new H3Error(
          H3ErrorCode.H3_FRAME_UNEXPECTED,
          `Cannot accept frame type 0x${e.type.toString(16)} on a request stream`,
        );
      }
      const fields = decodeFieldSection(e.payload);
      if (!o.final) {
        const head = parseResponseHead(fields);
        if (head.status < 200) continue; // Interim response (§4.1).
        o.final = true;
        req.status = head.status;
        req.headers = head.fields;
        const cl = fieldValue(head.fields, "content-length");
        if (cl !== null) {
          if (!/^[0-9]{1,15}$/.test(cl)) {
            throw new H3Error(
              H3ErrorCode.H3_MESSAGE_ERROR,
              `Cannot accept content-length "${cl}"`,
              true,
            );
          }
          req.expected = Number(cl);
        }
        if (o.checkPattern && req.status === 200 && req.expected !== null) {
          const want = patternSizeOf(req.path);
          if (req.expected !== want) req.mismatchAt = Math.min(req.expected, want);
        }
      } else if (!o.trailers) {
        o.trailers = true;
        req.trailers = fields;
      } else {
        throw new H3Error(H3ErrorCode.H3_FRAME_UNEXPECTED, "Cannot accept HEADERS after trailers");
      }
    }
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected onRequestWritable(id: StreamId, _now: number): void {
    const o = this.#open.get(id);
    if (o?.out != null && o.out.pump(this.conn, id) !== "blocked") o.out = null;
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected onRequestReset(id: StreamId, code: bigint, now: number): void {
    const o = this.#open.get(id);
    if (o === undefined) return;
    this.#open.delete(id);
    o.request.resetCode = code;
    this.#finish(o.request, "reset", now);
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected onRequestStopSending(_id: StreamId, _code: bigint, _now: number): void {
    // Our request is already complete; the response may still come or be reset.
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected onRequestError(id: StreamId, e: H3Error, now: number): void {
    const o = this.#open.get(id);
    if (o === undefined) return;
    this.#open.delete(id);
    o.request.resetCode = BigInt(e.code);
    this.#finish(o.request, "reset", now);
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected onGoaway(id: number, now: number): void {
    for (const q of this.#queue.splice(0)) this.#finish(q.request, "failed", now);
    for (const [sid, o] of [...this.#open]) {
      if (sid >= id) {
        this.#open.delete(sid);
        this.#finish(o.request, "failed", now);
      }
    }
  }

  /** Implements the {@link H3Session} hook of the same name. */
  protected onClosed(_event: Extract<ConnectionEvent, { type: "closed" }>, now: number): void {
    for (const q of this.#queue.splice(0)) this.#finish(q.request, "failed", now);
    for (const o of this.#open.values()) this.#finish(o.request, "failed", now);
    this.#open.clear();
  }

  #finish(req: H3Request, state: H3RequestState, now: number): void {
    req.state = state;
    req.finishedAt = now;
    this.#options.onFinished?.(req);
  }
}
