/**
 * Builds the client's ClientHello (RFC 8446 §4.1.2) with the extensions a
 * QUIC client sends (RFC 9001 §8), and, when resuming, the pre_shared_key
 * extension last with its binder computed over the truncated message
 * (RFC 8446 §4.2.11.2).
 *
 * @module
 */

import { hashLength, hashOf } from "../crypto/hkdf.ts";
import {
  bindersLength,
  encodeAlpn,
  encodeCookie,
  encodeKeyShareClient,
  encodeOfferedPsks,
  encodePskModes,
  encodeServerName,
  encodeSupportedVersionsClient,
  encodeU16List,
  type Extension,
  ExtensionType,
  PskMode,
  TLS13,
} from "./extensions.ts";
import type { KeyShare } from "./key_exchange.ts";
import { KeySchedule } from "./key_schedule.ts";
import { patchBinders, writeClientHello } from "./messages/client_hello.ts";
import type { SessionTicket } from "./session.ts";
import type { Transcript } from "./transcript.ts";

/** True for an IPv4 or IPv6 literal, which SNI must not carry (RFC 6066 §3). */
export function isIpLiteral(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(":");
}

/** What goes into a ClientHello. */
export interface ClientHelloOptions {
  readonly random: Uint8Array;
  readonly cipherSuites: readonly number[];
  /** SNI host name, or null to send none. */
  readonly serverName: string | null;
  readonly groups: readonly number[];
  readonly keyShares: readonly KeyShare[];
  readonly signatureSchemes: readonly number[];
  readonly alpnProtocols: readonly string[];
  readonly transportParameters: { readonly codepoint: number; readonly data: Uint8Array };
  /** A cookie to echo from a HelloRetryRequest. */
  readonly cookie: Uint8Array | null;
  /** Send the early_data extension (never in a second ClientHello, §4.2.10). */
  readonly earlyData: boolean;
  /** The ticket to offer, or null. */
  readonly ticket: SessionTicket | null;
  /** Wall clock (ms), for the obfuscated ticket age. */
  readonly nowMs: number;
  /** The transcript before this ClientHello (for the binder after a HelloRetryRequest). */
  readonly transcript: Transcript;
}

/**
 * The encoded ClientHello message, header included.
 *
 * @param o What to offer.
 * @returns The message, binders filled in.
 */
export function buildClientHello(o: ClientHelloOptions): Uint8Array {
  const exts: Extension[] = [];
  if (o.serverName !== null) {
    exts.push({ type: ExtensionType.SERVER_NAME, data: encodeServerName(o.serverName) });
  }
  const shares = o.keyShares.map((k) => ({ group: k.group, keyExchange: k.publicKey }));
  exts.push(
    { type: ExtensionType.SUPPORTED_VERSIONS, data: encodeSupportedVersionsClient([TLS13]) },
    { type: ExtensionType.SUPPORTED_GROUPS, data: encodeU16List(o.groups) },
    { type: ExtensionType.KEY_SHARE, data: encodeKeyShareClient(shares) },
    { type: ExtensionType.SIGNATURE_ALGORITHMS, data: encodeU16List(o.signatureSchemes) },
    { type: ExtensionType.ALPN, data: encodeAlpn(o.alpnProtocols) },
    { type: ExtensionType.PSK_KEY_EXCHANGE_MODES, data: encodePskModes([PskMode.PSK_DHE_KE]) },
    { type: o.transportParameters.codepoint, data: o.transportParameters.data },
  );
  if (o.cookie !== null) exts.push({ type: ExtensionType.COOKIE, data: encodeCookie(o.cookie) });
  if (o.earlyData) exts.push({ type: ExtensionType.EARLY_DATA, data: new Uint8Array(0) });
  const t = o.ticket;
  if (t === null) {
    return writeClientHello({ random: o.random, cipherSuites: o.cipherSuites, extensions: exts });
  }
  const hash = hashOf(t.suite);
  // receivedAt is wall-clock microseconds (see client.ts).
  const ageMs = Math.max(0, Math.floor(o.nowMs - t.receivedAt / 1000));
  const identity = { identity: t.ticket, obfuscatedTicketAge: (ageMs + t.ticketAgeAdd) >>> 0 };
  const placeholder = new Uint8Array(hashLength(hash));
  exts.push({
    type: ExtensionType.PRE_SHARED_KEY,
    data: encodeOfferedPsks([identity], [placeholder]),
  });
  const msg = writeClientHello({
    random: o.random,
    cipherSuites: o.cipherSuites,
    extensions: exts,
  });
  const truncated = msg.subarray(0, msg.length - bindersLength([placeholder.length]));
  const binder = new KeySchedule(hash, t.psk).binder(o.transcript.hashWith(hash, truncated));
  patchBinders(msg, [binder]);
  return msg;
}
