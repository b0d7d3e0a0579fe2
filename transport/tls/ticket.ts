/**
 * Stateless session tickets (RFC 8446 §4.6.1, RFC 5077's idea): the server
 * keeps nothing; what it needs to resume is sealed into the ticket itself
 * with AES-256-GCM under its `ticketKey`.
 *
 * ```
 * ticket = nonce (12) || AES-256-GCM(ticketKey, nonce, TicketState, aad = "pquic ticket 1") || tag (16)
 *
 * struct {
 *     uint8 version = 1;
 *     uint16 cipher_suite;
 *     uint64 issued_at_ms;          // wall clock
 *     uint32 lifetime_s;
 *     uint32 age_add;
 *     uint32 max_early_data;
 *     opaque psk<1..255>;
 *     opaque alpn<0..255>;
 *     opaque server_name<0..2^16-1>;
 * } TicketState;
 * ```
 *
 * Not stored: the server's transport parameters. A server that accepts 0-RTT
 * must not lower the limits it remembered for the client (RFC 9000 §7.4.1);
 * ours come from its configuration and are assumed not to shrink between
 * connections.
 *
 * @module
 */

import { createCipheriv, createDecipheriv } from "node:crypto";
import type { Random } from "../random.ts";
import { Reader } from "../wire/reader.ts";
import { Writer } from "../wire/writer.ts";
import { readVec16, readVec8, writeVec16, writeVec8 } from "./messages/codec.ts";

/** What a ticket remembers. */
export interface TicketState {
  readonly suite: number;
  /** Wall-clock milliseconds when issued. */
  readonly issuedAtMs: number;
  /** Seconds. */
  readonly lifetime: number;
  readonly ageAdd: number;
  readonly maxEarlyData: number;
  readonly psk: Uint8Array;
  readonly alpn: string;
  readonly serverName: string;
}

const VERSION = 1;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const KEY_LENGTH = 32;
const AAD = new TextEncoder().encode("pquic ticket 1");
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_LENGTH) {
    throw new RangeError(`Cannot use ticket key: ${key.length} bytes, expected ${KEY_LENGTH}`);
  }
}

/**
 * Seals a ticket.
 *
 * @param key The server's 32-byte ticket key.
 * @param state What to remember.
 * @param random Source of the nonce.
 * @returns The opaque ticket.
 */
export function sealTicket(key: Uint8Array, state: TicketState, random: Random): Uint8Array {
  checkKey(key);
  const w = Writer.growable(128);
  w.u8(VERSION);
  w.u16(state.suite);
  w.u64(BigInt(Math.max(0, Math.floor(state.issuedAtMs))));
  w.u32(state.lifetime >>> 0);
  w.u32(state.ageAdd >>> 0);
  w.u32(state.maxEarlyData >>> 0);
  writeVec8(w, state.psk);
  writeVec8(w, encoder.encode(state.alpn));
  writeVec16(w, encoder.encode(state.serverName));
  const nonce = new Uint8Array(NONCE_LENGTH);
  random.fill(nonce);
  const c = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_LENGTH });
  c.setAAD(AAD);
  const body = c.update(w.toBytes());
  c.final();
  const tag = c.getAuthTag();
  const out = new Uint8Array(NONCE_LENGTH + body.length + TAG_LENGTH);
  out.set(nonce);
  out.set(body, NONCE_LENGTH);
  out.set(tag, NONCE_LENGTH + body.length);
  return out;
}

/**
 * Opens a ticket sealed by {@link sealTicket}.
 *
 * @returns The state, or `null` when the ticket is not ours, was tampered
 *   with or is malformed (the server then ignores the PSK, RFC 8446 §4.2.11).
 */
export function openTicket(key: Uint8Array, ticket: Uint8Array): TicketState | null {
  checkKey(key);
  if (ticket.length < NONCE_LENGTH + TAG_LENGTH + 1) return null;
  let plain: Uint8Array;
  try {
    const d = createDecipheriv("aes-256-gcm", key, ticket.subarray(0, NONCE_LENGTH), {
      authTagLength: TAG_LENGTH,
    });
    d.setAAD(AAD);
    d.setAuthTag(ticket.subarray(ticket.length - TAG_LENGTH));
    const body = d.update(ticket.subarray(NONCE_LENGTH, ticket.length - TAG_LENGTH));
    d.final();
    plain = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  } catch {
    return null;
  }
  try {
    const r = new Reader(plain);
    if (r.u8() !== VERSION) return null;
    const suite = r.u16();
    const issuedAtMs = Number(r.u64());
    const lifetime = r.u32();
    const ageAdd = r.u32();
    const maxEarlyData = r.u32();
    const psk = readVec8(r).slice();
    const alpn = decoder.decode(readVec8(r));
    const serverName = decoder.decode(readVec16(r));
    if (!r.eof) return null;
    return { suite, issuedAtMs, lifetime, ageAdd, maxEarlyData, psk, alpn, serverName };
  } catch {
    return null;
  }
}
