/**
 * The control frames one stream produces (RFC 9000 §19.4, §19.5, §19.10,
 * §19.13): RESET_STREAM, STOP_SENDING, MAX_STREAM_DATA and
 * STREAM_DATA_BLOCKED — building them when pending, and deciding after a loss
 * whether one is still current and must be sent again (RFC 9000 §13.3).
 *
 * @module
 */

import type {
  MaxStreamDataFrame,
  ResetStreamFrame,
  StopSendingFrame,
  StreamDataBlockedFrame,
} from "../frames/frame.ts";
import { sizeFrame } from "../frames/frame.ts";
import { FrameType } from "../frames/frame_type.ts";
import type { RecvStream } from "./recv_stream.ts";
import { SendState, type SendStream } from "./send_stream.ts";
import type { StreamId } from "./stream_id.ts";

/** A stream-level control frame. */
export type StreamControlFrame =
  | ResetStreamFrame
  | StopSendingFrame
  | MaxStreamDataFrame
  | StreamDataBlockedFrame;

/**
 * True when one of the stream's control frames is pending.
 *
 * @param send The sending part, if any.
 * @param recv The receiving part, if any.
 */
export function hasStreamControl(send: SendStream | null, recv: RecvStream | null): boolean {
  return (send !== null && (send.resetPending || send.blockedPending)) ||
    (recv !== null && (recv.stopPending || recv.maxDataPending));
}

/**
 * The first pending control frame of a stream that fits in `maxSize` bytes,
 * marked as sent; null when none is pending or none fits.
 *
 * @param id Stream ID.
 * @param send The sending part, if any.
 * @param recv The receiving part, if any.
 * @param maxSize Largest encoded size.
 * @returns A frame, or null.
 */
export function pollStreamControl(
  id: StreamId,
  send: SendStream | null,
  recv: RecvStream | null,
  maxSize: number,
): StreamControlFrame | null {
  if (send !== null && send.resetPending) {
    const f: ResetStreamFrame = {
      type: FrameType.RESET_STREAM,
      id,
      errorCode: send.resetCode,
      finalSize: send.resetFinalSize,
    };
    if (sizeFrame(f) <= maxSize) {
      send.resetPending = false;
      return f;
    }
  }
  if (recv !== null && recv.stopPending) {
    const f: StopSendingFrame = { type: FrameType.STOP_SENDING, id, errorCode: recv.stopCode! };
    if (sizeFrame(f) <= maxSize) {
      recv.stopPending = false;
      return f;
    }
  }
  if (recv !== null && recv.maxDataPending) {
    const f: MaxStreamDataFrame = { type: FrameType.MAX_STREAM_DATA, id, max: recv.window.limit };
    if (sizeFrame(f) <= maxSize) {
      recv.maxDataPending = false;
      return f;
    }
  }
  if (send !== null && send.blockedPending) {
    const f: StreamDataBlockedFrame = {
      type: FrameType.STREAM_DATA_BLOCKED,
      id,
      limit: send.credit.limit,
    };
    if (sizeFrame(f) <= maxSize) {
      send.blockedPending = false;
      return f;
    }
  }
  return null;
}

/**
 * After the loss of one of the stream's control frames, marks it pending
 * again when it is still current: a RESET_STREAM while not acknowledged, a
 * STOP_SENDING while the final size is unknown, a MAX_STREAM_DATA when no
 * newer limit superseded it, a STREAM_DATA_BLOCKED while still blocked at it.
 *
 * @returns True when the frame is pending again.
 */
export function onStreamControlLost(
  f: StreamControlFrame,
  send: SendStream | null,
  recv: RecvStream | null,
): boolean {
  // Only ever set a flag here: another copy of the frame may be pending already.
  switch (f.type) {
    case FrameType.RESET_STREAM:
      if (send === null || send.state !== SendState.ResetSent) return false;
      return send.resetPending = true;
    case FrameType.STOP_SENDING:
      if (recv === null || recv.stopCode === null || recv.finalSize >= 0) return false;
      return recv.stopPending = true;
    case FrameType.MAX_STREAM_DATA:
      if (recv === null || recv.finalSize >= 0 || recv.stopCode !== null) return false;
      if (f.max !== recv.window.limit) return false;
      return recv.maxDataPending = true;
    case FrameType.STREAM_DATA_BLOCKED:
      if (send === null || send.isReset || f.limit !== send.credit.limit) return false;
      if (send.buffer.sentOffset < f.limit || send.buffer.writeOffset <= f.limit) return false;
      return send.blockedPending = true;
  }
}
