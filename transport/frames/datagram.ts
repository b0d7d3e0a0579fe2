/**
 * DATAGRAM frames (RFC 9221 §4).
 *
 * ```
 * DATAGRAM Frame {
 *   Type (i) = 0x30..0x31,
 *   [Length (i)],
 *   Datagram Data (..),
 * }
 * ```
 *
 * 0x30 has no Length field (the data runs to the end of the packet); 0x31 has one.
 * Whether DATAGRAM was negotiated (max_datagram_frame_size) is the connection's check.
 *
 * https://www.rfc-editor.org/rfc/rfc9221.html#section-4
 *
 * @module
 */

import type { Reader } from "../wire/reader.ts";
import type { Writer } from "../wire/writer.ts";
import { varintSize } from "../wire/varint.ts";
import { varintSat } from "./_common.ts";

/** DATAGRAM without (0x30) or with (0x31) a Length field; `data` is a view. */
export interface DatagramFrame {
  type: 0x30 | 0x31;
  data: Uint8Array;
}

/** Parses the body of a DATAGRAM frame. */
export function parseDatagram(r: Reader, type: 0x30 | 0x31): DatagramFrame {
  const length = type === 0x31 ? varintSat(r) : r.end - r.pos;
  return { type, data: r.bytes(length) };
}

/** Writes a DATAGRAM frame (0x30 only as the last frame of a packet). */
export function writeDatagram(w: Writer, f: DatagramFrame): void {
  w.u8(f.type);
  if (f.type === 0x31) w.varint(f.data.length);
  w.bytes(f.data);
}

/** Exact encoded size of a DATAGRAM frame. */
export function sizeDatagram(f: DatagramFrame): number {
  return 1 + (f.type === 0x31 ? varintSize(f.data.length) : 0) + f.data.length;
}
