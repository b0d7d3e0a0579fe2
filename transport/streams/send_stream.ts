/**
 * The sending part of a stream (RFC 9000 §3.1):
 *
 * ```
 *        o
 *        | Create Stream (Sending)
 *        v
 *    +-------+
 *    | Ready | Send RESET_STREAM
 *    +-------+-----------------------+
 *        | Send STREAM               |
 *        v                           |
 *    +-------+                       |
 *    | Send  | Send RESET_STREAM     |
 *    +-------+---------------------->|
 *        | Send STREAM + FIN         |
 *        v                           v
 *    +-------+                   +-------+
 *    | Data  | Send RESET_STREAM | Reset |
 *    | Sent  |------------------>| Sent  |
 *    +-------+                   +-------+
 *        | Recv All ACKs             | Recv ACK
 *        v                           v
 *    +-------+                   +-------+
 *    | Data  |                   | Reset |
 *    | Recvd |                   | Recvd |
 *    +-------+                   +-------+
 * ```
 *
 * It owns the {@link SendBuffer} and the stream's send credit; connection
 * credit, scheduling and frame bookkeeping are `Streams`' job.
 *
 * @module
 */

import { sizeStreamFrameHeader } from "../frames/stream.ts";
import type { StreamFrame } from "../frames/frame.ts";
import { FrameType } from "../frames/frame_type.ts";
import { varintSize } from "../wire/varint.ts";
import { SendCredit } from "./flow_control.ts";
import { SendBuffer } from "./send_buffer.ts";
import type { StreamId } from "./stream_id.ts";

/** Sending-part states (RFC 9000 §3.1). */
export const SendState = {
  Ready: 0,
  Send: 1,
  DataSent: 2,
  DataRecvd: 3,
  ResetSent: 4,
  ResetRecvd: 5,
} as const;
/** One of {@link SendState}. */
export type SendState = typeof SendState[keyof typeof SendState];

/**
 * Largest data length `len` such that a STREAM frame with a Length field fits
 * `room` bytes after its type, ID and offset: `varintSize(len) + len ≤ room`.
 *
 * @param room Bytes left for the Length field and the data.
 * @returns The length, or -1 when not even an empty frame fits.
 */
export function maxStreamDataLength(room: number): number {
  for (const n of [1, 2, 4, 8] as const) {
    const len = room - n;
    if (len < 0) return -1;
    if (varintSize(len) <= n) return len;
  }
  return -1;
}

/**
 * State of one stream's sending part.
 *
 * @example Sending, losing, acknowledging
 * ```ts
 * import { SendState, SendStream } from "./send_stream.ts";
 * import assert from "node:assert/strict";
 * const s = new SendStream(0, 1000);
 * s.write(new Uint8Array(10));
 * s.finish();
 * const f = s.nextFrame(100, 1000)!;
 * assert.deepEqual([f.offset, f.data.length, f.fin], [0, 10, true]);
 * assert.equal(s.state, SendState.DataSent);
 * assert.equal(s.onAcked(f.offset, f.data.length, f.fin), true);
 * assert.equal(s.state, SendState.DataRecvd);
 * ```
 */
export class SendStream {
  /** The stream ID. */
  readonly id: StreamId;
  /** Current state. */
  state: SendState = SendState.Ready;
  /** Written, sent, acknowledged and lost data. */
  readonly buffer: SendBuffer = new SendBuffer();
  /** The peer's MAX_STREAM_DATA. */
  readonly credit: SendCredit;
  /** Application error code of our RESET_STREAM. */
  resetCode = 0n;
  /** Final size carried by our RESET_STREAM. */
  resetFinalSize = 0;
  /** A RESET_STREAM must be sent. */
  resetPending = false;
  /** A STREAM_DATA_BLOCKED must be sent. */
  blockedPending = false;
  /** A write was cut short by the send-buffer cap: signal "writable" when room frees up. */
  writeBlocked = false;
  /** In the scheduler's queue (or parked waiting for connection credit). */
  queued = false;

  /**
   * Creates a sending part in the Ready state.
   *
   * @param id Stream ID.
   * @param initialCredit The peer's initial MAX_STREAM_DATA for this stream.
   */
  constructor(id: StreamId, initialCredit: number) {
    this.id = id;
    this.credit = new SendCredit(initialCredit);
  }

  /** True in Data Recvd and Reset Recvd (RFC 9000 §3.1 terminal states). */
  get isTerminal(): boolean {
    return this.state === SendState.DataRecvd || this.state === SendState.ResetRecvd;
  }

  /** True when the stream was reset locally (Reset Sent or Reset Recvd). */
  get isReset(): boolean {
    return this.state >= SendState.ResetSent;
  }

  /**
   * Buffers data (the buffer keeps the view).
   *
   * @param data Bytes to append.
   */
  write(data: Uint8Array): void {
    this.buffer.write(data);
    if (this.state === SendState.Ready) this.state = SendState.Send;
  }

  /** Ends the stream after the data written so far. */
  finish(): void {
    this.buffer.finish();
    if (this.state === SendState.Ready) this.state = SendState.Send;
  }

  /**
   * Abandons the stream (RFC 9000 §3.1, §19.4): the final size is what was
   * sent so far, data is no longer retransmitted.
   *
   * @param code Application error code.
   * @returns True when a RESET_STREAM is now due (false in terminal or reset states).
   */
  reset(code: bigint): boolean {
    if (this.isReset || this.state === SendState.DataRecvd) return false;
    this.state = SendState.ResetSent;
    this.resetCode = code;
    this.resetFinalSize = this.buffer.sentOffset;
    this.resetPending = true;
    this.blockedPending = false;
    this.buffer.discard();
    return true;
  }

  /** Our RESET_STREAM was acknowledged. @returns True when this made the part terminal. */
  onResetAcked(): boolean {
    if (this.state !== SendState.ResetSent) return false;
    this.state = SendState.ResetRecvd;
    this.resetPending = false;
    return true;
  }

  /**
   * The next STREAM frame for this stream, or null.
   *
   * @param maxFrameSize Largest encoded frame size (with a Length field).
   * @param limit Highest offset new data may reach (stream and connection credit).
   * @returns A frame whose `sizeStream()` is at most `maxFrameSize`.
   */
  nextFrame(maxFrameSize: number, limit: number): StreamFrame | null {
    if (this.isReset) return null;
    const offset = this.buffer.nextOffset(limit);
    if (offset < 0) return null;
    const room = maxFrameSize - sizeStreamFrameHeader(this.id, offset, 0, true);
    const maxLen = maxStreamDataLength(room);
    if (maxLen < 0) return null;
    const seg = this.buffer.nextSegment(maxLen, limit);
    if (seg === null) return null;
    if (seg.fin) this.state = SendState.DataSent;
    else if (this.state === SendState.Ready) this.state = SendState.Send;
    return {
      type: FrameType.STREAM,
      id: this.id,
      offset: seg.offset,
      data: seg.data,
      fin: seg.fin,
    };
  }

  /**
   * A STREAM frame of this stream was acknowledged.
   *
   * @returns True when this made every byte and the FIN acknowledged (Data Recvd).
   */
  onAcked(offset: number, length: number, fin: boolean): boolean {
    if (this.isReset || this.state === SendState.DataRecvd) return false;
    this.buffer.onAcked(offset, length, fin);
    if (this.buffer.finished && this.buffer.allAcked) {
      this.state = SendState.DataRecvd;
      return true;
    }
    return false;
  }

  /**
   * A STREAM frame of this stream was lost.
   *
   * @returns True when something must be retransmitted.
   */
  onLost(offset: number, length: number, fin: boolean): boolean {
    if (this.isReset || this.state === SendState.DataRecvd) return false;
    this.buffer.onLost(offset, length, fin);
    return this.buffer.hasLost || this.buffer.finPending;
  }
}
