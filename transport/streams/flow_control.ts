/**
 * Flow-control credit (RFC 9000 §4): what we may send ({@link SendCredit},
 * raised by the peer's MAX_DATA / MAX_STREAM_DATA) and what we allow the peer
 * to send ({@link RecvWindow}, advertised in our MAX_DATA / MAX_STREAM_DATA).
 * The same classes serve a stream and the connection.
 *
 * Window auto-tuning follows Chromium's QuicFlowController (also done by
 * picoquic): when the reader consumes half a window and the previous update
 * went out less than two RTTs ago, the window is the bottleneck, so it doubles
 * (up to a maximum) before the next limit is advertised.
 *
 * @module
 */

import { TransportError } from "../errors.ts";

/**
 * Send-side credit: the peer's current limit and the last limit at which we
 * reported being blocked (DATA_BLOCKED / STREAM_DATA_BLOCKED are sent once per
 * limit value, RFC 9000 §4.1).
 *
 * @example
 * ```ts
 * import { SendCredit } from "./flow_control.ts";
 * import assert from "node:assert/strict";
 * const c = new SendCredit(100);
 * assert.equal(c.available(40), 60);
 * assert.equal(c.update(50), false);
 * assert.equal(c.update(150), true);
 * assert.equal(c.available(40), 110);
 * ```
 */
export class SendCredit {
  #limit: number;
  #blockedAt = -1;

  /**
   * Creates a credit.
   *
   * @param limit The initial limit (from the peer's transport parameters).
   */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The peer's limit: one past the highest offset we may send. */
  get limit(): number {
    return this.#limit;
  }

  /**
   * Applies a limit from the peer; limits never decrease (RFC 9000 §4.1: "a
   * sender MUST ignore any MAX_DATA or MAX_STREAM_DATA frames that do not
   * increase flow control limits").
   *
   * @param max The advertised maximum.
   * @returns True when the limit was raised.
   */
  update(max: number): boolean {
    if (max <= this.#limit) return false;
    this.#limit = max;
    return true;
  }

  /**
   * Bytes we may still send.
   *
   * @param used Bytes (offset) already consumed against this limit.
   * @returns `max(0, limit - used)`.
   */
  available(used: number): number {
    return used >= this.#limit ? 0 : this.#limit - used;
  }

  /**
   * Call when blocked by this limit: true the first time for each limit value,
   * meaning a *_BLOCKED frame should be sent.
   */
  markBlocked(): boolean {
    if (this.#blockedAt === this.#limit) return false;
    this.#blockedAt = this.#limit;
    return true;
  }
}

/**
 * Receive-side window: the limit we advertise, data received against it, and
 * how much the application consumed.
 *
 * @example Advertising a new limit after half the window is read
 * ```ts
 * import { RecvWindow } from "./flow_control.ts";
 * import assert from "node:assert/strict";
 * const w = new RecvWindow(1000, 4000);
 * w.onData(600);
 * w.onConsumed(400, 0, 100_000);
 * assert.equal(w.pollUpdate(), null);
 * w.onConsumed(200, 1_000_000, 100_000);
 * assert.equal(w.pollUpdate(), 1600);
 * ```
 */
export class RecvWindow {
  #window: number;
  readonly #maxWindow: number;
  #limit: number;
  #highest = 0;
  #consumed = 0;
  #now = 0;
  #rtt = 0;
  #lastUpdate = -1;

  /**
   * Creates a window.
   *
   * @param window The initial window (our initial_max_data / initial_max_stream_data_*).
   * @param maxWindow The largest the window may grow to by auto-tuning.
   */
  constructor(window: number, maxWindow: number = window) {
    this.#window = window;
    this.#maxWindow = maxWindow > window ? maxWindow : window;
    this.#limit = window;
  }

  /** The current limit (what we last advertised, or are about to). */
  get limit(): number {
    return this.#limit;
  }

  /** The current window size. */
  get window(): number {
    return this.#window;
  }

  /** Bytes consumed by the application. */
  get consumed(): number {
    return this.#consumed;
  }

  /** One past the highest offset received. */
  get highest(): number {
    return this.#highest;
  }

  /**
   * Records data received up to `endOffset`.
   *
   * @param endOffset One past the highest byte offset received.
   * @throws {TransportError} FLOW_CONTROL_ERROR past the limit (RFC 9000 §4.1).
   */
  onData(endOffset: number): void {
    if (endOffset > this.#limit) {
      throw TransportError.flowControl(
        `Cannot accept data up to ${endOffset}: the limit is ${this.#limit}`,
      );
    }
    if (endOffset > this.#highest) this.#highest = endOffset;
  }

  /**
   * Records bytes the application consumed (read, or discarded).
   *
   * @param bytes Number of bytes.
   * @param now Current time, µs.
   * @param rtt Smoothed RTT, µs (0 when unknown: no auto-tuning).
   */
  onConsumed(bytes: number, now: number, rtt: number): void {
    this.#consumed += bytes;
    this.#now = now;
    this.#rtt = rtt;
  }

  /**
   * A new limit to advertise when at least half the window is consumed, else
   * null. Grows the window first when the previous update went out less than
   * two RTTs ago.
   *
   * @returns The new limit, or null.
   */
  pollUpdate(): number | null {
    if (this.#limit - this.#consumed > this.#window / 2) return null;
    if (
      this.#lastUpdate >= 0 && this.#rtt > 0 && this.#now - this.#lastUpdate < 2 * this.#rtt &&
      this.#window < this.#maxWindow
    ) {
      this.#window = Math.min(this.#window * 2, this.#maxWindow);
    }
    this.#lastUpdate = this.#now;
    const next = this.#consumed + this.#window;
    if (next <= this.#limit) return null;
    this.#limit = next;
    return next;
  }
}
