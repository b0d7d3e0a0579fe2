/**
 * Sent packets and the per-space store that holds them until they are
 * acknowledged, declared lost or discarded (RFC 9002 Appendix A.1.1).
 *
 * The store is built for tens of thousands of packets in flight: packets are
 * appended in packet number order to parallel arrays, so lookups are a binary
 * search, and removal leaves a tombstone that a union-find "next live entry"
 * pointer skips (with path compression), so walking a range of an ACK frame or
 * the unacknowledged packets never re-visits removed entries more than once
 * amortised. The dead prefix is compacted away on `add()`, never during a walk,
 * so indices stay valid while a caller iterates and removes.
 *
 * This module does not interpret frames: a packet carries the frames it held so
 * that the connection can react when the packet is acknowledged or lost.
 *
 * @module
 */

import type { Frame } from "../frames/frame.ts";
import type { SpaceId } from "./space_id.ts";
import type { ReservedFrame } from "../protoop/reservations.ts";

/** One sent packet, as recovery remembers it (RFC 9002 §A.1.1). */
export interface SentPacket {
  /** The full packet number. */
  pn: number;
  /** The packet number space the packet was sent in. */
  space: SpaceId;
  /** When it was sent, integer µs. */
  timeSent: number;
  /** Bytes sent, counted against the congestion window when in flight (UDP payload). */
  size: number;
  /** True when it held an ack-eliciting frame (RFC 9002 §2). */
  ackEliciting: boolean;
  /** True when it counts towards bytes in flight: ack-eliciting, PADDING or probing frames. */
  inFlight: boolean;
  /** The frames it carried, to notify on acknowledgement or loss. */
  frames: Frame[];
  /** True for a DPLPMTUD probe: its loss is not a congestion signal (RFC 8899 §3). */
  isPmtuProbe?: boolean;
  /** True for a 0-RTT packet (removed from flight when 0-RTT is rejected, RFC 9002 §6.4). */
  isZeroRtt?: boolean;
  /** Plugin frames it carries (frame reservations), told apart from core frames. */
  pluginFrames?: ReservedFrame[];
}

/**
 * The packets of one space that are neither acknowledged, lost nor discarded,
 * ordered by packet number. Walk it with an index cursor:
 *
 * @example Walking and removing
 * ```ts
 * import { SentPacketStore } from "./sent_packet.ts";
 * import assert from "node:assert/strict";
 * const store = new SentPacketStore();
 * for (let pn = 0; pn < 5; pn++) {
 *   store.add({ pn, space: 2, timeSent: pn, size: 100, ackEliciting: true, inFlight: true, frames: [] });
 * }
 * for (let i = store.seek(1); i < store.end && store.packetAt(i).pn <= 3; i = store.next(i)) {
 *   store.removeAt(i);
 * }
 * assert.deepEqual(store.toArray().map((p) => p.pn), [0, 4]);
 * assert.equal(store.bytesInFlight, 200);
 * ```
 */
export class SentPacketStore {
  #pns: number[] = [];
  #packets: (SentPacket | null)[] = [];
  /** Union-find successor: `#next[i] === i` when entry i is live. */
  #next: number[] = [];
  #head = 0;
  #live = 0;
  #largestSent = -1;
  #ackElicitingInFlight = 0;
  #bytesInFlight = 0;

  /** Live packets held. */
  get size(): number {
    return this.#live;
  }
  /** The largest packet number ever added, -1 when none. */
  get largestSent(): number {
    return this.#largestSent;
  }
  /** Ack-eliciting in-flight packets held (RFC 9002 "ack-eliciting packets in flight"). */
  get ackElicitingInFlight(): number {
    return this.#ackElicitingInFlight;
  }
  /** Bytes of the in-flight packets held. */
  get bytesInFlight(): number {
    return this.#bytesInFlight;
  }
  /** One past the last index: a cursor equal to `end` is exhausted. */
  get end(): number {
    return this.#pns.length;
  }

  /**
   * Appends a packet. Packet numbers must increase (gaps are allowed).
   *
   * @param p The packet.
   * @throws {RangeError} When `p.pn` is not above every packet number added before.
   */
  add(p: SentPacket): void {
    if (p.pn <= this.#largestSent) {
      throw new RangeError(`Cannot add packet ${p.pn}: packet ${this.#largestSent} was sent`);
    }
    if (this.#head >= 64 && this.#head * 2 >= this.#pns.length) this.#compact();
    const i = this.#pns.length;
    this.#pns.push(p.pn);
    this.#packets.push(p);
    this.#next.push(i);
    this.#largestSent = p.pn;
    this.#live++;
    if (p.inFlight) {
      this.#bytesInFlight += p.size;
      if (p.ackEliciting) this.#ackElicitingInFlight++;
    }
  }

  /**
   * The live packet with this number.
   *
   * @param pn A packet number.
   * @returns The packet, or `undefined` when never sent or already removed.
   */
  get(pn: number): SentPacket | undefined {
    const i = this.#lowerBound(pn);
    if (i < this.#pns.length && this.#pns[i] === pn) return this.#packets[i] ?? undefined;
    return undefined;
  }

  /** The index of the first live packet, `end` when empty. */
  first(): number {
    return this.#find(this.#head);
  }

  /** The index of the first live packet whose number is ≥ `pn`, `end` when none. */
  seek(pn: number): number {
    return this.#find(this.#lowerBound(pn));
  }

  /** The index of the live packet after index `i`, `end` when none. */
  next(i: number): number {
    return this.#find(i + 1);
  }

  /** The packet at a live index returned by `first`/`seek`/`next`. */
  packetAt(i: number): SentPacket {
    const p = this.#packets[i];
    if (p == null) throw new RangeError(`Cannot read sent packet index ${i}: not live`);
    return p;
  }

  /**
   * Removes the packet at a live index; cursors stay valid.
   *
   * @returns The removed packet.
   */
  removeAt(i: number): SentPacket {
    const p = this.packetAt(i);
    this.#packets[i] = null;
    this.#next[i] = i + 1;
    this.#live--;
    if (p.inFlight) {
      this.#bytesInFlight -= p.size;
      if (p.ackEliciting) this.#ackElicitingInFlight--;
    }
    if (i === this.#head) this.#head = this.#find(i + 1);
    return p;
  }

  /** The live packets in packet number order (allocates; for tests and discarding). */
  toArray(): SentPacket[] {
    const out: SentPacket[] = [];
    for (let i = this.first(); i < this.end; i = this.next(i)) out.push(this.packetAt(i));
    return out;
  }

  /** Forgets every packet (the largest sent packet number is kept). */
  clear(): void {
    this.#pns = [];
    this.#packets = [];
    this.#next = [];
    this.#head = 0;
    this.#live = 0;
    this.#ackElicitingInFlight = 0;
    this.#bytesInFlight = 0;
  }

  /** The first index whose packet number (live or not) is ≥ pn. */
  #lowerBound(pn: number): number {
    const pns = this.#pns;
    let lo = this.#head;
    let hi = pns.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pns[mid]! < pn) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first live index ≥ i (union-find with path compression). */
  #find(i: number): number {
    const next = this.#next;
    const n = next.length;
    let root = i;
    while (root < n && next[root] !== root) root = next[root]!;
    while (i < n && next[i] !== i) {
      const up = next[i]!;
      next[i] = root;
      i = up;
    }
    return root;
  }

  /** Drops the dead prefix so memory follows the live window. */
  #compact(): void {
    const h = this.#head;
    this.#pns = this.#pns.slice(h);
    this.#packets = this.#packets.slice(h);
    const next = this.#next;
    const out = new Array<number>(next.length - h);
    for (let i = h; i < next.length; i++) out[i - h] = next[i]! - h;
    this.#next = out;
    this.#head = 0;
  }
}
