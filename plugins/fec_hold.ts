/**
 * The sender's side of forward erasure correction (plugins/fec): which sent
 * packets are source symbols, which repair symbols protect them, and the
 * connection's {@link LossHold} (transport/connection/loss_hold.ts) that keeps
 * the frames of a lost protected packet back until the peer reports it rebuilt
 * (RECOVERED: delivered) or the repair symbols that protect it are settled
 * without that (lost: core sends the frames again). Also what the FEC helpers
 * counted, for tests, benchmarks and the summary.
 *
 * @module
 */

import type { Connection } from "../transport/connection/connection.ts";
import { ConnectionState } from "../transport/connection/events.ts";
import { type LossHold, releaseHeld } from "../transport/connection/loss_hold.ts";
import type { SentPacket } from "../transport/recovery/sent_packet.ts";
import { SpaceId } from "../transport/recovery/space_id.ts";

/**
 * A held packet is released as lost after HOLD_RTTS smoothed RTTs, within MIN_HOLD_US and
 * MAX_HOLD_US, whatever happens (arbitrary bounds: its repair symbols normally settle it
 * within one RTT of the loss).
 */
const HOLD_RTTS = 4;
const MIN_HOLD_US = 20_000;
const MAX_HOLD_US = 2_000_000;
/** Sent packet number → source symbol id entries kept (an arbitrary bound; a power of two). */
const MAX_PROTECTED = 8192;

/** What the FEC helpers counted on one connection (tests, benchmarks). */
export interface FecCounters {
  /** Packets we rebuilt and processed (receiver). */
  recovered: number;
  /** Rebuilt packets we had received already (receiver). */
  recoveredDuplicate: number;
  /** Lost packets whose frames were held back (sender). */
  held: number;
  /** Held packets the peer reported rebuilt: never retransmitted (sender). */
  releasedDelivered: number;
  /** Held packets released as lost: retransmitted (sender). */
  releasedLost: number;
  /** Held packets released as lost because they were held too long (sender). */
  releasedLate: number;
  /** Packets the peer reported rebuilt after their frames had been re-queued (sender). */
  recoveredLate: number;
  /** Source symbols recorded (sender). */
  sourceSymbols: number;
  /** The packet numbers rebuilt (receiver; the newest MAX_LISTED). */
  readonly recoveredPns: number[];
  /** The packet numbers released as delivered (sender; the newest MAX_LISTED). */
  readonly deliveredPns: number[];
  /** The packet numbers whose frames were re-queued while protected (sender; newest MAX_LISTED). */
  readonly retransmittedPns: number[];
}

/** Packet numbers listed in {@link FecCounters} (an arbitrary bound). */
const MAX_LISTED = 1024;

/**
 * Appends a packet number to one of the lists of {@link FecCounters}, dropping the oldest.
 *
 * @param a the list
 * @param pn the packet number
 */
export function list(a: number[], pn: number): void {
  if (a.length === MAX_LISTED) a.shift();
  a.push(pn);
}

/**
 * Counters at zero (what a connection without the FEC helpers' state counted).
 *
 * @returns fresh counters
 */
export function emptyFecCounters(): FecCounters {
  return {
    recovered: 0,
    recoveredDuplicate: 0,
    held: 0,
    releasedDelivered: 0,
    releasedLost: 0,
    releasedLate: 0,
    recoveredLate: 0,
    sourceSymbols: 0,
    recoveredPns: [],
    deliveredPns: [],
    retransmittedPns: [],
  };
}

interface Held {
  readonly p: SentPacket;
  readonly fpid: number;
  readonly since: number;
}

/** The sender's hold on lost protected packets (one per connection). */
export class FecLossHold implements LossHold {
  /** Counters. */
  readonly counters: FecCounters = emptyFecCounters();
  readonly #conn: Connection;
  /**
   * Packet number → source symbol id, for the newest MAX_PROTECTED packet numbers: a ring
   * indexed by packet number (a Map cost an insertion and an eviction per packet).
   */
  readonly #ringPn = new Float64Array(MAX_PROTECTED).fill(-1);
  readonly #ringFpid = new Float64Array(MAX_PROTECTED);
  /** Source symbol id → unresolved repair symbols covering it. */
  readonly #coverage = new Map<number, number>();
  /** Held packets by packet number. */
  readonly #held = new Map<number, Held>();
  /** Source symbol id → held packet number. */
  readonly #heldByFpid = new Map<number, number>();
  /** Held packets no repair covers any more: released as lost at the next flush. */
  readonly #due: number[] = [];
  /** Packets lost and not held, for `recoveredLate`. */
  readonly #lostUnheld = new Set<number>();
  /** Coverage ends waiting for the next flush: first, count pairs. */
  readonly #ends: number[] = [];
  /** Packets the peer rebuilt before we declared them lost. */
  readonly #recoveredEarly = new Set<number>();
  /** Packets rebuilt early and now declared lost: released as delivered at the next flush. */
  readonly #deliver: Held[] = [];

  /** @param conn the connection */
  constructor(conn: Connection) {
    this.#conn = conn;
  }

  /** Records that packet `pn` carries source symbol `fpid`. */
  protect(pn: number, fpid: number): void {
    const i = pn & (MAX_PROTECTED - 1);
    this.#ringPn[i] = pn;
    this.#ringFpid[i] = fpid;
    this.counters.sourceSymbols++;
  }

  /**
   * A repair symbol over `first..first+n-1` is queued (+1) or resolved (−1). A resolution
   * takes effect at the next flush: the ACK that acknowledges a repair symbol may also declare
   * a packet it protects lost, and the RECOVERED frame for that packet comes after the ACK.
   */
  cover(first: number, n: number, delta: 1 | -1): void {
    if (delta === -1) {
      this.#ends.push(first, n);
      return;
    }
    this.#apply(first, n, 1);
  }

  #apply(first: number, n: number, delta: 1 | -1): void {
    const cov = this.#coverage;
    for (let id = first; id < first + n; id++) {
      const v = (cov.get(id) ?? 0) + delta;
      if (v > 0) {
        cov.set(id, v);
        continue;
      }
      cov.delete(id);
      const pn = this.#heldByFpid.get(id);
      if (pn !== undefined) this.#due.push(pn);
    }
  }

  /**
   * Holds a lost packet when it is a source symbol that a repair symbol in flight (or a
   * window being encoded) protects, or when the peer already reported it rebuilt.
   *
   * @param p the lost packet
   * @param now current time, µs
   * @returns whether its frames are held
   */
  onLost(p: SentPacket, now: number): boolean {
    if (p.space !== SpaceId.Application) return false;
    const fpid = this.#fpidOf(p.pn);
    if (fpid === undefined) return false;
    this.#ringPn[p.pn & (MAX_PROTECTED - 1)] = -1;
    if (this.#recoveredEarly.delete(p.pn)) {
      this.#deliver.push({ p, fpid, since: now });
      this.counters.held++;
      return true;
    }
    if (this.#conn.state >= ConnectionState.Closing || (this.#coverage.get(fpid) ?? 0) === 0) {
      list(this.counters.retransmittedPns, p.pn);
      this.#lostUnheld.add(p.pn);
      if (this.#lostUnheld.size > MAX_PROTECTED) {
        this.#lostUnheld.delete(this.#lostUnheld.values().next().value!);
      }
      return false;
    }
    this.#held.set(p.pn, { p, fpid, since: now });
    this.#heldByFpid.set(fpid, p.pn);
    this.counters.held++;
    return true;
  }

  /** The source symbol id packet `pn` carries, when it is one of the newest recorded. */
  #fpidOf(pn: number): number | undefined {
    const i = pn & (MAX_PROTECTED - 1);
    return this.#ringPn[i] === pn ? this.#ringFpid[i] : undefined;
  }

  /** The peer rebuilt packet `pn`; returns whether it was held. */
  peerRecovered(pn: number): boolean {
    const h = this.#held.get(pn);
    if (h === undefined) {
      if (this.#lostUnheld.delete(pn)) this.counters.recoveredLate++;
      else if (this.#fpidOf(pn) !== undefined) this.#recoveredEarly.add(pn); // not lost yet
      return false;
    }
    this.#release(pn, h, true);
    return true;
  }

  /**
   * Applies the coverage ends of the last datagram, then releases: packets rebuilt early as
   * delivered, packets no repair symbol protects any more as lost, and packets held too long.
   *
   * @param now current time, µs
   */
  flush(now: number): void {
    const ends = this.#ends;
    for (let i = 0; i < ends.length; i += 2) this.#apply(ends[i]!, ends[i + 1]!, -1);
    ends.length = 0;
    const deliver = this.#deliver;
    for (let i = 0; i < deliver.length; i++) {
      this.counters.releasedDelivered++;
      list(this.counters.deliveredPns, deliver[i]!.p.pn);
      releaseHeld(this.#conn, deliver[i]!.p, true);
    }
    deliver.length = 0;
    const due = this.#due;
    for (let i = 0; i < due.length; i++) {
      const pn = due[i]!;
      const h = this.#held.get(pn);
      if (h !== undefined) this.#release(pn, h, false);
    }
    due.length = 0;
    if (this.#held.size === 0) return;
    const c = this.#conn;
    const limit = this.#holdLimit();
    const closing = c.state >= ConnectionState.Closing;
    for (const [pn, h] of this.#held) {
      if (now - h.since >= limit || closing) {
        if (!closing) this.counters.releasedLate++;
        this.#release(pn, h, false);
      }
    }
  }

  /** When the oldest held packet is held too long (µs), `Infinity` when none is held. */
  deadline(): number {
    if (this.#held.size === 0) return Infinity;
    // Map order is hold order: the first entry was held first.
    const first = this.#held.values().next().value!;
    return first.since + this.#holdLimit();
  }

  #holdLimit(): number {
    const rtt = this.#conn.loss.rtt.smoothed;
    return Math.min(MAX_HOLD_US, Math.max(MIN_HOLD_US, HOLD_RTTS * rtt));
  }

  /** Packets held now. */
  get holding(): number {
    return this.#held.size;
  }

  #release(pn: number, h: Held, delivered: boolean): void {
    this.#held.delete(pn);
    this.#heldByFpid.delete(h.fpid);
    if (delivered) {
      this.counters.releasedDelivered++;
      list(this.counters.deliveredPns, pn);
    } else {
      this.counters.releasedLost++;
      list(this.counters.retransmittedPns, pn);
    }
    releaseHeld(this.#conn, h.p, delivered);
  }
}

const HOLDS = new WeakMap<Connection, FecLossHold>();

/**
 * The FEC state of a connection, installed as its `lossHold` on first use.
 *
 * @param conn the connection
 * @returns its hold (counters included)
 */
export function fecHold(conn: Connection): FecLossHold {
  let h = HOLDS.get(conn);
  if (h === undefined) {
    h = new FecLossHold(conn);
    HOLDS.set(conn, h);
    conn.lossHold = h;
  }
  return h;
}

/**
 * What the FEC helpers counted on a connection, or null when no FEC plugin ran on it.
 *
 * @param conn the connection
 * @returns the counters
 */
export function fecCounters(conn: Connection): FecCounters | null {
  return HOLDS.get(conn)?.counters ?? null;
}
