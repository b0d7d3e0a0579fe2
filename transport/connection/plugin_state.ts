/**
 * What plugins change and read on a connection beyond its protoop table
 * (issue #7, `plugins/connection_host.ts`): the attachment of every plugin
 * attached (so that a faulted one can be detached), the names plugins give
 * their frame types, the pacer switch, and the fields of the packet being
 * received that a `PacketHeader` does not carry.
 *
 * The transport only keeps these; `plugins/` fills and reads them. The
 * connection's plugin methods (`attachPlugin`, `callExtern`) are done here,
 * and what a plugin attached after the handshake is owed.
 *
 * @module
 */

import type { PacketHeader } from "../packet/header.ts";
import { type Attachment, attachPlugin, type PluginDefinition } from "../protoop/attach.ts";
import { Op } from "../protoop/catalogue.ts";
import { closeWithException } from "./close.ts";
import type { Connection } from "./connection.ts";
import { MAX_DATAGRAM_FRAME_SIZE_TP, processPeerDatagramParameter } from "./datagrams.ts";
import { ConnectionState } from "./events.ts";
import { timersAfterClose } from "./wake_time.ts";

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

/**
 * `Connection.attachPlugin`: attaches all of `plugin`'s pluglets to the
 * connection's protoop table, or none, and keeps the attachment.
 *
 * @param c The connection.
 * @param plugin The plugin.
 * @returns The attachment (to detach it).
 * @throws {ProtoopError} The first refusal; nothing of the plugin stays attached.
 */
export function attachPluginTo(c: Connection, plugin: PluginDefinition): Attachment {
  const a = attachPlugin(c.ops, plugin);
  c.plugins.attachments.set(plugin, a);
  return a;
}

/**
 * `Connection.callExtern`: runs an extern protoop; a protoop error closes
 * the connection with INTERNAL_ERROR instead of being thrown.
 *
 * @param c The connection.
 * @param name The extern's name.
 * @param args Its arguments (u64, at most 16).
 * @param now Current time (µs), for the close.
 * @param outputs Where its outputs go, if any.
 * @returns The pluglet's return value, or null when the call failed.
 */
export function callExtern(
  c: Connection,
  name: string,
  args: readonly bigint[],
  now: number,
  outputs?: BigUint64Array,
): bigint | null {
  if (c.state >= ConnectionState.Closing) return null;
  try {
    const r = c.ops.callExtern(c, name, args, outputs);
    c.afterInput(now);
    return r;
  } catch (e) {
    closeWithException(c, e, now);
    timersAfterClose(c, now);
    return null;
  }
}

/**
 * A plugin attached after the handshake missed the peer's transport
 * parameters: hands them to the `process_transport_parameter` pluglets it
 * brought (ids not attached `before`), as the handshake would have
 * (`applyPeerParameters`; max_datagram_frame_size through
 * {@link processPeerDatagramParameter}).
 *
 * @param c The connection.
 * @param before The ids of `process_transport_parameter` attached before the plugin.
 */
export function replayPeerParameters(c: Connection, before: ReadonlySet<number>): void {
  const peer = c.peerParams;
  if (peer === null) return;
  for (const id of c.ops.attachedParams(Op.PROCESS_TRANSPORT_PARAMETER)) {
    if (before.has(id)) continue;
    if (id === MAX_DATAGRAM_FRAME_SIZE_TP) {
      processPeerDatagramParameter(c, peer);
      continue;
    }
    const u = peer.unknown.find((p) => p.id === BigInt(id));
    if (u !== undefined) {
      c.ops.call[Op.PROCESS_TRANSPORT_PARAMETER](c, id, u.value, u.value.length);
    }
  }
}
