/**
 * Connection statistics: the readable per-connection summary DESIGN.md asks
 * for (packets, bytes, losses, RTT, congestion window, frames by type).
 *
 * Frame counts are kept in a typed array indexed by frame type (one increment
 * on the hot path) and turned into names only when `stats()` is called.
 *
 * @module
 */

import { frameTypeName } from "../frames/frame_type.ts";
import type { Connection } from "./connection.ts";

/** Frame type slots counted (0x00–0x3f covers every RFC 9000/9221 type). */
export const FRAME_SLOTS = 0x40;

/** A snapshot returned by `Connection.stats()`. */
export interface ConnectionStats {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  datagramsSent: number;
  datagramsReceived: number;
  /** Packets declared lost. */
  packetsLost: number;
  /** Packets dropped on receipt (undecryptable, unparsable, duplicate). */
  packetsDropped: number;
  rtt: { smoothed: number; min: number; latest: number; variance: number };
  /** Congestion window (bytes). */
  cwnd: number;
  bytesInFlight: number;
  /** Completed key updates. */
  keyUpdates: number;
  /** µs from start to handshake completion; -1 before. */
  handshakeDuration: number;
  framesSent: Record<string, number>;
  framesReceived: Record<string, number>;
  /**
   * Plugin frames sent, by the name their plugin gives the type (manifest
   * `frames=`), else by the type in hex (`"0x3eb0"`).
   */
  pluginFramesSent: Record<string, number>;
  /** Plugin frames received, named the same way. */
  pluginFramesReceived: Record<string, number>;
}

/** The mutable counters behind {@link ConnectionStats}. */
export class StatsCounters {
  packetsSent = 0;
  packetsReceived = 0;
  bytesSent = 0;
  bytesReceived = 0;
  datagramsSent = 0;
  datagramsReceived = 0;
  packetsLost = 0;
  packetsDropped = 0;
  handshakeDuration = -1;
  /** Frames sent, by frame type (STREAM counted at 0x08). */
  readonly framesSent: Float64Array = new Float64Array(FRAME_SLOTS);
  /** Frames received, by frame type. */
  readonly framesReceived: Float64Array = new Float64Array(FRAME_SLOTS);
  /** Plugin frames sent (frame reservations written), by frame type. */
  readonly pluginFramesSent: Map<number, number> = new Map();
  /** Plugin frames received (parsed by a plugin's parse_frame), by frame type. */
  readonly pluginFramesReceived: Map<number, number> = new Map();
  /** Losses found spurious (RFC 9002 §B.9 / RFC 9438 §4.9). */
  spuriousLosses = 0;
  /** Send time (µs) of the largest acknowledged packet, by space; -1 before any. */
  readonly largestAckedSentTime: Float64Array = new Float64Array(3).fill(-1);

  /** Counts a plugin frame of `type` sent. */
  pluginFrameSent(type: number): void {
    this.pluginFramesSent.set(type, (this.pluginFramesSent.get(type) ?? 0) + 1);
  }

  /** Counts a plugin frame of `type` received. */
  pluginFrameReceived(type: number): void {
    this.pluginFramesReceived.set(type, (this.pluginFramesReceived.get(type) ?? 0) + 1);
  }

  /** Counts a frame of `type` sent. */
  frameSent(type: number): void {
    this.framesSent[type < FRAME_SLOTS ? type : 0]!++;
  }

  /** Counts a frame of `type` received. */
  frameReceived(type: number): void {
    this.framesReceived[type < FRAME_SLOTS ? type : 0]!++;
  }
}

/**
 * Frame counts by name, omitting zeros.
 *
 * @example
 * ```ts
 * import { frameCountsByName } from "./stats.ts";
 * import assert from "node:assert/strict";
 * const counts = new Float64Array(0x40);
 * counts[0x06] = 3;
 * assert.deepEqual(frameCountsByName(counts), { CRYPTO: 3 });
 * ```
 */
export function frameCountsByName(counts: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (let t = 0; t < counts.length; t++) {
    const n = counts[t]!;
    if (n > 0) out[frameTypeName(t)] = n;
  }
  return out;
}

/**
 * Plugin frame counts by the name their plugin gives the type, else the type in hex.
 *
 * @example
 * ```ts
 * import { pluginFrameCounts } from "./stats.ts";
 * import assert from "node:assert/strict";
 * const counts = new Map([[0x30, 2], [0x3eb0, 1]]);
 * assert.deepEqual(pluginFrameCounts(counts, new Map([[0x30, "DATAGRAM"]])), {
 *   DATAGRAM: 2,
 *   "0x3eb0": 1,
 * });
 * ```
 */
export function pluginFrameCounts(
  counts: ReadonlyMap<number, number>,
  names: ReadonlyMap<number, string>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [t, n] of counts) {
    const name = names.get(t) ?? `0x${t.toString(16)}`;
    out[name] = (out[name] ?? 0) + n;
  }
  return out;
}

/** The statistics of a connection, as a plain object. */
export function snapshotStats(c: Connection): ConnectionStats {
  const s = c.counters;
  const rtt = c.loss.rtt;
  return {
    packetsSent: s.packetsSent,
    packetsReceived: s.packetsReceived,
    bytesSent: s.bytesSent,
    bytesReceived: s.bytesReceived,
    datagramsSent: s.datagramsSent,
    datagramsReceived: s.datagramsReceived,
    packetsLost: s.packetsLost,
    packetsDropped: s.packetsDropped,
    rtt: { smoothed: rtt.smoothed, min: rtt.min, latest: rtt.latest, variance: rtt.rttvar },
    cwnd: c.congestion.window,
    bytesInFlight: c.congestion.bytesInFlight,
    keyUpdates: c.oneRtt?.updates ?? 0,
    handshakeDuration: s.handshakeDuration,
    framesSent: frameCountsByName(s.framesSent),
    framesReceived: frameCountsByName(s.framesReceived),
    pluginFramesSent: pluginFrameCounts(s.pluginFramesSent, c.plugins.frameNames),
    pluginFramesReceived: pluginFrameCounts(s.pluginFramesReceived, c.plugins.frameNames),
  };
}
