/**
 * The connection-wide part of HTTP/3 (RFC 9114 §6.2, §7.2, §5.2), shared by
 * client and server: our control stream with SETTINGS, our QPACK encoder and
 * decoder streams, the peer's unidirectional streams, GOAWAY, and turning
 * {@link H3Error}s into CONNECTION_CLOSE or stream resets.
 *
 * Streams we open when the handshake completes (§6.2: "each side MUST
 * initiate a single control stream at the beginning of the connection"):
 * control (type 0x00, then SETTINGS with SETTINGS_QPACK_MAX_TABLE_CAPACITY 0
 * and SETTINGS_QPACK_BLOCKED_STREAMS 0), QPACK encoder (0x02) and QPACK
 * decoder (0x03). With a capacity of 0 nothing more is ever written to the
 * two QPACK streams; RFC 9204 §4.2 still expects them open.
 *
 * The peer's unidirectional streams are read by {@link PeerStreams}
 * (`peer_streams.ts`), which enforces their rules.
 *
 * Request streams (bidirectional) belong to the subclass.
 *
 * @module
 */

import type { Connection } from "../../transport/connection/connection.ts";
import type { ConnectionEvent } from "../../transport/connection/events.ts";
import { ConnectionState } from "../../transport/connection/events.ts";
import { isBidi, isLocallyInitiated, type StreamId } from "../../transport/streams/stream_id.ts";
import { H3Error, H3ErrorCode } from "./errors.ts";
import {
  encodeGoawayFrame,
  encodeSettingsFrame,
  SettingId,
  type Settings,
  StreamType,
} from "./frames.ts";
import { PeerStreams } from "./peer_streams.ts";

/** The ALPN identifiers of HTTP/3: RFC 9114's, then draft 29's (picoquicdemo's default). */
export const H3_ALPNS: readonly string[] = ["h3", "h3-29"];

/** Our SETTINGS: no dynamic table, no blocked streams (RFC 9204 §5). */
export const OUR_SETTINGS: Settings = new Map([
  [SettingId.QPACK_MAX_TABLE_CAPACITY, 0],
  [SettingId.QPACK_BLOCKED_STREAMS, 0],
]);

/** A reserved stream type (0x1f × 1 + 0x21 = 0x40 needs two bytes; 0x21 fits one). */
const GREASE_STREAM_TYPE = 0x21;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** HTTP/3 state of one connection; subclassed by the client and server sessions. */
export abstract class H3Session {
  /** The QUIC connection. */
  readonly conn: Connection;
  /** Whether we are the client. */
  readonly isClient: boolean;
  /** The ID in the GOAWAY we sent, or null. */
  sentGoaway: number | null = null;
  /** The connection error we closed with, if any. */
  error: H3Error | null = null;
  /** True once the connection is closed. */
  closed = false;

  #started = false;
  #controlId: StreamId = -1;
  readonly #ownCritical = new Set<StreamId>();
  /** A grease stream whose acknowledgment tells that GOAWAY went out; then we close. */
  #closeProbe: StreamId = -1;
  #pendingClose: { code: number; reason: string } | null = null;
  readonly #peer: PeerStreams;

  /**
   * Creates the object.
   * @param conn The QUIC connection (ALPN h3).
   * @param isClient Whether we are the client.
   */
  constructor(conn: Connection, isClient: boolean) {
    this.conn = conn;
    this.isClient = isClient;
    this.#peer = new PeerStreams(conn, isClient, (id, now) => this.onGoaway(id, now));
  }

  /** The peer's SETTINGS, once received. */
  get peerSettings(): Settings | null {
    return this.#peer.settings;
  }

  /** The ID in the last GOAWAY from the peer, or null. */
  get peerGoaway(): number | null {
    return this.#peer.goaway;
  }

  /** True once our control stream is open (after the handshake). */
  get started(): boolean {
    return this.#started;
  }

  /** True once `close` was called or the connection is closing. */
  get closing(): boolean {
    return this.closed || this.#pendingClose !== null ||
      this.conn.state >= ConnectionState.Closing;
  }

  /** Opens our control, encoder and decoder streams (done on `connected`). */
  start(now: number): void {
    if (this.#started || this.closed) return;
    const control = this.conn.openStream(false);
    const encoder = this.conn.openStream(false);
    const decoder = this.conn.openStream(false);
    if (control === null || encoder === null || decoder === null) {
      this.fail(
        new H3Error(H3ErrorCode.H3_STREAM_CREATION_ERROR, "Cannot open control streams: no credit"),
        -1,
        now,
      );
      return;
    }
    this.#started = true;
    this.#controlId = control;
    for (const id of [control, encoder, decoder]) this.#ownCritical.add(id);
    this.conn.write(
      control,
      concat(Uint8Array.of(StreamType.CONTROL), encodeSettingsFrame(OUR_SETTINGS)),
    );
    this.conn.write(encoder, Uint8Array.of(StreamType.QPACK_ENCODER));
    this.conn.write(decoder, Uint8Array.of(StreamType.QPACK_DECODER));
    this.onStarted(now);
  }

  /**
   * Handles one connection event; H3 errors become stream resets or
   * CONNECTION_CLOSE here.
   */
  onEvent(event: ConnectionEvent, now: number): void {
    if (this.closed && event.type !== "closed") return;
    let stream: StreamId = -1;
    try {
      switch (event.type) {
        case "connected":
          this.start(now);
          break;
        case "streamOpened":
        case "streamReadable":
          stream = event.id;
          if (isBidi(event.id)) this.onRequestReadable(event.id, now);
          else if (!isLocallyInitiated(event.id, this.isClient)) this.#peer.read(event.id, now);
          break;
        case "streamWritable":
          stream = event.id;
          if (isBidi(event.id)) this.onRequestWritable(event.id, now);
          break;
        case "streamReset":
          stream = event.id;
          if (this.#peer.isCritical(event.id)) {
            throw new H3Error(
              H3ErrorCode.H3_CLOSED_CRITICAL_STREAM,
              "Cannot continue: peer reset a critical stream",
            );
          }
          if (isBidi(event.id)) this.onRequestReset(event.id, event.code, now);
          else this.#peer.forget(event.id);
          break;
        case "stopSending":
          stream = event.id;
          if (event.id === this.#closeProbe) this.#finishClose(now);
          else if (this.#ownCritical.has(event.id)) {
            throw new H3Error(
              H3ErrorCode.H3_CLOSED_CRITICAL_STREAM,
              "Cannot continue: peer stopped a critical stream",
            );
          } else if (isBidi(event.id)) this.onRequestStopSending(event.id, event.code, now);
          break;
        case "streamFinished":
          if (event.id === this.#closeProbe) this.#finishClose(now);
          break;
        case "closed":
          this.closed = true;
          this.onClosed(event, now);
          break;
      }
    } catch (e) {
      // One place where errors become stream resets or CONNECTION_CLOSE. Anything
      // that is not an H3Error is a bug here: close with H3_INTERNAL_ERROR rather
      // than take the whole endpoint down.
      if (e instanceof H3Error) this.fail(e, stream, now);
      else {
        const msg = e instanceof Error ? e.message : String(e);
        this.fail(new H3Error(H3ErrorCode.H3_INTERNAL_ERROR, `Internal error: ${msg}`), -1, now);
      }
    }
  }

  /**
   * Sends GOAWAY on our control stream (RFC 9114 §5.2). The server passes the
   * first request stream it will not process; the client a push ID (0: we
   * accept no pushes).
   */
  goaway(id: number): void {
    if (!this.#started || this.closed) return;
    if (this.sentGoaway !== null && id >= this.sentGoaway) return;
    this.sentGoaway = id;
    this.conn.write(this.#controlId, encodeGoawayFrame(id));
  }

  /**
   * Closes the connection gracefully (RFC 9114 §5.2): GOAWAY first, then
   * CONNECTION_CLOSE with H3_NO_ERROR (or `code`).
   *
   * A connection in the closing state sends nothing but CONNECTION_CLOSE, so
   * the close waits until GOAWAY is out: with it we send a one-byte stream of
   * a reserved type (§6.2.3) with a FIN, and close when the peer acknowledges
   * that stream or asks us to stop it (which it does for reserved types).
   * Without stream credit, or before the control stream exists, the close is
   * immediate. `closeNow` skips the wait.
   */
  close(now: number, code: number = H3ErrorCode.H3_NO_ERROR, reason = ""): void {
    if (this.closed || this.conn.state >= ConnectionState.Closing) return;
    if (this.#pendingClose !== null) return;
    this.#pendingClose = { code, reason };
    if (!this.#started) return this.#finishClose(now);
    this.goaway(this.goawayId());
    const probe = this.conn.openStream(false);
    if (probe === null) return this.#finishClose(now);
    this.#closeProbe = probe;
    this.conn.write(probe, Uint8Array.of(GREASE_STREAM_TYPE), true);
  }

  /** Closes at once (CONNECTION_CLOSE without waiting for GOAWAY to be sent). */
  closeNow(now: number, code: number = H3ErrorCode.H3_NO_ERROR, reason = ""): void {
    this.#pendingClose = { code, reason };
    this.#finishClose(now);
  }

  #finishClose(now: number): void {
    const c = this.#pendingClose;
    if (c === null) return;
    if (this.conn.state < ConnectionState.Closing) this.conn.close(BigInt(c.code), c.reason, now);
  }

  /** Reacts to an H3 error: a stream error resets the stream, anything else closes the connection. */
  fail(e: H3Error, stream: StreamId, now: number): void {
    if (e.stream && stream >= 0 && isBidi(stream)) {
      tryStream(() => this.conn.resetStream(stream, BigInt(e.code)));
      tryStream(() => this.conn.stopSending(stream, BigInt(e.code)));
      this.onRequestError(stream, e, now);
      return;
    }
    this.error ??= e;
    if (this.conn.state < ConnectionState.Closing) this.conn.close(BigInt(e.code), e.message, now);
  }

  /** The ID our GOAWAY carries on close. */
  protected abstract goawayId(): number;
  /** Our streams are open: send what waited for them. */
  protected abstract onStarted(now: number): void;
  /** A request stream has data (or its end) to read. */
  protected abstract onRequestReadable(id: StreamId, now: number): void;
  /** A request stream has room to write again. */
  protected abstract onRequestWritable(id: StreamId, now: number): void;
  /** The peer reset its side of a request stream. */
  protected abstract onRequestReset(id: StreamId, code: bigint, now: number): void;
  /** The peer asked us to stop sending on a request stream (the transport resets it). */
  protected abstract onRequestStopSending(id: StreamId, code: bigint, now: number): void;
  /** We reset a request stream because of a stream error. */
  protected abstract onRequestError(id: StreamId, e: H3Error, now: number): void;
  /** The peer sent GOAWAY. */
  protected abstract onGoaway(id: number, now: number): void;
  /** The connection closed. */
  protected abstract onClosed(
    event: Extract<ConnectionEvent, { type: "closed" }>,
    now: number,
  ): void;
}

/** Runs a stream operation that may throw because the stream is already gone. */
export function tryStream(f: () => void): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
}
