/**
 * Persistent congestion (RFC 9002 §7.6).
 *
 * Two ack-eliciting packets, both sent after the first RTT sample, declared
 * lost with nothing acknowledged between them, and sent more than the
 * persistent congestion duration apart, mean the path lost everything for long
 * enough that the window collapses to its minimum.
 *
 * @module
 */

import { GRANULARITY, type RttEstimator } from "./rtt.ts";
import type { SentPacket } from "./sent_packet.ts";

/** kPersistentCongestionThreshold, RFC 9002 §7.6.1. */
export const PERSISTENT_CONGESTION_THRESHOLD = 3;

/**
 * The persistent congestion duration (§7.6.1):
 * `(smoothed_rtt + max(4 × rttvar, kGranularity) + max_ack_delay) × kPersistentCongestionThreshold`.
 *
 * @param rtt The RTT estimator.
 * @param maxAckDelay The peer's max_ack_delay, µs.
 */
export function persistentCongestionDuration(rtt: RttEstimator, maxAckDelay: number): number {
  return (rtt.smoothed + Math.max(4 * rtt.rttvar, GRANULARITY) + maxAckDelay) *
    PERSISTENT_CONGESTION_THRESHOLD;
}

/**
 * InPersistentCongestion (§7.6.2).
 *
 * "Nothing acknowledged between" is judged from consecutive packet numbers
 * among the lost packets: a gap means a packet between them was acknowledged
 * (or declared lost earlier, where this errs on the side of no collapse).
 * Non-ack-eliciting packets may sit inside a run but do not start or end one.
 *
 * @param lost Lost packets of one space, in packet number order.
 * @param rtt The RTT estimator (no sample yet: never persistent).
 * @param maxAckDelay The peer's max_ack_delay, µs.
 * @returns Whether the losses establish persistent congestion.
 *
 * @example
 * ```ts
 * import { inPersistentCongestion } from "./persistent_congestion.ts";
 * import { RttEstimator } from "./rtt.ts";
 * import assert from "node:assert/strict";
 * const rtt = new RttEstimator();
 * rtt.update(100_000, 0, true, 0, 0); // duration (100 + 200 + 0) ms × 3
 * const p = (pn: number, timeSent: number) =>
 *   ({ pn, space: 2 as const, timeSent, size: 1200, ackEliciting: true, inFlight: true, frames: [] });
 * assert.equal(inPersistentCongestion([p(1, 1000), p(2, 901_001)], rtt, 0), true);
 * assert.equal(inPersistentCongestion([p(1, 1000), p(2, 901_000)], rtt, 0), false);
 * assert.equal(inPersistentCongestion([p(1, 1000), p(3, 901_001)], rtt, 0), false);
 * ```
 */
export function inPersistentCongestion(
  lost: readonly SentPacket[],
  rtt: RttEstimator,
  maxAckDelay: number,
): boolean {
  if (!rtt.hasSample) return false;
  const duration = persistentCongestionDuration(rtt, maxAckDelay);
  const firstSample = rtt.firstSampleTime;
  let start: SentPacket | null = null;
  let prevPn = -2;
  for (let i = 0; i < lost.length; i++) {
    const p = lost[i]!;
    if (p.timeSent <= firstSample) {
      // §7.6.2: only packets sent after the first RTT sample count.
      start = null;
      prevPn = -2;
      continue;
    }
    if (p.pn !== prevPn + 1) start = null;
    prevPn = p.pn;
    // A lost PMTU probe says nothing about congestion (RFC 9000 §14.4).
    if (!p.ackEliciting || p.isPmtuProbe === true) continue;
    if (start === null) start = p;
    else if (p.timeSent - start.timeSent > duration) return true;
  }
  return false;
}
