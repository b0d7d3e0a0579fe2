/**
 * CUBIC congestion control (RFC 9438) behind the RFC 9002 machinery.
 *
 * Windows are in bytes; RFC 9438 states its formulas in segments
 * (max_datagram_size here) and seconds, so a segment count `W` is `W × mds`
 * bytes and `t` is `µs / 1e6`:
 *
 * - `W_cubic(t) = C × (t − K)³ + W_max` (§4.2, Figure 1), C = 0.4,
 * - `K = ∛((W_max − cwnd_epoch) / C)` (§4.2, Figure 2),
 * - target = `W_cubic(t + RTT)` clamped to `[cwnd, 1.5 × cwnd]`, and each ACK
 *   adds `(target − cwnd) × acked / cwnd` (§4.4, §4.5),
 * - Reno-friendly estimate `W_est += α_cubic × acked / cwnd` with
 *   `α_cubic = 3(1 − β) / (1 + β)` until `W_est ≥ cwnd_prior`, then 1; when
 *   `W_cubic(t) < W_est` the window follows `W_est` (§4.3),
 * - on a congestion event: fast convergence (§4.7) lowers `W_max` to
 *   `cwnd × (1 + β) / 2` when the window did not reach the previous `W_max`;
 *   `ssthresh = cwnd × β` with β = 0.7, not below kMinimumWindow (§4.6). We
 *   multiply the window rather than the flight size, and guard growth with
 *   `appLimited` as §4.6 requires of implementations that do,
 * - after persistent congestion (RFC 9438 §4.8, "timeout"): the window is the
 *   minimum, and the next congestion avoidance stage uses K = 0 and W_max = the
 *   window at its start,
 * - an idle sender (nothing in flight) shifts the epoch forward by the idle
 *   time, so the curve does not jump on resumption (§5.8),
 * - a spurious congestion event can be undone (§4.9).
 *
 * Slow start is RFC 9002's (§7.3.1); the epoch (t_epoch) begins with the first
 * acknowledgement in congestion avoidance.
 *
 * @module
 */

import type { RttEstimator } from "../rtt.ts";
import type { SentPacket } from "../sent_packet.ts";
import { WindowController } from "./controller.ts";

/** C, RFC 9438 §5.1. */
export const CUBIC_C = 0.4;
/** β_cubic, RFC 9438 §5.1. */
export const CUBIC_BETA = 0.7;
/** α_cubic = 3(1 − β)/(1 + β), RFC 9438 §4.3. */
export const CUBIC_ALPHA = (3 * (1 - CUBIC_BETA)) / (1 + CUBIC_BETA);

const US_PER_S = 1_000_000;

interface CubicSnapshot {
  cwnd: number;
  threshold: number;
  wMax: number;
  k: number;
  epochStart: number;
  cwndEpoch: number;
  wEst: number;
  cwndPrior: number;
  recoveryStartTime: number;
}

/**
 * CUBIC (RFC 9438).
 *
 * @example The window after a loss
 * ```ts
 * import { Cubic } from "./cubic.ts";
 * import assert from "node:assert/strict";
 * const cc = new Cubic(1200);
 * const p = { pn: 0, space: 2 as const, timeSent: 0, size: 1200, ackEliciting: true, inFlight: true, frames: [] };
 * cc.onPacketSent(p, 0);
 * cc.onPacketsLost([p], 1000, false);
 * assert.equal(cc.window, 8400); // 0.7 × 12000
 * assert.equal(cc.wMax, 12000);
 * ```
 */
export class Cubic extends WindowController {
  /** "cubic". */
  readonly name = "cubic";
  /** Whether fast convergence is on (RFC 9438 §4.7; default on). */
  fastConvergence = true;
  #wMax = 0;
  #k = 0;
  #epochStart = -1;
  #cwndEpoch = 0;
  #wEst = 0;
  #cwndPrior = 0;
  #lastSendTime = -1;
  #prior: CubicSnapshot | null = null;

  /** Back to the initial window, forgetting the cubic epoch (RFC 9000 §9.4). */
  override resetForNewPath(): void {
    super.resetForNewPath();
    this.#wMax = 0;
    this.#k = 0;
    this.#epochStart = -1;
    this.#cwndEpoch = 0;
    this.#wEst = 0;
    this.#cwndPrior = 0;
    this.#prior = null;
  }

  /** W_max, bytes. */
  get wMax(): number {
    return this.#wMax;
  }
  /** K, seconds. */
  get k(): number {
    return this.#k;
  }
  /** t_epoch, µs; -1 outside a congestion avoidance stage. */
  get epochStart(): number {
    return this.#epochStart;
  }
  /** W_est, bytes. */
  get wEst(): number {
    return this.#wEst;
  }
  /** cwnd_prior, bytes. */
  get cwndPrior(): number {
    return this.#cwndPrior;
  }

  /**
   * W_cubic(t), bytes (RFC 9438 Figure 1).
   *
   * @param t Seconds since the epoch began.
   */
  wCubic(t: number): number {
    const d = t - this.#k;
    return CUBIC_C * d * d * d * this.maxDatagramSize + this.#wMax;
  }

  /** Slow start, or the Reno-friendly / concave / convex step (§4.3–§4.5). */
  protected increaseWindow(p: SentPacket, now: number, rtt: RttEstimator): void {
    if (this.cwnd < this.threshold) {
      // RFC 9002 §7.3.1 slow start.
      this.cwnd += p.size;
      return;
    }
    const mds = this.maxDatagramSize;
    if (this.#epochStart < 0) {
      // Start of a congestion avoidance stage (§4.2).
      this.#epochStart = now;
      this.#cwndEpoch = this.cwnd;
      this.#wEst = this.cwnd;
      if (this.#wMax <= this.cwnd) {
        // §4.8: after a timeout (or when above W_max) K = 0 and W_max = cwnd.
        this.#wMax = this.cwnd;
        this.#k = 0;
      } else {
        this.#k = Math.cbrt((this.#wMax - this.#cwndEpoch) / mds / CUBIC_C);
      }
    }
    const t = (now - this.#epochStart) / US_PER_S;
    // §4.3 Reno-friendly estimate.
    const alpha = this.#wEst >= this.#cwndPrior ? 1 : CUBIC_ALPHA;
    this.#wEst += (alpha * p.size * mds) / this.cwnd;
    if (this.wCubic(t) < this.#wEst) {
      this.cwnd = Math.max(this.cwnd, this.#wEst);
      return;
    }
    // §4.4 concave / §4.5 convex.
    let target = this.wCubic(t + rtt.smoothed / US_PER_S);
    if (target < this.cwnd) target = this.cwnd;
    else if (target > 1.5 * this.cwnd) target = 1.5 * this.cwnd;
    this.cwnd += ((target - this.cwnd) * p.size) / this.cwnd;
  }

  /** Fast convergence (§4.7) and multiplicative decrease (§4.6). */
  protected reduceWindow(_now: number): void {
    this.#prior = {
      cwnd: this.cwnd,
      threshold: this.threshold,
      wMax: this.#wMax,
      k: this.#k,
      epochStart: this.#epochStart,
      cwndEpoch: this.#cwndEpoch,
      wEst: this.#wEst,
      cwndPrior: this.#cwndPrior,
      recoveryStartTime: -1,
    };
    // §4.7 fast convergence.
    if (this.fastConvergence && this.cwnd < this.#wMax) {
      this.#wMax = (this.cwnd * (1 + CUBIC_BETA)) / 2;
    } else {
      this.#wMax = this.cwnd;
    }
    // §4.6 multiplicative decrease.
    this.#cwndPrior = this.cwnd;
    this.threshold = Math.max(Math.floor(this.cwnd * CUBIC_BETA), this.minimumWindow);
    this.cwnd = this.threshold;
    this.#epochStart = -1;
  }

  /** §4.8: the next epoch starts with K = 0. */
  protected override onPersistentCongestion(_now: number): void {
    // §4.8: the next stage starts with K = 0 and W_max = cwnd at its start.
    this.#wMax = 0;
    this.#k = 0;
    this.#epochStart = -1;
    this.#prior = null;
  }

  /** Shifts the epoch over an idle period (§5.8). */
  protected override beforeSend(now: number, bytesInFlight: number): void {
    // §5.8: an idle period does not count as time on the curve.
    const idle = now - this.#lastSendTime;
    if (bytesInFlight === 0 && this.#epochStart >= 0 && this.#lastSendTime >= 0 && idle > 0) {
      this.#epochStart = Math.min(now, this.#epochStart + idle);
    }
    this.#lastSendTime = now;
  }

  /** RFC 9438 §4.9: the last congestion event was spurious; restore the state before it. */
  onSpuriousLoss(): void {
    const s = this.#prior;
    if (s === null) return;
    this.#prior = null;
    this.cwnd = Math.max(this.cwnd, s.cwnd);
    this.threshold = s.threshold;
    this.#wMax = s.wMax;
    this.#k = s.k;
    this.#epochStart = s.epochStart;
    this.#cwndEpoch = s.cwndEpoch;
    this.#wEst = s.wEst;
    this.#cwndPrior = s.cwndPrior;
    this.recoveryStartTime = s.recoveryStartTime;
  }
}
