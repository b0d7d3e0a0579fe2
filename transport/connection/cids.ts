/**
 * Connection IDs (RFC 9000 §5.1): the ones we issue (NEW_CONNECTION_ID out,
 * RETIRE_CONNECTION_ID in) and the ones the peer issues to us, with their
 * stateless reset tokens (§10.3).
 *
 * We keep sending to one peer CID until the peer retires it with
 * retire_prior_to or the path changes ({@link CidManager.rotate}, §9.5);
 * issued CIDs are told to the endpoint through events.
 *
 * @module
 */

import { TransportError } from "../errors.ts";
import type { NewConnectionIdFrame, RetireConnectionIdFrame } from "../frames/frame.ts";
import { FrameType } from "../frames/frame_type.ts";

/** A CID with its sequence number and reset token. */
export interface IssuedCid {
  readonly seq: number;
  readonly cid: Uint8Array;
  readonly resetToken: Uint8Array | null;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** How many CIDs from the peer we keep at most (our active_connection_id_limit). */
export const DEFAULT_ACTIVE_CID_LIMIT = 4;

/** Both directions' CIDs. */
export class CidManager {
  /** CIDs we issued and that are not retired. */
  readonly local: IssuedCid[] = [];
  /** Next sequence number for a CID we issue. */
  nextLocalSeq = 0;
  /** CIDs the peer gave us, not retired. */
  readonly remote: IssuedCid[] = [];
  /** Index in `remote` of the CID we send to. */
  #current = 0;
  /** Highest retire_prior_to seen. */
  #retirePriorTo = 0;
  /** Our active_connection_id_limit. */
  readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** The peer CID we send to. */
  get remoteCid(): Uint8Array {
    return this.remote[this.#current]!.cid;
  }

  /** Sets the first peer CID (seq 0), e.g. from the server's Initial or after Retry. */
  setInitialRemote(cid: Uint8Array, resetToken: Uint8Array | null = null): void {
    this.remote.length = 0;
    this.remote.push({ seq: 0, cid, resetToken });
    this.#current = 0;
  }

  /** Attaches the server's stateless_reset_token to peer CID 0 (RFC 9000 §18.2). */
  setInitialResetToken(token: Uint8Array): void {
    const first = this.remote.find((c) => c.seq === 0);
    if (first !== undefined) {
      this.remote[this.remote.indexOf(first)] = { seq: 0, cid: first.cid, resetToken: token };
    }
  }

  /** Records a CID we issue. */
  addLocal(cid: Uint8Array, resetToken: Uint8Array): IssuedCid {
    const c = { seq: this.nextLocalSeq++, cid, resetToken };
    this.local.push(c);
    return c;
  }

  /**
   * Handles NEW_CONNECTION_ID (§19.15). Returns the sequence numbers to retire
   * with RETIRE_CONNECTION_ID.
   */
  onNewConnectionId(f: NewConnectionIdFrame): number[] {
    if (this.remote.length > 0 && this.remote[this.#current]!.cid.length === 0) {
      throw TransportError.protocolViolation(
        "Cannot accept NEW_CONNECTION_ID: the peer uses zero-length CIDs",
        FrameType.NEW_CONNECTION_ID,
      );
    }
    const retire: number[] = [];
    const known = this.remote.find((c) => c.seq === f.seq);
    if (known !== undefined) {
      if (!bytesEqual(known.cid, f.cid)) {
        throw TransportError.protocolViolation(
          `Cannot accept NEW_CONNECTION_ID: sequence ${f.seq} reused with another CID`,
          FrameType.NEW_CONNECTION_ID,
        );
      }
    } else if (f.seq < this.#retirePriorTo) {
      // Already retired (§19.15): retire it again without storing it.
      retire.push(f.seq);
    } else {
      // Copies: the frame's views point into the received datagram, which may be a large
      // receive slab that a stored view would keep alive for the connection's lifetime.
      this.remote.push({ seq: f.seq, cid: f.cid.slice(), resetToken: f.resetToken.slice() });
    }
    if (f.retirePriorTo > this.#retirePriorTo) {
      this.#retirePriorTo = f.retirePriorTo;
      const currentSeq = this.remote[this.#current]!.seq;
      for (let i = this.remote.length - 1; i >= 0; i--) {
        const c = this.remote[i]!;
        if (c.seq < this.#retirePriorTo) {
          retire.push(c.seq);
          this.remote.splice(i, 1);
        }
      }
      if (currentSeq < this.#retirePriorTo) {
        if (this.remote.length === 0) {
          throw TransportError.protocolViolation(
            "Cannot accept retire_prior_to: no CID would be left",
            FrameType.NEW_CONNECTION_ID,
          );
        }
      }
    }
    if (this.remote.length > this.limit) {
      throw TransportError.connectionIdLimit(
        `Cannot accept NEW_CONNECTION_ID: ${this.remote.length} CIDs exceed our limit of ${this.limit}`,
      );
    }
    // Keep using the lowest live sequence number.
    let best = 0;
    for (let i = 1; i < this.remote.length; i++) {
      if (this.remote[i]!.seq < this.remote[best]!.seq) best = i;
    }
    this.#current = best;
    return retire;
  }

  /**
   * Handles RETIRE_CONNECTION_ID (§19.16). Returns the retired CID (for the
   * endpoint), or null when it was already retired.
   */
  onRetireConnectionId(f: RetireConnectionIdFrame, packetDcid: Uint8Array): Uint8Array | null {
    if (f.seq >= this.nextLocalSeq) {
      throw TransportError.protocolViolation(
        `Cannot retire CID ${f.seq}: never issued`,
        FrameType.RETIRE_CONNECTION_ID,
      );
    }
    const i = this.local.findIndex((c) => c.seq === f.seq);
    if (i < 0) return null;
    const c = this.local[i]!;
    if (bytesEqual(c.cid, packetDcid)) {
      throw TransportError.protocolViolation(
        `Cannot retire CID ${f.seq}: it is the packet's destination`,
        FrameType.RETIRE_CONNECTION_ID,
      );
    }
    this.local.splice(i, 1);
    return c.cid;
  }

  /** Peer CIDs we could switch to (not the current one). */
  get spareRemote(): number {
    return this.remote.length - 1;
  }

  /**
   * Switches to the unused peer CID with the lowest sequence number, for a new
   * path (RFC 9000 §9.5). Returns the sequence number of the CID left behind,
   * to retire with RETIRE_CONNECTION_ID, or -1 when no other CID is available.
   */
  rotate(): number {
    if (this.remote.length < 2) return -1;
    const old = this.remote[this.#current]!;
    this.remote.splice(this.#current, 1);
    let best = 0;
    for (let i = 1; i < this.remote.length; i++) {
      if (this.remote[i]!.seq < this.remote[best]!.seq) best = i;
    }
    this.#current = best;
    return old.seq;
  }

  /**
   * Switches to the peer CID with sequence number `seq` (the preferred
   * address's CID is 1, RFC 9000 §5.1.1). Returns the sequence number of the
   * CID left behind, or -1 when `seq` is not known or already current.
   */
  useSeq(seq: number): number {
    const i = this.remote.findIndex((c) => c.seq === seq);
    if (i < 0 || i === this.#current) return -1;
    const old = this.remote[this.#current]!;
    this.remote.splice(this.#current, 1);
    this.#current = this.remote.findIndex((c) => c.seq === seq);
    return old.seq;
  }

  /** True when `token` is the stateless reset token of a peer CID (RFC 9000 §10.3.1). */
  isStatelessReset(token: Uint8Array): boolean {
    for (const c of this.remote) {
      if (c.resetToken !== null && bytesEqual(c.resetToken, token)) return true;
    }
    return false;
  }
}
