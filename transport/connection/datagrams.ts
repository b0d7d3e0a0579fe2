/**
 * Unreliable datagrams (RFC 9221) on the sending side, whichever provides
 * them: the native DATAGRAM support (`maxDatagramFrameSize` in the config;
 * frames written by send.ts, received by receive.ts) or a plugin
 * (plugins/datagram/, PQUIC's datagram plugin on RFC 9221 codepoints).
 *
 * A plugin provides datagrams when it exports the extern protoop
 * {@link DATAGRAM_SEND_EXTERN}; it then owns the whole feature on that
 * connection: it writes the max_datagram_frame_size transport parameter
 * (`write_transport_parameter[0x20]`, which replaces ours), reads the peer's
 * (`process_transport_parameter[0x20]`, {@link processPeerDatagramParameter}),
 * parses and processes DATAGRAM frames (`parse_frame`/`process_frame`
 * [0x30/0x31]), delivers them as the connection's `datagram` events, and
 * sends what the application gives {@link sendDatagram} through frame
 * reservations. The application API is the same either way.
 *
 * Not here: the native frame codec (frames/), the native receive check
 * (receive.ts).
 *
 * @module
 */

import { Op, ProtoopError, ProtoopErrorKind } from "../protoop/mod.ts";
import type { TransportParameters } from "../transport_parameters.ts";
import { varintSize } from "../wire/varint.ts";
import { Writer } from "../wire/writer.ts";
import { closeWithException } from "./close.ts";
import type { Connection } from "./connection.ts";
import { ConnectionState } from "./events.ts";

/** The extern protoop a datagram plugin exports to send one datagram (input: a buffer handle). */
export const DATAGRAM_SEND_EXTERN = "datagram_send";
/** The extern protoop a datagram plugin exports for the largest payload it sends now. */
export const DATAGRAM_MAX_SIZE_EXTERN = "datagram_get_max_size";
/** max_datagram_frame_size (RFC 9221 §3). */
export const MAX_DATAGRAM_FRAME_SIZE_TP = 0x20;
/** Room the native path keeps in a packet beside a DATAGRAM frame: header, AEAD tag, an ACK. */
const PACKET_OVERHEAD = 64;
/** Largest type + length of a DATAGRAM frame (RFC 9221 §4: a 1-byte type, a varint length). */
const FRAME_OVERHEAD = 9;

/**
 * Queues an unreliable datagram: through the datagram plugin's
 * {@link DATAGRAM_SEND_EXTERN} when one is attached, else natively.
 *
 * @param c the connection
 * @param data the payload (kept until sent: the caller must not change it)
 * @returns false when the peer takes no datagrams or not this large, or the
 *   plugin refused it (its queue is full)
 */
export function sendDatagram(c: Connection, data: Uint8Array): boolean {
  if (c.state >= ConnectionState.Closing) return false;
  if (c.ops.idOf(DATAGRAM_SEND_EXTERN) !== undefined) {
    const sent = callDatagramExtern(c, DATAGRAM_SEND_EXTERN, data);
    if (sent !== null) return sent === 0n;
  }
  const max = c.peerParams?.maxDatagramFrameSize;
  if (max === undefined) return false;
  // The frame (type, length, data) must fit the peer's limit (RFC 9221 §3).
  if (data.length + FRAME_OVERHEAD > max || data.length + PACKET_OVERHEAD > c.maxDatagramSize) {
    return false;
  }
  c.datagrams.push(data);
  return true;
}

/**
 * The largest datagram payload {@link sendDatagram} takes now: the plugin's
 * answer ({@link DATAGRAM_MAX_SIZE_EXTERN}) when one is attached, else the
 * peer's max_datagram_frame_size less the frame's type and length; 0 when
 * the peer takes none (or before its transport parameters arrived).
 *
 * @param c the connection
 * @returns bytes
 */
export function maxDatagramPayload(c: Connection): number {
  if (c.state < ConnectionState.Closing && c.ops.idOf(DATAGRAM_MAX_SIZE_EXTERN) !== undefined) {
    const max = callDatagramExtern(c, DATAGRAM_MAX_SIZE_EXTERN, null);
    if (max !== null) return max > 0xffff_ffffn ? 0 : Number(max);
  }
  const max = c.peerParams?.maxDatagramFrameSize;
  return max === undefined ? 0 : Math.max(0, max - FRAME_OVERHEAD);
}

/**
 * Runs a datagram extern; null when no plugin implements it (then the
 * native path answers). Any other error closes the connection, as
 * `Connection.callExtern` does, and counts as a refusal.
 */
function callDatagramExtern(c: Connection, name: string, data: Uint8Array | null): bigint | null {
  const h = c.ops.handles;
  const mark = h.mark();
  try {
    const args = data === null ? [] : [BigInt(h.register(data))];
    const r = c.ops.callExtern(c, name, args);
    c.afterInput(c.loss.now);
    return r;
  } catch (e) {
    // A detached plugin leaves its extern's name behind with nothing to run.
    if (e instanceof ProtoopError && e.kind === ProtoopErrorKind.UnknownOp) return null;
    closeWithException(c, e, c.loss.now);
    c.updateTimers(c.loss.now);
    return 0xffff_ffff_ffff_ffffn;
  } finally {
    h.release(mark);
  }
}

/**
 * Our transport parameters as sent when a plugin writes
 * max_datagram_frame_size: without the native value, which the plugin's
 * replaces (a parameter may appear once, RFC 9000 §7.4).
 *
 * @param c the connection
 * @param p the parameters about to be encoded (returned as is when no plugin writes 0x20)
 * @returns the parameters to encode
 */
export function withoutNativeDatagramParameter(
  c: Connection,
  p: TransportParameters,
): TransportParameters {
  if (!c.ops.hasParam(Op.WRITE_TRANSPORT_PARAMETER, MAX_DATAGRAM_FRAME_SIZE_TP)) return p;
  if (p.maxDatagramFrameSize === undefined) return p;
  const copy = { ...p };
  delete copy.maxDatagramFrameSize;
  return copy;
}

/**
 * Hands the peer's max_datagram_frame_size to the plugin attached to
 * `process_transport_parameter[0x20]`: core decodes that parameter itself
 * (transport_parameters.ts), so it never reaches the plugin as an unknown
 * one. The value goes as it was on the wire, one varint.
 *
 * @param c the connection
 * @param p the peer's parameters
 */
export function processPeerDatagramParameter(c: Connection, p: TransportParameters): void {
  const max = p.maxDatagramFrameSize;
  if (max === undefined) return;
  if (!c.ops.hasParam(Op.PROCESS_TRANSPORT_PARAMETER, MAX_DATAGRAM_FRAME_SIZE_TP)) return;
  const w = new Writer(new Uint8Array(varintSize(max)));
  w.varint(max);
  const value = w.toBytes();
  c.ops.call[Op.PROCESS_TRANSPORT_PARAMETER](c, MAX_DATAGRAM_FRAME_SIZE_TP, value, value.length);
}
