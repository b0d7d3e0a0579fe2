/**
 * The receiving part of a stream (RFC 9000 §3.2):
 *
 * ```
 *        o
 *        | Recv STREAM / STREAM_DATA_BLOCKED / RESET_STREAM
 *        | Create Bidirectional Stream (Sending)
 *        | Recv MAX_STREAM_DATA / STOP_SENDING (Bidirectional)
 *        | Create Higher-Numbered Stream
 *        v
 *    +-------+
 *    | Recv  | Recv RESET_STREAM
 *    +-------+-----------------------+
 *        | Recv STREAM + FIN         |
 *        v                           |
 *    +-------+                       |
 *    | Size  | Recv RESET_STREAM     |
 *    | Known |---------------------->|
 *    +-------+                       |
 *        | Recv All Data             |
 *        v                           v
 *    +-------+ Recv RESET_STREAM +-------+
 *    | Data  |--- (optional) --->| Reset |
 *    | Recvd |  Recv All Data    | Recvd |
 *    +-------+<-- (optional) ----+-------+
 *        | App Read All Data         | App Read Reset
 *        v                           v
 *    +-------+                   +-------+
 *    | Data  |                   | Reset |
 *    | Read  |                   | Read  |
 *    +-------+                   +-------+
 * ```
 *
 * Here a RESET_STREAM in Data Recvd is ignored (the data is all there), and a
 * reset is delivered to the application as an event at once, so Reset Recvd
 * passes straight to Reset Read. Final-size rules are RFC 9000 §4.5.
 *
 * @module
 */

import { TransportError } from "../errors.ts";
import { RecvWindow } from "./flow_control.ts";
import { RecvBuffer } from "./recv_buffer.ts";
import type { StreamId } from "./stream_id.ts";

/** Receiving-part states (RFC 9000 §3.2). */
export const RecvState = {
  Recv: 0,
  SizeKnown: 1,
  DataRecvd: 2,
  ResetRecvd: 3,
  DataRead: 4,
  ResetRead: 5,
} as const;
/** One of {@link RecvState}. */
export type RecvState = typeof RecvState[keyof typeof RecvState];

const EMPTY = new Uint8Array(0);

/**
 * Most disjoint received ranges a stream may hold before the connection is
 * closed: each costs memory whatever its size, so a peer sending tiny pieces
 * with gaps between them could otherwise make us hold millions within the
 * flow-control window (RFC 9000 §21.7). The value is Chromium's
 * kMaxNumDataIntervalsAllowed (2 × its largest packet gap); arbitrary.
 */
export const MAX_RECV_RANGES = 10_000;

/** What `RecvStream.read()` returns: bytes in order, and whether they end the stream. */
export interface ReadResult {
  /** The next bytes of the stream (possibly empty when only the end is reported). */
  data: Uint8Array;
  /** True when these bytes end the stream. */
  fin: boolean;
}

/**
 * State of one stream's receiving part.
 *
 * @example
 * ```ts
 * import { RecvStream, RecvState } from "./recv_stream.ts";
 * import assert from "node:assert/strict";
 * const s = new RecvStream(1, 100, 100);
 * s.onData(3, new Uint8Array([4]), true);
 * s.onData(0, new Uint8Array([1, 2, 3]), false);
 * assert.equal(s.state, RecvState.DataRecvd);
 * assert.deepEqual(s.read(10, 0, 0), { data: new Uint8Array([1, 2, 3]), fin: false });
 * assert.deepEqual(s.read(10, 0, 0), { data: new Uint8Array([4]), fin: true });
 * ```
 */
export class RecvStream {
  /** The stream ID. */
  readonly id: StreamId;
  /** Current state. */
  state: RecvState = RecvState.Recv;
  /** Reassembly buffer. */
  readonly buffer: RecvBuffer = new RecvBuffer();
  /** Our MAX_STREAM_DATA for this stream. */
  readonly window: RecvWindow;
  /** Final size once known (FIN or RESET_STREAM), else -1. */
  finalSize: number = -1;
  /** Application error code of the peer's RESET_STREAM. */
  resetCode = 0n;
  /** Code of our STOP_SENDING, or null when the application still reads. */
  stopCode: bigint | null = null;
  /** A STOP_SENDING must be sent. */
  stopPending = false;
  /** A MAX_STREAM_DATA must be sent. */
  maxDataPending = false;
  /** A "readable" event was emitted and the application has not read since. */
  readableSignalled = false;
  #highest = 0;
  /** Bytes of this stream returned to the connection-level window. */
  #credited = 0;

  /**
   * Creates a receiving part in the Recv state.
   *
   * @param id Stream ID.
   * @param window Our initial MAX_STREAM_DATA for it.
   * @param maxWindow Largest window auto-tuning may reach.
   */
  constructor(id: StreamId, window: number, maxWindow: number) {
    this.id = id;
    this.window = new RecvWindow(window, maxWindow);
  }

  /** One past the highest offset received (or the final size): what counts against flow control. */
  get highest(): number {
    return this.#highest;
  }

  /** True once nothing more will be delivered to the application. */
  get isTerminal(): boolean {
    return this.state === RecvState.DataRead || this.state === RecvState.ResetRead ||
      (this.stopCode !== null && this.finalSize >= 0);
  }

  /**
   * Handles a STREAM frame's payload.
   *
   * @throws {TransportError} FINAL_SIZE_ERROR (RFC 9000 §4.5), FLOW_CONTROL_ERROR (§4.1),
   *   PROTOCOL_VIOLATION past {@link MAX_RECV_RANGES} disjoint ranges (§21.7).
   * @returns True when new bytes (or the end of the stream) became readable.
   */
  onData(offset: number, data: Uint8Array, fin: boolean): boolean {
    const end = offset + data.length;
    if (this.finalSize >= 0) {
      if (end > this.finalSize) {
        throw TransportError.finalSize(
          `Cannot accept data up to ${end} on stream ${this.id}: final size is ${this.finalSize}`,
        );
      }
      if (fin && end !== this.finalSize) {
        throw TransportError.finalSize(
          `Cannot change the final size of stream ${this.id} from ${this.finalSize} to ${end}`,
        );
      }
    } else if (fin && end < this.#highest) {
      throw TransportError.finalSize(
        `Cannot set the final size of stream ${this.id} to ${end}: ${this.#highest} bytes received`,
      );
    }
    this.window.onData(end);
    if (end > this.#highest) this.#highest = end;
    if (fin && this.finalSize < 0) {
      this.finalSize = end;
      if (this.state === RecvState.Recv) this.state = RecvState.SizeKnown;
    }
    if (this.state > RecvState.SizeKnown || this.stopCode !== null) return false;
    const before = this.buffer.contiguousEnd;
    this.buffer.insert(offset, data);
    if (this.buffer.rangeCount > MAX_RECV_RANGES) {
      throw TransportError.protocolViolation(
        `Cannot hold more than ${MAX_RECV_RANGES} out-of-order ranges on stream ${this.id}`,
      );
    }
    if (
      this.state === RecvState.SizeKnown &&
      this.buffer.readOffset + this.buffer.bufferedBytes === this.finalSize
    ) {
      this.state = RecvState.DataRecvd;
      return true;
    }
    return this.buffer.contiguousEnd > before;
  }

  /**
   * Handles RESET_STREAM.
   *
   * @throws {TransportError} FINAL_SIZE_ERROR, FLOW_CONTROL_ERROR.
   * @returns True when the reset is to be reported to the application.
   */
  onReset(code: bigint, finalSize: number): boolean {
    if (this.finalSize >= 0 && finalSize !== this.finalSize) {
      throw TransportError.finalSize(
        `Cannot change the final size of stream ${this.id} from ${this.finalSize} to ${finalSize}`,
      );
    }
    if (finalSize < this.#highest) {
      throw TransportError.finalSize(
        `Cannot reset stream ${this.id} at ${finalSize}: ${this.#highest} bytes received`,
      );
    }
    this.window.onData(finalSize);
    this.#highest = finalSize;
    this.finalSize = finalSize;
    if (this.state !== RecvState.Recv && this.state !== RecvState.SizeKnown) return false;
    this.state = RecvState.ResetRead;
    this.resetCode = code;
    this.stopPending = false;
    this.maxDataPending = false;
    this.buffer.discardTo(finalSize);
    return this.stopCode === null;
  }

  /**
   * Reads bytes in order.
   *
   * @param max Largest number of bytes to return.
   * @param now Current time, µs (window auto-tuning).
   * @param rtt Smoothed RTT, µs.
   * @returns Bytes and the end-of-stream flag, or null when nothing is readable.
   */
  read(max: number, now: number, rtt: number): ReadResult | null {
    if (this.state > RecvState.DataRecvd || this.stopCode !== null) return null;
    const data = this.buffer.read(max);
    if (data !== null) this.window.onConsumed(data.length, now, rtt);
    const fin = this.finalSize >= 0 && this.buffer.readOffset === this.finalSize;
    if (data === null && !fin) return null;
    if (fin) this.state = RecvState.DataRead;
    return { data: data ?? EMPTY, fin };
  }

  /**
   * The application stops reading (RFC 9000 §3.5): buffered data is dropped.
   *
   * @param code Application error code for STOP_SENDING.
   * @returns True when a STOP_SENDING is now due.
   */
  stop(code: bigint): boolean {
    if (this.stopCode !== null || this.state > RecvState.DataRecvd) return false;
    this.stopCode = code;
    this.maxDataPending = false;
    this.buffer.discardTo(this.#highest);
    if (this.finalSize >= 0) return false; // the peer has sent everything: nothing to stop
    this.stopPending = true;
    return true;
  }

  /** A new MAX_STREAM_DATA to advertise, or null (none once the final size is known). */
  pollWindowUpdate(): number | null {
    if (this.state !== RecvState.Recv || this.stopCode !== null) return null;
    return this.window.pollUpdate();
  }

  /**
   * Bytes to return to the connection-level window since the last call: what
   * the application read, or everything received once reset or stopped
   * (RFC 9000 §4.5: the final size counts; discarded bytes are consumed).
   */
  takeConsumed(): number {
    const target = this.state === RecvState.ResetRead || this.stopCode !== null
      ? this.#highest
      : this.buffer.readOffset;
    const delta = target - this.#credited;
    if (delta <= 0) return 0;
    this.#credited = target;
    return delta;
  }
}
