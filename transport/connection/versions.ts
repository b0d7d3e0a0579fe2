/**
 * Version handling on the client (RFC 9000 §6, §17.2.5; RFC 9368 §4): Version
 * Negotiation packets, Retry packets, and following a server that moved us to
 * another compatible version.
 *
 * @module
 */

import { verifyRetryIntegrity } from "../crypto/retry.ts";
import type { Frame } from "../frames/frame.ts";
import { FrameType } from "../frames/frame_type.ts";
import type { PacketHeader } from "../packet/header.ts";
import { SpaceId } from "../recovery/space_id.ts";
import { QuicVersion } from "../version.ts";
import { bytesEqual } from "./cids.ts";
import type { ClientConnectionConfig } from "./config.ts";
import type { Connection } from "./connection.ts";
import { ConnectionState } from "./events.ts";
import { Timer } from "./timers.ts";
import { setState } from "./close.ts";

/** Client: a server Initial in another version we offered (RFC 9368 §4). */
export function switchVersionClient(c: Connection, version: number): boolean {
  if (c.receivedFromPeer) return false;
  const offered = c.localParams.versionInformation?.available ?? [];
  if (!offered.includes(version) || version === QuicVersion.DRAFT_29) return false;
  c.reinstallInitialKeys(version);
  // Our CRYPTO data so far goes again under the new version's keys.
  return true;
}

/** Client: Version Negotiation (RFC 9000 §6.2). Returns false (never "processed"). */
export function onVersionNegotiation(c: Connection, h: PacketHeader, now: number): boolean {
  if (!c.isClient || c.receivedFromPeer || c.versionRestarted) return false;
  if (!bytesEqual(h.dcid, c.localCid) || !bytesEqual(h.scid, c.originalDcid)) return false;
  const offered = h.supportedVersions;
  if (offered.includes(c.version)) return false;
  const cfg = c.config as ClientConnectionConfig;
  const ours = cfg.otherVersions ?? [QuicVersion.V1, QuicVersion.V2, QuicVersion.DRAFT_29];
  const common = cfg.retryOnVersionNegotiation === true
    ? ours.find((v) => v !== c.version && offered.includes(v))
    : undefined;
  if (common === undefined) {
    closeForVersionMismatch(c, now);
    return false;
  }
  restartClient(c, common, now);
  return false;
}

function closeForVersionMismatch(c: Connection, now: number): void {
  c.emit({ type: "closed", error: { kind: "versionMismatch" } });
  c.timers.clear();
  c.timers.set(Timer.Close, now);
  setState(c, ConnectionState.Draining);
}

/** Starts over in `version` after Version Negotiation: new keys, TLS, CRYPTO streams. */
function restartClient(c: Connection, version: number, now: number): void {
  c.versionRestarted = true;
  for (const sp of [SpaceId.Initial, SpaceId.Handshake] as const) c.loss.discardSpace(sp, now);
  c.resetForRestart(version);
  c.startClient(now);
}

/** Client: Retry (RFC 9000 §17.2.5, RFC 9001 §5.8). Returns false (never "processed"). */
export function onRetry(
  c: Connection,
  dg: Uint8Array,
  start: number,
  h: PacketHeader,
  now: number,
): boolean {
  if (!c.isClient || c.receivedFromPeer || c.retryScid !== null) return false;
  if (h.version !== c.version || !bytesEqual(h.dcid, c.localCid)) return false;
  if (!verifyRetryIntegrity(h.version, c.originalDcid, dg.subarray(start, h.end))) return false;
  if (bytesEqual(h.scid, c.originalDcid)) return false;
  c.retryScid = h.scid.slice();
  c.retryToken = h.retryToken.slice();
  c.initialDcid = c.retryScid;
  c.cids.setInitialRemote(c.retryScid);
  c.reinstallInitialKeys(c.version);
  // Everything sent in Initial packets goes again under the new keys.
  const s = c.spaces[SpaceId.Initial];
  const store = c.loss.sentPackets(SpaceId.Initial);
  for (let i = store.first(); i < store.end; i = store.next(i)) {
    const frames = store.packetAt(i).frames as Frame[];
    for (const f of frames) {
      if (f.type === FrameType.CRYPTO) s.cryptoSend.onLost(f.offset, f.data.length, false);
    }
  }
  // The packets sent before the Retry stay in flight until declared lost (RFC 9002 §6.3
  // would allow discarding them; loss recovery then re-queues nothing new).
  void now;
  return false;
}
