/**
 * Retry packets (RFC 9000 §17.2.5) and the Retry pseudo-packet (RFC 9001 §5.8).
 *
 * ```
 * Retry Packet {
 *   Header Form (1) = 1,
 *   Fixed Bit (1) = 1,
 *   Long Packet Type (2) = 3,        (v2: 0, RFC 9369 §3.2)
 *   Unused (4),
 *   Version (32),
 *   Destination Connection ID Length (8),
 *   Destination Connection ID (0..160),
 *   Source Connection ID Length (8),
 *   Source Connection ID (0..160),
 *   Retry Token (..),
 *   Retry Integrity Tag (128),
 * }
 *
 * Retry Pseudo-Packet {
 *   ODCID Length (8),
 *   Original Destination Connection ID (0..160),
 *   Header Form (1) = 1,
 *   ...                              (the Retry packet without its tag)
 * }
 * ```
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-17.2.5 and
 * https://www.rfc-editor.org/rfc/rfc9001.html#section-5.8
 *
 * The integrity tag itself (AES-128-GCM over the pseudo-packet) is computed by
 * a function the caller passes in: `transport/crypto/retry.ts` owns the keys.
 * Parsing is `parsePacketHeader()`'s (header.ts).
 *
 * @module
 */

import { Writer } from "../wire/writer.ts";
import { longTypeBits, PacketType } from "./packet_type.ts";

/** Size of the Retry Integrity Tag. */
export const RETRY_INTEGRITY_TAG_LENGTH = 16;
/** Header Form and Fixed Bit. */
const LONG_FIXED = 0xc0;
const TYPE_SHIFT = 4;
const VERSION_SIZE = 4;

/**
 * Builds a Retry packet, tag included.
 *
 * @param version QUIC version of the client's Initial.
 * @param dcid The client's SCID.
 * @param scid The server's new connection ID.
 * @param token Retry token (non-empty).
 * @param integrityTag Computes the 16-byte tag over the pseudo-packet.
 * @param odcid The DCID of the client's Initial (the original destination connection ID).
 */
export function writeRetry(
  version: number,
  dcid: Uint8Array,
  scid: Uint8Array,
  token: Uint8Array,
  integrityTag: (pseudo: Uint8Array) => Uint8Array,
  odcid: Uint8Array,
): Uint8Array {
  if (token.length === 0) throw new RangeError("Cannot write Retry: the token is empty");
  const headerSize = 1 + VERSION_SIZE + 1 + dcid.length + 1 + scid.length + token.length;
  const out = new Uint8Array(headerSize + RETRY_INTEGRITY_TAG_LENGTH);
  const w = new Writer(out);
  w.u8(LONG_FIXED | (longTypeBits(version, PacketType.Retry) << TYPE_SHIFT));
  w.u32(version >>> 0);
  w.u8(dcid.length);
  w.bytes(dcid);
  w.u8(scid.length);
  w.bytes(scid);
  w.bytes(token);
  const tag = integrityTag(retryPseudoPacket(odcid, out.subarray(0, headerSize)));
  if (tag.length !== RETRY_INTEGRITY_TAG_LENGTH) {
    throw new RangeError(`Cannot write Retry: integrity tag is ${tag.length} bytes, not 16`);
  }
  w.bytes(tag);
  return out;
}

/**
 * The Retry pseudo-packet over which the integrity tag is computed (RFC 9001 §5.8).
 *
 * @param odcid Original destination connection ID.
 * @param retryWithoutTag The Retry packet minus its last 16 bytes.
 */
export function retryPseudoPacket(odcid: Uint8Array, retryWithoutTag: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + odcid.length + retryWithoutTag.length);
  out[0] = odcid.length;
  out.set(odcid, 1);
  out.set(retryWithoutTag, 1 + odcid.length);
  return out;
}
