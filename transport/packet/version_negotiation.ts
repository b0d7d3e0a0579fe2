/**
 * Version Negotiation packets (RFC 9000 §17.2.1).
 *
 * ```
 * Version Negotiation Packet {
 *   Header Form (1) = 1,
 *   Unused (7),
 *   Version (32) = 0,
 *   Destination Connection ID Length (8),
 *   Destination Connection ID (0..2040),
 *   Source Connection ID Length (8),
 *   Source Connection ID (0..2040),
 *   Supported Version (32) ...,
 * }
 * ```
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-17.2.1
 *
 * Parsing is `parsePacketHeader()`'s (header.ts).
 *
 * @module
 */

import type { Random } from "../random.ts";
import { Writer } from "../wire/writer.ts";

/** Header Form bit. */
const LONG_FORM = 0x80;
/** RFC 9000 §17.2.1: the server SHOULD set 0x40 so the packet looks like it has a Fixed Bit. */
const FIXED_LOOKALIKE = 0x40;
/** The other Unused bits are random. */
const UNUSED_RANDOM_MASK = 0x3f;
/** Size of each version field. */
const VERSION_SIZE = 4;

/**
 * Builds a Version Negotiation packet.
 *
 * The DCID and SCID are the ones to put in this packet: a server answering a
 * client passes the client's SCID as `dcid` and the client's DCID as `scid`.
 *
 * @param dcid Destination connection ID (the client's SCID).
 * @param scid Source connection ID (the client's DCID).
 * @param versions Versions to list (include a greased one, RFC 9000 §6.3, if wanted).
 * @param random Source for the unused bits.
 */
export function writeVersionNegotiation(
  dcid: Uint8Array,
  scid: Uint8Array,
  versions: readonly number[],
  random: Random,
): Uint8Array {
  if (dcid.length > 255 || scid.length > 255) {
    throw new RangeError("Cannot write Version Negotiation: connection ID longer than 255 bytes");
  }
  const size = 1 + VERSION_SIZE + 1 + dcid.length + 1 + scid.length +
    VERSION_SIZE * versions.length;
  const w = new Writer(new Uint8Array(size));
  w.u8(LONG_FORM | FIXED_LOOKALIKE | (random.u32() & UNUSED_RANDOM_MASK));
  w.u32(0);
  w.u8(dcid.length);
  w.bytes(dcid);
  w.u8(scid.length);
  w.bytes(scid);
  for (const v of versions) w.u32(v >>> 0);
  return w.toBytes();
}
