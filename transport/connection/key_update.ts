/**
 * 1-RTT keys and key updates (RFC 9001 §6).
 *
 * The read and write directions each have a key phase. An update we initiate
 * moves the write phase first; the peer answers in the new phase and our read
 * phase follows. An update the peer initiates moves our read phase, and we
 * answer by moving the write phase too (§6.2). The previous read keys are kept
 * for reordered packets until a discard deadline (3×PTO, §6.5); the next read
 * keys are derived on demand. We never initiate an update before a packet sent
 * in the current phase was acknowledged (§6.1), and we treat a second update by
 * the peer before we acknowledged (in the new phase) the packet that started the
 * previous one as KEY_UPDATE_ERROR (§6.2).
 *
 * @module
 */

import type { DirectionalKeys } from "../crypto/packet_protection.ts";
import { TransportError } from "../errors.ts";

/** Which read keys opened a packet. */
export const ReadGeneration = { Current: 0, Next: 1, Previous: 2 } as const;
/** One of {@link ReadGeneration}. */
export type ReadGeneration = typeof ReadGeneration[keyof typeof ReadGeneration];

/** 1-RTT keys with key phases. */
export class KeyUpdate {
  /** Current read keys. */
  read: DirectionalKeys;
  /** Current write keys. */
  write: DirectionalKeys;
  /** Key phase bit of `read`. */
  readPhase: 0 | 1 = 0;
  /** Key phase bit of `write`. */
  writePhase: 0 | 1 = 0;
  /** Read keys of the previous phase, until `prevDiscardAt`. */
  prev: DirectionalKeys | null = null;
  /** When to drop `prev` (µs). */
  prevDiscardAt = Infinity;
  #next: DirectionalKeys | null = null;
  /** First packet number sent in the current write phase, -1 before any. */
  firstSentPn = -1;
  /** A packet of the current write phase was acknowledged. */
  ackedInPhase = false;
  /** Lowest packet number received in the current read phase. */
  firstRecvPn = -1;
  /** We sent, under the current write keys, an ACK covering `firstRecvPn`. */
  ackedPhaseStart = true;
  /** Completed updates (both directions moved), for stats. */
  updates = 0;

  constructor(read: DirectionalKeys, write: DirectionalKeys) {
    this.read = read;
    this.write = write;
  }

  /** The keys to try for a short-header packet with key phase `bit` and packet number `pn`. */
  keysFor(bit: number, pn: number): { keys: DirectionalKeys; gen: ReadGeneration } {
    if (bit === this.readPhase) return { keys: this.read, gen: ReadGeneration.Current };
    if (this.prev !== null && pn < this.firstRecvPn) {
      return { keys: this.prev, gen: ReadGeneration.Previous };
    }
    if (this.#next === null) this.#next = this.read.nextGeneration();
    return { keys: this.#next, gen: ReadGeneration.Next };
  }

  /**
   * Records a packet opened with `gen` keys. On the first packet of a new phase,
   * rotates the read keys (and the write keys if the peer initiated). Throws
   * KEY_UPDATE_ERROR for a second peer update too early (§6.2).
   */
  onPacketOpened(gen: ReadGeneration, pn: number, now: number, pto: number): void {
    if (gen !== ReadGeneration.Next) {
      if (gen === ReadGeneration.Current && (this.firstRecvPn < 0 || pn < this.firstRecvPn)) {
        if (this.firstRecvPn < 0) this.firstRecvPn = pn;
      }
      return;
    }
    const peerInitiated = this.writePhase === this.readPhase;
    if (peerInitiated && !this.ackedPhaseStart) {
      throw TransportError.keyUpdate(
        "Cannot accept a key update: the previous one was not acknowledged yet",
      );
    }
    this.prev = this.read;
    this.read = this.#next!;
    this.#next = null;
    this.readPhase ^= 1;
    this.firstRecvPn = pn;
    this.ackedPhaseStart = false;
    this.prevDiscardAt = now + 3 * pto;
    if (peerInitiated) this.#rotateWrite();
    this.updates++;
  }

  /** True when we may start an update now (§6.1); the caller checks handshake confirmation. */
  canInitiate(): boolean {
    return this.readPhase === this.writePhase && this.ackedInPhase;
  }

  /** Starts an update; returns false when not allowed yet. */
  initiate(): boolean {
    if (!this.canInitiate()) return false;
    this.#rotateWrite();
    return true;
  }

  #rotateWrite(): void {
    this.write = this.write.nextGeneration();
    this.writePhase ^= 1;
    this.firstSentPn = -1;
    this.ackedInPhase = false;
  }

  /** Records a 1-RTT packet sent under the current write keys. */
  onPacketSent(pn: number): void {
    if (this.firstSentPn < 0) this.firstSentPn = pn;
  }

  /** Records that the peer acknowledged packet `pn`. */
  onPacketAcked(pn: number): void {
    if (this.firstSentPn >= 0 && pn >= this.firstSentPn) this.ackedInPhase = true;
  }

  /** Records that we sent an ACK whose largest is `largest` under the current write keys. */
  onAckSent(largest: number): void {
    if (
      !this.ackedPhaseStart && this.writePhase === this.readPhase && largest >= this.firstRecvPn
    ) {
      this.ackedPhaseStart = true;
    }
  }

  /** Drops the previous read keys when their time is up. */
  onTimeout(now: number): void {
    if (this.prev !== null && now >= this.prevDiscardAt) {
      this.prev = null;
      this.prevDiscardAt = Infinity;
    }
  }
}
