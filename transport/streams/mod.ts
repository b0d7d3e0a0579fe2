/**
 * Streams and flow control (RFC 9000 §2–§4).
 *
 * - {@link Streams}: all streams of a connection — IDs and limits, frame
 *   input with the RFC's error checks, control frames, round-robin STREAM
 *   frame scheduling, retransmission on loss, application events.
 * - {@link RecvBuffer} / {@link SendBuffer}: byte-stream reassembly and
 *   retransmission bookkeeping, also used for CRYPTO streams.
 * - {@link SendCredit} / {@link RecvWindow}: flow-control credit with window
 *   auto-tuning.
 * - Stream ID helpers (`isBidi`, `isClientInitiated`, `makeStreamId`, …).
 *
 * @example Client and server exchanging a stream
 * ```ts
 * import { Streams } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const limits = {
 *   initialMaxData: 1 << 20, initialMaxStreamDataBidiLocal: 1 << 16,
 *   initialMaxStreamDataBidiRemote: 1 << 16, initialMaxStreamDataUni: 1 << 16,
 *   initialMaxStreamsBidi: 100, initialMaxStreamsUni: 100,
 * };
 * const client = new Streams({ isClient: true, local: limits });
 * const server = new Streams({ isClient: false, local: limits });
 * client.setPeerLimits(limits);
 * server.setPeerLimits(limits);
 * const id = client.open(true)!;
 * client.write(id, new Uint8Array(3000), true);
 * for (let f = client.nextStreamFrame(1200); f !== null; f = client.nextStreamFrame(1200)) {
 *   server.onStreamFrame(f);
 *   client.onStreamFrameAcked(f);
 * }
 * let received = 0;
 * for (let r = server.read(id); r !== null; r = server.read(id)) received += r.data.length;
 * assert.equal(received, 3000);
 * assert.deepEqual(client.pollEvent(), { type: "finished", id });
 * ```
 *
 * @module
 */

export { RangeSet } from "./range_set.ts";
export { ByteSlab } from "./byte_slab.ts";
export { RecvBuffer } from "./recv_buffer.ts";
export { SendBuffer, type SendSegment } from "./send_buffer.ts";
export { RecvWindow, SendCredit } from "./flow_control.ts";
export { ConnectionFlow } from "./connection_flow.ts";
export { StreamCount } from "./stream_count.ts";
export { maxStreamDataLength, SendState, SendStream } from "./send_stream.ts";
export { MAX_RECV_RANGES, type ReadResult, RecvState, RecvStream } from "./recv_stream.ts";
export { StreamScheduler } from "./scheduler.ts";
export {
  type StreamCounts,
  type StreamEvent,
  type StreamLimits,
  Streams,
  type StreamsOptions,
} from "./streams.ts";
export {
  isBidi,
  isClientInitiated,
  isLocallyInitiated,
  makeStreamId,
  MAX_STREAM_COUNT,
  STREAM_TYPES,
  type StreamId,
  streamIndex,
  streamType,
} from "./stream_id.ts";
