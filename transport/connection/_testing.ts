/**
 * Test hooks (not part of the public API): connections put straight into the
 * established state with known 1-RTT keys, and packets sealed as the peer would
 * seal them, so that fuzz tests can feed well-encrypted packets carrying
 * arbitrary frames into live connections without a handshake per input.
 *
 * @module
 */

import type { SocketAddress } from "../address.ts";
import { DirectionalKeys } from "../crypto/packet_protection.ts";
import {
  packetNumberLength,
  patchLength,
  writeLongHeader,
  writeShortHeader,
} from "../packet/header.ts";
import { PacketType } from "../packet/packet_type.ts";
import { SpaceId } from "../recovery/space_id.ts";
import type { Random } from "../random.ts";
import { CipherSuite } from "../tls/session.ts";
import { defaultTransportParameters } from "../transport_parameters.ts";
import { Writer } from "../wire/writer.ts";
import type { ClientConnectionConfig, ServerConnectionConfig } from "./config.ts";
import { Connection } from "./connection.ts";
import { ConnectionState } from "./events.ts";
import { applyPeerParameters, discardSpace } from "./handshake.ts";
import { KeyUpdate } from "./key_update.ts";

const CLIENT: SocketAddress = { hostname: "10.9.0.1", port: 1 };
const SERVER: SocketAddress = { hostname: "10.9.0.2", port: 2 };

/** Generous peer limits for an established test connection. */
function peerParams() {
  return {
    ...defaultTransportParameters(),
    initialMaxData: 1 << 20,
    initialMaxStreamDataBidiLocal: 1 << 16,
    initialMaxStreamDataBidiRemote: 1 << 16,
    initialMaxStreamDataUni: 1 << 16,
    initialMaxStreamsBidi: 16,
    initialMaxStreamsUni: 16,
    maxIdleTimeout: 30_000,
  };
}

/**
 * A connection in the established, confirmed state with 1-RTT keys from random
 * secrets, as if a handshake had just finished. No TLS messages are exchanged.
 */
export function establishedForTesting(
  isClient: boolean,
  config: ClientConnectionConfig | ServerConnectionConfig,
  now: number,
): Connection {
  const random: Random = config.random;
  let c: Connection;
  if (isClient) {
    c = Connection.client(config as ClientConnectionConfig, SERVER, now);
  } else {
    const cid = (n: number) => {
      const b = new Uint8Array(n);
      random.fill(b);
      return b;
    };
    c = Connection.server(config as ServerConnectionConfig, {
      remote: CLIENT,
      version: 1,
      clientDcid: cid(8),
      clientScid: cid(8),
      localCid: cid(config.localCidLength ?? 8),
      addressValidated: true,
    }, now);
  }
  const secret = (n: number) => {
    const b = new Uint8Array(n);
    random.fill(b);
    return b;
  };
  const suite = CipherSuite.CHACHA20_POLY1305_SHA256;
  c.oneRtt = new KeyUpdate(
    DirectionalKeys.fromSecret(suite, secret(32), c.version),
    DirectionalKeys.fromSecret(suite, secret(32), c.version),
  );
  const hs = c.spaces[SpaceId.Handshake];
  hs.readKeys = DirectionalKeys.fromSecret(suite, secret(32), c.version);
  hs.writeKeys = DirectionalKeys.fromSecret(suite, secret(32), c.version);
  applyPeerParameters(c, peerParams());
  c.state = ConnectionState.Established;
  c.handshakeComplete = true;
  c.addressValidated = true;
  discardSpace(c, SpaceId.Initial);
  c.handshakeConfirmed = true;
  discardSpace(c, SpaceId.Handshake);
  c.loss.setHandshakeConfirmed();
  for (let e = c.pollEvent(); e !== null; e = c.pollEvent()) { /* drop set-up events */ }
  return c;
}

/** Packet kinds {@link sealAsPeer} can make. */
export type PeerPacketKind = "initial" | "handshake" | "0rtt" | "1rtt";

/**
 * A datagram holding one packet protected with the keys the peer would use
 * (our read keys), carrying `payload` as its frames. Returns null when the
 * connection has no keys for that kind.
 */
export function sealAsPeer(
  c: Connection,
  kind: PeerPacketKind,
  payload: Uint8Array,
  opts: { keyUpdate?: boolean; previous?: boolean; pn?: number } = {},
): Uint8Array | null {
  let keys: DirectionalKeys | null;
  let space: number;
  let type: number;
  switch (kind) {
    case "initial":
      keys = c.spaces[SpaceId.Initial].discarded ? null : c.spaces[SpaceId.Initial].readKeys;
      space = SpaceId.Initial;
      type = PacketType.Initial;
      break;
    case "handshake":
      keys = c.spaces[SpaceId.Handshake].discarded ? null : c.spaces[SpaceId.Handshake].readKeys;
      space = SpaceId.Handshake;
      type = PacketType.Handshake;
      break;
    case "0rtt":
      keys = c.isClient ? null : c.zeroRtt;
      space = SpaceId.Application;
      type = PacketType.ZeroRtt;
      break;
    default:
      keys = c.oneRtt?.read ?? null;
      space = SpaceId.Application;
      type = PacketType.OneRtt;
  }
  if (keys === null) return null;
  let phase = c.oneRtt?.readPhase ?? 0;
  if (opts.keyUpdate === true && type === PacketType.OneRtt) {
    // The peer's next generation: what our KeyUpdate derives for the other phase.
    keys = keys.nextGeneration();
    phase ^= 1;
  } else if (opts.previous === true && type === PacketType.OneRtt) {
    // A late packet of the previous phase.
    keys = c.oneRtt!.prev;
    if (keys === null) return null;
    phase ^= 1;
  }
  const pn = opts.pn ?? c.spaces[space]!.ackTracker.largest + 1;
  const pnLen = packetNumberLength(pn, pn - 1);
  const size = Math.max(payload.length, 4) + 80 + 16;
  const minDatagram = type === PacketType.Initial && !c.isClient ? 1200 : 0;
  const buf = new Uint8Array(Math.max(size, minDatagram + 16));
  const w = new Writer(buf);
  const dcid = c.localCid;
  const scid = c.cids.remoteCid;
  let lengthOffset = -1;
  let pnOffset: number;
  if (type === PacketType.OneRtt) {
    pnOffset = writeShortHeader(w, {
      dcid,
      spin: false,
      keyPhase: phase as 0 | 1,
      pnLength: pnLen,
      truncatedPn: pn,
    }).pnOffset;
  } else {
    const r = writeLongHeader(w, {
      type: type as 0 | 1 | 2,
      version: c.version,
      dcid,
      scid,
      pnLength: pnLen,
      truncatedPn: pn,
    });
    lengthOffset = r.lengthOffset;
    pnOffset = r.pnOffset;
  }
  w.bytes(payload);
  while (w.pos - pnOffset < 4) w.u8(0);
  // A server drops Initial datagrams under 1200 bytes: pad with PADDING frames.
  while (w.pos + 16 < minDatagram) w.u8(0);
  const payloadEnd = w.pos;
  if (lengthOffset >= 0) patchLength(buf, lengthOffset, payloadEnd + 16 - pnOffset);
  const end = keys.aead.seal(pn, buf, pnOffset + pnLen, payloadEnd);
  keys.hp.apply(buf, pnOffset, pnLen);
  return buf.slice(0, end);
}
