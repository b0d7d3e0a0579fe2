/**
 * NEW_CONNECTION_ID and RETIRE_CONNECTION_ID (RFC 9000 §19.15, §19.16).
 *
 * ```
 * NEW_CONNECTION_ID Frame {
 *   Type (i) = 0x18,
 *   Sequence Number (i),
 *   Retire Prior To (i),
 *   Length (8),
 *   Connection ID (8..160),
 *   Stateless Reset Token (128),
 * }
 *
 * RETIRE_CONNECTION_ID Frame {
 *   Type (i) = 0x19,
 *   Sequence Number (i),
 * }
 * ```
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.15 and
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-19.16
 *
 * @module
 */

import type { Reader } from "../wire/reader.ts";
import type { Writer } from "../wire/writer.ts";
import { varintSize } from "../wire/varint.ts";
import { TransportError } from "../errors.ts";
import { varintSat } from "./_common.ts";

/** Longest connection ID in QUIC v1 (RFC 9000 §17.2). */
export const MAX_CID_LENGTH = 20;
/** Size of a stateless reset token (RFC 9000 §10.3). */
export const RESET_TOKEN_LENGTH = 16;

/** NEW_CONNECTION_ID (0x18). */
export interface NewConnectionIdFrame {
  type: 0x18;
  seq: number;
  retirePriorTo: number;
  /** 1 to 20 bytes. */
  cid: Uint8Array;
  /** 16 bytes. */
  resetToken: Uint8Array;
}

/** RETIRE_CONNECTION_ID (0x19). */
export interface RetireConnectionIdFrame {
  type: 0x19;
  seq: number;
}

const NEW_CONNECTION_ID = 0x18;

/**
 * Parses the body of NEW_CONNECTION_ID.
 *
 * @throws {TransportError} FRAME_ENCODING_ERROR for a length of 0 or above 20, or
 *   Retire Prior To greater than the Sequence Number (§19.15).
 */
export function parseNewConnectionId(r: Reader): NewConnectionIdFrame {
  const seq = varintSat(r);
  const retirePriorTo = varintSat(r);
  if (retirePriorTo > seq) {
    throw TransportError.frameEncoding(
      "Cannot parse NEW_CONNECTION_ID: Retire Prior To exceeds the Sequence Number",
      NEW_CONNECTION_ID,
    );
  }
  const length = r.u8();
  if (length === 0 || length > MAX_CID_LENGTH) {
    throw TransportError.frameEncoding(
      `Cannot parse NEW_CONNECTION_ID: connection ID length ${length} is outside 1..20`,
      NEW_CONNECTION_ID,
    );
  }
  const cid = r.bytes(length);
  const resetToken = r.bytes(RESET_TOKEN_LENGTH);
  return { type: NEW_CONNECTION_ID, seq, retirePriorTo, cid, resetToken };
}
/** Writes NEW_CONNECTION_ID. */
export function writeNewConnectionId(w: Writer, f: NewConnectionIdFrame): void {
  if (f.cid.length === 0 || f.cid.length > MAX_CID_LENGTH) {
    throw new RangeError(`Cannot write NEW_CONNECTION_ID: CID length ${f.cid.length}`);
  }
  if (f.resetToken.length !== RESET_TOKEN_LENGTH) {
    throw new RangeError("Cannot write NEW_CONNECTION_ID: reset token is not 16 bytes");
  }
  w.u8(NEW_CONNECTION_ID);
  w.varint(f.seq);
  w.varint(f.retirePriorTo);
  w.u8(f.cid.length);
  w.bytes(f.cid);
  w.bytes(f.resetToken);
}
/** Exact encoded size of NEW_CONNECTION_ID. */
export function sizeNewConnectionId(f: NewConnectionIdFrame): number {
  return 1 + varintSize(f.seq) + varintSize(f.retirePriorTo) + 1 + f.cid.length +
    RESET_TOKEN_LENGTH;
}

/** Parses the body of RETIRE_CONNECTION_ID. */
export function parseRetireConnectionId(r: Reader): RetireConnectionIdFrame {
  return { type: 0x19, seq: varintSat(r) };
}
/** Writes RETIRE_CONNECTION_ID. */
export function writeRetireConnectionId(w: Writer, f: RetireConnectionIdFrame): void {
  w.u8(0x19);
  w.varint(f.seq);
}
/** Exact encoded size of RETIRE_CONNECTION_ID. */
export function sizeRetireConnectionId(f: RetireConnectionIdFrame): number {
  return 1 + varintSize(f.seq);
}
