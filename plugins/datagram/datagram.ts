/**
 * The datagram plugin's application side (RFC 9221 as an eBPF plugin,
 * `datagram.plugin`): the names of its extern protoops and its counters.
 *
 * With the plugin attached, `Connection.sendDatagram` /
 * `Connection.maxDatagramPayload` and `QuicConn.sendDatagram` /
 * `readDatagram` / `maxDatagramSize` go through it
 * (transport/connection/datagrams.ts); received datagrams are the
 * connection's `datagram` events either way. {@link datagramCounters} reads
 * what the plugin counted.
 *
 * @example Datagrams through the plugin on a connection
 * ```ts ignore
 * import { loadBuiltin, pluginFactory } from "../mod.ts";
 * const datagram = pluginFactory(loadBuiltin("datagram"));
 * const conn = await connectQuic({ hostname, port, plugins: [datagram], maxDatagramFrameSize: 0 });
 * await conn.sendDatagram(new TextEncoder().encode("hello"));
 * ```
 *
 * @module
 */

import type { Connection } from "../../transport/connection/connection.ts";

/** The built-in's name (`plugins/datagram/datagram.plugin`). */
export const DATAGRAM_PLUGIN_NAME = "be.mpiraux.datagram";

/** Its extern protoops (inputs and results as in the C sources). */
export const DatagramExtern = {
  /** Input 0: a buffer handle holding the payload. Returns a {@link DatagramSendResult}. */
  Send: "datagram_send",
  /** The largest payload `datagram_send` takes now (0: the peer takes none). */
  GetMaxSize: "datagram_get_max_size",
  /** Input 0: a {@link DatagramCounter}. Returns its value. */
  GetCounter: "datagram_get_counter",
} as const;

/** What `datagram_send` returns (datagram.h `SEND_*`). */
export const DatagramSendResult = {
  /** Queued: booked as a DATAGRAM frame. */
  Queued: 0,
  /** The peer takes no datagrams, or none this large. */
  TooLarge: 1,
  /** 1024 datagrams or 1 MiB queued already, or no plugin heap left. */
  NoMemory: 2,
} as const;

/** The plugin's counters (datagram.h `DG_*`), inputs of `datagram_get_counter`. */
export const DatagramCounter = {
  /** DATAGRAM frames written into packets. */
  Sent: 0,
  /** DATAGRAM frames received and delivered. */
  Received: 1,
  /** Sent frames whose packet was acknowledged. */
  Acked: 2,
  /** Sent frames whose packet was lost (never sent again, RFC 9221 §5.2). */
  Lost: 3,
  /** `datagram_send` calls refused. */
  Refused: 4,
  /** Booked frames dropped unsent (the connection closed). */
  NeverWritten: 5,
  /** Datagrams queued now (booked, not yet written into a packet). */
  Held: 6,
  /** The peer's max_datagram_frame_size (0: none received). */
  PeerMaxFrameSize: 7,
  /** Frames received but dropped: no plugin heap left to hold them. */
  Dropped: 8,
  /** Payload bytes queued now. */
  QueuedBytes: 9,
} as const;

/** A snapshot of the counters, by name. */
export type DatagramCounters = { -readonly [K in keyof typeof DatagramCounter]: number };

/**
 * Reads every counter of the datagram plugin on a connection.
 *
 * @param conn a connection the plugin is attached to
 * @returns the counters, or null when the plugin is not attached (or the connection closed)
 */
export function datagramCounters(conn: Connection): DatagramCounters | null {
  const out: Partial<DatagramCounters> = {};
  for (const [name, index] of Object.entries(DatagramCounter)) {
    let v: bigint | null = null;
    try {
      v = conn.ops.callExtern(conn, DatagramExtern.GetCounter, [BigInt(index)]);
    } catch {
      return null;
    }
    out[name as keyof DatagramCounters] = Number(v);
  }
  return out as DatagramCounters;
}
