/**
 * The per-connection stream state (RFC 9000 §2–§4): stream IDs and limits,
 * the send and receive parts of every open stream, connection-level flow
 * control, the control frames these produce, and the scheduler that picks
 * which stream's data goes into the next STREAM frame.
 *
 * Sans-IO: the connection feeds frames in (`on*Frame`), asks for frames to
 * send (`pollControlFrame`, `nextStreamFrame`), reports what recovery learned
 * (`onStreamFrameAcked/Lost`, `onControlFrameAcked/Lost`) and drains events
 * (`pollEvent`). Frame handlers throw {@link TransportError} with the QUIC
 * code and the frame type set.
 *
 * What it does not do: CRYPTO streams (the connection uses `RecvBuffer` and
 * `SendBuffer` directly), stream priorities (plain round-robin), DATAGRAM.
 *
 * @module
 */

import { ByteSlab } from "./byte_slab.ts";
import { TransportError, TransportErrorCode } from "../errors.ts";
import type {
  DataBlockedFrame,
  Frame,
  MaxDataFrame,
  MaxStreamDataFrame,
  MaxStreamsFrame,
  ResetStreamFrame,
  StopSendingFrame,
  StreamDataBlockedFrame,
  StreamFrame,
  StreamsBlockedFrame,
} from "../frames/frame.ts";
import { FrameType } from "../frames/frame_type.ts";
import { ConnectionFlow } from "./connection_flow.ts";
import { type ReadResult, RecvStream } from "./recv_stream.ts";
import { SendState, SendStream } from "./send_stream.ts";
import { StreamScheduler } from "./scheduler.ts";
import { StreamCount } from "./stream_count.ts";
import { hasStreamControl, onStreamControlLost, pollStreamControl } from "./stream_control.ts";
import type { StreamCounts, StreamEvent, StreamLimits, StreamsOptions } from "./stream_types.ts";
import {
  isBidi,
  isLocallyInitiated,
  makeStreamId,
  MAX_STREAM_COUNT,
  type StreamId,
  streamIndex,
} from "./stream_id.ts";

export type { StreamCounts, StreamEvent, StreamLimits, StreamsOptions };

/** One stream: a sending part, a receiving part, or both (RFC 9000 §2.1). */
interface Stream {
  readonly id: StreamId;
  readonly send: SendStream | null;
  readonly recv: RecvStream | null;
}

const DEFAULT_MAX_WINDOW = 16 * 1024 * 1024;
const DEFAULT_SEND_BUFFER = 1024 * 1024;
const ZERO_LIMITS: StreamLimits = {
  initialMaxData: 0,
  initialMaxStreamDataBidiLocal: 0,
  initialMaxStreamDataBidiRemote: 0,
  initialMaxStreamDataUni: 0,
  initialMaxStreamsBidi: 0,
  initialMaxStreamsUni: 0,
};

/**
 * All streams of one connection.
 *
 * Call order after each input: frame handlers, then `pollEvent()` until null;
 * when building a packet: `pollControlFrame()` until null or full, then
 * `nextStreamFrame()` until null or full.
 *
 * @example A stream from client to server
 * ```ts
 * import { Streams } from "./streams.ts";
 * import assert from "node:assert/strict";
 * const limits = {
 *   initialMaxData: 1000, initialMaxStreamDataBidiLocal: 500,
 *   initialMaxStreamDataBidiRemote: 500, initialMaxStreamDataUni: 500,
 *   initialMaxStreamsBidi: 10, initialMaxStreamsUni: 10,
 * };
 * const client = new Streams({ isClient: true, local: limits });
 * const server = new Streams({ isClient: false, local: limits });
 * client.setPeerLimits(limits);
 * server.setPeerLimits(limits);
 * const id = client.open(true)!;
 * client.write(id, new TextEncoder().encode("hello"), true);
 * const frame = client.nextStreamFrame(1200)!;
 * server.onStreamFrame(frame);
 * assert.deepEqual(server.pollEvent(), { type: "opened", id });
 * const got = server.read(id)!;
 * assert.equal(new TextDecoder().decode(got.data), "hello");
 * assert.equal(got.fin, true);
 * ```
 */
export class Streams {
  readonly #isClient: boolean;
  #peer: StreamLimits = ZERO_LIMITS;
  readonly #local: StreamLimits;
  readonly #maxWindow: number;
  readonly #sendBufferSize: number;
  /** Copies of written data (256 KB slabs, released as the data is acknowledged). */
  readonly #slab = new ByteSlab(256 * 1024);
  readonly #streams = new Map<StreamId, Stream>();
  readonly #scheduler = new StreamScheduler();
  /** Streams with a stream-level control frame pending. */
  readonly #control = new Set<StreamId>();
  readonly #flow: ConnectionFlow;
  readonly #bidi: StreamCount;
  readonly #uni: StreamCount;
  #events: StreamEvent[] = [];
  #eventHead = 0;
  #now = 0;
  #rtt = 0;

  /**
   * Creates the stream state of a connection; the peer allows nothing until `setPeerLimits`.
   *
   * @param opts Perspective, our limits, window and buffer sizes.
   */
  constructor(opts: StreamsOptions) {
    this.#isClient = opts.isClient;
    const l = this.#local = { ...opts.local };
    const largestStream = Math.max(
      l.initialMaxStreamDataBidiLocal,
      l.initialMaxStreamDataBidiRemote,
      l.initialMaxStreamDataUni,
    );
    this.#maxWindow = Math.max(opts.maxWindow ?? DEFAULT_MAX_WINDOW, largestStream);
    const maxConn = opts.maxConnectionWindow ?? Math.floor(this.#maxWindow * 1.5);
    this.#flow = new ConnectionFlow(l.initialMaxData, Math.max(maxConn, l.initialMaxData));
    this.#sendBufferSize = opts.sendBufferSize ?? DEFAULT_SEND_BUFFER;
    this.#bidi = new StreamCount(l.initialMaxStreamsBidi, true);
    this.#uni = new StreamCount(l.initialMaxStreamsUni, false);
  }

  /**
   * Applies the peer's limits from its transport parameters. Limits only
   * grow: calling again (e.g. after 0-RTT with remembered limits) raises them.
   *
   * @param p The peer's limits.
   */
  setPeerLimits(p: StreamLimits): void {
    this.#peer = { ...p };
    if (this.#flow.onMaxData(p.initialMaxData)) this.#scheduler.unpark();
    this.#raisePeerMaxStreams(true, p.initialMaxStreamsBidi);
    this.#raisePeerMaxStreams(false, p.initialMaxStreamsUni);
    for (const s of this.#streams.values()) {
      if (s.send === null) continue;
      if (s.send.credit.update(this.#sendCreditFor(s.id))) this.#scheduler.enqueue(s.send);
    }
  }

  /**
   * Records the smoothed RTT (and optionally the time) used by window auto-tuning.
   *
   * @param rtt Smoothed RTT, µs.
   * @param now Current time, µs.
   */
  setRtt(rtt: number, now?: number): void {
    this.#rtt = rtt;
    if (now !== undefined) this.#now = now;
  }

  /** Records the current time, µs (window auto-tuning). */
  setTime(now: number): void {
    this.#now = now;
  }

  /** Stream and limit counters. */
  get counts(): StreamCounts {
    const b = this.#bidi;
    const u = this.#uni;
    return {
      active: this.#streams.size,
      localOpened: [b.localOpened, u.localOpened],
      peerOpened: [b.peerOpened, u.peerOpened],
      localMaxStreams: [b.localMax, u.localMax],
      peerMaxStreams: [b.peerMax, u.peerMax],
    };
  }

  /** True when the stream still has state (not closed and forgotten). */
  has(id: StreamId): boolean {
    return this.#streams.has(id);
  }

  // ---------------------------------------------------------------- app API

  /**
   * Opens a stream of ours (RFC 9000 §2.1).
   *
   * @param bidi Bidirectional (true) or unidirectional.
   * @returns The new stream's ID, or null when the peer's MAX_STREAMS does not
   *   allow it (a STREAMS_BLOCKED is then queued, once per limit).
   */
  open(bidi: boolean): StreamId | null {
    const index = (bidi ? this.#bidi : this.#uni).tryOpen();
    if (index < 0) return null;
    const id = makeStreamId(index, this.#isClient, bidi);
    this.#create(id);
    return id;
  }

  /**
   * Queues data on a stream. The bytes are copied. At most the room left in
   * the stream's send buffer is accepted; a "writable" event follows when
   * room frees up.
   *
   * @param id Stream ID.
   * @param data Bytes to send.
   * @param fin End the stream after `data` (only applied when all of it is accepted).
   * @returns Number of bytes accepted.
   * @throws {TypeError} On an unknown stream, a receive-only stream, or a finished or reset stream.
   */
  write(id: StreamId, data: Uint8Array, fin = false): number {
    const send = this.#sendPart(id, "write to");
    if (send.isReset) throw new TypeError(`Cannot write to stream ${id}: reset`);
    if (send.buffer.finished) throw new TypeError(`Cannot write to stream ${id}: finished`);
    const room = this.#sendBufferSize - send.buffer.unacked;
    const n = room <= 0 ? 0 : Math.min(room, data.length);
    // One copy, from a slab: writes come in small pieces as the window opens.
    if (n > 0) send.write(this.#slab.copy(data.subarray(0, n)));
    if (n < data.length) send.writeBlocked = true;
    else if (fin) send.finish();
    this.#scheduler.enqueue(send);
    return n;
  }

  /**
   * Ends a stream after the data written so far (sends a FIN). No-op on a
   * stream already closed or reset.
   *
   * @param id Stream ID.
   */
  finish(id: StreamId): void {
    if (!this.#streams.has(id) && this.#wasOpened(id)) return;
    const send = this.#sendPart(id, "finish");
    if (send.isReset) return; // reset (e.g. answering STOP_SENDING): nothing to finish
    send.finish();
    this.#scheduler.enqueue(send);
  }

  /**
   * Reads received bytes in order.
   *
   * @param id Stream ID.
   * @param max Largest number of bytes to return.
   * @param now Current time, µs (default: the last time given).
   * @returns Bytes and whether they end the stream; null when nothing is
   *   readable (also after the end was read, or after a reset).
   * @throws {TypeError} On a stream never opened, or a send-only stream.
   */
  read(id: StreamId, max = Infinity, now?: number): ReadResult | null {
    const s = this.#streams.get(id);
    if (s === undefined) {
      if (this.#wasOpened(id)) return null;
      throw new TypeError(`Cannot read from stream ${id}: unknown stream`);
    }
    const recv = s.recv;
    if (recv === null) throw new TypeError(`Cannot read from stream ${id}: send-only stream`);
    if (now !== undefined) this.#now = now;
    recv.readableSignalled = false;
    const r = recv.read(max, this.#now, this.#rtt);
    if (r === null) return null;
    this.#afterConsume(recv);
    this.#maybeClose(s);
    return r;
  }

  /**
   * Abandons sending on a stream: RESET_STREAM (RFC 9000 §3.1, §19.4). No-op
   * on a stream already finished and acknowledged, or already reset.
   *
   * @param id Stream ID.
   * @param code Application error code.
   */
  reset(id: StreamId, code: bigint): void {
    if (!this.#streams.has(id) && this.#wasOpened(id)) return;
    const send = this.#sendPart(id, "reset");
    if (send.reset(code)) this.#control.add(id);
  }

  /**
   * Asks the peer to stop sending: STOP_SENDING (RFC 9000 §3.5, §19.5).
   * Data already received and arriving later is discarded. No-op on a stream
   * already read to the end or reset.
   *
   * @param id Stream ID.
   * @param code Application error code.
   */
  stopSending(id: StreamId, code: bigint): void {
    const s = this.#streams.get(id);
    if (s === undefined) {
      if (this.#wasOpened(id)) return;
      throw new TypeError(`Cannot stop stream ${id}: unknown stream`);
    }
    const recv = s.recv;
    if (recv === null) throw new TypeError(`Cannot stop stream ${id}: send-only stream`);
    if (recv.stop(code)) this.#control.add(id);
    this.#afterConsume(recv);
    this.#maybeClose(s);
  }

  /** The next event, or null. */
  pollEvent(): StreamEvent | null {
    if (this.#eventHead >= this.#events.length) {
      if (this.#eventHead > 0) {
        this.#events = [];
        this.#eventHead = 0;
      }
      return null;
    }
    return this.#events[this.#eventHead++]!;
  }

  // ----------------------------------------------------------- frame input

  /**
   * Handles a STREAM frame (RFC 9000 §19.8).
   *
   * @throws {TransportError} STREAM_STATE_ERROR, STREAM_LIMIT_ERROR, FLOW_CONTROL_ERROR,
   *   FINAL_SIZE_ERROR; PROTOCOL_VIOLATION when a stream holds too many disjoint ranges.
   */
  onStreamFrame(f: StreamFrame): void {
    const s = this.#lookupRecv(f.id, FrameType.STREAM);
    if (s === null) return;
    const recv = s.recv!;
    const before = recv.highest;
    let readable: boolean;
    try {
      readable = recv.onData(f.offset, f.data, f.fin);
      this.#flow.onReceived(recv.highest - before);
    } catch (e) {
      throw withFrameType(e, FrameType.STREAM);
    }
    if (readable && !recv.readableSignalled) {
      recv.readableSignalled = true;
      this.#emit({ type: "readable", id: f.id });
    }
    if (recv.stopCode !== null) {
      this.#afterConsume(recv);
      this.#maybeClose(s);
    }
  }

  /**
   * Handles RESET_STREAM (RFC 9000 §19.4).
   *
   * @throws {TransportError} STREAM_STATE_ERROR, STREAM_LIMIT_ERROR, FLOW_CONTROL_ERROR, FINAL_SIZE_ERROR.
   */
  onResetStream(f: ResetStreamFrame): void {
    const s = this.#lookupRecv(f.id, FrameType.RESET_STREAM);
    if (s === null) return;
    const recv = s.recv!;
    const before = recv.highest;
    let report: boolean;
    try {
      report = recv.onReset(f.errorCode, f.finalSize);
      this.#flow.onReceived(recv.highest - before);
    } catch (e) {
      throw withFrameType(e, FrameType.RESET_STREAM);
    }
    if (report) this.#emit({ type: "reset", id: f.id, code: f.errorCode });
    this.#afterConsume(recv);
    this.#maybeClose(s);
  }

  /**
   * Handles STOP_SENDING (RFC 9000 §19.5): answered with RESET_STREAM (§3.5).
   *
   * @throws {TransportError} STREAM_STATE_ERROR, STREAM_LIMIT_ERROR.
   */
  onStopSending(f: StopSendingFrame): void {
    const s = this.#lookupSend(f.id, FrameType.STOP_SENDING);
    if (s === null) return;
    const send = s.send!;
    if (send.isTerminal || send.isReset) return;
    this.#emit({ type: "stopSending", id: f.id, code: f.errorCode });
    if (send.reset(f.errorCode)) this.#control.add(f.id);
  }

  /** Handles MAX_DATA (RFC 9000 §19.9). */
  onMaxData(f: MaxDataFrame): void {
    if (this.#flow.onMaxData(f.max)) this.#scheduler.unpark();
  }

  /**
   * Handles MAX_STREAM_DATA (RFC 9000 §19.10).
   *
   * @throws {TransportError} STREAM_STATE_ERROR, STREAM_LIMIT_ERROR.
   */
  onMaxStreamData(f: MaxStreamDataFrame): void {
    const s = this.#lookupSend(f.id, FrameType.MAX_STREAM_DATA);
    if (s === null) return;
    const send = s.send!;
    if (!send.credit.update(f.max) || send.isReset) return;
    send.blockedPending = false; // stale now
    this.#scheduler.enqueue(send);
  }

  /**
   * Handles MAX_STREAMS (RFC 9000 §19.11).
   *
   * @throws {TransportError} FRAME_ENCODING_ERROR for a count above 2^60.
   */
  onMaxStreams(f: MaxStreamsFrame): void {
    if (f.max > MAX_STREAM_COUNT) {
      throw TransportError.frameEncoding(`Cannot accept MAX_STREAMS ${f.max}: above 2^60`, f.type);
    }
    this.#raisePeerMaxStreams(f.type === FrameType.MAX_STREAMS_BIDI, f.max);
  }

  /** Handles DATA_BLOCKED (RFC 9000 §19.12): informational. */
  onDataBlocked(_f: DataBlockedFrame): void {
    // Our MAX_DATA goes out as the application reads; nothing to do here.
  }

  /**
   * Handles STREAM_DATA_BLOCKED (RFC 9000 §19.13); it opens the peer's stream.
   *
   * @throws {TransportError} STREAM_STATE_ERROR, STREAM_LIMIT_ERROR.
   */
  onStreamDataBlocked(f: StreamDataBlockedFrame): void {
    this.#lookupRecv(f.id, FrameType.STREAM_DATA_BLOCKED);
  }

  /**
   * Handles STREAMS_BLOCKED (RFC 9000 §19.14): informational.
   *
   * @throws {TransportError} FRAME_ENCODING_ERROR for a count above 2^60.
   */
  onStreamsBlocked(f: StreamsBlockedFrame): void {
    if (f.limit > MAX_STREAM_COUNT) {
      throw TransportError.frameEncoding(
        `Cannot accept STREAMS_BLOCKED ${f.limit}: above 2^60`,
        f.type,
      );
    }
  }

  // ---------------------------------------------------------------- output

  /**
   * The next flow-control or stream-control frame to send, or null. Order:
   * MAX_DATA, the streams' RESET_STREAM / STOP_SENDING / MAX_STREAM_DATA /
   * STREAM_DATA_BLOCKED, MAX_STREAMS, DATA_BLOCKED, STREAMS_BLOCKED.
   *
   * @param maxSize Largest encoded size the frame may have.
   * @returns A frame that fits, or null.
   */
  pollControlFrame(maxSize: number): Frame | null {
    const maxData = this.#flow.pollMaxData(maxSize);
    if (maxData !== null) return maxData;
    if (this.#control.size > 0) return this.#pollStreamControl(maxSize);
    return this.#pollCountFrames(maxSize);
  }

  /** The next stream-level control frame, else the frames of `#pollCountFrames`. */
  #pollStreamControl(maxSize: number): Frame | null {
    for (const id of this.#control) {
      const s = this.#streams.get(id);
      if (s === undefined || !hasStreamControl(s.send, s.recv)) {
        this.#control.delete(id);
        continue;
      }
      const f = pollStreamControl(id, s.send, s.recv, maxSize);
      if (f !== null) {
        if (!hasStreamControl(s.send, s.recv)) this.#control.delete(id);
        return f;
      }
    }
    return this.#pollCountFrames(maxSize);
  }

  /** MAX_STREAMS, DATA_BLOCKED, STREAMS_BLOCKED, in that order. */
  #pollCountFrames(maxSize: number): Frame | null {
    return this.#bidi.pollMaxStreams(maxSize) ?? this.#uni.pollMaxStreams(maxSize) ??
      this.#flow.pollBlocked(maxSize) ?? this.#bidi.pollBlocked(maxSize) ??
      this.#uni.pollBlocked(maxSize);
  }

  /** True when a control frame waits in `pollControlFrame`. */
  hasPendingControl(): boolean {
    return this.#flow.hasPending || this.#control.size > 0 || this.#bidi.hasPending ||
      this.#uni.hasPending;
  }

  /**
   * The next STREAM frame, taking streams in round-robin order, within the
   * peer's connection and stream credit (RFC 9000 §4.1). Lost data goes
   * before new data on each stream. Same as `streamFrame(nextStream(), …)`.
   *
   * @param maxFrameSize Largest encoded size (with a Length field) of the frame.
   * @returns A frame, or null when nothing can be sent (or nothing fits).
   */
  nextStreamFrame(maxFrameSize: number): StreamFrame | null {
    const send = this.#front(this.#flow.available);
    return send === null ? null : this.streamFrame(send, maxFrameSize);
  }

  /**
   * Called when a stream's state is forgotten (both directions done); the
   * connection runs its `stream_closed` protoop here.
   */
  onClosed: ((id: StreamId) => void) | null = null;

  /** @internal The receiving side of stream `id` (plugins' AK_STREAMHEAD_* keys), or null. */
  recvStream(id: StreamId): RecvStream | null {
    return this.#streams.get(id)?.recv ?? null;
  }

  /** @internal Connection-level flow control (plugins' AK_CNX_MAXDATA_* keys). */
  get connectionFlow(): ConnectionFlow {
    return this.#flow;
  }

  /** The sending side of stream `id` (for a plugin's stream scheduler), or null. */
  sendStream(id: StreamId): SendStream | null {
    return this.#streams.get(id)?.send ?? null;
  }

  /**
   * The stream the round-robin schedule serves next (the default of the
   * `schedule_next_stream` protoop), or null when none can send now.
   */
  nextStream(): SendStream | null {
    return this.#front(this.#flow.available);
  }

  /**
   * The next STREAM frame of `send`, within the peer's connection and stream
   * credit (RFC 9000 §4.1); the schedule rotates when `send` was its head (a
   * plugin's scheduler may pick another stream).
   *
   * @param send A stream of this connection (from {@link nextStream} or a scheduler).
   * @param maxFrameSize Largest encoded size (with a Length field) of the frame.
   * @returns A frame, or null when nothing can be sent (or nothing fits).
   */
  streamFrame(send: SendStream, maxFrameSize: number): StreamFrame | null {
    const connAvail = this.#flow.available;
    const sentBefore = send.buffer.sentOffset;
    const limit = Math.min(send.credit.limit, sentBefore + connAvail);
    const f = send.nextFrame(maxFrameSize, limit);
    if (f === null) return null;
    this.#flow.sent += send.buffer.sentOffset - sentBefore;
    if (this.#scheduler.peek() === send) this.#scheduler.rotate();
    return f;
  }

  /** True when `nextStreamFrame` has something to send (given enough room). */
  hasPendingData(): boolean {
    return this.#front(this.#flow.available) !== null;
  }

  // ------------------------------------------------------ recovery feedback

  /** A STREAM frame we sent was acknowledged. */
  onStreamFrameAcked(f: StreamFrame): void {
    const s = this.#streams.get(f.id);
    if (s === undefined || s.send === null) return;
    const send = s.send;
    if (send.onAcked(f.offset, f.data.length, f.fin)) {
      this.#emit({ type: "finished", id: f.id });
      this.#maybeClose(s);
      return;
    }
    if (send.writeBlocked && send.buffer.unacked <= this.#sendBufferSize / 2) {
      send.writeBlocked = false;
      this.#emit({ type: "writable", id: f.id });
    }
  }

  /** A STREAM frame we sent was declared lost: its data is queued again. */
  onStreamFrameLost(f: StreamFrame): void {
    const s = this.#streams.get(f.id);
    if (s === undefined || s.send === null) return;
    if (s.send.onLost(f.offset, f.data.length, f.fin)) {
      this.#scheduler.enqueue(s.send);
      // A parked stream may now have a retransmission, which needs no credit.
      this.#scheduler.unpark();
    }
  }

  /** A control frame we sent was acknowledged. */
  onControlFrameAcked(f: Frame): void {
    if (f.type !== FrameType.RESET_STREAM) return;
    const s = this.#streams.get(f.id);
    if (s === undefined || s.send === null) return;
    if (s.send.onResetAcked()) this.#maybeClose(s);
  }

  /** A control frame we sent was lost: queued again only if still current (RFC 9000 §13.3). */
  onControlFrameLost(f: Frame): void {
    switch (f.type) {
      case FrameType.MAX_DATA:
        this.#flow.onMaxDataLost(f.max);
        return;
      case FrameType.DATA_BLOCKED:
        this.#flow.onBlockedLost(f.limit);
        return;
      case FrameType.MAX_STREAMS_BIDI:
      case FrameType.MAX_STREAMS_UNI:
        (f.type === FrameType.MAX_STREAMS_BIDI ? this.#bidi : this.#uni).onMaxStreamsLost(f.max);
        return;
      case FrameType.STREAMS_BLOCKED_BIDI:
      case FrameType.STREAMS_BLOCKED_UNI:
        (f.type === FrameType.STREAMS_BLOCKED_BIDI ? this.#bidi : this.#uni).onBlockedLost(f.limit);
        return;
      case FrameType.RESET_STREAM:
      case FrameType.STOP_SENDING:
      case FrameType.MAX_STREAM_DATA:
      case FrameType.STREAM_DATA_BLOCKED: {
        const s = this.#streams.get(f.id);
        if (s !== undefined && onStreamControlLost(f, s.send, s.recv)) this.#control.add(f.id);
        return;
      }
    }
  }

  // -------------------------------------------------------------- internals

  /** The stream at the head of the schedule that can send now, handling blocked ones. */
  #front(connAvail: number): SendStream | null {
    for (;;) {
      const send = this.#scheduler.peek();
      if (send === null) return null;
      const b = send.buffer;
      if (send.isReset || send.state === SendState.DataRecvd) {
        this.#scheduler.drop();
        continue;
      }
      if (b.hasLost) return send;
      if (b.sentOffset >= b.writeOffset) {
        if (b.finPending) return send;
        this.#scheduler.drop();
        continue;
      }
      if (b.sentOffset >= send.credit.limit) {
        // Blocked by the stream's credit: wait for MAX_STREAM_DATA (§4.1).
        this.#scheduler.drop();
        if (send.credit.markBlocked()) {
          send.blockedPending = true;
          this.#control.add(send.id);
        }
        continue;
      }
      if (connAvail <= 0) {
        // Blocked by the connection's credit: park until MAX_DATA.
        this.#scheduler.park();
        this.#flow.onBlocked();
        continue;
      }
      return send;
    }
  }

  #raisePeerMaxStreams(bidi: boolean, max: number): void {
    if ((bidi ? this.#bidi : this.#uni).raisePeerMax(max)) {
      this.#emit({ type: "available", bidi });
    }
  }

  /** After the application consumed (or discarded) bytes: credit and window updates. */
  #afterConsume(recv: RecvStream): void {
    this.#flow.onConsumed(recv.takeConsumed(), this.#now, this.#rtt);
    if (recv.pollWindowUpdate() !== null) {
      recv.maxDataPending = true;
      this.#control.add(recv.id);
    }
  }

  /** Forgets a stream whose parts are all terminal; replenishes MAX_STREAMS for the peer's. */
  #maybeClose(s: Stream): void {
    if (s.send !== null && !s.send.isTerminal) return;
    if (s.recv !== null && !s.recv.isTerminal) return;
    if (!this.#streams.delete(s.id)) return;
    this.#control.delete(s.id);
    this.onClosed?.(s.id);
    if (!isLocallyInitiated(s.id, this.#isClient)) {
      (isBidi(s.id) ? this.#bidi : this.#uni).onPeerStreamClosed();
    }
  }

  /** The stream for a frame that needs a receiving part (STREAM, RESET_STREAM, STREAM_DATA_BLOCKED). */
  #lookupRecv(id: StreamId, frameType: number): Stream | null {
    if (!isBidi(id) && isLocallyInitiated(id, this.#isClient)) {
      throw new TransportError(
        TransportErrorCode.STREAM_STATE_ERROR,
        `Cannot accept a frame for send-only stream ${id}`,
        frameType,
      );
    }
    return this.#lookup(id, frameType);
  }

  /** The stream for a frame that needs a sending part (STOP_SENDING, MAX_STREAM_DATA). */
  #lookupSend(id: StreamId, frameType: number): Stream | null {
    if (!isBidi(id) && !isLocallyInitiated(id, this.#isClient)) {
      throw new TransportError(
        TransportErrorCode.STREAM_STATE_ERROR,
        `Cannot accept a frame for receive-only stream ${id}`,
        frameType,
      );
    }
    return this.#lookup(id, frameType);
  }

  /**
   * The stream for a frame, opening the peer's streams up to it (RFC 9000 §3.2);
   * null when it was closed and forgotten.
   */
  #lookup(id: StreamId, frameType: number): Stream | null {
    const s = this.#streams.get(id);
    if (s !== undefined) return s;
    const index = streamIndex(id);
    const bidi = isBidi(id);
    const c = bidi ? this.#bidi : this.#uni;
    if (isLocallyInitiated(id, this.#isClient)) {
      if (index < c.localOpened) return null;
      throw new TransportError(
        TransportErrorCode.STREAM_STATE_ERROR,
        `Cannot accept a frame for stream ${id}: not opened yet`,
        frameType,
      );
    }
    if (index >= c.localMax) {
      throw new TransportError(
        TransportErrorCode.STREAM_LIMIT_ERROR,
        `Cannot open stream ${id}: the limit is ${c.localMax} streams`,
        frameType,
      );
    }
    if (index < c.peerOpened) return null;
    for (let i = c.peerOpened; i <= index; i++) {
      const sid = makeStreamId(i, !this.#isClient, bidi);
      this.#create(sid);
      this.#emit({ type: "opened", id: sid });
    }
    c.peerOpened = index + 1;
    return this.#streams.get(id)!;
  }

  #create(id: StreamId): void {
    const local = isLocallyInitiated(id, this.#isClient);
    const bidi = isBidi(id);
    const send = bidi || local ? new SendStream(id, this.#sendCreditFor(id)) : null;
    let recv: RecvStream | null = null;
    if (bidi || !local) {
      const l = this.#local;
      const window = !bidi
        ? l.initialMaxStreamDataUni
        : local
        ? l.initialMaxStreamDataBidiLocal
        : l.initialMaxStreamDataBidiRemote;
      recv = new RecvStream(id, window, this.#maxWindow);
    }
    this.#streams.set(id, { id, send, recv });
  }

  /** The peer's initial MAX_STREAM_DATA for our sending part of `id` (RFC 9000 §18.2). */
  #sendCreditFor(id: StreamId): number {
    const p = this.#peer;
    if (!isBidi(id)) return p.initialMaxStreamDataUni;
    return isLocallyInitiated(id, this.#isClient)
      ? p.initialMaxStreamDataBidiRemote
      : p.initialMaxStreamDataBidiLocal;
  }

  /** True for a stream ID that was opened (it may be closed and forgotten since). */
  #wasOpened(id: StreamId): boolean {
    const c = isBidi(id) ? this.#bidi : this.#uni;
    const index = streamIndex(id);
    return index < (isLocallyInitiated(id, this.#isClient) ? c.localOpened : c.peerOpened);
  }

  #sendPart(id: StreamId, action: string): SendStream {
    const s = this.#streams.get(id);
    if (s === undefined) throw new TypeError(`Cannot ${action} stream ${id}: unknown stream`);
    if (s.send === null) throw new TypeError(`Cannot ${action} stream ${id}: receive-only stream`);
    return s.send;
  }

  #emit(e: StreamEvent): void {
    this.#events.push(e);
  }
}

/** Attributes a TransportError without a frame type to `frameType`. */
function withFrameType(e: unknown, frameType: number): unknown {
  if (e instanceof TransportError && e.frameType === 0) return e.withFrameType(frameType);
  return e;
}
