/**
 * Received packet tracking for one packet number space: what to acknowledge
 * and when (RFC 9000 §13.2).
 *
 * Ranges are kept as flat descending inclusive pairs `[hi0, lo0, hi1, lo1, …]`,
 * the shape of `AckFrame.ranges`, bounded by `maxRanges` (the lowest ranges are
 * dropped first, §13.2.3). Packet numbers below a floor are treated as
 * duplicates (§13.2.3 allows "a minimum packet number below which all packets
 * are immediately dropped"); the floor rises when an ACK of ours is itself
 * acknowledged (§13.2.4) or when ranges are pruned.
 *
 * ACK timing (§13.2.1, §13.2.2): at once for every `ackElicitingThreshold`
 * (2) ack-eliciting packets, for an ack-eliciting packet received out of order
 * or past a gap, for a CE-marked packet, or when `maxAckDelay` is 0 (Initial and
 * Handshake, which are acknowledged immediately); otherwise within
 * `maxAckDelay` of the first unacknowledged ack-eliciting packet.
 * Non-ack-eliciting packets are recorded but never make an ACK due.
 *
 * @module
 */

/** Default number of ACK ranges kept (arbitrary; quinn and aioquic keep a few dozen). */
export const DEFAULT_MAX_ACK_RANGES = 32;
/** Default local max_ack_delay for the Application space, µs (RFC 9000 §18.2 default). */
export const DEFAULT_MAX_ACK_DELAY = 25_000;

/** ECN codepoints of the IP header (RFC 3168 §5). */
export const EcnCodepoint = { NotEct: 0, Ect1: 1, Ect0: 2, Ce: 3 } as const;

/** Options of {@link AckTracker}. */
export interface AckTrackerOptions {
  /** Our max_ack_delay, µs; 0 acknowledges every ack-eliciting packet at once. Default 25 ms. */
  maxAckDelay?: number;
  /** Ack-eliciting packets received before an ACK is sent at once (default 2, §13.2.2). */
  ackElicitingThreshold?: number;
  /** Most ranges kept (default 32). */
  maxRanges?: number;
}

/**
 * Tracks received packet numbers of one space.
 *
 * @example Two in-order packets make an ACK due
 * ```ts
 * import { AckTracker } from "./ack_tracker.ts";
 * import assert from "node:assert/strict";
 * const t = new AckTracker({ maxAckDelay: 25_000 });
 * t.onPacketReceived(0, true, 1000);
 * assert.equal(t.ackDue(1000), false);
 * assert.equal(t.ackDeadline(), 26_000);
 * t.onPacketReceived(1, true, 2000);
 * assert.equal(t.ackDue(2000), true);
 * assert.deepEqual(t.ranges(), [1, 0]);
 * assert.equal(t.ackDelay(2500), 500);
 * ```
 */
export class AckTracker {
  /** Our max_ack_delay, µs (0: immediate). */
  maxAckDelay: number;
  /**
   * Ack-eliciting packets received before an ACK is sent at once (§13.2.2's
   * "at least every second"; a plugin may raise it, as the ACK frequency
   * extension lets a peer ask for).
   */
  ackElicitingThreshold: number;
  readonly #maxRanges: number;
  #ranges: number[] = [];
  #floor = 0;
  #largest = -1;
  #largestTime = 0;
  #largestAckEliciting = -1;
  #unackedAckEliciting = 0;
  #deadline = Infinity;
  #pending = false;
  #ect0 = 0;
  #ect1 = 0;
  #ce = 0;

  /**
   * Creates a tracker with nothing received.
   *
   * @param opts See {@link AckTrackerOptions}.
   */
  constructor(opts: AckTrackerOptions = {}) {
    this.maxAckDelay = opts.maxAckDelay ?? DEFAULT_MAX_ACK_DELAY;
    this.ackElicitingThreshold = opts.ackElicitingThreshold ?? 2;
    this.#maxRanges = opts.maxRanges ?? DEFAULT_MAX_ACK_RANGES;
  }

  /** The largest packet number received, -1 when none. */
  get largest(): number {
    return this.#largest;
  }
  /** Packet numbers below this are dropped as duplicates. */
  get floor(): number {
    return this.#floor;
  }
  /** Whether any packet arrived since the last ACK was sent (an ACK may ride along). */
  get pending(): boolean {
    return this.#pending && this.#ranges.length > 0;
  }
  /** Ack-eliciting packets received since the last ACK was sent. */
  get unackedAckEliciting(): number {
    return this.#unackedAckEliciting;
  }
  /** How many ranges are held. */
  get rangeCount(): number {
    return this.#ranges.length >> 1;
  }

  /**
   * Whether a packet number was already received (or is below the floor).
   *
   * @param pn A full packet number.
   */
  isDuplicate(pn: number): boolean {
    if (pn < this.#floor) return true;
    const r = this.#ranges;
    for (let k = 0; k < r.length; k += 2) {
      if (pn > r[k]!) return false;
      if (pn >= r[k + 1]!) return true;
    }
    return false;
  }

  /**
   * Records a packet that was successfully unprotected.
   *
   * @param pn The full packet number.
   * @param ackEliciting Whether it held an ack-eliciting frame.
   * @param now When it arrived, µs.
   * @param ecn The ECN codepoint of its IP header (see {@link EcnCodepoint}).
   * @returns `false` when it is a duplicate, which the caller drops unprocessed.
   */
  onPacketReceived(pn: number, ackEliciting: boolean, now: number, ecn = 0): boolean {
    if (this.isDuplicate(pn)) return false;
    this.#insert(pn);
    if (pn > this.#largest) {
      this.#largest = pn;
      this.#largestTime = now;
    }
    this.#pending = true;
    if (ecn === EcnCodepoint.Ect0) this.#ect0++;
    else if (ecn === EcnCodepoint.Ect1) this.#ect1++;
    else if (ecn === EcnCodepoint.Ce) this.#ce++;
    if (!ackEliciting) return true;

    this.#unackedAckEliciting++;
    let immediate = this.maxAckDelay === 0 ||
      this.#unackedAckEliciting >= this.ackElicitingThreshold || ecn === EcnCodepoint.Ce;
    if (pn < this.#largestAckEliciting) {
      // §13.2.1: below another ack-eliciting packet already received.
      immediate = true;
    } else {
      // §13.2.1: above the largest ack-eliciting one, with missing packets between.
      if (this.#lowOfRangeContaining(pn) > this.#largestAckEliciting + 1) immediate = true;
      this.#largestAckEliciting = pn;
    }
    const due = immediate ? now : now + this.maxAckDelay;
    if (due < this.#deadline) this.#deadline = due;
    return true;
  }

  /** Whether an ACK should be sent now. */
  ackDue(now: number): boolean {
    return this.#deadline <= now;
  }

  /** When an ACK becomes due, absolute µs; `Infinity` when none is owed. */
  ackDeadline(): number {
    return this.#deadline;
  }

  /** The ranges to acknowledge, as a fresh flat descending pair array (empty when none). */
  ranges(): number[] {
    return this.#ranges.slice();
  }

  /** The ACK Delay to report, µs: time since the largest packet arrived (§13.2.5). */
  ackDelay(now: number): number {
    return Math.max(0, now - this.#largestTime);
  }

  /** ECN counts to report in ACK_ECN, or `undefined` when no ECN-marked packet arrived. */
  ecnCounts(): { ect0: number; ect1: number; ce: number } | undefined {
    if (this.#ect0 + this.#ect1 + this.#ce === 0) return undefined;
    return { ect0: this.#ect0, ect1: this.#ect1, ce: this.#ce };
  }

  /** An ACK with the current ranges was sent: nothing is owed any more. */
  onAckSent(_now: number): void {
    this.#unackedAckEliciting = 0;
    this.#deadline = Infinity;
    this.#pending = false;
  }

  /**
   * A packet carrying our ACK was acknowledged: packets up to that ACK's Largest
   * Acknowledged need not be acknowledged again (§13.2.4).
   *
   * @param largestAckedInOurAck The Largest Acknowledged of the ACK frame we sent.
   */
  onAckOfAck(largestAckedInOurAck: number): void {
    const cut = largestAckedInOurAck + 1;
    if (cut <= this.#floor) return;
    this.#floor = cut;
    const r = this.#ranges;
    let k = 0;
    while (k < r.length && r[k + 1]! >= cut) k += 2;
    if (k < r.length && r[k]! >= cut) {
      r[k + 1] = cut;
      k += 2;
    }
    r.length = k;
  }

  /** The lowest packet number of the range holding `pn` (which is held). */
  #lowOfRangeContaining(pn: number): number {
    const r = this.#ranges;
    for (let k = 0; k < r.length; k += 2) if (pn >= r[k + 1]!) return r[k + 1]!;
    return pn;
  }

  /** Adds a packet number known not to be held, merging neighbours. */
  #insert(pn: number): void {
    const r = this.#ranges;
    const n = r.length;
    for (let k = 0; k < n; k += 2) {
      const hi = r[k]!;
      const lo = r[k + 1]!;
      if (pn > hi + 1) {
        r.splice(k, 0, pn, pn);
        this.#prune();
        return;
      }
      if (pn === hi + 1) {
        r[k] = pn;
        return;
      }
      if (pn === lo - 1) {
        if (k + 2 < n && r[k + 2] === pn - 1) {
          r[k + 1] = r[k + 3]!;
          r.splice(k + 2, 2);
        } else {
          r[k + 1] = pn;
        }
        return;
      }
    }
    r.push(pn, pn);
    this.#prune();
  }

  /** Drops the lowest ranges beyond `maxRanges`, raising the floor above them. */
  #prune(): void {
    const r = this.#ranges;
    const max = this.#maxRanges * 2;
    if (r.length <= max) return;
    this.#floor = Math.max(this.#floor, r[max]! + 1);
    r.length = max;
  }
}
