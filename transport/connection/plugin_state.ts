/**
 * What plugins change and read on a connection beyond its protoop table
 * (issue #7, `plugins/connection_host.ts`): the attachment of every plugin
 * attached (so that a faulted one can be detached), the names plugins give
 * their frame types, the pacer switch, and the fields of the packet being
 * received that a `PacketHeader` does not carry.
 *
 * The transport only keeps these; `plugins/` fills and reads them.
 *
 * @module
 */

import type { PacketHeader } from "../packet/header.ts";
import type { Attachment, PluginDefinition } from "../protoop/attach.ts";

/** The packet being processed by `receive` (AK_PH_* keys). */
export interface ReceivedPacketInfo {
  /** Its header (the object `header_parsed` and `process_frame` pass), or null before any. */
  header: PacketHeader | null;
  /** Its packet number. */
  pn: number;
  /** Header length, bytes (to the end of the packet number). */
  headerLength: number;
  /** Decrypted payload length, bytes. */
  payloadLength: number;
  /** Its packet number space. */
  space: number;
}

/** A connection's plugin-facing state. */
export class PluginState {
  /** Each attached plugin's attachment, by definition. */
  readonly attachments: Map<PluginDefinition, Attachment> = new Map();
  /** Names plugins give their frame types (manifest `frames=`), for stats and the summary. */
  readonly frameNames: Map<number, string> = new Map();
  /** The time of the latest input (`receive`, `pollTransmit`, `onTimeout`), µs. */
  now = 0;
  /** Pacing on (RFC 9002 §7.7); `AK_PATH_PACING_ENABLED` = 0 turns it off. */
  pacingEnabled = true;
  /** The packet being received. */
  readonly rx: ReceivedPacketInfo = {
    header: null,
    pn: 0,
    headerLength: 0,
    payloadLength: 0,
    space: 0,
  };
}
