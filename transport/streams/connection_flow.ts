/**
 * Connection-level flow control (RFC 9000 §4.1): the peer's MAX_DATA for
 * everything we send, our MAX_DATA for everything we receive, and the
 * MAX_DATA / DATA_BLOCKED frames these produce. Stream-level credit is in
 * each stream.
 *
 * @module
 */

import type { DataBlockedFrame, MaxDataFrame } from "../frames/frame.ts";
import { sizeFrame } from "../frames/frame.ts";
import { FrameType } from "../frames/frame_type.ts";
import { RecvWindow, SendCredit } from "./flow_control.ts";

/**
 * Connection-level credit both ways.
 *
 * @example
 * ```ts
 * import { ConnectionFlow } from "./connection_flow.ts";
 * import assert from "node:assert/strict";
 * const c = new ConnectionFlow(100, 1000);
 * c.onReceived(80);
 * assert.throws(() => c.onReceived(30));
 * c.onConsumed(80, 0, 0);
 * assert.deepEqual(c.pollMaxData(100), { type: 0x10, max: 180 });
 * ```
 */
export class ConnectionFlow {
  /** The peer's MAX_DATA. */
  readonly sendCredit: SendCredit = new SendCredit(0);
  /** New bytes sent on all streams (sum of the streams' highest sent offsets). */
  sent = 0;
  /** Our MAX_DATA. */
  readonly recvWindow: RecvWindow;
  /** Bytes received on all streams (sum of the streams' highest received offsets). */
  received = 0;
  #maxDataPending = false;
  #blockedPending = false;

  /**
   * Creates the connection's credit state; the send side starts at 0 until the peer's limits.
   *
   * @param window Our initial_max_data.
   * @param maxWindow Largest the window may grow to by auto-tuning.
   */
  constructor(window: number, maxWindow: number) {
    this.recvWindow = new RecvWindow(window, maxWindow);
  }

  /** Bytes we may still send. */
  get available(): number {
    return this.sendCredit.available(this.sent);
  }

  /** True when a MAX_DATA or DATA_BLOCKED frame waits. */
  get hasPending(): boolean {
    return this.#maxDataPending || this.#blockedPending;
  }

  /**
   * Counts bytes received beyond what a stream had before.
   *
   * @param delta Growth of one stream's highest received offset.
   * @throws {TransportError} FLOW_CONTROL_ERROR past our MAX_DATA.
   */
  onReceived(delta: number): void {
    if (delta <= 0) return;
    this.received += delta;
    this.recvWindow.onData(this.received);
  }

  /** Bytes read or discarded by the application; may make a MAX_DATA pending. */
  onConsumed(bytes: number, now: number, rtt: number): void {
    if (bytes <= 0) return;
    this.recvWindow.onConsumed(bytes, now, rtt);
    if (this.recvWindow.pollUpdate() !== null) this.#maxDataPending = true;
  }

  /** Sending is blocked by the peer's limit: DATA_BLOCKED once per limit value. */
  onBlocked(): void {
    if (this.sendCredit.markBlocked()) this.#blockedPending = true;
  }

  /**
   * Applies the peer's MAX_DATA.
   *
   * @returns True when the limit was raised (a pending DATA_BLOCKED is then stale and dropped).
   */
  onMaxData(max: number): boolean {
    if (!this.sendCredit.update(max)) return false;
    this.#blockedPending = false;
    return true;
  }

  /** The pending MAX_DATA frame when it fits in `maxSize` bytes (marked sent), else null. */
  pollMaxData(maxSize: number): MaxDataFrame | null {
    if (!this.#maxDataPending) return null;
    const f: MaxDataFrame = { type: FrameType.MAX_DATA, max: this.recvWindow.limit };
    if (sizeFrame(f) > maxSize) return null;
    this.#maxDataPending = false;
    return f;
  }

  /** The pending DATA_BLOCKED frame when it fits in `maxSize` bytes (marked sent), else null. */
  pollBlocked(maxSize: number): DataBlockedFrame | null {
    if (!this.#blockedPending) return null;
    const f: DataBlockedFrame = { type: FrameType.DATA_BLOCKED, limit: this.sendCredit.limit };
    if (sizeFrame(f) > maxSize) return null;
    this.#blockedPending = false;
    return f;
  }

  /** Our MAX_DATA carrying `max` was lost: send again if still current. */
  onMaxDataLost(max: number): void {
    if (max === this.recvWindow.limit) this.#maxDataPending = true;
  }

  /** Our DATA_BLOCKED carrying `limit` was lost: send again if still blocked at it. */
  onBlockedLost(limit: number): void {
    if (limit === this.sendCredit.limit && this.sent >= limit) this.#blockedPending = true;
  }
}
