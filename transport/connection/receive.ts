/**
 * The receive path (RFC 9000 §12, §17; RFC 9001 §5): datagram → packets →
 * frames. Every datagram from the peer goes through {@link receiveDatagram}.
 *
 * - A packet whose header does not parse, whose keys we lack, or whose AEAD
 *   fails is dropped silently (RFC 9000 §12.2, RFC 9001 §5.5).
 * - Frames are checked against the packet type (§12.4, Table 3) and handed to
 *   the owner of their state (Streams, loss recovery, TLS, CIDs).
 * - Exactly one `catch` turns what a handler throws into CONNECTION_CLOSE:
 *   TransportError as is, TlsAlert as CRYPTO_ERROR (RFC 9001 §4.8), a codec
 *   error as FRAME_ENCODING_ERROR, anything else as INTERNAL_ERROR.
 *
 * @module
 */

import { sameAddress, type SocketAddress } from "../address.ts";
import type { DirectionalKeys } from "../crypto/packet_protection.ts";
import { TransportError } from "../errors.ts";
import { type Frame, parseFrame, sizeFrame } from "../frames/frame.ts";
import { FrameType, isAckEliciting, isFrameAllowed } from "../frames/frame_type.ts";
import {
  decodePacketNumber,
  keyPhaseOf,
  type PacketHeader,
  PacketType,
  parsePacketHeader,
  readPacketNumber,
  reservedBitsSet,
  statelessResetToken,
} from "../packet/header.ts";
import { SpaceId } from "../recovery/space_id.ts";
import { keepViewsOf } from "../streams/recv_buffer.ts";
import { EncryptionLevel } from "../tls/session.ts";
import { Reader } from "../wire/reader.ts";
import { bytesEqual } from "./cids.ts";
import {
  closeWithException,
  onConnectionClose,
  onDatagramWhileClosing,
  onStatelessReset,
} from "./close.ts";
import type { Connection } from "./connection.ts";
import { ConnectionState } from "./events.ts";
import { confirmHandshake, discardSpace, drainTls } from "./handshake.ts";
import { ReadGeneration } from "./key_update.ts";
import { Timer } from "./timers.ts";
import { LogCategory, LogEvent, Op } from "../protoop/catalogue.ts";
import { ProtoopError } from "../protoop/errors.ts";

/** Smallest datagram carrying a client Initial that a server accepts (RFC 9000 §14.1). */
const MIN_INITIAL_DATAGRAM = 1200;

/** Encryption level of each packet number space, for TLS. */
const LEVEL_OF_SPACE = [EncryptionLevel.Initial, EncryptionLevel.Handshake, EncryptionLevel.OneRtt];

/** Processes one datagram. Never throws. */
export function receiveDatagram(
  c: Connection,
  datagram: Uint8Array,
  remote: SocketAddress,
  now: number,
): void {
  if (c.state >= ConnectionState.Draining) return;
  c.counters.datagramsReceived++;
  c.counters.bytesReceived += datagram.length;
  if (c.state === ConnectionState.Closing) {
    onDatagramWhileClosing(c);
    return;
  }
  if (!c.addressValidated) {
    c.ampReceived += datagram.length;
    c.loss.setAmplificationLimited(false, now);
  }
  let offset = 0;
  let processed = false;
  c.streams.setTime(now);
  c.plugins.now = now;
  try {
    // Noop observers are called only when something is attached (one load, one branch).
    if (c.ops.plugged[Op.RECEIVED_PACKET] === 1) {
      c.ops.call[Op.RECEIVED_PACKET](c, datagram, remote, now);
    }
    while (offset < datagram.length && c.state < ConnectionState.Closing) {
      let h: PacketHeader;
      try {
        h = parsePacketHeader(datagram, offset, c.localCidLength);
      } catch {
        break; // RFC 9000 §12.2: the rest of the datagram cannot be found.
      }
      if (processPacket(c, datagram, offset, h, remote, now)) processed = true;
      else c.counters.packetsDropped++;
      offset = h.end;
    }
    if (processed && c.state < ConnectionState.Closing) {
      drainTls(c, now);
      if (c.undecryptable.length > 0) retryStashed(c, remote, now);
    }
  } catch (e) {
    closeWithException(c, e, now);
    return;
  }
  if (!processed && c.state < ConnectionState.Closing) {
    const token = statelessResetToken(datagram);
    if (token !== null && c.cids.isStatelessReset(token)) onStatelessReset(c, now);
  }
}

/** Packets kept while their keys are not there yet (reordering, RFC 9001 §5.7). */
const MAX_STASHED = 8;

/** Keeps a copy of a packet we have no keys for yet; always returns false (not processed). */
function stash(c: Connection, dg: Uint8Array, start: number, h: PacketHeader): boolean {
  if (c.state === ConnectionState.Handshake && c.undecryptable.length < MAX_STASHED) {
    c.undecryptable.push(dg.slice(start, h.end));
  }
  return false;
}

/** Tries the stashed packets again once new keys were installed. */
function retryStashed(c: Connection, remote: SocketAddress, now: number): void {
  const list = c.undecryptable.splice(0);
  let processed = false;
  for (const pkt of list) {
    if (c.state >= ConnectionState.Closing) return;
    let h: PacketHeader;
    try {
      h = parsePacketHeader(pkt, 0, c.localCidLength);
    } catch {
      continue;
    }
    // Without keys still, processPacket stashes it again.
    if (processPacket(c, pkt, 0, h, remote, now)) processed = true;
  }
  if (processed && c.state < ConnectionState.Closing) drainTls(c, now);
}

/** True when `dcid` names this connection. */
function isOurCid(c: Connection, dcid: Uint8Array): boolean {
  for (const l of c.cids.local) if (bytesEqual(l.cid, dcid)) return true;
  for (const a of c.alternativeCids) if (bytesEqual(a, dcid)) return true;
  return false;
}

/**
 * Routes one packet: Version Negotiation and Retry here, a packet for us to
 * `incoming_encrypted`; false when it was dropped. Handlers may throw.
 */
function processPacket(
  c: Connection,
  dg: Uint8Array,
  start: number,
  h: PacketHeader,
  remote: SocketAddress,
  now: number,
): boolean {
  if (h.type === PacketType.VersionNegotiation) return onVersionNegotiation(c, h, now);
  if (h.type === PacketType.Retry) return onRetry(c, dg, start, h, now);
  if (!isOurCid(c, h.dcid)) return false;
  return c.ops.call[Op.INCOMING_ENCRYPTED](c, h, dg, start, remote, now);
}

/**
 * Default of `incoming_encrypted`: removes protection from one packet of
 * ours and processes its frames (RFC 9001 §5; RFC 9000 §12.4); false when it
 * was dropped.
 */
export function incomingEncrypted(
  c: Connection,
  h: PacketHeader,
  dg: Uint8Array,
  start: number,
  remote: SocketAddress,
  now: number,
): boolean {
  const ops = c.ops.call;
  const plugged = c.ops.plugged;
  const path = plugged[Op.GET_INCOMING_PATH] === 1 ? ops[Op.GET_INCOMING_PATH](c, h, remote) : null;
  let space: number;
  let keys: DirectionalKeys | null = null;
  switch (h.type) {
    case PacketType.Initial: {
      space = SpaceId.Initial;
      if (c.spaces[space]!.discarded) return false;
      if (!c.isClient && dg.length < MIN_INITIAL_DATAGRAM) return false;
      if (c.isClient) {
        if (h.token.length !== 0) return false; // §17.2.2
        if (h.version !== c.version && !switchVersionClient(c, h.version)) return false;
        keys = c.spaces[space]!.readKeys;
      } else {
        keys = c.initialReadByVersion.get(h.version) ?? null;
      }
      break;
    }
    case PacketType.Handshake:
      space = SpaceId.Handshake;
      if (h.version !== c.version) return false;
      keys = c.spaces[space]!.readKeys;
      break;
    case PacketType.ZeroRtt:
      space = SpaceId.Application;
      if (c.isClient || h.version !== c.version) return false;
      keys = c.zeroRtt;
      break;
    default:
      space = SpaceId.Application;
      break;
  }
  const s = c.spaces[space]!;
  const isShort = h.type === PacketType.OneRtt;
  if (isShort) {
    if (c.oneRtt === null) return stash(c, dg, start, h);
    keys = c.oneRtt.read; // header protection is the same for every generation
  }
  if (keys === null) {
    return h.type === PacketType.Initial ? false : stash(c, dg, start, h);
  }
  if (h.end - h.pnOffset < 20) return false;

  const pkt = dg.subarray(start, h.end);
  const pnOff = h.pnOffset - start;
  const pnLen = keys.hp.remove(pkt, pnOff);
  const pn = decodePacketNumber(s.ackTracker.largest, readPacketNumber(pkt, pnOff, pnLen), pnLen);
  let gen: ReadGeneration = ReadGeneration.Current;
  if (isShort) {
    const k = c.oneRtt!.keysFor(keyPhaseOf(pkt[0]!), pn);
    keys = k.keys;
    gen = k.gen;
  }
  const payload = keys.aead.open(pn, pkt, pnOff + pnLen, pkt.length);
  if (payload === null) return false;
  // RFC 9000 §17.2/§17.3.1: reserved bits must be 0 once protection is removed.
  if (reservedBitsSet(pkt[0]!)) {
    throw TransportError.protocolViolation("Cannot accept packet: reserved bits are set");
  }
  if (s.ackTracker.isDuplicate(pn)) return true;
  const rx = c.plugins.rx; // what plugins' AK_PH_* keys read (plugin_state.ts)
  rx.header = h;
  rx.pn = pn;
  rx.headerLength = pnOff + pnLen;
  rx.payloadLength = payload.length;
  rx.space = space;
  if (plugged[Op.HEADER_PARSED] === 1) ops[Op.HEADER_PARSED](c, h, path, pn, h.end - start);
  if (isShort) c.oneRtt!.onPacketOpened(gen, pn, now, c.loss.ptoPeriod());

  c.counters.packetsReceived++;
  const qlog = c.config.qlog;
  if (qlog !== undefined) qlog.packetReceived(c.originalDcid, now, h.type, pn, pkt.length);
  if (c.isClient && !c.receivedFromPeer && h.type === PacketType.Initial) {
    // RFC 9000 §7.2: the client adopts the server's SCID as its DCID.
    c.receivedFromPeer = true;
    c.peerInitialScid = h.scid;
    c.cids.setInitialRemote(h.scid);
  } else if (c.isClient) {
    c.receivedFromPeer = true;
  }
  if (!c.isClient && space === SpaceId.Handshake && !c.addressValidated) {
    c.addressValidated = true; // RFC 9000 §8.1
    c.loss.setAmplificationLimited(false, now);
  }
  if (!c.isClient && space === SpaceId.Handshake && !c.spaces[SpaceId.Initial].discarded) {
    discardSpace(c, SpaceId.Initial); // RFC 9001 §4.9.1
  }

  const newest = pn > s.ackTracker.largest;
  probingOnly = true;
  // The plaintext is the AEAD's own buffer: stream data may stay in it, uncopied.
  keepViewsOf(payload.buffer);
  let ackEliciting: boolean;
  try {
    ackEliciting = processFrames(c, payload, h, space, now);
  } finally {
    keepViewsOf(null);
  }
  if (plugged[Op.RECEIVED_SEGMENT] === 1) ops[Op.RECEIVED_SEGMENT](c, h, space, pn, ackEliciting);
  // RFC 9000 §9.3: a server follows a client whose address changed (NAT rebinding,
  // migration) when the newest non-probing packet comes from there.
  if (isShort && newest && c.state < ConnectionState.Closing) {
    if (
      !c.isClient && c.handshakeConfirmed && !sameAddress(remote, c.remote) && !probingOnly
    ) {
      ops[Op.PEER_ADDRESS_CHANGED](c, path, remote, h.dcid, dg.length);
    } else if (
      c.preferredCid !== null && !probingOnly && bytesEqual(h.dcid, c.preferredCid)
    ) {
      onPreferredAddressUsed(c);
    }
    notePeerDcid(c, h.dcid);
  }
  s.ackTracker.onPacketReceived(pn, ackEliciting, now);

  // Idle timer restarts on every processed packet (RFC 9000 §10.1).
  c.sentAckElicitingSinceRecv = false;
  if (c.idleTimeout > 0 && c.state < ConnectionState.Closing) {
    c.timers.set(Timer.Idle, now + Math.max(c.idleTimeout, 3 * c.loss.ptoPeriod()));
  }
  if (c.ops.plugged[Op.LOG_EVENT] === 1) {
    ops[Op.LOG_EVENT](c, LogCategory.Transport, LogEvent.PacketReceived, 0, h, null);
  }
  return true;
}

/** Whether the last packet processed held only probing frames (RFC 9000 §9.1). */
let probingOnly = true;

/** PATH_CHALLENGE, PATH_RESPONSE, NEW_CONNECTION_ID and PADDING are probing frames (§9.1). */
function isProbing(type: number): boolean {
  return type === FrameType.PATH_CHALLENGE || type === FrameType.PATH_RESPONSE ||
    type === FrameType.NEW_CONNECTION_ID || type === FrameType.PADDING;
}

/**
 * Parses and dispatches the frames of one packet; returns whether it was ack-eliciting.
 * Also used for the frames of a packet FEC rebuilt (plugins/helpers_fec.ts).
 */
export function processFrames(
  c: Connection,
  payload: Uint8Array,
  h: PacketHeader,
  space: number,
  now: number,
): boolean {
  const r = new Reader(payload);
  let ackEliciting = false;
  if (payload.length === 0) {
    throw TransportError.protocolViolation("Cannot accept a packet without frames");
  }
  const ops = c.ops.call;
  if (c.ops.plugged[Op.PARSE_FRAME] === 0) {
    return processCoreFrames(c, r, h, space, now, c.ops.plugged[Op.PROCESS_FRAME] === 1);
  }
  const plugged = c.ops.plugged[Op.PARSE_FRAME] === 1;
  while (r.pos < r.end) {
    const frameStart = r.pos;
    // The wire type selects parse_frame[type] (one varint, RFC 9000 §12.4).
    let wireType = payload[frameStart]!;
    if (wireType >= 0x40) {
      try {
        wireType = r.varint();
      } catch {
        throw TransportError.frameEncoding("Cannot parse frame: truncated type", wireType);
      }
      r.pos = frameStart;
    }
    const pluginFrame = plugged && c.ops.hasParam(Op.PARSE_FRAME, wireType);
    let f: Frame;
    try {
      f = ops[Op.PARSE_FRAME](c, wireType, r);
    } catch (e) {
      throw asFrameError(e, payload[frameStart]!);
    }
    let type: number;
    if (pluginFrame) {
      // A plugin's frame type (pquic-reference.md §1.5): 0-RTT and 1-RTT packets only.
      type = wireType;
      if (f === null || r.pos <= frameStart || r.pos > r.end) {
        throw TransportError.frameEncoding(
          `Cannot parse frame type 0x${type.toString(16)}: its plugin returned no frame`,
          type,
        );
      }
      if (h.type !== PacketType.OneRtt && h.type !== PacketType.ZeroRtt) {
        throw TransportError.protocolViolation(
          `Cannot accept plugin frame type 0x${type.toString(16)} in this packet type`,
          type,
        );
      }
      probingOnly = false;
      ackEliciting = true;
    } else {
      type = f.type;
      if (!isFrameAllowed(type, h.type)) {
        throw TransportError.protocolViolation(
          `Cannot accept frame type 0x${type.toString(16)} in this packet type`,
          type,
        );
      }
      if (probingOnly && !isProbing(type)) probingOnly = false;
      if (!ackEliciting && isAckEliciting(type)) ackEliciting = true;
    }
    if (!pluginFrame) c.counters.frameReceived(type);
    else c.counters.pluginFrameReceived(type);
    processFrameThroughTable(c, wireType, type, f, h, space, now);
    if (c.state >= ConnectionState.Draining) break;
  }
  return ackEliciting;
}

/**
 * `processFrames` while nothing is attached to `parse_frame`: its slot holds
 * `parseFrameDefault`, so this loop calls the codec directly, without the
 * wire type peek and the plugin-frame checks (WIRING.md §9). With pluglets on
 * `process_frame` (`hooked`), only frames of a type that has one go through
 * the table (the marshalled call); the others are handed to
 * `processFrameDefault` directly, which is what the table's dispatcher would
 * call for them.
 */
function processCoreFrames(
  c: Connection,
  r: Reader,
  h: PacketHeader,
  space: number,
  now: number,
  hooked: boolean,
): boolean {
  let ackEliciting = false;
  while (r.pos < r.end) {
    const frameStart = r.pos;
    let f: Frame;
    try {
      f = parseFrame(r);
    } catch (e) {
      throw asFrameError(e, r.buf[frameStart]!);
    }
    const type = f.type;
    if (!isFrameAllowed(type, h.type)) {
      throw TransportError.protocolViolation(
        `Cannot accept frame type 0x${type.toString(16)} in this packet type`,
        type,
      );
    }
    c.counters.frameReceived(type);
    if (probingOnly && !isProbing(type)) probingOnly = false;
    if (!ackEliciting && isAckEliciting(type)) ackEliciting = true;
    if (hooked) {
      // The param is the wire type (RFC 9000 §12.4: one varint), as processFrames passes it.
      const first = r.buf[frameStart]!;
      const wireType = first < 0x40 ? first : wireTypeAt(r, frameStart);
      if (c.ops.hasParam(Op.PROCESS_FRAME, wireType)) {
        processFrameThroughTable(c, wireType, type, f, h, space, now);
      } else processFrameDefault(c, type, f, h, space, now);
    } else processFrameDefault(c, type, f, h, space, now);
    if (c.state >= ConnectionState.Draining) break;
  }
  return ackEliciting;
}

/** `process_frame[wireType]` through the table; a non-zero answer refuses the frame. */
function processFrameThroughTable(
  c: Connection,
  wireType: number,
  type: number,
  f: Frame,
  h: PacketHeader,
  space: number,
  now: number,
): void {
  if (c.ops.call[Op.PROCESS_FRAME](c, wireType, f, h, space, now) !== 0) {
    throw TransportError.protocolViolation(
      `Cannot process frame type 0x${wireType.toString(16)}: refused by a plugin`,
      type,
    );
  }
}

/** The varint frame type at `start`, which the frame's parser already read (the cursor is kept). */
function wireTypeAt(r: Reader, start: number): number {
  const pos = r.pos;
  r.pos = start;
  const t = r.varint();
  r.pos = pos;
  return t;
}

/**
 * A frame parser's failure as the error the connection closes with: typed
 * errors as they are, anything else (a truncation) as FRAME_ENCODING_ERROR
 * (RFC 9000 §12.4).
 */
function asFrameError(e: unknown, frameType: number): Error {
  if (e instanceof TransportError || e instanceof ProtoopError) return e;
  return TransportError.frameEncoding(
    `Cannot parse frame: ${e instanceof Error ? e.message : String(e)}`,
    frameType,
  );
}

/** Default of `parse_frame`: the core codec (frames/frame.ts); unknown types fail. */
export function parseFrameDefault(_c: Connection, _type: number, r: Reader): Frame {
  return parseFrame(r);
}

/**
 * Default of `process_frame`: hands one frame to its owner; returns 0 (a
 * frame no core owner knows — a plugin's, parsed but not processed — is
 * ignored).
 */
export function processFrameDefault(
  c: Connection,
  _type: number,
  f: Frame,
  h: PacketHeader,
  space: number,
  now: number,
): number {
  switch (f.type) {
    case FrameType.PADDING:
    case FrameType.PING:
      return 0;
    case FrameType.ACK:
    case FrameType.ACK_ECN:
      if (f.ecn !== undefined && c.ops.plugged[Op.PROCESS_ECN_BLOCK] === 1) {
        c.ops.call[Op.PROCESS_ECN_BLOCK](c, f.ecn, space, now);
      }
      onAck(c, space, f.ranges, f.delay, now);
      return 0;
    case FrameType.CRYPTO: {
      const s = c.spaces[space]!;
      s.receiveCrypto(f.offset, f.data);
      for (;;) {
        const data = s.cryptoRecv.read();
        if (data === null) break;
        c.tls.receive(LEVEL_OF_SPACE[space]!, data, now);
      }
      // Keys must be in place before the next coalesced packet (RFC 9001 §4.1.3).
      drainTls(c, now);
      return 0;
    }
    case FrameType.NEW_TOKEN:
      if (!c.isClient) {
        throw TransportError.protocolViolation("Cannot accept NEW_TOKEN from a client", f.type);
      }
      // RFC 9000 §8.1.3: for the application to pass to a later connection.
      c.emit({ type: "newToken", token: f.token.slice() });
      return 0;
    case FrameType.STREAM:
      c.streams.onStreamFrame(f);
      return 0;
    case FrameType.RESET_STREAM:
      c.streams.onResetStream(f);
      return 0;
    case FrameType.STOP_SENDING:
      c.streams.onStopSending(f);
      return 0;
    case FrameType.MAX_DATA:
      c.streams.onMaxData(f);
      return 0;
    case FrameType.MAX_STREAM_DATA:
      c.streams.onMaxStreamData(f);
      return 0;
    case FrameType.MAX_STREAMS_BIDI:
    case FrameType.MAX_STREAMS_UNI:
      c.streams.onMaxStreams(f);
      return 0;
    case FrameType.DATA_BLOCKED:
      c.streams.onDataBlocked(f);
      return 0;
    case FrameType.STREAM_DATA_BLOCKED:
      c.streams.onStreamDataBlocked(f);
      return 0;
    case FrameType.STREAMS_BLOCKED_BIDI:
    case FrameType.STREAMS_BLOCKED_UNI:
      c.streams.onStreamsBlocked(f);
      return 0;
    case FrameType.NEW_CONNECTION_ID: {
      const retire = c.cids.onNewConnectionId(f);
      const app = c.spaces[SpaceId.Application];
      for (const seq of retire) app.pending.push({ type: FrameType.RETIRE_CONNECTION_ID, seq });
      return 0;
    }
    case FrameType.RETIRE_CONNECTION_ID: {
      const cid = c.cids.onRetireConnectionId(f, h.dcid);
      if (cid !== null) {
        c.emit({ type: "localCidRetired", cid });
        if (c.handshakeConfirmed) issueCids(c);
      }
      return 0;
    }
    case FrameType.PATH_CHALLENGE:
      c.spaces[SpaceId.Application].pending.push({
        type: FrameType.PATH_RESPONSE,
        data: f.data.slice(),
      });
      return 0;
    case FrameType.PATH_RESPONSE:
      onPathResponse(c, f.data);
      return 0;
    case FrameType.CONNECTION_CLOSE:
    case FrameType.CONNECTION_CLOSE_APP:
      onConnectionClose(c, f, now);
      return 0;
    case FrameType.HANDSHAKE_DONE:
      if (!c.isClient) {
        throw TransportError.protocolViolation(
          "Cannot accept HANDSHAKE_DONE from a client",
          f.type,
        );
      }
      confirmHandshake(c);
      return 0;
    case FrameType.DATAGRAM:
    case FrameType.DATAGRAM_LEN:
      if (c.localParams.maxDatagramFrameSize === undefined) {
        throw TransportError.protocolViolation("Cannot accept DATAGRAM: not negotiated", f.type);
      }
      if (sizeFrame(f) > c.localParams.maxDatagramFrameSize) {
        throw TransportError.protocolViolation(
          "Cannot accept DATAGRAM: larger than allowed",
          f.type,
        );
      }
      c.emit({ type: "datagram", data: f.data.slice() });
      return 0;
  }
  return 0;
}

import { onAck } from "./recovery.ts";
import { issueCids, notePeerDcid, onPathResponse, onPreferredAddressUsed } from "./paths.ts";
import { onRetry, onVersionNegotiation, switchVersionClient } from "./versions.ts";
