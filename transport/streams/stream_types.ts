/**
 * The shapes `Streams` takes and gives: limits from transport parameters,
 * options, application events and counters.
 *
 * @module
 */

import type { StreamId } from "./stream_id.ts";

/** The flow-control and stream-count limits of one side (transport parameters, RFC 9000 §18.2). */
export interface StreamLimits {
  /** initial_max_data: connection-level flow-control limit. */
  initialMaxData: number;
  /** initial_max_stream_data_bidi_local: for bidirectional streams the sender of the parameter opens. */
  initialMaxStreamDataBidiLocal: number;
  /** initial_max_stream_data_bidi_remote: for bidirectional streams its peer opens. */
  initialMaxStreamDataBidiRemote: number;
  /** initial_max_stream_data_uni: for unidirectional streams its peer opens. */
  initialMaxStreamDataUni: number;
  /** initial_max_streams_bidi: bidirectional streams its peer may open. */
  initialMaxStreamsBidi: number;
  /** initial_max_streams_uni: unidirectional streams its peer may open. */
  initialMaxStreamsUni: number;
}

/** Options of {@link Streams}. */
export interface StreamsOptions {
  /** Whether the local endpoint is the client. */
  isClient: boolean;
  /** Our limits, as sent in our transport parameters. */
  local: StreamLimits;
  /** Largest stream receive window auto-tuning may reach (default max(16 MiB, initial)). */
  maxWindow?: number;
  /** Largest connection receive window (default max(1.5 × maxWindow, initialMaxData)). */
  maxConnectionWindow?: number;
  /** Bytes a stream buffers unacknowledged before `write` accepts less (default 1 MiB). */
  sendBufferSize?: number;
}

/** What happened to streams, for the application. */
export type StreamEvent =
  | { type: "opened"; id: StreamId }
  | { type: "readable"; id: StreamId }
  | { type: "writable"; id: StreamId }
  | { type: "reset"; id: StreamId; code: bigint }
  | { type: "stopSending"; id: StreamId; code: bigint }
  | { type: "finished"; id: StreamId }
  /** `open(bidi)` returned null before and would succeed now (the peer raised MAX_STREAMS). */
  | { type: "available"; bidi: boolean };

/** Counters for stats and tests. */
export interface StreamCounts {
  /** Streams with state held (open, or closing). */
  active: number;
  /** Streams we opened: [bidi, uni]. */
  localOpened: [number, number];
  /** Streams the peer opened: [bidi, uni]. */
  peerOpened: [number, number];
  /** MAX_STREAMS we allow the peer: [bidi, uni]. */
  localMaxStreams: [number, number];
  /** MAX_STREAMS the peer allows us: [bidi, uni]. */
  peerMaxStreams: [number, number];
}
