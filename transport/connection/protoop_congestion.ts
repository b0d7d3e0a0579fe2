/**
 * The congestion controller as the connection sees it: accounting goes
 * straight to the configured controller (RFC 9002 §7), every congestion
 * signal goes through the `congestion_algorithm_notify` protoop, whose
 * default hands it to that controller with today's arguments (WIRING.md §4).
 * A plugin can thus observe or replace the reaction to acknowledgements,
 * losses, ECN-CE and spurious losses without touching the accounting.
 *
 * Loss recovery is given this wrapper only while a pluglet is attached to
 * `congestion_algorithm_notify` ({@link ProtoopCongestion.routeLossHooks}); with
 * nothing attached it talks to `inner` directly, which is what the default
 * would do, without the extra calls per signal.
 *
 * @module
 */

import type { CongestionController } from "../recovery/congestion/controller.ts";
import type { LossRecovery } from "../recovery/loss.ts";
import type { RttEstimator } from "../recovery/rtt.ts";
import type { SentPacket } from "../recovery/sent_packet.ts";
import { SpaceId } from "../recovery/space_id.ts";
import { CongestionNotification, Op } from "../protoop/catalogue.ts";
import type { Connection } from "./connection.ts";

/** Sum of the sizes of `packets`. */
function sumSizes(packets: readonly SentPacket[]): number {
  let n = 0;
  for (let i = 0; i < packets.length; i++) n += packets[i]!.size;
  return n;
}

/** One-element list for the ECN-CE signal (reused; the notification is synchronous). */
const CE_PACKET: SentPacket[] = [];

/** A controller whose signals go through `congestion_algorithm_notify`. */
export class ProtoopCongestion implements CongestionController {
  /** The configured controller. */
  readonly inner: CongestionController;
  readonly #c: Connection;
  /**
   * @internal Set by the default when it handed a signal to `inner`, which
   * then did the accounting too. A pluglet that replaces the default reacts
   * to the signal only: the acknowledged or lost packets still leave the
   * bytes in flight here.
   */
  accounted = false;

  /**
   * @param c The connection (its protoop table must exist).
   * @param inner The configured controller (NewReno, Cubic).
   */
  constructor(c: Connection, inner: CongestionController) {
    this.#c = c;
    this.inner = inner;
  }

  /** `update_rtt` as loss recovery's RTT hook (one closure per connection). */
  readonly #rttHook = (space: SpaceId, sample: number, ackDelay: number, now: number): void =>
    this.#c.ops.call[Op.UPDATE_RTT](this.#c, space, sample, ackDelay, now);

  /**
   * Routes loss recovery's RTT samples through `update_rtt` and its
   * congestion signals through `congestion_algorithm_notify` only while a
   * pluglet is attached to them. With nothing attached the slot holds the
   * default, which does exactly what loss recovery does on its own (the RTT
   * estimator's update; the configured controller's method), so the direct
   * path is the same step without the indirection (WIRING.md §9). Called when
   * loss recovery is made and whenever either slot changes.
   *
   * @param loss The connection's loss recovery.
   */
  routeLossHooks(loss: LossRecovery): void {
    const plugged = this.#c.ops.plugged;
    loss.rttSample = plugged[Op.UPDATE_RTT] === 1 ? this.#rttHook : null;
    loss.congestion = plugged[Op.CONGESTION_ALGORITHM_NOTIFY] === 1 ? this : this.inner;
  }

  /** The inner controller's name. */
  get name(): string {
    return this.inner.name;
  }
  /** Congestion window, bytes. */
  get window(): number {
    return this.inner.window;
  }
  /** Bytes in flight. */
  get bytesInFlight(): number {
    return this.inner.bytesInFlight;
  }
  /** Slow start threshold. */
  get ssthresh(): number {
    return this.inner.ssthresh;
  }
  /** Current max datagram size. */
  get maxDatagramSize(): number {
    return this.inner.maxDatagramSize;
  }
  set maxDatagramSize(v: number) {
    this.inner.maxDatagramSize = v;
  }
  /** Whether the sender is application limited (RFC 9002 §7.8). */
  get appLimited(): boolean {
    return this.inner.appLimited;
  }
  set appLimited(v: boolean) {
    this.inner.appLimited = v;
  }

  /** Accounting: straight to the controller. */
  onPacketSent(p: SentPacket, now: number): void {
    this.inner.onPacketSent(p, now);
  }

  /** Signal: `notify(Acknowledgement)`. */
  onPacketsAcked(packets: readonly SentPacket[], now: number, rtt: RttEstimator): void {
    this.accounted = false;
    this.#c.ops.call[Op.CONGESTION_ALGORITHM_NOTIFY](
      this.#c,
      null,
      CongestionNotification.Acknowledgement,
      packets,
      rtt.latest,
      sumSizes(packets),
      now,
    );
    if (!this.accounted) this.#leaveFlight(packets);
  }

  /** Accounting without a signal, when a replace pluglet handled one. */
  #leaveFlight(packets: readonly SentPacket[]): void {
    for (let i = 0; i < packets.length; i++) this.inner.onPacketDiscarded(packets[i]!);
  }

  /** Signal: `notify(Timeout)` for persistent congestion, else `notify(Repeat)`. */
  onPacketsLost(packets: readonly SentPacket[], now: number, persistent: boolean): void {
    this.accounted = false;
    this.#c.ops.call[Op.CONGESTION_ALGORITHM_NOTIFY](
      this.#c,
      null,
      persistent ? CongestionNotification.Timeout : CongestionNotification.Repeat,
      packets,
      0,
      sumSizes(packets),
      now,
    );
    if (!this.accounted) this.#leaveFlight(packets);
  }

  /** Signal: `notify(CongestionExperienced)` with a packet carrying the send time. */
  onEcnCe(now: number, sentTimeOfLargestAcked: number): void {
    CE_PACKET[0] = {
      pn: -1,
      space: SpaceId.Application,
      timeSent: sentTimeOfLargestAcked,
      size: 0,
      ackEliciting: false,
      inFlight: false,
      frames: [],
    };
    try {
      this.#c.ops.call[Op.CONGESTION_ALGORITHM_NOTIFY](
        this.#c,
        null,
        CongestionNotification.CongestionExperienced,
        CE_PACKET,
        0,
        0,
        now,
      );
    } finally {
      CE_PACKET.length = 0;
    }
  }

  /** Signal: `notify(SpuriousRepeat)`. */
  onSpuriousLoss(): void {
    this.#c.ops.call[Op.CONGESTION_ALGORITHM_NOTIFY](
      this.#c,
      null,
      CongestionNotification.SpuriousRepeat,
      null,
      0,
      0,
      this.#c.loss.now,
    );
  }

  /** Accounting. */
  canSend(bytes: number): boolean {
    return this.inner.canSend(bytes);
  }

  /** Accounting. */
  onPacketDiscarded(p: SentPacket): void {
    this.inner.onPacketDiscarded(p);
  }

  /** Accounting (a new path, RFC 9002 §9.4). */
  resetForNewPath(): void {
    this.inner.resetForNewPath?.();
  }
}

/**
 * Default of `congestion_algorithm_notify`: the signal to the configured
 * controller; window-blocked and measurement notifications change nothing.
 */
export function congestionNotify(
  c: Connection,
  _path: object | null,
  n: number,
  packets: readonly SentPacket[] | null,
  _rtt: number,
  _bytes: number,
  now: number,
): void {
  const cc = c.congestion.inner;
  switch (n) {
    case CongestionNotification.Acknowledgement:
      c.congestion.accounted = true;
      cc.onPacketsAcked(packets!, now, c.loss.rtt);
      return;
    case CongestionNotification.Repeat:
      c.congestion.accounted = true;
      cc.onPacketsLost(packets!, now, false);
      return;
    case CongestionNotification.Timeout:
      c.congestion.accounted = true;
      cc.onPacketsLost(packets!, now, true);
      return;
    case CongestionNotification.CongestionExperienced:
      cc.onEcnCe(now, packets![0]!.timeSent);
      return;
    case CongestionNotification.SpuriousRepeat:
      cc.onSpuriousLoss?.();
      return;
    default:
      return;
  }
}
