/**
 * Spurious loss detection: packets declared lost (RFC 9002 §6.1) that the peer
 * acknowledges later, because they were reordered rather than lost.
 *
 * Lost packets are remembered per space for a while (the caller prunes them by
 * send time). When every packet whose loss made the congestion controller
 * reduce its window proves spurious, the reduction may be undone (RFC 9438
 * §4.9); RFC 9002 itself leaves spurious losses to the implementation.
 *
 * @module
 */

import { type SentPacket, SentPacketStore } from "./sent_packet.ts";
import { SPACE_COUNT, type SpaceId } from "./space_id.ts";

const NONE: readonly SentPacket[] = Object.freeze([]);

/** Tracks lost packets to recognise spurious losses. */
export class SpuriousLossDetector {
  readonly #lost: SentPacketStore[] = [];
  /** The lost packets behind the last window reduction. */
  #space = -1;
  #lo = 0;
  #hi = -1;
  #remaining = 0;
  /** Set by {@link onAckReceived} when the last reduction proved spurious. */
  undoDue = false;

  constructor() {
    for (let s = 0; s < SPACE_COUNT; s++) this.#lost.push(new SentPacketStore());
  }

  /**
   * Remembers packets just declared lost.
   *
   * @param space Their space.
   * @param lost The packets, in packet number order.
   * @param reducedWindow Whether these losses made the controller reduce its window.
   * @param persistent Whether they established persistent congestion (never undone).
   */
  onPacketsLost(
    space: SpaceId,
    lost: readonly SentPacket[],
    reducedWindow: boolean,
    persistent: boolean,
  ): void {
    const store = this.#lost[space]!;
    let counted = 0;
    for (let i = 0; i < lost.length; i++) {
      const p = lost[i]!;
      if (p.pn > store.largestSent) store.add(p);
      if (p.inFlight && p.isPmtuProbe !== true) counted++;
    }
    if (persistent) {
      this.#space = -1;
    } else if (reducedWindow && lost.length > 0) {
      this.#space = space;
      this.#lo = lost[0]!.pn;
      this.#hi = lost[lost.length - 1]!.pn;
      this.#remaining = counted;
    }
  }

  /**
   * Finds remembered lost packets that an ACK frame acknowledges, after
   * forgetting those sent before `horizon`. Sets {@link undoDue} when the last
   * reduction's losses all proved spurious.
   *
   * @param space The ACK's space.
   * @param ranges Flat descending inclusive pairs.
   * @param horizon Lost packets sent before this time (µs) are forgotten.
   * @returns The spuriously lost packets (a shared empty array when none).
   */
  onAckReceived(space: SpaceId, ranges: readonly number[], horizon: number): readonly SentPacket[] {
    this.undoDue = false;
    const store = this.#lost[space]!;
    for (let i = store.first(); i < store.end; i = store.next(i)) {
      if (store.packetAt(i).timeSent >= horizon) break;
      store.removeAt(i);
    }
    if (store.size === 0) return NONE;
    let found: SentPacket[] | null = null;
    for (let k = ranges.length - 2; k >= 0; k -= 2) {
      const hi = ranges[k]!;
      for (let i = store.seek(ranges[k + 1]!); i < store.end; i = store.next(i)) {
        if (store.packetAt(i).pn > hi) break;
        (found ??= []).push(store.removeAt(i));
      }
    }
    if (found === null) return NONE;
    if (this.#space === space) {
      for (const p of found) {
        if (p.pn >= this.#lo && p.pn <= this.#hi && p.inFlight && p.isPmtuProbe !== true) {
          this.#remaining--;
        }
      }
      if (this.#remaining <= 0) {
        this.#space = -1;
        this.undoDue = true;
      }
    }
    return found;
  }

  /** Forgets a discarded space. */
  discardSpace(space: SpaceId): void {
    this.#lost[space]!.clear();
    if (this.#space === space) this.#space = -1;
  }
}
