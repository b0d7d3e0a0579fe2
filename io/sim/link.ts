/**
 * One direction of a simulated network link, picoquic's `sim_link` in spirit:
 * serialisation at a bandwidth, a drop-tail queue, one-way delay, random and
 * bursty (Gilbert–Elliott) loss, an exact 64-bit loss mask, reordering,
 * corruption, blackhole periods and an MTU.
 *
 * A link decides, when a datagram enters it, whether and when it comes out.
 * It draws randomness only from the `Random` it is given, so a seeded network
 * is reproducible to the byte.
 *
 * @module
 */

import type { Random } from "../../transport/random.ts";

/** Gilbert–Elliott two-state burst-loss model. */
export interface GilbertElliott {
  /** Probability of moving from the good to the bad state, per packet. */
  readonly p: number;
  /** Probability of moving from the bad to the good state, per packet. */
  readonly r: number;
  /** Loss probability in the bad state (default 1). */
  readonly h?: number;
  /** Loss probability in the good state (default 0). */
  readonly k?: number;
  /**
   * Longest run of packets in the bad state; the chain returns to the good
   * state after it (the interop runner's drop-rate bursts are capped). Default: no cap.
   */
  readonly maxBurst?: number;
}

/** How a link behaves. Every field is optional: the default link is ideal. */
export interface LinkConfig {
  /** One-way propagation delay in microseconds. */
  readonly delay?: number;
  /** Bandwidth in bits per second; 0 or absent means unlimited. */
  readonly bandwidth?: number;
  /** Datagrams that may wait for the link (drop-tail); absent means unlimited. */
  readonly queue?: number;
  /** Independent random loss probability per datagram. */
  readonly loss?: number;
  /** Bursty loss. */
  readonly burstLoss?: GilbertElliott;
  /**
   * Exact loss pattern: bit `i % 64` set drops the i-th datagram that enters
   * the link (picoquic's loss mask), counted from the link's creation.
   */
  readonly lossMask?: bigint;
  /** Probability that a datagram is held back by `reorderDelay`. */
  readonly reorder?: number;
  /** Extra delay of a reordered datagram, microseconds (default 2 × delay or 1 ms). */
  readonly reorderDelay?: number;
  /** Uniform random extra delay in [0, jitter) microseconds (order kept by the queue). */
  readonly jitter?: number;
  /** Probability that one random byte of the datagram is flipped. */
  readonly corrupt?: number;
  /** Largest datagram carried; larger ones are dropped. */
  readonly mtu?: number;
  /** Periods `[start, end)` in microseconds during which everything is dropped. */
  readonly blackholes?: readonly (readonly [number, number])[];
}

/** Why a link dropped a datagram. */
export type DropReason = "loss" | "burst" | "mask" | "queue" | "mtu" | "blackhole";

/** What happened to one datagram. */
export type LinkVerdict =
  | { readonly dropped: false; readonly arrival: number; readonly corrupted: boolean }
  | { readonly dropped: true; readonly reason: DropReason };

/** Counters kept per link. */
export interface LinkStats {
  sent: number;
  delivered: number;
  bytes: number;
  dropped: Record<DropReason, number>;
  corrupted: number;
  reordered: number;
}

/** One direction of a link with its state. */
export class Link {
  readonly config: LinkConfig;
  readonly stats: LinkStats = {
    sent: 0,
    delivered: 0,
    bytes: 0,
    dropped: { loss: 0, burst: 0, mask: 0, queue: 0, mtu: 0, blackhole: 0 },
    corrupted: 0,
    reordered: 0,
  };
  #random: Random;
  #busyUntil = 0;
  #lastArrival = 0;
  #departures: number[] = [];
  #index = 0;
  #bad = false;
  #badRun = 0;

  constructor(config: LinkConfig, random: Random) {
    this.config = config;
    this.#random = random;
  }

  /**
   * Admits a datagram of `size` bytes at time `now`; may flip a byte of
   * `datagram` in place when the link corrupts.
   */
  admit(datagram: Uint8Array, now: number): LinkVerdict {
    const c = this.config;
    const index = this.#index++;
    this.stats.sent++;
    if (c.mtu !== undefined && datagram.length > c.mtu) return this.#drop("mtu");
    if (c.blackholes !== undefined) {
      for (const [start, end] of c.blackholes) {
        if (now >= start && now < end) return this.#drop("blackhole");
      }
    }
    if (c.lossMask !== undefined && ((c.lossMask >> BigInt(index % 64)) & 1n) === 1n) {
      return this.#drop("mask");
    }
    if (c.burstLoss !== undefined) {
      const ge = c.burstLoss;
      // Transition first, then draw the loss in the new state.
      if (this.#bad) {
        if (this.#random.float() < ge.r || this.#badRun >= (ge.maxBurst ?? Infinity)) {
          this.#bad = false;
        }
      } else if (this.#random.float() < ge.p) {
        this.#bad = true;
      }
      this.#badRun = this.#bad ? this.#badRun + 1 : 0;
      const lossProbability = this.#bad ? (ge.h ?? 1) : (ge.k ?? 0);
      if (lossProbability > 0 && this.#random.float() < lossProbability) {
        return this.#drop("burst");
      }
    }
    if (c.loss !== undefined && c.loss > 0 && this.#random.float() < c.loss) {
      return this.#drop("loss");
    }
    // Drop-tail queue: datagrams still waiting to start transmission.
    const deps = this.#departures;
    while (deps.length > 0 && deps[0]! <= now) deps.shift();
    if (c.queue !== undefined && deps.length >= c.queue) return this.#drop("queue");

    const bw = c.bandwidth ?? 0;
    const start = Math.max(now, this.#busyUntil);
    const txTime = bw > 0 ? Math.ceil((datagram.length * 8 * 1_000_000) / bw) : 0;
    this.#busyUntil = start + txTime;
    if (bw > 0) deps.push(this.#busyUntil);
    let arrival = this.#busyUntil + (c.delay ?? 0);
    if (c.jitter !== undefined && c.jitter > 0) {
      // Jitter never reorders: arrivals stay monotonic.
      arrival = Math.max(this.#lastArrival, arrival + Math.floor(this.#random.float() * c.jitter));
    }
    if (c.reorder !== undefined && c.reorder > 0 && this.#random.float() < c.reorder) {
      arrival += c.reorderDelay ?? Math.max(1000, 2 * (c.delay ?? 0));
      this.stats.reordered++;
    } else {
      this.#lastArrival = arrival;
    }
    let corrupted = false;
    if (c.corrupt !== undefined && c.corrupt > 0 && datagram.length > 0) {
      if (this.#random.float() < c.corrupt) {
        const at = this.#random.u32() % datagram.length;
        datagram[at]! ^= 1 << (this.#random.u32() % 8);
        corrupted = true;
        this.stats.corrupted++;
      }
    }
    this.stats.delivered++;
    this.stats.bytes += datagram.length;
    return { dropped: false, arrival, corrupted };
  }

  #drop(reason: DropReason): LinkVerdict {
    this.stats.dropped[reason]++;
    return { dropped: true, reason };
  }
}
