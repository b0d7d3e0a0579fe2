/**
 * NewSessionTicket (RFC 8446 §4.6.1).
 *
 * ```
 * struct {
 *     uint32 ticket_lifetime;
 *     uint32 ticket_age_add;
 *     opaque ticket_nonce<0..255>;
 *     opaque ticket<1..2^16-1>;
 *     Extension extensions<0..2^16-2>;
 * } NewSessionTicket;
 * ```
 *
 * @module
 */

import { Writer } from "../../wire/writer.ts";
import { decodeError, illegalParameter } from "../alert.ts";
import { type Extension, parseExtensions, writeExtensions } from "../extensions.ts";
import { parseBody, readVec16, readVec8, writeNested, writeVec16, writeVec8 } from "./codec.ts";
import { HandshakeType } from "./handshake.ts";

/** Longest ticket lifetime a server may announce: 7 days (§4.6.1). */
export const MAX_TICKET_LIFETIME = 604800;

/** A parsed NewSessionTicket. */
export interface NewSessionTicket {
  /** Seconds. */
  readonly lifetime: number;
  readonly ageAdd: number;
  readonly nonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: Map<number, Uint8Array>;
}

/** Parses a NewSessionTicket body; a lifetime over 7 days is illegal_parameter. */
export function parseNewSessionTicket(body: Uint8Array): NewSessionTicket {
  return parseBody(body, "NewSessionTicket", (r) => {
    const lifetime = r.u32();
    const ageAdd = r.u32();
    const nonce = readVec8(r);
    const ticket = readVec16(r);
    if (ticket.length === 0) throw decodeError("Cannot parse NewSessionTicket: empty ticket");
    const extensions = parseExtensions(r, "NST");
    if (lifetime > MAX_TICKET_LIFETIME) {
      throw illegalParameter(`Cannot accept NewSessionTicket: lifetime ${lifetime} s over 7 days`);
    }
    return { lifetime, ageAdd, nonce, ticket, extensions };
  });
}

/** Encodes a NewSessionTicket message, header included. */
export function writeNewSessionTicket(nst: {
  readonly lifetime: number;
  readonly ageAdd: number;
  readonly nonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: readonly Extension[];
}): Uint8Array {
  const w = Writer.growable(256);
  w.u8(HandshakeType.NEW_SESSION_TICKET);
  writeNested(w, 3, () => {
    w.u32(nst.lifetime >>> 0);
    w.u32(nst.ageAdd >>> 0);
    writeVec8(w, nst.nonce);
    writeVec16(w, nst.ticket);
    writeExtensions(w, nst.extensions);
  });
  return w.toBytes().slice();
}
