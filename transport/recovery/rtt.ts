/**
 * Round-trip time estimation (RFC 9002 §5).
 *
 * Keeps `latest_rtt`, `min_rtt`, `smoothed_rtt` and `rttvar` in integer
 * microseconds. Before the first sample, `smoothed_rtt` is kInitialRtt (333 ms)
 * and `rttvar` half of it (§6.2.2). The exponentially weighted averages use
 * integer arithmetic (truncating), so values are exact and reproducible.
 *
 * @module
 */

/** kInitialRtt, RFC 9002 §6.2.2: 333 ms in µs. */
export const INITIAL_RTT = 333_000;
/** kGranularity, RFC 9002 §6.1.2: 1 ms in µs. */
export const GRANULARITY = 1_000;

/**
 * The RTT estimator of one path.
 *
 * @example First sample, then an adjusted one
 * ```ts
 * import { RttEstimator } from "./rtt.ts";
 * import assert from "node:assert/strict";
 * const rtt = new RttEstimator();
 * rtt.update(100_000, 0, true, 25_000);
 * assert.equal(rtt.smoothed, 100_000);
 * assert.equal(rtt.rttvar, 50_000);
 * assert.equal(rtt.pto(25_000), 100_000 + 200_000 + 25_000);
 * ```
 */
export class RttEstimator {
  /** latest_rtt: the most recent sample, µs (0 before the first). */
  latest = 0;
  /** smoothed_rtt, µs. */
  smoothed: number;
  /** rttvar, µs. */
  rttvar: number;
  /** min_rtt, µs (0 before the first sample). */
  min = 0;
  /** Whether at least one sample was taken. */
  hasSample = false;
  /** When the first sample was taken (RFC 9002 first_rtt_sample), -1 before. */
  firstSampleTime: number = -1;
  readonly #initial: number;

  /**
   * Creates an estimator without samples.
   *
   * @param initialRtt The RTT assumed before a sample, µs (default kInitialRtt,
   * or a value remembered from an earlier connection, §6.2.2).
   */
  constructor(initialRtt: number = INITIAL_RTT) {
    this.#initial = initialRtt;
    this.smoothed = initialRtt;
    this.rttvar = Math.trunc(initialRtt / 2);
  }

  /**
   * Takes one RTT sample (RFC 9002 §5.1–§5.3).
   *
   * @param sample latest_rtt: time from sending the largest newly acknowledged
   *   ack-eliciting packet to receiving its acknowledgement, µs.
   * @param ackDelay The peer's reported ACK delay, µs (already scaled).
   * @param handshakeConfirmed Whether the handshake is confirmed: only then is the
   *   delay capped at max_ack_delay (§5.3).
   * @param maxAckDelay The peer's max_ack_delay, µs.
   * @param now When the sample was taken (recorded for the first sample).
   */
  update(
    sample: number,
    ackDelay: number,
    handshakeConfirmed: boolean,
    maxAckDelay: number,
    now = 0,
  ): void {
    this.latest = sample;
    if (!this.hasSample) {
      // §5.3: the first sample initialises the estimator.
      this.hasSample = true;
      this.firstSampleTime = now;
      this.min = sample;
      this.smoothed = sample;
      this.rttvar = Math.trunc(sample / 2);
      return;
    }
    // §5.2: min_rtt ignores ack delay.
    if (sample < this.min) this.min = sample;
    // §5.3: after confirmation the delay is limited to max_ack_delay.
    const delay = handshakeConfirmed ? Math.min(ackDelay, maxAckDelay) : ackDelay;
    // Subtract the ack delay only when the result would not fall below min_rtt.
    const adjusted = sample >= this.min + delay ? sample - delay : sample;
    this.rttvar = Math.trunc((3 * this.rttvar + Math.abs(this.smoothed - adjusted)) / 4);
    this.smoothed = Math.trunc((7 * this.smoothed + adjusted) / 8);
  }

  /**
   * The probe timeout period without backoff (RFC 9002 §6.2.1):
   * `smoothed_rtt + max(4 × rttvar, kGranularity) + max_ack_delay`.
   *
   * @param maxAckDelay The peer's max_ack_delay for the Application space, 0 for
   *   the Initial and Handshake spaces.
   */
  pto(maxAckDelay: number): number {
    return this.smoothed + Math.max(4 * this.rttvar, GRANULARITY) + maxAckDelay;
  }

  /**
   * The loss delay for time-threshold detection (RFC 9002 §6.1.2):
   * `max(kTimeThreshold × max(smoothed_rtt, latest_rtt), kGranularity)`, with
   * kTimeThreshold = 9/8.
   */
  lossDelay(): number {
    const base = Math.max(this.latest, this.smoothed);
    return Math.max(Math.trunc((base * 9) / 8), GRANULARITY);
  }

  /** Forgets every sample (e.g. after a path change, RFC 9000 §9.4). */
  reset(): void {
    this.latest = 0;
    this.min = 0;
    this.hasSample = false;
    this.firstSampleTime = -1;
    this.smoothed = this.#initial;
    this.rttvar = Math.trunc(this.#initial / 2);
  }
}
