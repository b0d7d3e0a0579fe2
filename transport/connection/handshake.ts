/**
 * The handshake glue: the TLS session for each side, TLS events turned into
 * keys and CRYPTO data (RFC 9001 §4), transport parameters (RFC 9000 §7.3,
 * §7.4, §18) and compatible version negotiation (RFC 9368 §4, RFC 9369).
 *
 * @module
 */

import { DirectionalKeys } from "../crypto/packet_protection.ts";
import { TransportError } from "../errors.ts";
import { HANDSHAKE_DONE } from "../frames/misc.ts";
import { FrameType } from "../frames/frame_type.ts";
import { SpaceId } from "../recovery/space_id.ts";
import { createClientSession, createServerSession } from "../tls/mod.ts";
import type { TlsClientConfig, TlsServerConfig } from "../tls/mod.ts";
import { EncryptionLevel, type TlsEvent, type TlsSession } from "../tls/session.ts";
import {
  decodeTransportParameters,
  encodeTransportParameters,
  type TransportParameters,
} from "../transport_parameters.ts";
import { isSupportedVersion, QuicVersion } from "../version.ts";
import { bytesEqual } from "./cids.ts";
import type { ClientConnectionConfig, ServerConnectionConfig } from "./config.ts";
import type { Connection } from "./connection.ts";
import { ConnectionState } from "./events.ts";
import { KeyUpdate } from "./key_update.ts";
import { Timer } from "./timers.ts";
import { setState } from "./close.ts";
import { Op } from "../protoop/catalogue.ts";
import { ProtoopError, ProtoopErrorKind } from "../protoop/errors.ts";
import { issueCids, migrateToPreferredAddress } from "./paths.ts";
import { processPeerDatagramParameter, withoutNativeDatagramParameter } from "./datagrams.ts";

/** quic_transport_parameters codepoint for a version (draft-29 used 0xffa5). */
function tpCodepoint(version: number): 0x39 | 0xffa5 {
  return version === QuicVersion.DRAFT_29 ? 0xffa5 : 0x39;
}

/** Versions a v1 client offers for compatible negotiation by default. */
function clientAvailableVersions(c: Connection): number[] {
  const cfg = c.config as ClientConnectionConfig;
  const others = cfg.otherVersions ??
    (c.version === QuicVersion.V1 ? [QuicVersion.V2] : []);
  const out = [c.version];
  for (const v of others) if (!out.includes(v) && v !== QuicVersion.DRAFT_29) out.push(v);
  return out;
}

/** The client's TLS session. */
export function createClientTls(c: Connection, _now: number): TlsSession {
  const cfg = c.config as ClientConnectionConfig;
  if (c.version !== QuicVersion.DRAFT_29) {
    c.localParams.versionInformation = { chosen: c.version, available: clientAvailableVersions(c) };
  } else {
    delete c.localParams.versionInformation;
  }
  const start = c.startTime;
  const tls: TlsClientConfig = {
    serverName: cfg.serverName,
    alpnProtocols: cfg.alpnProtocols ?? ["hq-interop"],
    transportParameters: encodeTransportParameters(withPluginParameters(c)),
    transportParametersCodepoint: tpCodepoint(c.version),
    trustAnchors: cfg.trustAnchors ?? [],
    wallClockMs: cfg.wallClockMs ?? (() => start / 1000),
    random: c.random,
  };
  if (cfg.cipherSuites !== undefined) tls.cipherSuites = cfg.cipherSuites;
  if (cfg.groups !== undefined) tls.groups = cfg.groups;
  if (cfg.keyShareGroups !== undefined) tls.keyShareGroups = cfg.keyShareGroups;
  if (cfg.insecureSkipVerify !== undefined) tls.insecureSkipVerify = cfg.insecureSkipVerify;
  if (cfg.keyLog !== undefined) tls.keyLog = cfg.keyLog;
  if (cfg.sessionTicket !== undefined) {
    tls.sessionTicket = cfg.sessionTicket;
    if (cfg.enableEarlyData === true && cfg.sessionTicket.maxEarlyData > 0) {
      tls.enableEarlyData = true;
      // 0-RTT uses the remembered limits (RFC 9000 §7.4.1).
      try {
        const remembered = decodeTransportParameters(
          cfg.sessionTicket.transportParameters,
          "server",
        );
        c.streams.setPeerLimits(remembered);
      } catch {
        tls.enableEarlyData = false;
      }
    }
  }
  return createClientSession(tls);
}

/** The server's TLS session; transport parameters are handled in its callback. */
export function createServerTls(c: Connection, now: number): TlsSession {
  const cfg = c.config as ServerConnectionConfig;
  const start = c.startTime;
  const tls: TlsServerConfig = {
    identity: cfg.identity,
    alpnProtocols: cfg.alpnProtocols ?? ["hq-interop"],
    transportParameters: (bytes: Uint8Array) => onClientTransportParameters(c, bytes, now),
    transportParametersCodepoint: tpCodepoint(c.version),
    wallClockMs: cfg.wallClockMs ?? (() => start / 1000),
    random: c.random,
  };
  if (cfg.cipherSuites !== undefined) tls.cipherSuites = cfg.cipherSuites;
  if (cfg.groups !== undefined) tls.groups = cfg.groups;
  if (cfg.keyLog !== undefined) tls.keyLog = cfg.keyLog;
  if (cfg.ticketKey !== undefined) {
    tls.ticketKey = cfg.ticketKey;
    tls.maxEarlyData = cfg.enableEarlyData === true ? 0xffffffff : 0;
  }
  return createServerSession(tls);
}

/** Server: validates the client's parameters, settles the version, returns ours (encoded). */
function onClientTransportParameters(c: Connection, bytes: Uint8Array, _now: number): Uint8Array {
  const p = decodeTransportParameters(bytes, "client");
  // RFC 9000 §7.3: the client's initial_source_connection_id must match its Initial's SCID.
  if (p.initialSourceConnectionId === undefined) {
    throw TransportError.transportParameter(
      "Cannot accept parameters: initial_source_connection_id missing",
    );
  }
  if (!bytesEqual(p.initialSourceConnectionId, c.cids.remoteCid)) {
    throw TransportError.protocolViolation(
      "Cannot accept parameters: initial_source_connection_id mismatch",
    );
  }
  negotiateVersionServer(c, p);
  applyPeerParameters(c, p);
  if (c.version !== QuicVersion.DRAFT_29) {
    const cfg = c.config as ServerConnectionConfig;
    const ours = cfg.preferredVersions ?? [c.version];
    const available = [c.version, ...ours.filter((v) => v !== c.version && isSupportedVersion(v))];
    c.localParams.versionInformation = { chosen: c.version, available };
  }
  return encodeTransportParameters(withPluginParameters(c));
}

/** Longest value a plugin's transport parameter may have (PQUIC's buffer). */
const MAX_PLUGIN_TP = 64;

/**
 * Our parameters plus those plugins write (`write_transport_parameter[id]`
 * for every id a pluglet is attached to), appended to the unknown ones.
 */
function withPluginParameters(c: Connection): TransportParameters {
  const ids = c.ops.attachedParams(Op.WRITE_TRANSPORT_PARAMETER);
  if (ids.length === 0) return c.localParams;
  const unknown = [...c.localParams.unknown];
  for (const id of ids) {
    const buf = new Uint8Array(MAX_PLUGIN_TP);
    const n = c.ops.call[Op.WRITE_TRANSPORT_PARAMETER](c, id, buf, MAX_PLUGIN_TP);
    if (!Number.isInteger(n) || n < 0 || n > MAX_PLUGIN_TP) {
      throw new ProtoopError(
        ProtoopErrorKind.PluginFault,
        `Cannot write transport parameter 0x${id.toString(16)}: ${n} bytes (0 to ${MAX_PLUGIN_TP})`,
      );
    }
    unknown.push({ id: BigInt(id), value: buf.slice(0, n) });
  }
  return { ...withoutNativeDatagramParameter(c, c.localParams), unknown };
}

/** RFC 9368 §4 on the server: switch to our preferred version if the client offers it. */
function negotiateVersionServer(c: Connection, p: TransportParameters): void {
  const info = p.versionInformation;
  if (info === undefined) return;
  if (info.chosen !== c.version) {
    throw TransportError.versionNegotiation(
      `Cannot accept version_information: chosen ${info.chosen} is not the packet's version ${c.version}`,
    );
  }
  const cfg = c.config as ServerConnectionConfig;
  const prefs = cfg.preferredVersions;
  if (prefs === undefined) return;
  for (const v of prefs) {
    if (!isSupportedVersion(v) || v === QuicVersion.DRAFT_29) continue;
    if (!info.available.includes(v)) continue;
    if (v !== c.version) c.reinstallInitialKeys(v);
    return;
  }
}

/** Client: validates the server's parameters (RFC 9000 §7.3, RFC 9368 §4) and applies them. */
function onServerTransportParameters(c: Connection, bytes: Uint8Array): void {
  const p = decodeTransportParameters(bytes, "server");
  const missing = (name: string) =>
    TransportError.transportParameter(`Cannot accept parameters: ${name} missing`);
  const mismatch = (name: string) =>
    TransportError.protocolViolation(`Cannot accept parameters: ${name} mismatch`);
  if (p.originalDestinationConnectionId === undefined) {
    throw missing("original_destination_connection_id");
  }
  if (!bytesEqual(p.originalDestinationConnectionId, c.originalDcid)) {
    throw mismatch("original_destination_connection_id");
  }
  if (p.initialSourceConnectionId === undefined) throw missing("initial_source_connection_id");
  if (!bytesEqual(p.initialSourceConnectionId, c.peerInitialScid ?? new Uint8Array(0))) {
    throw mismatch("initial_source_connection_id");
  }
  if (c.retryScid !== null) {
    if (p.retrySourceConnectionId === undefined) throw missing("retry_source_connection_id");
    if (!bytesEqual(p.retrySourceConnectionId, c.retryScid)) {
      throw mismatch("retry_source_connection_id");
    }
  } else if (p.retrySourceConnectionId !== undefined) {
    throw TransportError.transportParameter(
      "Cannot accept parameters: retry_source_connection_id without a Retry",
    );
  }
  if (c.version !== QuicVersion.DRAFT_29) {
    const info = p.versionInformation;
    if (info !== undefined && info.chosen !== c.version) {
      throw TransportError.versionNegotiation(
        `Cannot accept version_information: chosen ${info.chosen} but packets use ${c.version}`,
      );
    }
    const offered = c.localParams.versionInformation?.chosen ?? c.version;
    if (info === undefined && c.version !== offered) {
      throw TransportError.versionNegotiation(
        "Cannot accept a version change without version_information",
      );
    }
  }
  if (p.statelessResetToken !== undefined) c.cids.setInitialResetToken(p.statelessResetToken);
  // The preferred address's CID has sequence number 1 (RFC 9000 §5.1.1).
  if (p.preferredAddress !== undefined) {
    c.cids.onNewConnectionId({
      type: FrameType.NEW_CONNECTION_ID,
      seq: 1,
      retirePriorTo: 0,
      cid: p.preferredAddress.cid,
      resetToken: p.preferredAddress.resetToken,
    });
  }
  applyPeerParameters(c, p);
}

/** Applies the peer's limits (RFC 9000 §7.4, §10.1, §18.2); exported for the test hook. */
export function applyPeerParameters(c: Connection, p: TransportParameters): void {
  c.peerParams = p;
  for (const u of p.unknown) {
    c.ops.call[Op.UNKNOWN_TP_RECEIVED](c, u.id, u.value);
    if (u.id < 0xffffn && c.ops.hasParam(Op.PROCESS_TRANSPORT_PARAMETER, Number(u.id))) {
      c.ops.call[Op.PROCESS_TRANSPORT_PARAMETER](c, Number(u.id), u.value, u.value.length);
    }
  }
  processPeerDatagramParameter(c, p);
  c.streams.setPeerLimits(p);
  c.peerAckDelayExponent = p.ackDelayExponent;
  c.loss.maxAckDelay = p.maxAckDelay * 1000;
  const local = c.localParams.maxIdleTimeout * 1000;
  const peer = p.maxIdleTimeout * 1000;
  c.idleTimeout = local === 0 ? peer : peer === 0 ? local : Math.min(local, peer);
  if (c.idleTimeout === 0) c.timers.stop(Timer.Idle);
  if (p.maxUdpPayloadSize < c.maxDatagramSize) c.maxDatagramSize = p.maxUdpPayloadSize;
  // DPLPMTUD searches up to the smaller of our limit and the peer's (RFC 9000 §14.3).
  const ours = Math.min(c.pmtud?.limit ?? 0, c.localParams.maxUdpPayloadSize);
  c.pmtud?.setMax(Math.min(ours, p.maxUdpPayloadSize));
}

/** Maps a TLS level to our packet number space. */
function spaceOf(level: EncryptionLevel): number {
  switch (level) {
    case EncryptionLevel.Initial:
      return SpaceId.Initial;
    case EncryptionLevel.Handshake:
      return SpaceId.Handshake;
    default:
      return SpaceId.Application;
  }
}

/** Drains TLS events: keys, CRYPTO data, parameters, completion, tickets. */
export function drainTls(c: Connection, now: number): void {
  for (;;) {
    const e: TlsEvent | null = c.tls.pollEvent();
    if (e === null) return;
    switch (e.type) {
      case "secret":
        installSecret(
          c,
          e.level,
          e.direction,
          DirectionalKeys.fromSecret(e.suite, e.secret, c.version),
        );
        break;
      case "data": {
        const s = c.spaces[spaceOf(e.level)]!;
        if (!s.discarded) s.cryptoSend.write(e.data);
        break;
      }
      case "transportParameters":
        if (c.isClient) onServerTransportParameters(c, e.data);
        break;
      case "handshakeComplete":
        onHandshakeComplete(c, e, now);
        break;
      case "earlyData":
        c.earlyDataAccepted = e.accepted;
        if (!e.accepted) rejectZeroRtt(c);
        break;
      case "sessionTicket":
        c.emit({ type: "sessionTicket", ticket: e.ticket });
        break;
      case "keyLog":
        c.emit({ type: "keyLog", line: e.line });
        break;
    }
  }
}

function installSecret(
  c: Connection,
  level: EncryptionLevel,
  direction: "read" | "write",
  keys: DirectionalKeys,
): void {
  switch (level) {
    case EncryptionLevel.ZeroRtt:
      c.zeroRtt = keys;
      if (!c.isClient) c.earlyDataAccepted = true;
      break;
    case EncryptionLevel.Handshake: {
      const s = c.spaces[SpaceId.Handshake];
      if (direction === "read") s.readKeys = keys;
      else s.writeKeys = keys;
      break;
    }
    case EncryptionLevel.OneRtt: {
      const p = c.pendingOneRtt;
      if (direction === "read") p.read = keys;
      else p.write = keys;
      if (p.read !== null && p.write !== null) {
        c.oneRtt = new KeyUpdate(p.read, p.write);
        p.read = null;
        p.write = null;
      }
      break;
    }
    default:
      break;
  }
}

/** Client: 0-RTT refused, its stream data goes again in 1-RTT (RFC 9001 §4.6.2). */
function rejectZeroRtt(c: Connection): void {
  c.zeroRtt = null;
  const lost = c.loss.discardZeroRtt();
  for (const p of lost) {
    for (const f of p.frames) {
      if (f.type === 0x08) c.streams.onStreamFrameLost(f);
      else c.streams.onControlFrameLost(f);
    }
    // Plugin frames in dropped 0-RTT packets count as lost (WIRING.md §7).
    const pf = p.pluginFrames;
    if (pf !== undefined) { for (const f of pf) c.reservations.onLost(c, f, p); }
  }
}

function onHandshakeComplete(
  c: Connection,
  e: Extract<TlsEvent, { type: "handshakeComplete" }>,
  now: number,
): void {
  c.handshakeComplete = true;
  if (c.state === ConnectionState.Handshake) setState(c, ConnectionState.Established);
  c.counters.handshakeDuration = now - c.startTime;
  if (c.isClient) {
    // 0-RTT keys are not used once 1-RTT keys are (RFC 9001 §4.6.1).
    c.zeroRtt = null;
  } else {
    c.addressValidated = true;
    c.spaces[SpaceId.Application].pending.push(HANDSHAKE_DONE);
    confirmHandshake(c);
    const cfg = c.config as ServerConnectionConfig;
    // RFC 9000 §8.1.3: a token for the client's next connection.
    if (cfg.newToken !== undefined) {
      const token = cfg.newToken(c.remote, now);
      c.spaces[SpaceId.Application].pending.push({ type: FrameType.NEW_TOKEN, token });
    }
    if (cfg.ticketKey !== undefined && c.tls.sendSessionTicket !== undefined) {
      const n = cfg.sessionTickets ?? 1;
      for (let i = 0; i < n; i++) c.tls.sendSessionTicket(now);
    }
  }
  c.emit({
    type: "connected",
    alpn: e.alpn,
    version: c.version,
    resumed: e.resumed,
    earlyDataAccepted: c.earlyDataAccepted,
    cipherSuite: e.suite,
    group: e.group,
  });
}

/** Handshake confirmed (RFC 9001 §4.1.2): drop Handshake keys (§4.9.2), issue CIDs. */
export function confirmHandshake(c: Connection): void {
  if (c.handshakeConfirmed) return;
  c.handshakeConfirmed = true;
  discardSpace(c, SpaceId.Handshake);
  c.loss.setHandshakeConfirmed();
  c.zeroRtt = c.isClient ? null : c.zeroRtt;
  issueCids(c);
  // RFC 9000 §9.6.1: a client may move to the server's preferred address now.
  if (c.isClient && (c.config as ClientConnectionConfig).usePreferredAddress !== false) {
    migrateToPreferredAddress(c);
  }
}

/** Drops a packet number space's keys and in-flight packets (RFC 9001 §4.9). */
export function discardSpace(c: Connection, space: number): void {
  const s = c.spaces[space]!;
  if (s.discarded) return;
  s.discard();
  c.loss.discardSpace(space as 0 | 1 | 2);
}
