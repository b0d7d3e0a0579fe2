/**
 * The server's side of PSK resumption (RFC 8446 §4.2.11) and 0-RTT
 * (§4.2.10, RFC 9001 §4.6): which offered ticket to resume, its binder, and
 * whether to accept early data.
 *
 * @module
 */

import { type HashName, hashOf } from "../crypto/hkdf.ts";
import { decryptError, missingExtension } from "./alert.ts";
import { ExtensionType, parseOfferedPsks, parsePskModes, PskMode } from "./extensions.ts";
import { KeySchedule } from "./key_schedule.ts";
import type { ClientHello } from "./messages/client_hello.ts";
import { bytesEqual } from "./messages/codec.ts";
import type { CipherSuite } from "./session.ts";
import { openTicket, type TicketState } from "./ticket.ts";
import type { Transcript } from "./transcript.ts";

/**
 * Largest difference between the ticket age the client reports and ours for
 * 0-RTT (RFC 8446 §8.3), also the clock skew tolerated on a ticket's issue
 * time. Arbitrary: 10 s covers clock drift and one RTT.
 */
export const MAX_EARLY_DATA_AGE_SKEW_MS = 10000;

/** A PSK the server accepted. */
export interface AcceptedPsk {
  /** Index of the identity in the client's list (selected_identity). */
  readonly index: number;
  /** What the ticket remembered. */
  readonly state: TicketState;
  /** The ticket age the client reports, de-obfuscated (ms). */
  readonly clientAgeMs: number;
}

/** What {@link acceptPsk} needs besides the ClientHello. */
export interface AcceptPskOptions {
  /** Hash of the cipher suite chosen for this handshake. */
  readonly hash: HashName;
  /** The transcript before this ClientHello (empty, or message_hash + HelloRetryRequest). */
  readonly transcript: Transcript;
  /** The server's ticket key; no resumption without one. */
  readonly ticketKey: Uint8Array | undefined;
  /** The SNI of this ClientHello ("" when absent). */
  readonly serverName: string;
  /** Wall clock (ms). */
  readonly nowMs: number;
}

/**
 * The first offered PSK that opens with our ticket key and fits this
 * handshake (same hash, same server name, not expired), with its binder
 * checked; `null` to go on with a full handshake.
 *
 * @param ch The parsed ClientHello.
 * @param raw The whole ClientHello message, header included.
 * @throws {TlsAlert} decrypt_error when the binder of the chosen PSK is
 *   wrong; missing_extension for a PSK without psk_key_exchange_modes.
 */
export function acceptPsk(
  ch: ClientHello,
  raw: Uint8Array,
  opts: AcceptPskOptions,
): AcceptedPsk | null {
  const pskData = ch.extensions.get(ExtensionType.PRE_SHARED_KEY);
  if (pskData === undefined) return null;
  const modesData = ch.extensions.get(ExtensionType.PSK_KEY_EXCHANGE_MODES);
  if (modesData === undefined) {
    throw missingExtension("Cannot accept pre_shared_key without psk_key_exchange_modes");
  }
  const offers = parseOfferedPsks(pskData);
  const key = opts.ticketKey;
  // We only do psk_dhe_ke (RFC 8446 §4.2.9).
  if (key === undefined || !parsePskModes(modesData).includes(PskMode.PSK_DHE_KE)) return null;
  for (let i = 0; i < offers.identities.length; i++) {
    const id = offers.identities[i]!;
    const state = openTicket(key, id.identity);
    if (state === null || hashOf(state.suite as CipherSuite) !== opts.hash) continue;
    if (state.serverName !== opts.serverName) continue;
    const ageMs = opts.nowMs - state.issuedAtMs;
    if (ageMs < -MAX_EARLY_DATA_AGE_SKEW_MS || ageMs > state.lifetime * 1000) continue;
    // §4.2.11.2: the binder covers the ClientHello up to the binders list.
    const truncated = raw.subarray(0, raw.length - offers.bindersLength);
    const expected = new KeySchedule(opts.hash, state.psk).binder(
      opts.transcript.hashWith(opts.hash, truncated),
    );
    if (!bytesEqual(expected, offers.binders[i]!)) {
      throw decryptError("Cannot verify the PSK binder");
    }
    return { index: i, state, clientAgeMs: (id.obfuscatedTicketAge - state.ageAdd) >>> 0 };
  }
  return null;
}

/**
 * Whether to accept the client's 0-RTT data (RFC 8446 §4.2.10): the first
 * identity, 0-RTT enabled here and in the ticket, the same suite and ALPN as
 * the ticket, and a ticket age within {@link MAX_EARLY_DATA_AGE_SKEW_MS}.
 */
export function acceptEarlyData(psk: AcceptedPsk, opts: {
  readonly maxEarlyData: number;
  readonly suite: CipherSuite;
  readonly alpn: string;
  readonly nowMs: number;
}): boolean {
  if (psk.index !== 0 || opts.maxEarlyData === 0 || psk.state.maxEarlyData === 0) return false;
  if (psk.state.suite !== opts.suite || psk.state.alpn !== opts.alpn) return false;
  const serverAgeMs = opts.nowMs - psk.state.issuedAtMs;
  return Math.abs(serverAgeMs - psk.clientAgeMs) <= MAX_EARLY_DATA_AGE_SKEW_MS;
}
