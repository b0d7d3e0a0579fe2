/**
 * Pacing (RFC 9002 §7.7): a token bucket that spreads a window of packets over
 * a round trip instead of sending it in one burst.
 *
 * Tokens are bytes. They refill at `N × cwnd / smoothed_rtt` with N = 1.25
 * (§7.7's example factor, so pacing does not itself limit throughput), up to a
 * burst of `MAX_BURST_PACKETS` datagrams; the bucket starts full so a fresh
 * connection may send its initial burst at once. Tokens keep their fraction
 * (frequent polling must not lose refill); waits round up to whole µs with a
 * tolerance of 1e-6 byte for floating-point error, so results are exact.
 *
 * @module
 */

import { DEFAULT_MAX_DATAGRAM_SIZE } from "./congestion/controller.ts";

/** Pacing gain N, RFC 9002 §7.7, as the fraction 5/4. */
const GAIN_NUM = 5;
const GAIN_DEN = 4;
/** Burst size in datagrams (RFC 9002 §7.7 suggests a small burst; 10 is the initial window). */
export const MAX_BURST_PACKETS = 10;
/** Tolerance for floating-point error in token and wait arithmetic. */
const EPSILON = 1e-6;

/**
 * A token-bucket pacer.
 *
 * @example The eleventh packet waits
 * ```ts
 * import { Pacer } from "./pacer.ts";
 * import assert from "node:assert/strict";
 * const pacer = new Pacer(1200);
 * for (let i = 0; i < 10; i++) {
 *   assert.equal(pacer.delayUntil(0, 1200, 12_000, 100_000), 0);
 *   pacer.onSend(0, 1200);
 * }
 * // 1.25 × 12000 B per 100 ms = 0.15 B/µs: 1200 B take 8000 µs.
 * assert.equal(pacer.delayUntil(0, 1200, 12_000, 100_000), 8000);
 * ```
 */
export class Pacer {
  #mds: number;
  #tokens: number;
  #last = -1;
  #window = 0;
  #rtt = 0;

  /**
   * Creates a full bucket.
   *
   * @param maxDatagramSize max_datagram_size, bytes (the burst is ten of them).
   */
  constructor(maxDatagramSize: number = DEFAULT_MAX_DATAGRAM_SIZE) {
    this.#mds = maxDatagramSize;
    this.#tokens = this.capacity;
  }

  /** max_datagram_size, bytes; raising it raises the burst. */
  get maxDatagramSize(): number {
    return this.#mds;
  }
  set maxDatagramSize(size: number) {
    this.#mds = size;
    this.#tokens = Math.min(this.#tokens, this.capacity);
  }
  /** The bucket size: `MAX_BURST_PACKETS × max_datagram_size` bytes. */
  get capacity(): number {
    return MAX_BURST_PACKETS * this.#mds;
  }
  /** Tokens (bytes) currently in the bucket. */
  get tokens(): number {
    return this.#tokens;
  }

  /**
   * When a packet of `bytes` may be sent.
   *
   * @param now The current time, µs.
   * @param bytes The packet size.
   * @param window The congestion window, bytes.
   * @param rtt smoothed_rtt, µs.
   * @returns 0 to send now, else the absolute time (µs, > now) to wait for.
   */
  delayUntil(now: number, bytes: number, window: number, rtt: number): number {
    this.#window = window;
    this.#rtt = Math.max(rtt, 1);
    this.#refill(now);
    const need = Math.min(bytes, this.capacity);
    if (this.#tokens + EPSILON >= need) return 0;
    const deficit = need - this.#tokens;
    // deficit / (N × window / rtt), rounded up.
    const wait = Math.ceil(
      (deficit * GAIN_DEN * this.#rtt) / (GAIN_NUM * Math.max(window, 1)) - EPSILON,
    );
    return now + Math.max(wait, 1);
  }

  /**
   * Spends tokens for a packet sent.
   *
   * @param now The current time, µs.
   * @param bytes Its size.
   */
  onSend(now: number, bytes: number): void {
    this.#refill(now);
    this.#tokens = Math.max(0, this.#tokens - bytes);
  }

  #refill(now: number): void {
    if (this.#last < 0 || now <= this.#last) {
      if (this.#last < 0) this.#last = now;
      return;
    }
    if (this.#rtt > 0 && this.#window > 0) {
      const elapsed = now - this.#last;
      const add = (elapsed * GAIN_NUM * this.#window) / (GAIN_DEN * this.#rtt);
      this.#tokens = Math.min(this.capacity, this.#tokens + add);
    }
    this.#last = now;
  }
}
