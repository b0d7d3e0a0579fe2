/**
 * The congestion controller seam (RFC 9002 §7).
 *
 * Loss recovery tells a {@link CongestionController} about every packet sent,
 * acknowledged, lost or discarded, and about ECN-CE marks; the sender asks it
 * whether a packet fits in the window. {@link NewReno} (RFC 9002 §7, Appendix B)
 * and {@link Cubic} (RFC 9438) implement it on top of
 * {@link WindowController}, which owns what every window-based controller
 * shares: bytes in flight, the recovery period, persistent congestion and the
 * window limits. Another algorithm (a plugin's) may implement the interface
 * directly.
 *
 * @module
 */

import type { RttEstimator } from "../rtt.ts";
import type { SentPacket } from "../sent_packet.ts";

/** Default max_datagram_size before PMTU discovery, RFC 9000 §14: 1200 bytes. */
export const DEFAULT_MAX_DATAGRAM_SIZE = 1200;

/**
 * kInitialWindow, RFC 9002 §7.2: `min(10 × max_datagram_size, max(14720, 2 × max_datagram_size))`.
 *
 * @param maxDatagramSize The current max_datagram_size.
 */
export function initialWindow(maxDatagramSize: number): number {
  return Math.min(10 * maxDatagramSize, Math.max(14720, 2 * maxDatagramSize));
}

/**
 * kMinimumWindow, RFC 9002 §7.2: `2 × max_datagram_size`.
 *
 * @param maxDatagramSize The current max_datagram_size.
 */
export function minimumWindow(maxDatagramSize: number): number {
  return 2 * maxDatagramSize;
}

/** What loss recovery needs from a congestion controller. */
export interface CongestionController {
  /** A short name for logs and qlog ("newreno", "cubic"). */
  readonly name: string;
  /** The congestion window, bytes. */
  readonly window: number;
  /** Bytes of in-flight packets sent and not yet acknowledged, lost or discarded. */
  readonly bytesInFlight: number;
  /** The slow start threshold, bytes (Infinity until the first congestion event). */
  readonly ssthresh: number;
  /** max_datagram_size; raise it when PMTU discovery finds a larger size (RFC 9002 §7.2). */
  maxDatagramSize: number;
  /**
   * Set while the sender has less to send than the window allows: the window
   * then does not grow (RFC 9002 §7.8, RFC 9438 §5.8).
   */
  appLimited: boolean;
  /** An in-flight packet (or any packet; non in-flight ones are ignored) was sent. */
  onPacketSent(p: SentPacket, now: number): void;
  /** Packets were newly acknowledged, in packet number order (RFC 9002 §B.5). */
  onPacketsAcked(packets: readonly SentPacket[], now: number, rtt: RttEstimator): void;
  /**
   * Packets were declared lost (RFC 9002 §B.8); `persistent` when they prove
   * persistent congestion (§7.6), which collapses the window.
   */
  onPacketsLost(packets: readonly SentPacket[], now: number, persistent: boolean): void;
  /**
   * The peer's ECN-CE count increased (RFC 9002 §7.1, §B.7).
   *
   * @param sentTimeOfLargestAcked When the largest acknowledged packet of that ACK was sent.
   */
  onEcnCe(now: number, sentTimeOfLargestAcked: number): void;
  /** A loss declared earlier proved spurious: the controller may undo its reduction. */
  onSpuriousLoss?(): void;
  /** Whether `bytes` more may be sent now without exceeding the window. */
  canSend(bytes: number): boolean;
  /** Removes a packet from bytes in flight without any congestion signal (RFC 9002 §6.4). */
  onPacketDiscarded(p: SentPacket): void;
  /**
   * The peer moved to a new path: back to the initial window in slow start,
   * bytes in flight kept (RFC 9000 §9.4).
   */
  resetForNewPath?(): void;
  /**
   * Sets the window (a plugin's `set_path(AK_PATH_CWIN)`, PQUIC's semantics):
   * it holds until the next congestion signal changes it; Infinity removes
   * the limit.
   */
  setWindow?(bytes: number): void;
}

/**
 * What every window-based controller shares (RFC 9002 Appendix B): bytes in
 * flight, the recovery period, persistent congestion, window limits. Subclasses
 * say how the window grows on an acknowledgement and shrinks on a congestion
 * event.
 */
export abstract class WindowController implements CongestionController {
  abstract readonly name: string;
  /** Set while the sender is application or flow-control limited. */
  appLimited: boolean = false;
  /** congestion_window, bytes (may carry a fraction in subclasses). */
  protected cwnd: number;
  /** ssthresh, bytes. */
  protected threshold: number = Infinity;
  /** congestion_recovery_start_time, µs; -1 when no recovery period was entered. */
  protected recoveryStartTime: number = -1;
  #bytesInFlight = 0;
  #mds: number;
  #grown = false;

  /**
   * Starts with kInitialWindow for the datagram size, in slow start.
   *
   * @param maxDatagramSize The initial max_datagram_size (default 1200).
   */
  constructor(maxDatagramSize: number = DEFAULT_MAX_DATAGRAM_SIZE) {
    this.#mds = maxDatagramSize;
    this.cwnd = initialWindow(maxDatagramSize);
  }

  /** The congestion window in whole bytes. */
  get window(): number {
    return Math.floor(this.cwnd);
  }
  /** Bytes in flight. */
  get bytesInFlight(): number {
    return this.#bytesInFlight;
  }
  /** The slow start threshold, bytes. */
  get ssthresh(): number {
    return this.threshold;
  }
  /** max_datagram_size, bytes. */
  get maxDatagramSize(): number {
    return this.#mds;
  }
  /**
   * Changes max_datagram_size (RFC 9002 §7.2): before the window ever grew or
   * shrank it is recomputed as the new initial window; it never falls below the
   * new minimum window.
   */
  set maxDatagramSize(size: number) {
    this.#mds = size;
    if (!this.#grown && this.recoveryStartTime < 0) this.cwnd = initialWindow(size);
    this.cwnd = Math.max(this.cwnd, minimumWindow(size));
  }
  /** Sets the window until the next congestion signal changes it (Infinity: no limit). */
  setWindow(bytes: number): void {
    this.cwnd = bytes;
  }
  /** Back to the initial window in slow start, bytes in flight kept (RFC 9000 §9.4). */
  resetForNewPath(): void {
    this.cwnd = initialWindow(this.#mds);
    this.threshold = Infinity;
    this.recoveryStartTime = -1;
    this.#grown = false;
  }
  /** kMinimumWindow for the current datagram size. */
  get minimumWindow(): number {
    return minimumWindow(this.#mds);
  }
  /** Whether we are in the recovery period started at `recoveryStartTime` (RFC 9002 §7.3.2). */
  inRecovery(timeSent: number): boolean {
    return timeSent <= this.recoveryStartTime;
  }

  /** OnPacketSentCC (RFC 9002 §B.4). */
  onPacketSent(p: SentPacket, now: number): void {
    if (!p.inFlight) return;
    this.beforeSend(now, this.#bytesInFlight);
    this.#bytesInFlight += p.size;
  }

  /** OnPacketsAcked (RFC 9002 §B.5). */
  onPacketsAcked(packets: readonly SentPacket[], now: number, rtt: RttEstimator): void {
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i]!;
      if (!p.inFlight) continue;
      this.#bytesInFlight -= p.size;
      // §7.8: an underutilised window does not grow.
      if (this.appLimited) continue;
      // §7.3.2: no growth for packets sent during the recovery period.
      if (this.inRecovery(p.timeSent)) continue;
      this.#grown = true;
      this.increaseWindow(p, now, rtt);
    }
  }

  /** OnPacketsLost (RFC 9002 §B.8); persistent congestion is decided by loss recovery. */
  onPacketsLost(packets: readonly SentPacket[], now: number, persistent: boolean): void {
    let lastLossTime = -1;
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i]!;
      if (!p.inFlight) continue;
      this.#bytesInFlight -= p.size;
      // RFC 9000 §14.4: a lost PMTU probe is no sign of congestion.
      if (p.isPmtuProbe === true) continue;
      if (p.timeSent > lastLossTime) lastLossTime = p.timeSent;
    }
    if (lastLossTime >= 0) this.onCongestionEvent(now, lastLossTime);
    if (persistent) {
      // §7.6.2: collapse to the minimum window and leave recovery.
      this.cwnd = this.minimumWindow;
      this.recoveryStartTime = -1;
      this.onPersistentCongestion(now);
    }
  }

  /** ProcessECN (RFC 9002 §B.7): a CE mark is a congestion event. */
  onEcnCe(now: number, sentTimeOfLargestAcked: number): void {
    this.onCongestionEvent(now, sentTimeOfLargestAcked);
  }

  /** RemoveFromBytesInFlight (RFC 9002 §B.9). */
  onPacketDiscarded(p: SentPacket): void {
    if (p.inFlight) this.#bytesInFlight -= p.size;
  }

  /** Whether `bytes` more fit in the window. */
  canSend(bytes: number): boolean {
    return this.#bytesInFlight + bytes <= this.window;
  }

  /**
   * OnCongestionEvent (RFC 9002 §B.6): starts one recovery period per round
   * trip; packets sent before it began do not reduce the window again.
   */
  onCongestionEvent(now: number, sentTime: number): void {
    if (this.inRecovery(sentTime)) return;
    this.recoveryStartTime = now;
    this.#grown = true;
    this.reduceWindow(now);
  }

  /** Grows the window for one acknowledged in-flight packet outside recovery. */
  protected abstract increaseWindow(p: SentPacket, now: number, rtt: RttEstimator): void;
  /** Sets ssthresh and the window on entering a recovery period. */
  protected abstract reduceWindow(now: number): void;
  /** Called after the window collapsed on persistent congestion. */
  protected onPersistentCongestion(_now: number): void {}
  /** Called before an in-flight packet is counted (CUBIC tracks idle periods). */
  protected beforeSend(_now: number, _bytesInFlight: number): void {}
}
