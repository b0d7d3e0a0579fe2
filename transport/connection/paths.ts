/**
 * Connection IDs we issue and the peer's path (RFC 9000 §5.1.1, §8.2, §9):
 * NEW_CONNECTION_ID up to the peer's active_connection_id_limit, path
 * validation with PATH_CHALLENGE/PATH_RESPONSE, NAT rebinding on the server
 * and active migration on the client.
 *
 * - Issuing: once the handshake completes we issue CIDs until the peer holds
 *   `min(active_connection_id_limit, MAX_ISSUED_CIDS)`, and one more for each
 *   it retires. Each has a stateless reset token from the endpoint (§10.3.2).
 * - A new peer address (server): the newest non-probing packet from another
 *   address moves the connection there (§9.3). The new path is validated with
 *   PATH_CHALLENGE; until its PATH_RESPONSE arrives the anti-amplification
 *   limit applies to it (§9.3, §8.1). When the address (not only the port)
 *   changed, congestion control and RTT start afresh (§9.4). If the peer
 *   switched to a new CID, so do we (§9.5); a NAT rebinding keeps the CID.
 * - Active migration (client, {@link migrate}): a new peer CID, the old one
 *   retired, a PATH_CHALLENGE on the new path and fresh congestion state.
 *
 * - Validation fails when no PATH_RESPONSE arrives within
 *   max(3×PTO, 6×kInitialRtt) of the first PATH_CHALLENGE (§8.2.4), new
 *   challenges going out meanwhile; the connection then goes back to the last
 *   validated peer address (§9.3.2, §9.6.1), with congestion state afresh.
 *
 * Not done: probing a new path while still sending on the old one (we move
 * first and validate after), and several paths at once.
 *
 * @module
 */

import type { SocketAddress } from "../address.ts";
import type { Frame } from "../frames/frame.ts";
import { FrameType } from "../frames/frame_type.ts";
import { SpaceId } from "../recovery/space_id.ts";
import { bytesEqual } from "./cids.ts";
import type { Connection } from "./connection.ts";
import { Op } from "../protoop/catalogue.ts";
import { Timer } from "./timers.ts";

/** Most CIDs we keep issued at once (an arbitrary bound on routing state). */
export const MAX_ISSUED_CIDS = 4;
/** PATH_CHALLENGE payload length (RFC 9000 §19.17). */
const CHALLENGE_LENGTH = 8;
/** New PATH_CHALLENGEs sent after a lost one before giving up (arbitrary). */
const MAX_CHALLENGES = 5;

/** The 4 bytes of a dotted IPv4 literal, or null. */
function ipv4Bytes(host: string): Uint8Array | null {
  const parts = host.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const n = Number(parts[i]);
    if (!Number.isInteger(n) || n < 0 || n > 255) return null;
    out[i] = n;
  }
  return out;
}

/**
 * Server: offers `address` as preferred_address with CID sequence 1 and its
 * reset token (RFC 9000 §5.1.1, §18.2). Call before the parameters are sent.
 */
export function offerPreferredAddress(c: Connection, address: SocketAddress): void {
  const ipv4 = ipv4Bytes(address.hostname);
  if (ipv4 === null) throw new TypeError(`Cannot offer "${address.hostname}": not IPv4`);
  const cid = new Uint8Array(c.localCidLength);
  c.random.fill(cid);
  const resetToken = c.resetTokenFor(cid);
  c.cids.addLocal(cid, resetToken);
  c.emit({ type: "localCidIssued", cid, resetToken });
  c.preferredCid = cid;
  c.localParams.preferredAddress = {
    ipv4,
    ipv4Port: address.port,
    ipv6: new Uint8Array(16),
    ipv6Port: 0,
    cid,
    resetToken,
  };
}

/**
 * Server: a non-probing packet arrived for the preferred address's CID: the
 * client moved there (RFC 9000 §9.6.3); answer from that address, with a new CID.
 */
export function onPreferredAddressUsed(c: Connection): void {
  const pref = (c.config as { preferredAddress?: SocketAddress }).preferredAddress;
  if (pref === undefined || c.localAddress !== null) return;
  c.localAddress = pref;
  c.pathChanges++;
  rotateRemoteCid(c);
}

/**
 * Client: moves to the server's preferred_address (RFC 9000 §9.6.1) with the
 * CID that came with it, probing the new path with PATH_CHALLENGE and
 * starting congestion control afresh. False when there is none.
 */
export function migrateToPreferredAddress(c: Connection): boolean {
  const pa = c.peerParams?.preferredAddress;
  if (!c.isClient || pa === undefined || pa.ipv4Port === 0) return false;
  if (pa.ipv4.every((b) => b === 0)) return false;
  const old = c.cids.useSeq(1);
  if (old < 0) return false;
  c.spaces[SpaceId.Application].pending.push({ type: FrameType.RETIRE_CONNECTION_ID, seq: old });
  c.validatedRemote = c.remote;
  c.remote = { hostname: Array.from(pa.ipv4).join("."), port: pa.ipv4Port };
  c.timers.stop(Timer.PathValidation);
  c.pathChanges++;
  c.challengesLeft = MAX_CHALLENGES;
  c.ops.call[Op.PREPARE_PATH_CHALLENGE_FRAME](c, null);
  resetPathState(c);
  c.pingPending = true;
  return true;
}

/** Issues CIDs until the peer holds as many as it allows (RFC 9000 §5.1.1). */
export function issueCids(c: Connection): void {
  if (c.localCidLength === 0 || c.peerParams === null) return;
  const limit = Math.min(c.peerParams.activeConnectionIdLimit ?? 2, MAX_ISSUED_CIDS);
  const app = c.spaces[SpaceId.Application];
  while (c.cids.local.length < limit) {
    const cid = new Uint8Array(c.localCidLength);
    c.random.fill(cid);
    const resetToken = c.resetTokenFor(cid);
    const issued = c.cids.addLocal(cid, resetToken);
    c.emit({ type: "localCidIssued", cid, resetToken });
    app.pending.push({
      type: FrameType.NEW_CONNECTION_ID,
      seq: issued.seq,
      retirePriorTo: 0,
      cid,
      resetToken,
    });
  }
}

/** Initial RTT assumed for a new path (RFC 9002 §6.2.2 kInitialRtt), µs. */
const INITIAL_RTT = 333_000;

/** How long a path has to answer (RFC 9000 §8.2.4): max(3×PTO, 6×kInitialRtt), µs. */
export function pathValidationTimeout(c: Connection): number {
  return Math.max(3 * c.loss.ptoPeriod(), 6 * INITIAL_RTT);
}

/** Queues a PATH_CHALLENGE for the current path and remembers its data. */
/** Default of `prepare_path_challenge_frame`: queues a PATH_CHALLENGE (RFC 9000 §8.2.1). */
export function prepareChallenge(c: Connection, _path: object | null): void {
  const data = new Uint8Array(CHALLENGE_LENGTH);
  c.random.fill(data);
  c.pathChallenge = data;
  c.spaces[SpaceId.Application].pending.push({ type: FrameType.PATH_CHALLENGE, data });
}

/** Starts afresh on a new path: RTT and congestion state (RFC 9000 §9.4). */
function resetPathState(c: Connection): void {
  c.loss.rtt.reset();
  c.congestion.resetForNewPath?.();
}

/** Switches to another peer CID and retires the old one; false when there is none. */
function rotateRemoteCid(c: Connection): boolean {
  const old = c.cids.rotate();
  if (old < 0) return false;
  c.spaces[SpaceId.Application].pending.push({ type: FrameType.RETIRE_CONNECTION_ID, seq: old });
  return true;
}

/**
 * Server: the newest non-probing packet came from `remote`, not the current
 * peer address (RFC 9000 §9.3). `dcid` is that packet's destination CID.
 */
export function onPeerAddressChange(
  c: Connection,
  remote: SocketAddress,
  dcid: Uint8Array,
  datagramSize: number,
): void {
  const addressChanged = remote.hostname !== c.remote.hostname;
  if (c.addressValidated) c.validatedRemote = c.remote;
  c.remote = remote;
  c.timers.stop(Timer.PathValidation);
  c.pathChanges++;
  // The new path is unvalidated: the 3× limit counts from this datagram (§9.3, §8.1).
  c.addressValidated = false;
  c.ampReceived = datagramSize;
  c.ampSent = 0;
  c.challengesLeft = MAX_CHALLENGES;
  c.ops.call[Op.PREPARE_PATH_CHALLENGE_FRAME](c, null);
  if (addressChanged) resetPathState(c);
  // §9.5: a peer that moved to a new CID is answered with a new CID of its own.
  if (c.lastPeerDcid !== null && !bytesEqual(c.lastPeerDcid, dcid)) rotateRemoteCid(c);
}

/** Remembers the DCID of the newest short-header packet (to notice a peer's CID change). */
export function notePeerDcid(c: Connection, dcid: Uint8Array): void {
  const last = c.lastPeerDcid;
  if (last === null || !bytesEqual(last, dcid)) c.lastPeerDcid = dcid.slice();
}

/** PATH_RESPONSE (RFC 9000 §8.2.2): validates the path if it answers our challenge. */
export function onPathResponse(c: Connection, data: Uint8Array): void {
  const ch = c.pathChallenge;
  if (ch === null || !bytesEqual(ch, data)) return;
  c.pathChallenge = null;
  c.pathsValidated++;
  c.validatedRemote = null;
  c.timers.stop(Timer.PathValidation);
  if (!c.addressValidated) {
    c.addressValidated = true;
    c.loss.setAmplificationLimited(false);
  }
}

/** A packet carrying PATH_CHALLENGE was lost: challenge again while the path is unvalidated. */
export function onPathChallengeLost(c: Connection, f: Frame): void {
  if (f.type !== FrameType.PATH_CHALLENGE || c.pathChallenge === null) return;
  if (!bytesEqual(f.data, c.pathChallenge) || c.challengesLeft <= 0) return;
  c.challengesLeft--;
  c.ops.call[Op.PREPARE_PATH_CHALLENGE_FRAME](c, null);
}

/**
 * Client: moves the connection to a new local address (RFC 9000 §9.2): the
 * next packets go with a new peer CID and a PATH_CHALLENGE, and congestion
 * control starts afresh. Returns false when the peer gave us no spare CID or
 * the handshake is not confirmed yet.
 */
export function migrate(c: Connection): boolean {
  if (!c.isClient || !c.handshakeConfirmed || c.cids.spareRemote < 1) return false;
  if (c.peerParams?.disableActiveMigration === true) return false;
  if (!rotateRemoteCid(c)) return false;
  c.validatedRemote = null; // the peer's address is unchanged: nothing to go back to
  c.timers.stop(Timer.PathValidation);
  c.pathChanges++;
  c.challengesLeft = MAX_CHALLENGES;
  c.ops.call[Op.PREPARE_PATH_CHALLENGE_FRAME](c, null);
  resetPathState(c);
  c.pingPending = true;
  return true;
}

/** A packet carrying PATH_CHALLENGE went out: the validation clock starts (§8.2.4). */
export function onPathChallengeSent(c: Connection, now: number): void {
  if (c.pathChallenge !== null && c.timers.get(Timer.PathValidation) === Infinity) {
    c.timers.set(Timer.PathValidation, now + pathValidationTimeout(c));
  }
}

/**
 * The path validation timer fired: the new path failed (RFC 9000 §8.2.4).
 * Go back to the last validated peer address, if there is one (§9.3.2,
 * §9.6.1); otherwise stay and stop challenging.
 */
export function onPathValidationTimeout(c: Connection): void {
  c.timers.stop(Timer.PathValidation);
  if (c.pathChallenge === null) return;
  c.pathChallenge = null;
  c.pathValidationFailures++;
  const back = c.validatedRemote;
  c.validatedRemote = null;
  if (back === null) return;
  c.remote = back;
  c.addressValidated = true;
  c.loss.setAmplificationLimited(false);
  // A new CID for the path we return to (§9.5), when the peer gave us one.
  rotateRemoteCid(c);
  resetPathState(c);
  c.pingPending = true;
}
