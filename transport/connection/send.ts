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

const TAG = 16;
const EMPTY = new Uint8Array(0);
/** Minimum size of a datagram carrying an Initial (RFC 9000 §14.1). */
const MIN_INITIAL_SIZE = 1200;
/** Long-header packets use a 2-byte Length (≤ 16383). */
const MAX_LONG_PACKET = 16383;
/** Below this much room a packet is not worth starting. */
const MIN_PACKET_ROOM = 48;

/** A packet written but not yet sealed. */
interface Built {
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
  frames: Frame[];
}

/** Builds the next datagram, or returns null. */
export function pollTransmit(
  c: Connection,
  now: number,
): { datagram: Uint8Array; remote: SocketAddress; local?: SocketAddress } | null {
  if (c.state >= ConnectionState.Draining) return null;
  const closing = c.state === ConnectionState.Closing;
  if (closing) {
    if (!c.closeSendPending) return null;
    c.closeSendPending = false;
  }
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
  let canSendData = closing || probing || c.congestion.canSend(Math.min(limit, 1200));
  if (canSendData && !closing && !probing) {
    const t = c.pacer.delayUntil(now, limit, c.congestion.window, c.loss.rtt.smoothed);
    if (t > 0) {
      c.timers.set(Timer.Pacing, t);
      canSendData = false;
    }
  }
  if (!canSendData) c.congestion.appLimited = false;

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
    const b = buildPacket(c, space, now, limit, canSendData, closing);
    if (b === null) continue;
    built.push(b);
    if (b.type === PacketType.Initial) hasInitial = true;
    if (b.ackEliciting) anyAckEliciting = true;
    if (b.type === PacketType.OneRtt) break;
  }
  if (built.length === 0) {
    if (canSendData && !c.streams.hasPendingData()) c.congestion.appLimited = true;
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
    const packetEnd = b.payloadEnd + TAG;
    if (b.lengthOffset >= 0) patchLength(buf, b.lengthOffset, packetEnd - b.pnOffset);
    const pkt = buf.subarray(b.start, packetEnd);
    b.keys.aead.seal(b.pn, pkt, b.pnOffset - b.start + b.pnLen, b.payloadEnd - b.start);
    b.keys.hp.apply(pkt, b.pnOffset - b.start, b.pnLen);
    onPacketBuilt(c, b, packetEnd - b.start, padded && i === built.length - 1, closing, now);
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
  return transmit(c, c.outSlab.copy(buf.subarray(0, size)));
}

/** The result of pollTransmit, with `local` once we answer from another address. */
function transmit(
  c: Connection,
  datagram: Uint8Array,
): { datagram: Uint8Array; remote: SocketAddress; local?: SocketAddress } {
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
  if (size === 0 || size > c.sendBuf.length || !c.congestion.canSend(size)) return null;
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
  writeFrame(w, PING);
  const payloadEnd = size - TAG;
  w.buf.fill(0, w.pos, payloadEnd); // PADDING
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
  c.pacer.onSend(now, size);
  mtu.onProbeSent(pn);
  c.loss.onPacketSent({
    pn,
    space: SpaceId.Application,
    timeSent: now,
    size,
    ackEliciting: true,
    inFlight: true,
    frames: PROBE_FRAMES,
    isPmtuProbe: true,
  }, now);
  return transmit(c, c.outSlab.copy(buf.subarray(0, size)));
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
  c.loss.onPacketSent(p, now);
}

/** Writes one packet's header and plaintext frames, or nothing (null). */
function buildPacket(
  c: Connection,
  space: number,
  now: number,
  limit: number,
  canSendData: boolean,
  closing: boolean,
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

  const tracker = s.ackTracker;
  const app = space === SpaceId.Application;
  const ackPending = type !== PacketType.ZeroRtt && tracker.pending;
  const dataWanted = canSendData && !closing &&
    (s.hasAckElicitingData() ||
      (app &&
        (c.pingPending || c.datagrams.length > 0 || c.streams.hasPendingData() ||
          c.streams.hasPendingControl())));
  const ackNow = ackPending && (tracker.ackDue(now) || dataWanted || closing);
  if (!ackNow && !dataWanted && !closing) return null;

  const w = c.writer;
  const isLong = type !== PacketType.OneRtt;
  let end = limit;
  if (isLong && end - w.pos > MAX_LONG_PACKET) end = w.pos + MAX_LONG_PACKET;
  if (end - w.pos < MIN_PACKET_ROOM) return null;
  const start = w.pos;
  const pn = s.nextPn;
  const pnLen = packetNumberLength(pn, c.loss.largestAcked(space as SpaceId));
  const dcid = c.cids.remoteCid;
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
  const savedEnd = w.end;
  w.end = end - TAG;
  const frames: Frame[] = [];
  let ackEliciting = false;

  if (ackNow) {
    const ranges = tracker.ranges();
    if (ranges.length >= 2) {
      const delay = Math.floor(tracker.ackDelay(now) / 2 ** c.localParams.ackDelayExponent);
      if (sizeAckFrame(ranges, delay) <= w.end - w.pos) {
        writeAckFrame(w, ranges, delay);
        frames.push({ type: FrameType.ACK, largest: ranges[0]!, delay, ranges });
        tracker.onAckSent(now);
        if (type === PacketType.OneRtt) c.oneRtt!.onAckSent(ranges[0]!);
      }
    }
  }
  if (closing) {
    const f = closeFrameFor(c, isLong);
    if (sizeFrame(f) <= w.end - w.pos) {
      writeFrame(w, f);
      frames.push(f);
    }
  } else if (dataWanted) {
    ackEliciting = writeDataFrames(c, s, space, type, frames) || ackEliciting;
    if (s.probes > 0) {
      if (!ackEliciting && w.end - w.pos >= 1) {
        writeFrame(w, PING);
        frames.push(PING);
        ackEliciting = true;
      }
      s.probes--;
    }
  }
  if (w.pos === payloadStart) {
    w.pos = start;
    w.end = savedEnd;
    return null;
  }
  // Header protection samples 16 bytes from pnOffset + 4 (RFC 9001 §5.4.2).
  while (w.pos - pnOffset < 4) w.buf[w.pos++] = 0;
  const payloadEnd = w.pos;
  w.end = savedEnd;
  w.pos = payloadEnd + TAG;
  return {
    start,
    lengthOffset,
    pnOffset,
    pnLen,
    pn,
    payloadEnd,
    keys,
    space,
    type,
    ackEliciting,
    frames,
  };
}

/** Writes ack-eliciting frames; returns true when any was written. */
function writeDataFrames(
  c: Connection,
  s: Connection["spaces"][number],
  space: number,
  type: number,
  frames: Frame[],
): boolean {
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
  if (type !== PacketType.ZeroRtt) {
    const cs = s.cryptoSend;
    while (cs.hasData()) {
      const room = w.end - w.pos;
      const hdr = sizeCryptoFrameHeader(cs.nextOffset(), room);
      if (room - hdr < 1) break;
      const seg = cs.nextSegment(room - hdr);
      if (seg === null) break;
      writeCryptoFrame(w, seg.offset, seg.data);
      frames.push({ type: FrameType.CRYPTO, offset: seg.offset, data: seg.data });
      wrote = true;
    }
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
