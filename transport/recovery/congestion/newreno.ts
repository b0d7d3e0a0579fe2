/**
 * NewReno congestion control as RFC 9002 specifies it (§7.3, Appendix B).
 *
 * Slow start adds the acknowledged bytes to the window until ssthresh; a
 * congestion event halves the window (kLossReductionFactor 0.5, not below
 * kMinimumWindow) and starts a recovery period; congestion avoidance adds one
 * max_datagram_size per window of acknowledged bytes. Appendix B writes that
 * as `max_datagram_size × acked / congestion_window` per packet; we count the
 * acknowledged bytes instead and add a whole datagram each time they reach the
 * window, which keeps the window an exact integer and does not lose the
 * fractions that integer division would drop.
 *
 * @module
 */

import type { RttEstimator } from "../rtt.ts";
import type { SentPacket } from "../sent_packet.ts";
import { WindowController } from "./controller.ts";

/** kLossReductionFactor, RFC 9002 §7.3.2. */
export const LOSS_REDUCTION_FACTOR = 0.5;

/**
 * NewReno (RFC 9002 Appendix B).
 *
 * @example Slow start, then a loss
 * ```ts
 * import { NewReno } from "./newreno.ts";
 * import { RttEstimator } from "../rtt.ts";
 * import assert from "node:assert/strict";
 * const cc = new NewReno(1200);
 * const p = { pn: 0, space: 2 as const, timeSent: 0, size: 1200, ackEliciting: true, inFlight: true, frames: [] };
 * cc.onPacketSent(p, 0);
 * cc.onPacketsAcked([p], 10_000, new RttEstimator());
 * assert.equal(cc.window, 12_000 + 1200);
 * cc.onPacketsLost([{ ...p, pn: 1, timeSent: 11_000 }], 20_000, false);
 * assert.equal(cc.window, 6600);
 * ```
 */
export class NewReno extends WindowController {
  /** "newreno". */
  readonly name = "newreno";
  /** Bytes acknowledged in congestion avoidance since the window last grew. */
  #avoidanceAcked = 0;

  /** Slow start (§7.3.1) or congestion avoidance (§7.3.3) for one acknowledged packet. */
  protected increaseWindow(p: SentPacket, _now: number, _rtt: RttEstimator): void {
    if (this.cwnd < this.threshold) {
      // §7.3.1 slow start.
      this.cwnd += p.size;
      return;
    }
    // §7.3.3 congestion avoidance: one datagram per window acknowledged.
    this.#avoidanceAcked += p.size;
    if (this.#avoidanceAcked >= this.cwnd) {
      this.#avoidanceAcked -= this.cwnd;
      this.cwnd += this.maxDatagramSize;
    }
  }

  /** §7.3.2: ssthresh = cwnd × kLossReductionFactor, cwnd = max(ssthresh, kMinimumWindow). */
  protected reduceWindow(_now: number): void {
    this.threshold = Math.floor(this.cwnd * LOSS_REDUCTION_FACTOR);
    this.cwnd = Math.max(this.threshold, this.minimumWindow);
    this.#avoidanceAcked = 0;
  }

  /** Drops the congestion avoidance byte count. */
  protected override onPersistentCongestion(_now: number): void {
    this.#avoidanceAcked = 0;
  }
}
