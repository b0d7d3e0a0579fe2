/**
 * The values of the access keys of helper_ids.ts (pquic.h's `AK_*`) on a
 * live connection, one function per key family, read from the connection's
 * own fields (plugins/connection_host.ts). Values follow pquic.h: times in
 * µs, sizes in bytes, booleans 0/1, UINT64_MAX for "none" or "unlimited".
 *
 * @module
 */

import type { Connection } from "../transport/connection/connection.ts";
import type { PacketHeader } from "../transport/packet/header.ts";
import type { SentPacket } from "../transport/recovery/sent_packet.ts";
import type { SendStream } from "../transport/streams/send_stream.ts";
import type { TransportParameters } from "../transport/transport_parameters.ts";
import { cidHandle, hostObjects, SPACES } from "./host_objects.ts";

/** UINT64_MAX: "none", "unlimited". */
const U64_MAX = 0xffff_ffff_ffff_ffffn;
/** pquic.h's PQUIC_PTYPE_* for our PacketType (Initial, 0-RTT, Handshake, Retry, VN, 1-RTT). */
const PTYPE = [0, 1, 2, 3, 5, 4];

/** A count, size or time as a u64 (Infinity and negatives: UINT64_MAX). */
export function u(n: number): bigint {
  if (n === Infinity || n >= Number.MAX_SAFE_INTEGER) return U64_MAX;
  if (!(n >= 0)) return U64_MAX; // -1 ("none"), NaN
  return BigInt(Math.trunc(n));
}

function b(v: boolean): bigint {
  return v ? 1n : 0n;
}

/** pquic.h's TRANSPORT_PARAMETER_* (PQUIC's indices) → our field. */
const TP_FIELDS: Readonly<Record<number, keyof TransportParameters>> = {
  0x00: "initialMaxStreamDataBidiLocal",
  0x01: "initialMaxData",
  0x02: "initialMaxStreamsBidi",
  0x03: "maxIdleTimeout",
  0x05: "maxUdpPayloadSize",
  0x07: "ackDelayExponent",
  0x08: "initialMaxStreamsUni",
  0x09: "disableActiveMigration",
  0x0a: "initialMaxStreamDataBidiRemote",
  0x0b: "initialMaxStreamDataUni",
  0x80: "maxAckDelay",
  0x81: "maxDatagramFrameSize",
};

function tpValue(p: TransportParameters | null, param: number): bigint {
  const field = TP_FIELDS[param];
  if (field === undefined) throw new Error(`transport parameter ${param} is unknown`);
  if (p === null) return 0n;
  const v = p[field];
  if (typeof v === "boolean") return b(v);
  return typeof v === "number" ? u(v) : 0n;
}

/** An `AK_CNX_*` key (the running call's own keys are read by helpers.ts, not here). */
export function cnxField(conn: Connection, key: number, param: number): bigint {
  const c = conn;
  const s = c.counters;
  switch (key) {
    case 0x02:
      return BigInt(c.version >>> 0);
    case 0x03:
      return b(c.earlyDataAccepted);
    case 0x04:
      return b(c.peerParams !== null);
    case 0x06:
      return b(c.isClient);
    case 0x0b:
      return tpValue(c.localParams, param);
    case 0x0c:
      return tpValue(c.peerParams, param);
    case 0x0e:
      return BigInt(c.state);
    case 0x0f:
      return cidHandle(conn, c.originalDcid);
    case 0x10:
      return u(c.startTime);
    case 0x16:
      return u(c.nextTimeout());
    case 0x1c:
      return u(s.packetsLost);
    case 0x1d:
      return u(s.spuriousLosses);
    case 0x24:
      return u(s.bytesSent);
    case 0x25:
      return u(s.bytesReceived);
    case 0x26:
      return u(c.streams.connectionFlow.recvWindow.limit);
    case 0x27:
      return u(c.streams.connectionFlow.sendCredit.limit);
    case 0x2c:
      return u(c.config.keepAliveInterval ?? 0);
    case 0x2d:
      return 1n;
    case 0x2e:
      return param === 0 ? hostObjects(conn).path : 0n;
    case 0x3d:
      return b(c.handshakeComplete);
    case 0x81:
      return b(c.handshakeConfirmed);
    case 0x83:
      return u(s.packetsSent);
    case 0x84:
      return u(s.packetsReceived);
  }
  // AK_CNX_INPUT/OUTPUT/RETURN_VALUE/PROTOOP_PARAM/INPUT_COUNT are the call's (helpers.ts).
  throw new Error(`connection key 0x${key.toString(16)} belongs to the running call`);
}

/** An `AK_PATH_*` key of the connection's path. */
export function pathField(conn: Connection, key: number, param: number): bigint {
  const c = conn;
  const rtt = c.loss.rtt;
  switch (key) {
    case 0x0a:
      return b(c.pathChallenge === null);
    case 0x0d:
      return u(c.loss.maxAckDelay);
    case 0x0e:
      return u(rtt.smoothed);
    case 0x0f:
      return u(rtt.rttvar);
    case 0x10:
      return u(c.loss.ptoPeriod());
    case 0x11:
      return u(rtt.hasSample ? rtt.min : 0);
    case 0x15:
      return u(c.maxDatagramSize);
    case 0x17:
      return u(c.congestion.window);
    case 0x18:
      return u(c.congestion.bytesInFlight);
    case 0x1e:
      return cidHandle(conn, c.localCid);
    case 0x1f:
      return cidHandle(conn, c.cids.remote.length > 0 ? c.cids.remoteCid : null);
    case 0x21:
      return param < SPACES ? hostObjects(conn).spaces[param]! : 0n;
    case 0x22:
      return u(c.counters.packetsSent);
    case 0x80:
      return u(rtt.latest);
    case 0x81:
      return u(c.congestion.ssthresh);
    case 0x82:
      return b(c.plugins.pacingEnabled);
  }
  throw new Error(`path key 0x${key.toString(16)} is unknown`);
}

/** An `AK_PKTCTX_*` key of packet number space `space`. */
export function spaceField(conn: Connection, space: number, key: number): bigint {
  const c = conn;
  const s = c.spaces[space]!;
  switch (key) {
    case 0x00:
      return u(s.nextPn);
    case 0x05:
      return u(s.ackTracker.maxAckDelay);
    case 0x08:
      return u(c.loss.largestAcked(space as 0 | 1 | 2));
    case 0x09:
      return u(c.counters.largestAckedSentTime[space] ?? -1);
    case 0x0e:
      return b(s.ackTracker.pending);
    case 0x80:
      return u(s.ackTracker.largest);
    case 0x81:
      return u(s.ackTracker.ackElicitingThreshold);
  }
  throw new Error(`packet number space key 0x${key.toString(16)} is unknown`);
}

/** An `AK_PKT_*` key of a sent packet. */
export function packetField(p: SentPacket, key: number): bigint {
  switch (key) {
    case 0x03:
      return u(p.pn);
    case 0x04:
      return u(p.timeSent);
    case 0x05:
      return u(p.size);
    case 0x09:
      return BigInt(p.space);
    case 0x0b:
      return b(!p.ackEliciting);
    case 0x0d:
      return b(p.inFlight);
    case 0x10:
      return b(p.isPmtuProbe === true);
    case 0x80:
      return BigInt(p.frames.length + (p.pluginFrames?.length ?? 0));
  }
  throw new Error(`packet key 0x${key.toString(16)} is unknown`);
}

/** An `AK_STREAMHEAD_*` key of stream `id`. */
export function streamField(conn: Connection, id: number, key: number): bigint {
  const streams = conn.streams;
  if (key === 0x02) return u(id);
  const send: SendStream | null = streams.sendStream(id as never);
  const recv = streams.recvStream(id as never);
  if (send === null && recv === null) throw new Error(`stream ${id} is gone`);
  switch (key) {
    case 0x00: {
      if (send === null || send.isReset) return 0n;
      // What Streams.streamFrame may send: within the stream's and the connection's credit.
      const buf = send.buffer;
      const limit = Math.min(send.credit.limit, buf.sentOffset + streams.connectionFlow.available);
      return b(buf.hasData(limit));
    }
    case 0x01:
      return u(recv?.buffer.readOffset ?? 0);
    case 0x03:
      return u(send?.buffer.sentOffset ?? 0);
    case 0x04:
      return u(send?.buffer.writeOffset ?? 0);
    case 0x05:
      return u(recv?.window.limit ?? 0);
    case 0x06:
      return u(send?.credit.limit ?? 0);
    case 0x07:
      return b(send !== null && send.buffer.finished && !send.buffer.finPending);
    case 0x08:
      return b(recv !== null && recv.finalSize >= 0);
  }
  throw new Error(`stream key 0x${key.toString(16)} is unknown`);
}

/** An `AK_PH_*` key of a received header (all but the DCID and type: the one being processed). */
export function headerField(conn: Connection, h: PacketHeader, key: number): bigint {
  const rx = conn.plugins.rx;
  if (key === 0x00) return cidHandle(conn, h.dcid);
  if (key === 0x05) return BigInt(PTYPE[h.type] ?? h.type);
  if (rx.header !== h) throw new Error("the packet header is not the one being processed");
  switch (key) {
    case 0x01:
      return u(rx.headerLength);
    case 0x02:
      return u(rx.payloadLength);
    case 0x03:
      return u(rx.pn);
    case 0x04:
      return BigInt(rx.space);
  }
  throw new Error(`packet header key 0x${key.toString(16)} is unknown`);
}
