/**
 * Packet assembly (RFC 9000 §12.2, §13, §14; RFC 9001 §5): `pollTransmit`.
 *
 * One datagram per call, written into the connection's reusable send buffer:
 * Initial, Handshake and Application packets coalesced in that order (a short
 * header packet last), each packet's plaintext written in place with 16 bytes
 * left for its AEAD tag; then every packet is sealed and header-protected in
 * place and the datagram is copied out once.
 *
 * What goes in a packet, in order: ACK (when due, or riding along), the
 * CONNECTION_CLOSE in the closing state, queued control frames, CRYPTO, stream
 * control frames, PING, STREAM frames, and a PING for a PTO probe that carries
 * nothing else. Data is limited by the congestion window and the pacer, and a
 * server is limited to 3× what it received before address validation (§8.1).
 * Datagrams carrying a client Initial, or an ack-eliciting server Initial, are
 * padded to 1200 bytes (§14.1).
 *
 * @module
 */

import type { SocketAddress } from "../address.ts";
import type { DirectionalKeys } from "../crypto/packet_protection.ts";
import { sizeAckFrame, writeAckFrame } from "../frames/ack.ts";
import { sizeCryptoFrameHeader, writeCryptoFrame } from "../frames/crypto.ts";
import { type Frame, sizeFrame, writeFrame } from "../frames/frame.ts";
import { FrameType, isFrameAllowed } from "../frames/frame_type.ts";
import { PING } from "../frames/misc.ts";
import {
  packetNumberLength,
  PacketType,
  patchLength,
  writeLongHeader,
  writeShortHeader,
} from "../packet/header.ts";
import type { SentPacket } from "../recovery/sent_packet.ts";
import { SpaceId } from "../recovery/space_id.ts";
import { closeFrameFor } from "./close.ts";
import type { Connection } from "./connection.ts";
import { ConnectionState } from "./events.ts";
import { discardSpace } from "./handshake.ts";
import { Timer } from "./timers.ts";
import { onPathChallengeSent } from "./paths.ts";
import type { StreamFrame } from "../frames/stream.ts";
import { ByteSlab } from "../streams/byte_slab.ts";
import { SendStream } from "../streams/send_stream.ts";
import type { Writer } from "../wire/writer.ts";
import { CongestionNotification, LogCategory, LogEvent, Op } from "../protoop/catalogue.ts";
import { ProtoopError, ProtoopErrorKind } from "../protoop/errors.ts";
import type { ReservedFrame } from "../protoop/reservations.ts";

const TAG = 16;
const EMPTY = new Uint8Array(0);
/** Minimum size of a datagram carrying an Initial (RFC 9000 §14.1). */
const MIN_INITIAL_SIZE = 1200;
/** Long-header packets use a 2-byte Length (≤ 16383). */
const MAX_LONG_PACKET = 16383;
/** Below this much room a packet is not worth starting. */
const MIN_PACKET_ROOM = 48;
/**
 * Where datagrams are copied for the driver, shared by the connections of
 * this module (copies stay valid while referenced). 1 MiB (arbitrary): a
 * 65,000-byte datagram then shares its allocation with 15 others instead of
 * getting its own: new memory, not the copy, is what costs (measured here:
 * `slice()` of 16-65 KB copies 4-6 GB/s, into a 1 MiB slab 8-13 GB/s).
 */
const DATAGRAM_SLAB = new ByteSlab(1 << 20);

/**
 * A packet under construction (created once its header is written), then
 * written but not yet sealed: what `prepare_packet_ready` returns and the
 * frame-writing protoops fill.
 */
export interface BuiltPacket {
  start: number;
  lengthOffset: number;
  pnOffset: number;
  pnLen: number;
  pn: number;
  payloadEnd: number;
  keys: DirectionalKeys;
  space: number;
  type: number;
  ackEliciting: boolean;
  /** Core frames written (recorded in the SentPacket). */
  frames: Frame[];
  /** Plugin frames written (frame reservations), or null. */
  pluginFrames: ReservedFrame[] | null;
  /** The path it goes on (null: the connection's single path). */
  path: object | null;
}
type Built = BuiltPacket;

/** Builds the next datagram, or returns null. */
export function pollTransmit(
  c: Connection,
  now: number,
): { datagram: Uint8Array; remote: SocketAddress; local?: SocketAddress } | null {
  if (c.state >= ConnectionState.Draining) return null;
  c.plugins.now = now;
  const closing = c.state === ConnectionState.Closing;
  if (closing) {
    if (!c.closeSendPending) return null;
    c.closeSendPending = false;
  }
  const ops = c.ops.call;
  // Its default is the single path (null); noop-like anchors are called only when plugged.
  const path = c.ops.plugged[Op.SELECT_SENDING_PATH] === 1
    ? ops[Op.SELECT_SENDING_PATH](c, now)
    : null;
  let limit = c.maxDatagramSize;
  if (!c.addressValidated) {
    const credit = 3 * c.ampReceived - c.ampSent;
    if (credit < MIN_PACKET_ROOM * 2) {
      c.loss.setAmplificationLimited(true, now);
      return null;
    }
    if (credit < limit) limit = credit;
  }
  const probing = c.spaces[0].probes > 0 || c.spaces[1].probes > 0 || c.spaces[2].probes > 0;
  // Accounting goes to the configured controller itself (protoop_congestion.ts).
  const cc = c.congestion.inner;
  // A loopback PMTU probe in flight does not hold the window (pmtud.ts).
  const outside = c.pmtud === null ? 0 : c.pmtud.bytesOutsideWindow;
  let canSendData = closing || probing || cc.canSend(Math.min(limit, 1200) - outside);
  if (canSendData && !closing && !probing && c.plugins.pacingEnabled) {
    const t = c.pacer.delayUntil(now, limit, cc.window, c.loss.rtt.smoothed);
    if (t > 0) {
      c.timers.set(Timer.Pacing, t);
      canSendData = false;
    }
  }
  if (!canSendData) {
    cc.appLimited = false;
    // The default does nothing for CwinBlocked: called only when a pluglet is attached.
    if (!closing && !probing && c.ops.plugged[Op.CONGESTION_ALGORITHM_NOTIFY] === 1) {
      ops[Op.CONGESTION_ALGORITHM_NOTIFY](
        c,
        path,
        CongestionNotification.CwinBlocked,
        null,
        0,
        0,
        now,
      );
    }
  }

  if (canSendData && !closing && !probing && c.pmtud !== null && c.handshakeConfirmed) {
    const probe = buildPmtuProbe(c, now);
    if (probe !== null) return probe;
  }

  const w = c.writer;
  w.pos = 0;
  w.end = limit;
  const built: Built[] = [];
  let hasInitial = false;
  let anyAckEliciting = false;
  const confirmedOnly = closing && c.handshakeConfirmed;
  for (let space = 0; space < 3; space++) {
    if (confirmedOnly && space !== SpaceId.Application) continue;
    if (c.spaces[space]!.discarded) continue;
    const b = ops[Op.PREPARE_PACKET_READY](
      c,
      path,
      space,
      limit,
      canSendData,
      closing,
      now,
    ) as Built | null;
    if (b === null) continue;
    built.push(b);
    if (b.type === PacketType.Initial) hasInitial = true;
    if (b.ackEliciting) anyAckEliciting = true;
    if (b.type === PacketType.OneRtt) break;
  }
  if (built.length === 0) {
    if (canSendData && !c.streams.hasPendingData()) cc.appLimited = true;
    return null;
  }

  // RFC 9000 §14.1: pad datagrams with Initials (client always; server when ack-eliciting).
  let padded = false;
  if (hasInitial && (c.isClient || anyAckEliciting) && w.pos < MIN_INITIAL_SIZE) {
    const last = built[built.length - 1]!;
    const target = Math.min(MIN_INITIAL_SIZE, limit);
    const extra = target - w.pos;
    if (extra > 0) {
      w.buf.fill(0, last.payloadEnd, last.payloadEnd + extra);
      last.payloadEnd += extra;
      w.pos += extra;
      padded = true;
    }
  }

  const buf = w.buf;
  for (let i = 0; i < built.length; i++) {
    const b = built[i]!;
    const size = ops[Op.FINALIZE_AND_PROTECT_PACKET](c, b, now);
    onPacketBuilt(c, b, size, padded && i === built.length - 1, closing, now);
  }
  const size = w.pos;
  c.counters.datagramsSent++;
  c.counters.bytesSent += size;
  if (!c.addressValidated) c.ampSent += size;
  if (!closing) c.pacer.onSend(now, size);
  if (anyAckEliciting && !closing) {
    if (!c.sentAckElicitingSinceRecv && c.idleTimeout > 0) {
      c.timers.set(Timer.Idle, now + Math.max(c.idleTimeout, 3 * c.loss.ptoPeriod()));
    }
    c.sentAckElicitingSinceRecv = true;
    const ka = c.config.keepAliveInterval ?? 0;
    if (ka > 0) c.timers.set(Timer.KeepAlive, now + ka);
  }
  // RFC 9001 §4.9.1: a client drops Initial keys once it sends a Handshake packet.
  if (c.isClient && c.sentHandshake && !c.spaces[SpaceId.Initial].discarded) {
    discardSpace(c, SpaceId.Initial);
  }
  return transmit(c, DATAGRAM_SLAB.copy(buf.subarray(0, size)));
}

/**
 * Default of `finalize_and_protect_packet`: patches the Length, seals the
 * payload and applies header protection (RFC 9001 §5.3, §5.4); returns the
 * packet's size.
 */
export function finalizeAndProtect(c: Connection, bp: object, _now: number): number {
  const b = bp as Built;
  const buf = c.writer.buf;
  const packetEnd = b.payloadEnd + TAG;
  if (b.lengthOffset >= 0) patchLength(buf, b.lengthOffset, packetEnd - b.pnOffset);
  const pkt = buf.subarray(b.start, packetEnd);
  b.keys.aead.seal(b.pn, pkt, b.pnOffset - b.start + b.pnLen, b.payloadEnd - b.start);
  b.keys.hp.apply(pkt, b.pnOffset - b.start, b.pnLen);
  return packetEnd - b.start;
}

/** The result of pollTransmit, with `local` once we answer from another address. */
function transmit(
  c: Connection,
  datagram: Uint8Array,
): { datagram: Uint8Array; remote: SocketAddress; local?: SocketAddress } {
  if (c.ops.plugged[Op.BEFORE_SENDING_PACKET] === 1) {
    c.ops.call[Op.BEFORE_SENDING_PACKET](c, datagram, c.remote);
  }
  return c.localAddress === null
    ? { datagram, remote: c.remote }
    : { datagram, remote: c.remote, local: c.localAddress };
}

/**
 * A DPLPMTUD probe (RFC 9000 §14.4): PING and PADDING to the probe size in a
 * datagram of its own, or null when none is due or allowed.
 */
function buildPmtuProbe(
  c: Connection,
  now: number,
): { datagram: Uint8Array; remote: SocketAddress; local?: SocketAddress } | null {
  const mtu = c.pmtud!;
  if (c.oneRtt === null || !c.addressValidated || c.state !== ConnectionState.Established) {
    return null;
  }
  const size = mtu.probeSize(now);
  if (size === 0 || size > c.sendBuf.length) return null;
  // On loopback the probe may exceed the window (RFC 8899 §3; pmtud.ts).
  if (!mtu.bypassesWindow && !c.congestion.canSend(size)) return null;
  const s = c.spaces[SpaceId.Application];
  const w = c.writer;
  w.pos = 0;
  w.end = size;
  const pn = s.nextPn;
  const pnLen = packetNumberLength(pn, c.loss.largestAcked(SpaceId.Application));
  const pnOffset = writeShortHeader(w, {
    dcid: c.cids.remoteCid,
    spin: false,
    keyPhase: c.oneRtt.writePhase,
    pnLength: pnLen,
    truncatedPn: pn,
  }).pnOffset;
  c.ops.call[Op.PREPARE_MTU_PROBE](c, null, size, w);
  const payloadEnd = size - TAG;
  const buf = w.buf;
  const pkt = buf.subarray(0, size);
  const keys = c.oneRtt.write;
  keys.aead.seal(pn, pkt, pnOffset + pnLen, payloadEnd);
  keys.hp.apply(pkt, pnOffset, pnLen);
  s.nextPn = pn + 1;
  c.oneRtt.onPacketSent(pn);
  c.counters.packetsSent++;
  c.counters.datagramsSent++;
  c.counters.bytesSent += size;
  c.counters.frameSent(FrameType.PING);
  const qlog = c.config.qlog;
  if (qlog !== undefined) {
    qlog.packetSent(c.originalDcid, now, PacketType.OneRtt, pn, size, PROBE_FRAMES);
  }
  if (!mtu.bypassesWindow) c.pacer.onSend(now, size);
  mtu.onProbeSent(pn);
  const p: SentPacket = {
    pn,
    space: SpaceId.Application,
    timeSent: now,
    size,
    ackEliciting: true,
    inFlight: true,
    frames: PROBE_FRAMES,
    isPmtuProbe: true,
  };
  c.loss.onPacketSent(p, now);
  // A probe is a packet sent like any other: observers of segment_prepared see it too.
  if (c.ops.plugged[Op.SEGMENT_PREPARED] === 1) c.ops.call[Op.SEGMENT_PREPARED](c, p, p.size);
  return transmit(c, DATAGRAM_SLAB.copy(buf.subarray(0, size)));
}

/**
 * Default of `prepare_mtu_probe`: PING, then PADDING up to the probe's
 * payload end (`size` minus the AEAD tag); returns the bytes written.
 */
export function prepareMtuProbe(
  _c: Connection,
  _path: object | null,
  size: number,
  w: Writer,
): number {
  const start = w.pos;
  writeFrame(w, PING);
  const payloadEnd = size - TAG;
  w.buf.fill(0, w.pos, payloadEnd); // PADDING
  w.pos = payloadEnd;
  return payloadEnd - start;
}

/** The frames of every PMTU probe (PADDING is not recorded). */
const PROBE_FRAMES: Frame[] = [PING];

/** Bookkeeping after a packet is sealed. */
function onPacketBuilt(
  c: Connection,
  b: Built,
  size: number,
  padded: boolean,
  closing: boolean,
  now: number,
): void {
  const s = c.spaces[b.space]!;
  s.nextPn = b.pn + 1;
  c.counters.packetsSent++;
  const qlog = c.config.qlog;
  if (qlog !== undefined) qlog.packetSent(c.originalDcid, now, b.type, b.pn, size, b.frames);
  for (let i = 0; i < b.frames.length; i++) {
    const type = b.frames[i]!.type;
    c.counters.frameSent(type);
    if (type === FrameType.PATH_CHALLENGE) onPathChallengeSent(c, now);
  }
  if (b.type === PacketType.Handshake) c.sentHandshake = true;
  if (closing) return;
  if (b.type === PacketType.OneRtt) c.oneRtt!.onPacketSent(b.pn);
  const p: SentPacket = {
    pn: b.pn,
    space: b.space as SpaceId,
    timeSent: now,
    size,
    ackEliciting: b.ackEliciting,
    inFlight: b.ackEliciting || padded,
    frames: b.frames,
  };
  if (b.type === PacketType.ZeroRtt) p.isZeroRtt = true;
  if (b.pluginFrames !== null) {
    p.pluginFrames = b.pluginFrames;
    for (let i = 0; i < b.pluginFrames.length; i++) {
      c.counters.pluginFrameSent(b.pluginFrames[i]!.type);
    }
  }
  c.loss.onPacketSent(p, now);
  if (c.ops.plugged[Op.SEGMENT_PREPARED] === 1) c.ops.call[Op.SEGMENT_PREPARED](c, p, p.size);
  if (c.ops.plugged[Op.LOG_EVENT] === 1) {
    c.ops.call[Op.LOG_EVENT](c, LogCategory.Transport, LogEvent.PacketSent, 0, p, null);
  }
}

/**
 * Default of `prepare_packet_ready`: writes one packet's header and
 * plaintext frames, or nothing (null).
 */
export function buildPacket(
  c: Connection,
  path: object | null,
  space: number,
  limit: number,
  canSendData: boolean,
  closing: boolean,
  now: number,
): Built | null {
  const s = c.spaces[space]!;
  if (s.discarded) return null;
  let keys: DirectionalKeys | null;
  let type: number;
  if (space === SpaceId.Initial) {
    keys = s.writeKeys;
    type = PacketType.Initial;
  } else if (space === SpaceId.Handshake) {
    keys = s.writeKeys;
    type = PacketType.Handshake;
  } else if (c.oneRtt !== null) {
    keys = c.oneRtt.write;
    type = PacketType.OneRtt;
  } else if (c.isClient && c.zeroRtt !== null && !closing) {
    keys = c.zeroRtt;
    type = PacketType.ZeroRtt;
  } else {
    return null;
  }
  if (keys === null) return null;

  const ops = c.ops.call;
  const tracker = s.ackTracker;
  const app = space === SpaceId.Application;
  const ackPending = type !== PacketType.ZeroRtt && tracker.pending;
  const dataWanted = canSendData && !closing &&
    (s.hasAckElicitingData() ||
      (app &&
        (c.pingPending || c.datagrams.length > 0 || c.streams.hasPendingData() ||
          c.streams.hasPendingControl() || pluginFramesWanted(c))));
  const ackNow = ackPending && (ops[Op.IS_ACK_NEEDED](c, space, now) || dataWanted || closing);
  if (!ackNow && !dataWanted && !closing) return null;

  const w = c.writer;
  const isLong = type !== PacketType.OneRtt;
  let end = limit;
  if (isLong && end - w.pos > MAX_LONG_PACKET) end = w.pos + MAX_LONG_PACKET;
  if (end - w.pos < MIN_PACKET_ROOM) return null;
  const start = w.pos;
  const pn = s.nextPn;
  const pnLen = packetNumberLength(pn, c.loss.largestAcked(space as SpaceId));
  const dcid = ops[Op.GET_DESTINATION_CONNECTION_ID](c, type, path);
  let lengthOffset = -1;
  let pnOffset: number;
  if (isLong) {
    const r = writeLongHeader(w, {
      type: type as 0 | 1 | 2,
      version: c.version,
      dcid,
      scid: c.localCid,
      token: type === PacketType.Initial && c.isClient ? c.retryToken : EMPTY,
      pnLength: pnLen,
      truncatedPn: pn,
    });
    lengthOffset = r.lengthOffset;
    pnOffset = r.pnOffset;
  } else {
    pnOffset = writeShortHeader(w, {
      dcid,
      spin: false,
      keyPhase: c.oneRtt!.writePhase,
      pnLength: pnLen,
      truncatedPn: pn,
    }).pnOffset;
  }
  const payloadStart = w.pos;
  if (c.ops.plugged[Op.HEADER_PREPARED] === 1) {
    ops[Op.HEADER_PREPARED](c, path, space, pn, payloadStart - start);
  }
  const savedEnd = w.end;
  w.end = end - TAG;
  const b: Built = {
    start,
    lengthOffset,
    pnOffset,
    pnLen,
    pn,
    payloadEnd: 0,
    keys,
    space,
    type,
    ackEliciting: false,
    frames: [],
    pluginFrames: null,
    path,
  };

  if (ackNow) ops[Op.PREPARE_ACK_FRAME](c, space, w, b, now);
  if (closing) {
    const f = closeFrameFor(c, isLong);
    if (sizeFrame(f) <= w.end - w.pos) {
      writeFrame(w, f);
      b.frames.push(f);
    }
  } else if (dataWanted) {
    if (ops[Op.SCHEDULE_FRAMES_ON_PATH](c, b, space, type)) b.ackEliciting = true;
    if (s.probes > 0) {
      if (!b.ackEliciting && w.end - w.pos >= 1) {
        writeFrame(w, PING);
        b.frames.push(PING);
        b.ackEliciting = true;
      }
      s.probes--;
    }
  }
  if (w.pos === payloadStart) {
    w.pos = start;
    w.end = savedEnd;
    if (c.ops.plugged[Op.SEGMENT_ABORTED] === 1) ops[Op.SEGMENT_ABORTED](c, space);
    return null;
  }
  // Header protection samples 16 bytes from pnOffset + 4 (RFC 9001 §5.4.2).
  while (w.pos - pnOffset < 4) w.buf[w.pos++] = 0;
  b.payloadEnd = w.pos;
  w.end = savedEnd;
  w.pos = b.payloadEnd + TAG;
  return b;
}

/** Plugin frames want a packet: non-congestion-controlled ones, or as `has_…_to_send` says. */
function pluginFramesWanted(c: Connection): boolean {
  const r = c.reservations;
  const q = r.queued;
  if (q === 0) return false;
  return q > r.queuedCongestionControlled ||
    c.ops.call[Op.HAS_CONGESTION_CONTROLLED_PLUGIN_FRAMES_TO_SEND](c);
}

/** Default of `has_congestion_controlled_plugin_frames_to_send`. */
export function hasCcPluginFrames(c: Connection): boolean {
  return c.reservations.hasCongestionControlled();
}

/** Default of `is_ack_needed`: the space's ACK is due (RFC 9000 §13.2.1). */
export function isAckNeeded(c: Connection, space: number, now: number): boolean {
  return c.spaces[space]!.ackTracker.ackDue(now);
}

/** Default of `get_destination_connection_id`: the peer's current CID. */
export function destinationCid(c: Connection, _type: number, _path: object | null): Uint8Array {
  return c.cids.remoteCid;
}

/** Default of `prepare_ack_frame`: the space's ACK when it fits; returns the bytes written. */
export function prepareAckFrame(
  c: Connection,
  space: number,
  w: Writer,
  bp: object,
  now: number,
): number {
  const b = bp as Built;
  const tracker = c.spaces[space]!.ackTracker;
  const ranges = tracker.ranges();
  if (ranges.length < 2) return 0;
  const delay = Math.floor(tracker.ackDelay(now) / 2 ** c.localParams.ackDelayExponent);
  if (sizeAckFrame(ranges, delay) > w.end - w.pos) return 0;
  const start = w.pos;
  writeAckFrame(w, ranges, delay);
  b.frames.push({ type: FrameType.ACK, largest: ranges[0]!, delay, ranges });
  tracker.onAckSent(now);
  if (b.type === PacketType.OneRtt) c.oneRtt!.onAckSent(ranges[0]!);
  return w.pos - start;
}

/**
 * Default of `schedule_frames_on_path`: writes ack-eliciting frames (control,
 * CRYPTO, stream control, plugin frames, DATAGRAM, PING, STREAM); returns
 * true when any was written.
 */
export function writeDataFrames(c: Connection, bp: object, space: number, type: number): boolean {
  const b = bp as Built;
  const s = c.spaces[space]!;
  const frames = b.frames;
  const ops = c.ops.call;
  const w = c.writer;
  let wrote = false;
  // Queued control frames (HANDSHAKE_DONE, NEW_CONNECTION_ID, PATH_RESPONSE, …).
  if (s.pending.length > 0) {
    const keep: Frame[] = [];
    for (const f of s.pending) {
      if (isFrameAllowed(f.type, type as 0) && sizeFrame(f) <= w.end - w.pos) {
        writeFrame(w, f);
        frames.push(f);
        wrote = true;
      } else {
        keep.push(f);
      }
    }
    s.pending.length = 0;
    for (const f of keep) s.pending.push(f);
  }
  // CRYPTO (not in 0-RTT).
  if (type !== PacketType.ZeroRtt && s.cryptoSend.hasData()) {
    if (ops[Op.PREPARE_CRYPTO_HS_FRAME](c, space, w, w.end - w.pos, b) > 0) wrote = true;
  }
  if (space !== SpaceId.Application) return wrote;
  const streams = c.streams;
  for (;;) {
    const room = w.end - w.pos;
    if (room < 2) break;
    const f = streams.pollControlFrame(room);
    if (f === null) break;
    writeFrame(w, f);
    frames.push(f);
    wrote = true;
  }
  if (c.reservations.queued > 0) {
    ops[Op.SCHEDULER_WRITE_NEW_FRAMES](c, w, w.end - w.pos, b);
    const pf = b.pluginFrames;
    if (pf !== null) {
      for (let i = 0; i < pf.length; i++) if (pf[i]!.retransmittable) wrote = true;
    }
  }
  while (c.datagrams.length > 0) {
    const f: Frame = { type: FrameType.DATAGRAM_LEN, data: c.datagrams[0]! };
    if (sizeFrame(f) > w.end - w.pos) break;
    writeFrame(w, f);
    frames.push(f);
    c.datagrams.shift();
    wrote = true;
  }
  if (c.pingPending && w.end - w.pos >= 1) {
    writeFrame(w, PING);
    frames.push(PING);
    c.pingPending = false;
    wrote = true;
  }
  // With neither stream protoop plugged their defaults are nextStreamFrame's two halves.
  const plugged = c.ops.plugged;
  if (plugged[Op.SCHEDULE_NEXT_STREAM] === 0 && plugged[Op.PREPARE_STREAM_FRAME] === 0) {
    for (;;) {
      const room = w.end - w.pos;
      if (room < 8) break;
      const f = streams.nextStreamFrame(room);
      if (f === null) break;
      writeFrame(w, f);
      frames.push(f);
      wrote = true;
    }
    return wrote;
  }
  for (;;) {
    const room = w.end - w.pos;
    if (room < 8) break;
    const st = ops[Op.SCHEDULE_NEXT_STREAM](c, room, b.path);
    if (st === null) break;
    const f = ops[Op.PREPARE_STREAM_FRAME](c, st, w, room);
    if (f === null) break;
    frames.push(f);
    wrote = true;
  }
  return wrote;
}

/** Default of `prepare_crypto_hs_frame`: CRYPTO frames of the space; returns the bytes written. */
export function prepareCryptoFrames(
  c: Connection,
  space: number,
  w: Writer,
  maxBytes: number,
  bp: object,
): number {
  const b = bp as Built;
  const cs = c.spaces[space]!.cryptoSend;
  const start = w.pos;
  const end = Math.min(w.end, start + maxBytes);
  while (cs.hasData()) {
    const room = end - w.pos;
    const hdr = sizeCryptoFrameHeader(cs.nextOffset(), room);
    if (room - hdr < 1) break;
    const seg = cs.nextSegment(room - hdr);
    if (seg === null) break;
    writeCryptoFrame(w, seg.offset, seg.data);
    b.frames.push({ type: FrameType.CRYPTO, offset: seg.offset, data: seg.data });
  }
  return w.pos - start;
}

/**
 * Default of `scheduler_write_new_frames`: the reserved plugin frames that
 * fit (their fair share of the window while core has data); returns the
 * bytes written.
 */
export function schedulerWriteNewFrames(
  c: Connection,
  w: Writer,
  maxBytes: number,
  bp: object,
): number {
  const b = bp as Built;
  const r = c.reservations;
  if (r.queued === 0) return 0;
  r.startPacket();
  const start = w.pos;
  const end = Math.min(w.end, start + maxBytes);
  const coreHasData = c.streams.hasPendingData();
  for (;;) {
    const f = r.nextReservedFrame(c, w, end - w.pos, c.congestion, coreHasData);
    if (f === null) break;
    (b.pluginFrames ??= []).push(f);
  }
  return w.pos - start;
}

/** Default of `schedule_next_stream`: the round-robin schedule's next stream. */
export function scheduleNextStream(
  c: Connection,
  _maxBytes: number,
  _path: object | null,
): object | null {
  return c.streams.nextStream();
}

/** Default of `prepare_stream_frame`: the next STREAM frame of `stream`, written. */
export function prepareStreamFrame(
  c: Connection,
  stream: object,
  w: Writer,
  maxBytes: number,
): StreamFrame | null {
  if (!(stream instanceof SendStream)) {
    throw new ProtoopError(
      ProtoopErrorKind.PluginFault,
      "Cannot prepare a STREAM frame: schedule_next_stream returned no send stream",
    );
  }
  const f = c.streams.streamFrame(stream, maxBytes);
  if (f !== null) writeFrame(w, f);
  return f;
}
