/**
 * Retry packet integrity (RFC 9001 §5.8): the Retry Integrity Tag is the
 * AES-128-GCM tag over an empty plaintext, with a fixed key and nonce per
 * version, and the Retry Pseudo-Packet as associated data:
 *
 * ```
 * Retry Pseudo-Packet {
 *   ODCID Length (8),
 *   Original Destination Connection ID (0..160),
 *   Header Form (1) = 1, Fixed Bit (1) = 1, Long Packet Type (2) = 3,
 *   Unused (4), Version (32),
 *   DCID Len (8), Destination Connection ID (0..160),
 *   SCID Len (8), Source Connection ID (0..160),
 *   Retry Token (..),
 * }
 * ```
 *
 * i.e. the ODCID with its length byte, then the Retry packet without its tag.
 *
 * @module
 */

import { createCipheriv, timingSafeEqual } from "node:crypto";
import { QuicVersion } from "../version.ts";
import { fromHex } from "./_hex.ts";

/** Length of the Retry Integrity Tag. */
export const RETRY_TAG_LENGTH = 16;

/** Key and nonce of each version. */
const RETRY_KEYS: ReadonlyMap<number, { key: Uint8Array; nonce: Uint8Array }> = new Map([
  // RFC 9001 §5.8.
  [QuicVersion.V1, {
    key: fromHex("be0c690b9f66575a1d766b54e368c84e"),
    nonce: fromHex("461599d35d632bf2239825bb"),
  }],
  // RFC 9369 §3.3.3.
  [QuicVersion.V2, {
    key: fromHex("8fb4b01b56ac48e260fbcbcead7ccc92"),
    nonce: fromHex("d86969bc2d7c6d9990efb04a"),
  }],
  // draft-ietf-quic-tls-29 §5.8.
  [QuicVersion.DRAFT_29, {
    key: fromHex("ccce187ed09a09d05728155a6cb96be1"),
    nonce: fromHex("e54930f97f2136f0530a8c1c"),
  }],
]);

function keysFor(version: number): { key: Uint8Array; nonce: Uint8Array } {
  const k = RETRY_KEYS.get(version);
  if (k === undefined) {
    throw new RangeError(`Cannot compute a Retry tag for version 0x${version.toString(16)}`);
  }
  return k;
}

/**
 * The Retry Integrity Tag for a Retry Pseudo-Packet.
 *
 * @param version The version of the Retry packet.
 * @param pseudoPacket ODCID length, ODCID, then the Retry packet without its tag.
 * @returns 16 bytes.
 */
export function retryIntegrityTag(version: number, pseudoPacket: Uint8Array): Uint8Array {
  const { key, nonce } = keysFor(version);
  const c = createCipheriv("aes-128-gcm", key, nonce, { authTagLength: RETRY_TAG_LENGTH });
  c.setAAD(pseudoPacket);
  c.final();
  const tag = c.getAuthTag();
  return new Uint8Array(tag.buffer, tag.byteOffset, tag.byteLength);
}

/** The Retry Pseudo-Packet for a received or built Retry packet (tag excluded). */
export function retryPseudoPacket(odcid: Uint8Array, retryWithoutTag: Uint8Array): Uint8Array {
  const p = new Uint8Array(1 + odcid.length + retryWithoutTag.length);
  p[0] = odcid.length;
  p.set(odcid, 1);
  p.set(retryWithoutTag, 1 + odcid.length);
  return p;
}

/**
 * True when a whole Retry packet (tag included) carries the right integrity
 * tag for the client's original Destination Connection ID.
 */
export function verifyRetryIntegrity(
  version: number,
  odcid: Uint8Array,
  retryPacket: Uint8Array,
): boolean {
  if (retryPacket.length < RETRY_TAG_LENGTH + 7 || !RETRY_KEYS.has(version)) return false;
  const body = retryPacket.subarray(0, retryPacket.length - RETRY_TAG_LENGTH);
  const tag = retryIntegrityTag(version, retryPseudoPacket(odcid, body));
  return timingSafeEqual(tag, retryPacket.subarray(retryPacket.length - RETRY_TAG_LENGTH));
}
