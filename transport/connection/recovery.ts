/**
 * Loss recovery glue (RFC 9002, RFC 9000 §13.3; STYLE.md §14's notifyFrame):
 * ACK frames go to `LossRecovery`, then each acknowledged or lost packet's
 * frames go back to their owners — Streams for stream and flow-control frames,
 * the space's CRYPTO buffer, the ACK tracker for ACKs of ACKs, the space's
 * pending queue for HANDSHAKE_DONE and CID frames. PTO probes are set up here.
 *
 * @module
 */

import type { Frame } from "../frames/frame.ts";
import { FrameType } from "../frames/frame_type.ts";
import type { SentPacket } from "../recovery/sent_packet.ts";
import { SpaceId } from "../recovery/space_id.ts";
import type { Connection } from "./connection.ts";
import { onPathChallengeLost } from "./paths.ts";
import { PmtuChange } from "./pmtud.ts";
import { FrameNotification, LogCategory, LogEvent, Op } from "../protoop/catalogue.ts";
import { ReservedFrame } from "../protoop/reservations.ts";
import type { SentFrame } from "../protoop/signatures.ts";

/** Default of `update_rtt`: the RTT estimator takes the sample (RFC 9002 §5). */
export function updateRtt(
  c: Connection,
  _space: number,
  sample: number,
  ackDelay: number,
  now: number,
): void {
  const loss = c.loss;
  loss.rtt.update(sample, ackDelay, loss.handshakeConfirmed, loss.maxAckDelay, now);
}

/** The path MTU changed: the datagram size and the controllers follow (RFC 9002 §7.2). */
export function applyPmtu(c: Connection): void {
  const size = c.pmtud!.current;
  c.maxDatagramSize = size;
  c.congestion.maxDatagramSize = size;
  c.pacer.maxDatagramSize = size;
}

/** An ACK frame: loss recovery first, then every acknowledged or lost frame's owner. */
export function onAck(
  c: Connection,
  space: number,
  ranges: number[],
  delay: number,
  now: number,
): void {
  // RFC 9002 §5.3: ACK Delay is ignored in Initial and Handshake packets.
  const ackDelay = space === SpaceId.Application ? delay * 2 ** c.peerAckDelayExponent : 0;
  const res = c.loss.onAckReceived(space as SpaceId, ranges, ackDelay, now);
  for (const p of res.newlyAcked) onPacketAcked(c, p);
  const last = res.newlyAcked[res.newlyAcked.length - 1];
  if (last !== undefined && last.pn === c.loss.largestAcked(space as SpaceId)) {
    c.counters.largestAckedSentTime[space] = last.timeSent;
  }
  c.counters.spuriousLosses += res.spuriouslyLost.length;
  const ops = c.ops.call;
  const plugged = c.ops.plugged;
  if (res.lost.length > 0) {
    if (plugged[Op.FAST_RETRANSMIT] === 1) {
      for (const p of res.lost) ops[Op.FAST_RETRANSMIT](c, p);
    }
    onPacketsLost(c, res.lost);
  }
  const spurious = res.spuriouslyLost;
  if (plugged[Op.CHECK_SPURIOUS_RETRANSMISSION] === 1) {
    for (let i = 0; i < spurious.length; i++) {
      ops[Op.CHECK_SPURIOUS_RETRANSMISSION](c, spurious[i]!, space, now);
    }
  }
  if (res.rttUpdated) {
    c.streams.setRtt(c.loss.rtt.smoothed, now);
    if (c.ops.plugged[Op.LOG_EVENT] === 1) {
      ops[Op.LOG_EVENT](c, LogCategory.Recovery, LogEvent.MetricsUpdated, 0, null, null);
    }
  }
  const qlog = c.config.qlog;
  if (qlog !== undefined) {
    const rtt = c.loss.rtt;
    const cc = c.congestion;
    qlog.metricsUpdated(
      c.originalDcid,
      now,
      rtt.smoothed,
      rtt.min,
      rtt.latest,
      rtt.rttvar,
      cc.window,
      cc.bytesInFlight,
    );
  }
  if (c.isClient && space === SpaceId.Handshake && !c.loss.peerCompletedAddressValidation) {
    c.loss.setPeerCompletedAddressValidation(true, now);
  }
}

/** Tells each frame's owner its packet was acknowledged. */
export function onPacketAcked(c: Connection, p: SentPacket): void {
  const mtu = c.pmtud;
  if (mtu !== null) {
    if (p.isPmtuProbe === true) {
      if (mtu.onProbeAcked(p.pn, p.size) !== PmtuChange.None) applyPmtu(c);
      return;
    }
    mtu.onPacketAcked(p.size, p.timeSent);
  }
  if (p.space === SpaceId.Application && c.oneRtt !== null) c.oneRtt.onPacketAcked(p.pn);
  const frames = p.frames as Frame[];
  if (c.ops.plugged[Op.NOTIFY_FRAME] === 1) {
    const notify = c.ops.call[Op.NOTIFY_FRAME];
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      notify(c, f.type, f, FrameNotification.Acked, p, 0n);
    }
  } else {
    // The slot holds notifyFrame, which for a core frame is exactly this (WIRING.md §9).
    for (let i = 0; i < frames.length; i++) frameAcked(c, frames[i]!, p);
  }
  const pf = p.pluginFrames;
  if (pf !== undefined) { for (const f of pf) c.reservations.onAcked(c, f, p); }
}

/**
 * Default of `notify_frame`: tells a core frame's owner that its packet was
 * acknowledged (1) or lost (0) (RFC 9000 §13.3). Plugin frames have no core
 * owner and are ignored.
 */
export function notifyFrame(
  c: Connection,
  _type: number,
  sent: SentFrame,
  received: number,
  p: SentPacket | null,
  _ctx: bigint,
): void {
  if (sent instanceof ReservedFrame || p === null) return;
  if (received === FrameNotification.Acked) frameAcked(c, sent, p);
  else if (received === FrameNotification.Lost) frameLost(c, sent, p);
}

/** A core frame's packet was acknowledged. */
function frameAcked(c: Connection, f: Frame, p: SentPacket): void {
  const s = c.spaces[p.space]!;
  switch (f.type) {
    case FrameType.STREAM:
      c.streams.onStreamFrameAcked(f);
      break;
    case FrameType.CRYPTO:
      if (!s.discarded) s.cryptoSend.onAcked(f.offset, f.data.length, false);
      break;
    case FrameType.ACK:
    case FrameType.ACK_ECN:
      s.ackTracker.onAckOfAck(f.largest);
      break;
    case FrameType.MAX_DATA:
    case FrameType.MAX_STREAM_DATA:
    case FrameType.MAX_STREAMS_BIDI:
    case FrameType.MAX_STREAMS_UNI:
    case FrameType.DATA_BLOCKED:
    case FrameType.STREAM_DATA_BLOCKED:
    case FrameType.STREAMS_BLOCKED_BIDI:
    case FrameType.STREAMS_BLOCKED_UNI:
    case FrameType.RESET_STREAM:
    case FrameType.STOP_SENDING:
      c.streams.onControlFrameAcked(f);
      break;
    default:
      break;
  }
}

/** Re-queues the frames of lost packets (RFC 9000 §13.3). */
export function onPacketsLost(c: Connection, lost: SentPacket[]): void {
  const mtu = c.pmtud;
  const ops = c.ops.call;
  const plugged = c.ops.plugged;
  for (const p of lost) {
    if (mtu !== null) {
      if (p.isPmtuProbe === true) {
        mtu.onProbeLost(p.pn, p.size);
        continue;
      }
      if (mtu.onPacketLost(p.size, p.timeSent, c.loss.now) !== PmtuChange.None) applyPmtu(c);
    }
    c.counters.packetsLost++;
    if (plugged[Op.PACKET_WAS_LOST] === 1) ops[Op.PACKET_WAS_LOST](c, p, null);
    const qlog = c.config.qlog;
    if (qlog !== undefined) qlog.packetLost(c.originalDcid, c.loss.now, p.space, p.pn, p.size);
    if (plugged[Op.LOG_EVENT] === 1) {
      ops[Op.LOG_EVENT](c, LogCategory.Recovery, LogEvent.PacketLost, 0, p, null);
    }
    const frames = p.frames as Frame[];
    // FEC may keep the frames back while the peer could still rebuild the packet (loss_hold.ts).
    const hold = c.lossHold;
    if (hold !== null && hold.onLost(p, c.loss.now)) {
      // held: releaseHeldFrames tells their owners later
    } else if (plugged[Op.NOTIFY_FRAME] === 1) {
      for (let i = 0; i < frames.length; i++) {
        const f = frames[i]!;
        ops[Op.NOTIFY_FRAME](c, f.type, f, FrameNotification.Lost, p, 0n);
      }
    } else {
      for (let i = 0; i < frames.length; i++) frameLost(c, frames[i]!, p);
    }
    const pf = p.pluginFrames;
    if (pf !== undefined) { for (const f of pf) c.reservations.onLost(c, f, p); }
  }
}

/**
 * The core frames of a packet `LossHold.onLost` held (loss_hold.ts): acknowledged when
 * the peer rebuilt the packet, else lost as `onPacketsLost` would have made them.
 */
export function releaseHeldFrames(c: Connection, p: SentPacket, delivered: boolean): void {
  const frames = p.frames as Frame[];
  const how = delivered ? FrameNotification.Acked : FrameNotification.Lost;
  if (c.ops.plugged[Op.NOTIFY_FRAME] === 1) {
    const notify = c.ops.call[Op.NOTIFY_FRAME];
    for (let i = 0; i < frames.length; i++) notify(c, frames[i]!.type, frames[i]!, how, p, 0n);
  } else if (delivered) {
    for (let i = 0; i < frames.length; i++) frameAcked(c, frames[i]!, p);
  } else {
    for (let i = 0; i < frames.length; i++) frameLost(c, frames[i]!, p);
  }
}

/** A core frame's packet was lost: its owner queues it again if still needed. */
function frameLost(c: Connection, f: Frame, p: SentPacket): void {
  const s = c.spaces[p.space]!;
  switch (f.type) {
    case FrameType.STREAM:
      c.streams.onStreamFrameLost(f);
      break;
    case FrameType.CRYPTO:
      if (!s.discarded) s.cryptoSend.onLost(f.offset, f.data.length, false);
      break;
    case FrameType.MAX_DATA:
    case FrameType.MAX_STREAM_DATA:
    case FrameType.MAX_STREAMS_BIDI:
    case FrameType.MAX_STREAMS_UNI:
    case FrameType.DATA_BLOCKED:
    case FrameType.STREAM_DATA_BLOCKED:
    case FrameType.STREAMS_BLOCKED_BIDI:
    case FrameType.STREAMS_BLOCKED_UNI:
    case FrameType.RESET_STREAM:
    case FrameType.STOP_SENDING:
      c.streams.onControlFrameLost(f);
      break;
    case FrameType.HANDSHAKE_DONE:
    case FrameType.NEW_CONNECTION_ID:
    case FrameType.RETIRE_CONNECTION_ID:
    case FrameType.NEW_TOKEN:
      if (!s.discarded) s.pending.push(f);
      break;
    case FrameType.PATH_CHALLENGE:
      onPathChallengeLost(c, f);
      break;
    default:
      break;
  }
}

/** The loss detection timer fired (RFC 9002 §6.2): losses, or PTO probes. */
export function onLossDetectionTimeout(c: Connection, now: number): void {
  const res = c.loss.onLossDetectionTimeout(now);
  const ops = c.ops.call;
  const plugged = c.ops.plugged;
  if (res.lost.length > 0) {
    if (plugged[Op.FAST_RETRANSMIT] === 1) {
      for (const p of res.lost) ops[Op.FAST_RETRANSMIT](c, p);
    }
    onPacketsLost(c, res.lost);
  }
  if (res.probes === 0) return;
  if (plugged[Op.RETRANSMISSION_TIMEOUT] === 1) {
    ops[Op.RETRANSMISSION_TIMEOUT](c, res.ptoSpace, res.probes);
  }
  ops[Op.RETRANSMIT_NEEDED](c, res.ptoSpace, res.probes, now);
}

/**
 * Default of `retransmit_needed`: sets up PTO probes in `ptoSpace` (or the
 * space that has keys), resending the oldest in-flight data when nothing new
 * waits (RFC 9002 §6.2.4).
 */
export function retransmitNeeded(
  c: Connection,
  ptoSpace: number,
  probes: number,
  now: number,
): void {
  if (c.pmtud?.onPto(c.loss.ptoCount, now) === PmtuChange.Lowered) applyPmtu(c);
  let space: number = ptoSpace;
  const ss = c.spaces[space]!;
  const hasKeys = space === SpaceId.Application
    ? c.oneRtt !== null || c.zeroRtt !== null
    : ss.writeKeys !== null;
  if (!hasKeys || ss.discarded) {
    space = c.spaces[SpaceId.Handshake].writeKeys !== null ? SpaceId.Handshake : SpaceId.Initial;
    if (c.spaces[space]!.discarded) return;
  }
  const s = c.spaces[space]!;
  s.probes = probes;
  // A probe carries data when it can: with nothing new to send, the oldest
  // in-flight data goes again (RFC 9002 §6.2.4). Frames stay in their packet,
  // which may still be acknowledged; owners treat the duplicate as a loss.
  if (space !== SpaceId.Application) {
    if (!s.cryptoSend.hasData()) requeueInFlight(c, space, Infinity);
  } else if (!c.streams.hasPendingData() && s.pending.length === 0) {
    requeueInFlight(c, space, probes);
  }
}

/** Marks the retransmittable frames of the oldest `count` in-flight packets as lost. */
function requeueInFlight(c: Connection, space: number, count: number): void {
  const s = c.spaces[space]!;
  const store = c.loss.sentPackets(space as SpaceId);
  let n = 0;
  for (let i = store.first(); i < store.end && n < count; i = store.next(i)) {
    const p = store.packetAt(i);
    if (!p.ackEliciting) continue;
    n++;
    const frames = p.frames as Frame[];
    for (const f of frames) {
      if (f.type === FrameType.CRYPTO) s.cryptoSend.onLost(f.offset, f.data.length, false);
      else if (space === SpaceId.Application) requeueFrame(c, s, f);
    }
  }
}

/** Re-queues one frame of the Application space (STREAM data, control frames). */
function requeueFrame(c: Connection, s: Connection["spaces"][number], f: Frame): void {
  switch (f.type) {
    case FrameType.STREAM:
      c.streams.onStreamFrameLost(f);
      break;
    case FrameType.HANDSHAKE_DONE:
    case FrameType.NEW_TOKEN:
      s.pending.push(f);
      break;
    default:
      break;
  }
}
