/**
 * Loss detection (RFC 9002 §6 and Appendix A), per connection.
 *
 * Follows Appendix A's pseudo-code and names: `onPacketSent`,
 * `onAckReceived` (DetectAndRemoveAckedPackets, UpdateRtt, ProcessECN,
 * `detectAndRemoveLostPackets`, OnPacketsAcked), `setLossDetectionTimer`,
 * `onLossDetectionTimeout`, `getLossTimeAndSpace`, `getPtoTimeAndSpace`,
 * `inPersistentCongestion` (§7.6) and `discardSpace` (OnPacketNumberSpaceDiscarded).
 *
 * What it does not do: send anything. A timeout says how many probes to send in
 * which space; the connection builds them (new data, else a retransmission,
 * else a PING, §6.2.4). It does not interpret frames: the packets returned as
 * acknowledged or lost carry the frames to notify. Times are integer µs; "unset"
 * times are `Infinity` (RFC 9002 uses 0, which is a valid time on a simulated
 * clock).
 *
 * @module
 */

import { TransportError } from "../errors.ts";
import type { CongestionController } from "./congestion/controller.ts";
import {
  inPersistentCongestion,
  PERSISTENT_CONGESTION_THRESHOLD,
} from "./persistent_congestion.ts";
import { GRANULARITY, RttEstimator } from "./rtt.ts";
import { type SentPacket, SentPacketStore } from "./sent_packet.ts";
import { SPACE_COUNT, SpaceId } from "./space_id.ts";
import { SpuriousLossDetector } from "./spurious_loss.ts";

/** kPacketThreshold, RFC 9002 §6.1.1. */
export const PACKET_THRESHOLD = 3;
/** Probes sent when a PTO fires with ack-eliciting packets in flight (§6.2.4 allows one or two). */
export const PTO_PROBES = 2;
/** Exponent cap for the PTO backoff: keeps 2^pto_count finite. */
const MAX_BACKOFF_EXPONENT = 30;
const ACK_FRAME_TYPE = 0x02;

/** Options of {@link LossRecovery}. */
export interface LossRecoveryOptions {
  /** The peer's max_ack_delay, µs (update `maxAckDelay` when its parameters arrive). */
  maxAckDelay: number;
  /** The congestion controller told about every send, ack, loss and discard. */
  congestion: CongestionController;
  /** Whether this endpoint is the client (address validation rules, §6.2.2.1). */
  isClient: boolean;
  /** The RTT assumed before the first sample, µs (default 333 ms). */
  initialRtt?: number;
}

/** What {@link LossRecovery.onAckReceived} found. */
export interface AckResult {
  /** Packets newly acknowledged, in packet number order. */
  newlyAcked: SentPacket[];
  /** Packets declared lost, in packet number order. */
  lost: SentPacket[];
  /** Whether this ACK produced an RTT sample. */
  rttUpdated: boolean;
  /** Whether the lost packets established persistent congestion (§7.6). */
  persistentCongestion: boolean;
  /**
   * Packets declared lost earlier that this ACK acknowledged: the loss was
   * spurious (reordering). Their frames were already handled as lost.
   */
  spuriouslyLost: readonly SentPacket[];
}

/** What {@link LossRecovery.onLossDetectionTimeout} asks for. */
export interface TimeoutResult {
  /** Packets declared lost by the time threshold. */
  lost: SentPacket[];
  /** Ack-eliciting packets to send now in `ptoSpace` (0 when the timer was a loss timer). */
  probes: number;
  /** The space to probe, or the space whose loss timer fired. */
  ptoSpace: SpaceId;
}

/**
 * Loss detection and PTO for the three packet number spaces.
 *
 * @example A packet-threshold loss
 * ```ts
 * import { LossRecovery } from "./loss.ts";
 * import { NewReno } from "./congestion/newreno.ts";
 * import assert from "node:assert/strict";
 * const lr = new LossRecovery({ maxAckDelay: 25_000, congestion: new NewReno(), isClient: false });
 * for (let pn = 0; pn < 5; pn++) {
 *   lr.onPacketSent({ pn, space: 2, timeSent: pn * 1000, size: 1200, ackEliciting: true, inFlight: true, frames: [] }, pn * 1000);
 * }
 * const r = lr.onAckReceived(2, [4, 3], 0, 50_000);
 * assert.deepEqual(r.newlyAcked.map((p) => p.pn), [3, 4]);
 * assert.deepEqual(r.lost.map((p) => p.pn), [0, 1]); // pn + 3 <= 4; 2 waits for the timer
 * ```
 */
export class LossRecovery {
  /** The RTT estimator (RFC 9002 §5). */
  readonly rtt: RttEstimator;
  /**
   * Where an RTT sample goes instead of `rtt.update` when set (the
   * connection's `update_rtt` protoop); it must update `rtt` itself.
   */
  rttSample: ((space: SpaceId, sample: number, ackDelay: number, now: number) => void) | null =
    null;
  /** The congestion controller (the connection may swap in a wrapper while plugins observe it). */
  congestion: CongestionController;
  /** The peer's max_ack_delay, µs. */
  maxAckDelay: number;
  /** pto_count: consecutive PTOs without an acknowledgement (§6.2.1). */
  ptoCount = 0;
  readonly #isClient: boolean;
  readonly #sent: SentPacketStore[] = [];
  readonly #spurious = new SpuriousLossDetector();
  readonly #largestAcked = new Float64Array(SPACE_COUNT).fill(-1);
  readonly #lossTime = new Float64Array(SPACE_COUNT).fill(Infinity);
  readonly #lastAckElicitingTime = new Float64Array(SPACE_COUNT).fill(-Infinity);
  readonly #ecnCe = new Float64Array(SPACE_COUNT);
  readonly #discarded = [false, false, false];
  #timer = Infinity;
  #handshakeConfirmed = false;
  #peerCompletedAddressValidation: boolean;
  #hasHandshakeKeys = false;
  #amplificationLimited = false;
  #now = 0;
  /** Out-parameter of #getLossTimeAndSpace / #getPtoTimeAndSpace. */
  #outSpace: SpaceId = SpaceId.Initial;

  /**
   * Creates loss recovery state for a new connection: nothing sent, no RTT sample.
   *
   * @param opts See {@link LossRecoveryOptions}.
   */
  constructor(opts: LossRecoveryOptions) {
    this.maxAckDelay = opts.maxAckDelay;
    this.congestion = opts.congestion;
    this.#isClient = opts.isClient;
    this.rtt = new RttEstimator(opts.initialRtt);
    // §A.6: clients assume the server validated its address only later.
    this.#peerCompletedAddressValidation = !opts.isClient;
    for (let s = 0; s < SPACE_COUNT; s++) this.#sent.push(new SentPacketStore());
  }

  /** Bytes in flight, all spaces (the congestion controller's count). */
  /** The time of the latest input (µs). */
  get now(): number {
    return this.#now;
  }

  get bytesInFlight(): number {
    return this.congestion.bytesInFlight;
  }
  /** Whether the handshake is confirmed (RFC 9001 §4.1.2). */
  get handshakeConfirmed(): boolean {
    return this.#handshakeConfirmed;
  }
  /** Whether the peer completed address validation (§6.2.2.1). */
  get peerCompletedAddressValidation(): boolean {
    return this.#peerCompletedAddressValidation;
  }

  /** The largest packet number the peer acknowledged in a space, -1 when none. */
  largestAcked(space: SpaceId): number {
    return this.#largestAcked[space]!;
  }
  /** The unacknowledged packets of a space (read-only use: do not remove through it). */
  sentPackets(space: SpaceId): SentPacketStore {
    return this.#sent[space]!;
  }
  /** Ack-eliciting packets in flight in a space. */
  ackElicitingInFlight(space: SpaceId): number {
    return this.#sent[space]!.ackElicitingInFlight;
  }
  /** The loss detection timer: an absolute time in µs, `Infinity` when unarmed. */
  lossDetectionTimeout(): number {
    return this.#timer;
  }
  /**
   * The PTO period of a space without backoff (§6.2.1): max_ack_delay counts only
   * for the Application space. Three of them make the closing period (RFC 9000 §10.2).
   */
  ptoPeriod(space: SpaceId = SpaceId.Application): number {
    return this.rtt.pto(space === SpaceId.Application ? this.maxAckDelay : 0);
  }

  /** OnPacketSent (§A.5). */
  onPacketSent(p: SentPacket, now: number): void {
    this.#now = now;
    const space = p.space;
    if (this.#discarded[space]) {
      throw new RangeError(`Cannot send packet ${p.pn}: space ${space} was discarded`);
    }
    if (space === SpaceId.Handshake) this.#hasHandshakeKeys = true;
    this.#sent[space]!.add(p);
    if (p.inFlight) {
      if (p.ackEliciting) this.#lastAckElicitingTime[space] = p.timeSent;
      this.congestion.onPacketSent(p, now);
      this.setLossDetectionTimer(now);
    }
  }

  /**
   * OnAckReceived (§A.7) for one ACK frame.
   *
   * @param space The space of the packet that carried the ACK.
   * @param ranges AckFrame.ranges: flat descending inclusive pairs `[hi0, lo0, hi1, lo1, …]`.
   * @param ackDelay The ACK Delay, µs (already scaled by the peer's ack_delay_exponent).
   * @param now Receive time, µs.
   * @param ecn The ECN counts of an ACK_ECN frame (only `ce` is used here).
   * @throws {TransportError} PROTOCOL_VIOLATION when a packet number above every one
   *   sent in that space is acknowledged (RFC 9000 §13.1).
   */
  onAckReceived(
    space: SpaceId,
    ranges: readonly number[],
    ackDelay: number,
    now: number,
    ecn?: { readonly ce: number },
  ): AckResult {
    this.#now = now;
    const store = this.#sent[space]!;
    const largest = ranges[0];
    if (largest === undefined || ranges.length % 2 !== 0) {
      throw TransportError.frameEncoding("ACK frame without a well-formed range", ACK_FRAME_TYPE);
    }
    if (largest > store.largestSent) {
      throw TransportError.protocolViolation(
        `Cannot acknowledge packet ${largest}: the largest sent in space ${space} is ${store.largestSent}`,
        ACK_FRAME_TYPE,
      );
    }
    if (largest > this.#largestAcked[space]!) this.#largestAcked[space] = largest;

    // DetectAndRemoveAckedPackets: lowest range first, so the list is ascending.
    const newlyAcked: SentPacket[] = [];
    for (let k = ranges.length - 2; k >= 0; k -= 2) {
      const hi = ranges[k]!;
      const lo = ranges[k + 1]!;
      for (let i = store.seek(lo); i < store.end; i = store.next(i)) {
        if (store.packetAt(i).pn > hi) break;
        newlyAcked.push(store.removeAt(i));
      }
    }
    // Lost packets are remembered for three PTO periods.
    const horizon = now - PERSISTENT_CONGESTION_THRESHOLD * this.ptoPeriod(space);
    const spuriouslyLost = this.#spurious.onAckReceived(space, ranges, horizon);
    // RFC 9438 §4.9: every loss behind the last reduction was spurious.
    if (this.#spurious.undoDue) this.congestion.onSpuriousLoss?.();
    if (newlyAcked.length === 0) {
      return {
        newlyAcked,
        lost: [],
        rttUpdated: false,
        persistentCongestion: false,
        spuriouslyLost,
      };
    }

    // §5.1: a sample when the largest acknowledged is newly acknowledged and
    // at least one newly acknowledged packet was ack-eliciting.
    const largestNewly = newlyAcked[newlyAcked.length - 1]!;
    let rttUpdated = false;
    if (largestNewly.pn === largest && includesAckEliciting(newlyAcked)) {
      // §5.3: Initial ACKs are not delayed by the peer; their delay is ignored.
      const delay = space === SpaceId.Initial ? 0 : ackDelay;
      const hook = this.rttSample;
      if (hook !== null) hook(space, now - largestNewly.timeSent, delay, now);
      else {
        this.rtt.update(
          now - largestNewly.timeSent,
          delay,
          this.#handshakeConfirmed,
          this.maxAckDelay,
          now,
        );
      }
      rttUpdated = true;
    }

    // ProcessECN (§B.7).
    if (ecn !== undefined && ecn.ce > this.#ecnCe[space]!) {
      this.#ecnCe[space] = ecn.ce;
      this.congestion.onEcnCe(now, largestNewly.timeSent);
    }

    const lost = this.detectAndRemoveLostPackets(space, now);
    const persistentCongestion = lost.length > 0 && this.#onPacketsLost(space, lost, now);
    this.congestion.onPacketsAcked(newlyAcked, now, this.rtt);

    // §A.6: a client knows the server validated its address once a Handshake
    // packet is acknowledged.
    if (space === SpaceId.Handshake && this.#isClient) this.#peerCompletedAddressValidation = true;
    // §6.2.1: reset pto_count unless the client is unsure the server validated its address.
    if (this.#peerCompletedAddressValidation) this.ptoCount = 0;
    this.setLossDetectionTimer(now);
    return { newlyAcked, lost, rttUpdated, persistentCongestion, spuriouslyLost };
  }

  /**
   * OnPacketsLost (§A.10's caller): tells the controller, and remembers the
   * packets to recognise a spurious loss later.
   *
   * @returns Whether the packets established persistent congestion.
   */
  #onPacketsLost(space: SpaceId, lost: SentPacket[], now: number): boolean {
    const persistent = this.inPersistentCongestion(lost);
    const cc = this.congestion;
    const window = cc.window;
    const ssthresh = cc.ssthresh;
    cc.onPacketsLost(lost, now, persistent);
    const reduced = cc.window < window || cc.ssthresh !== ssthresh;
    this.#spurious.onPacketsLost(space, lost, reduced, persistent);
    return persistent;
  }

  /**
   * DetectAndRemoveLostPackets (§A.10): packets at or below the largest
   * acknowledged are lost when kPacketThreshold newer packets were acknowledged
   * or they were sent more than the loss delay ago; the earliest pending one
   * arms loss_time.
   */
  detectAndRemoveLostPackets(space: SpaceId, now: number): SentPacket[] {
    const store = this.#sent[space]!;
    const largest = this.#largestAcked[space]!;
    this.#lossTime[space] = Infinity;
    const lost: SentPacket[] = [];
    if (largest < 0) return lost;
    const lossDelay = this.rtt.lossDelay();
    const lostSendTime = now - lossDelay;
    let lossTime = Infinity;
    // Sorted by packet number: the walk ends at the largest acknowledged. Any
    // packet PACKET_THRESHOLD below it is lost, so at most that many remain.
    for (let i = store.first(); i < store.end; i = store.next(i)) {
      const p = store.packetAt(i);
      if (p.pn > largest) break;
      if (p.timeSent <= lostSendTime || largest >= p.pn + PACKET_THRESHOLD) {
        lost.push(store.removeAt(i));
      } else if (p.timeSent + lossDelay < lossTime) {
        lossTime = p.timeSent + lossDelay;
      }
    }
    this.#lossTime[space] = lossTime;
    return lost;
  }

  /**
   * InPersistentCongestion (§7.6) for lost packets of one space, in packet
   * number order; see {@link inPersistentCongestion}.
   */
  inPersistentCongestion(lost: readonly SentPacket[]): boolean {
    return inPersistentCongestion(lost, this.rtt, this.maxAckDelay);
  }

  /** GetLossTimeAndSpace (§A.8): the earliest loss_time (`Infinity` when none); sets #outSpace. */
  #getLossTimeAndSpace(): number {
    let time = this.#lossTime[SpaceId.Initial]!;
    let space: SpaceId = SpaceId.Initial;
    for (let s: SpaceId = SpaceId.Handshake; s < SPACE_COUNT; s = (s + 1) as SpaceId) {
      if (this.#lossTime[s]! < time) {
        time = this.#lossTime[s]!;
        space = s;
      }
    }
    this.#outSpace = space;
    return time;
  }

  #noAckElicitingInFlight(): boolean {
    const s = this.#sent;
    return s[0]!.ackElicitingInFlight === 0 && s[1]!.ackElicitingInFlight === 0 &&
      s[2]!.ackElicitingInFlight === 0;
  }

  /**
   * GetPtoTimeAndSpace (§A.8): the PTO deadline (`Infinity` when none) with
   * exponential backoff; sets #outSpace. The Application space counts only once
   * the handshake is confirmed, and then includes max_ack_delay.
   */
  #getPtoTimeAndSpace(now: number): number {
    const backoff = 2 ** Math.min(this.ptoCount, MAX_BACKOFF_EXPONENT);
    let duration = (this.rtt.smoothed + Math.max(4 * this.rtt.rttvar, GRANULARITY)) * backoff;
    if (this.#noAckElicitingInFlight()) {
      // Anti-deadlock PTO (§6.2.2.1) from now: a client that has Handshake
      // keys proves its address with a Handshake packet, else pads an Initial.
      this.#outSpace = this.#hasHandshakeKeys ? SpaceId.Handshake : SpaceId.Initial;
      return now + duration;
    }
    let timeout = Infinity;
    this.#outSpace = SpaceId.Initial;
    for (let s: SpaceId = 0; s < SPACE_COUNT; s = (s + 1) as SpaceId) {
      if (this.#sent[s]!.ackElicitingInFlight === 0) continue;
      if (s === SpaceId.Application) {
        // §6.2.1: no PTO for Application data before handshake confirmation.
        if (!this.#handshakeConfirmed) return timeout;
        duration += this.maxAckDelay * backoff;
      }
      const t = this.#lastAckElicitingTime[s]! + duration;
      if (t < timeout) {
        timeout = t;
        this.#outSpace = s;
      }
    }
    return timeout;
  }

  /** SetLossDetectionTimer (§A.8). */
  setLossDetectionTimer(now: number): void {
    const lossTime = this.#getLossTimeAndSpace();
    if (lossTime !== Infinity) {
      this.#timer = lossTime;
      return;
    }
    // §6.2.2.1: a server at its anti-amplification limit cannot send a probe.
    if (this.#amplificationLimited) {
      this.#timer = Infinity;
      return;
    }
    if (this.#noAckElicitingInFlight() && this.#peerCompletedAddressValidation) {
      this.#timer = Infinity;
      return;
    }
    this.#timer = this.#getPtoTimeAndSpace(now);
  }

  /**
   * OnLossDetectionTimeout (§A.9). Does nothing (no loss, no probe) when called
   * before the timer's deadline.
   *
   * @returns Packets lost by the time threshold, or the number of probes to send
   *   and the space to send them in.
   */
  onLossDetectionTimeout(now: number): TimeoutResult {
    this.#now = now;
    if (now < this.#timer) return { lost: [], probes: 0, ptoSpace: SpaceId.Initial };
    const lossTime = this.#getLossTimeAndSpace();
    if (lossTime !== Infinity) {
      const space = this.#outSpace;
      const lost = this.detectAndRemoveLostPackets(space, now);
      if (lost.length > 0) this.#onPacketsLost(space, lost, now);
      this.setLossDetectionTimer(now);
      return { lost, probes: 0, ptoSpace: space };
    }
    let space: SpaceId;
    let probes: number;
    if (this.#noAckElicitingInFlight()) {
      // Anti-deadlock (§6.2.2.1): a padded Initial or a Handshake packet.
      space = this.#hasHandshakeKeys ? SpaceId.Handshake : SpaceId.Initial;
      probes = 1;
    } else {
      this.#getPtoTimeAndSpace(now);
      space = this.#outSpace;
      probes = PTO_PROBES;
    }
    this.ptoCount++;
    this.setLossDetectionTimer(now);
    return { lost: [], probes, ptoSpace: space };
  }

  /**
   * OnPacketNumberSpaceDiscarded (§A.11, §6.4): when Initial or Handshake keys
   * are discarded, their packets leave bytes in flight without a congestion
   * signal, their timers reset, and pto_count resets.
   *
   * @param space Initial or Handshake.
   * @param now The current time (defaults to the last time seen).
   * @returns The packets dropped, for the connection to release their frames.
   */
  discardSpace(space: SpaceId, now: number = this.#now): SentPacket[] {
    if (space === SpaceId.Application) {
      throw new RangeError("Cannot discard the application space");
    }
    if (this.#discarded[space]) return [];
    this.#discarded[space] = true;
    // Discarding Initial keys happens when the first Handshake packet is sent (client)
    // or received (server), RFC 9001 §4.9.1: Handshake keys exist from then on.
    this.#hasHandshakeKeys = true;
    const dropped = this.#removeAll(space, null);
    this.#spurious.discardSpace(space);
    this.#lastAckElicitingTime[space] = -Infinity;
    this.#lossTime[space] = Infinity;
    this.ptoCount = 0;
    this.setLossDetectionTimer(now);
    return dropped;
  }

  /**
   * Removes every 0-RTT packet from the Application space when the server
   * rejected 0-RTT (§6.4); their frames are to be sent again in 1-RTT packets.
   *
   * @returns The removed packets.
   */
  discardZeroRtt(now: number = this.#now): SentPacket[] {
    const dropped = this.#removeAll(SpaceId.Application, (p) => p.isZeroRtt === true);
    this.setLossDetectionTimer(now);
    return dropped;
  }

  #removeAll(space: SpaceId, filter: ((p: SentPacket) => boolean) | null): SentPacket[] {
    const store = this.#sent[space]!;
    const dropped: SentPacket[] = [];
    for (let i = store.first(); i < store.end; i = store.next(i)) {
      if (filter !== null && !filter(store.packetAt(i))) continue;
      const p = store.removeAt(i);
      this.congestion.onPacketDiscarded(p);
      dropped.push(p);
    }
    return dropped;
  }

  /** The handshake is confirmed (RFC 9001 §4.1.2): Application PTOs may be armed. */
  setHandshakeConfirmed(now: number = this.#now): void {
    this.#handshakeConfirmed = true;
    this.#peerCompletedAddressValidation = true;
    this.setLossDetectionTimer(now);
  }

  /**
   * Whether the peer completed address validation (§A.6): servers always
   * assume so; clients learn it from a Handshake ACK or handshake confirmation.
   */
  setPeerCompletedAddressValidation(v: boolean, now: number = this.#now): void {
    this.#peerCompletedAddressValidation = v;
    this.setLossDetectionTimer(now);
  }

  /** Handshake keys are available (the anti-deadlock probe is then a Handshake packet). */
  setHandshakeKeysAvailable(): void {
    this.#hasHandshakeKeys = true;
  }

  /**
   * Whether a server is blocked by its anti-amplification limit (RFC 9000 §8.1):
   * no PTO is armed while it is. When a datagram lifts the limit the timer is set
   * again (OnDatagramReceived, §A.6); if it is already past, the caller runs
   * {@link onLossDetectionTimeout} at once.
   */
  setAmplificationLimited(limited: boolean, now: number = this.#now): void {
    if (this.#amplificationLimited === limited) return;
    this.#amplificationLimited = limited;
    this.setLossDetectionTimer(now);
  }
}

function includesAckEliciting(packets: readonly SentPacket[]): boolean {
  for (let i = 0; i < packets.length; i++) if (packets[i]!.ackEliciting) return true;
  return false;
}
