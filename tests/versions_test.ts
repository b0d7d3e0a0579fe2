import assert from "node:assert/strict";
import { retryIntegrityTag } from "../transport/crypto/retry.ts";
import { PacketType, parsePacketHeader } from "../transport/packet/header.ts";
import { writeRetry } from "../transport/packet/retry.ts";
import { writeVersionNegotiation } from "../transport/packet/version_negotiation.ts";
import { SeededRandom } from "../transport/random.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import { QuicVersion } from "../transport/version.ts";
import { simPair } from "./_conn_sim.ts";

function connected(es: ConnectionEvent[]) {
  const e = es.find((e) => e.type === "connected");
  assert.ok(e !== undefined && e.type === "connected", JSON.stringify(es, big));
  return e;
}

function big(_k: string, v: unknown) {
  return typeof v === "bigint" ? v.toString() : v;
}

/** Versions of the long-header packets a tap saw, by direction. */
function longVersions(d: Uint8Array): { type: number; version: number }[] {
  const out: { type: number; version: number }[] = [];
  let off = 0;
  while (off < d.length && (d[off]! & 0x80) !== 0) {
    try {
      const h = parsePacketHeader(d, off, 8);
      out.push({ type: h.type, version: h.version });
      off = h.end;
    } catch {
      break;
    }
  }
  return out;
}

Deno.test("versions: a server preferring v2 moves a v1 client to v2 (compatible negotiation)", async () => {
  const p = await simPair({ server: { preferredVersions: [QuicVersion.V2, QuicVersion.V1] } });
  const fromServer: { type: number; version: number }[] = [];
  const fromClient: { type: number; version: number }[] = [];
  p.sim.onSend = (dg) => {
    (dg.from.port === 4433 ? fromServer : fromClient).push(...longVersions(dg.data));
  };
  const r = p.sim.run({
    until: () =>
      p.client.has("connected") && p.server.has("connected") &&
      p.clientConn.isHandshakeConfirmed,
    maxTime: 5_000_000,
  });
  assert.equal(r, "until");
  assert.equal(connected(p.client.events).version, QuicVersion.V2);
  assert.equal(connected(p.server.events).version, QuicVersion.V2);
  assert.equal(fromClient[0]!.version, QuicVersion.V1);
  // Every server long header is v2; the client's Handshake packets are v2.
  assert.ok(fromServer.length > 0 && fromServer.every((h) => h.version === QuicVersion.V2));
  const clientHs = fromClient.filter((h) => h.type === PacketType.Handshake);
  assert.ok(clientHs.length > 0 && clientHs.every((h) => h.version === QuicVersion.V2));
});

Deno.test("versions: without a server preference the connection stays v1", async () => {
  const p = await simPair();
  p.sim.run({ until: () => p.client.has("connected"), maxTime: 5_000_000 });
  assert.equal(connected(p.client.events).version, QuicVersion.V1);
});

Deno.test("versions: draft-29 handshake completes without version_information", async () => {
  const p = await simPair({ client: { version: QuicVersion.DRAFT_29 } });
  const r = p.sim.run({
    until: () =>
      p.client.has("connected") && p.server.has("connected") &&
      p.clientConn.isHandshakeConfirmed,
    maxTime: 5_000_000,
  });
  assert.equal(r, "until");
  assert.equal(connected(p.client.events).version, QuicVersion.DRAFT_29);
  assert.equal(connected(p.server.events).version, QuicVersion.DRAFT_29);
  assert.equal(p.clientConn.remoteTransportParameters?.versionInformation, undefined);
});

Deno.test("versions: Version Negotiation without a common version closes with versionMismatch", async () => {
  const p = await simPair();
  const rnd = new SeededRandom(5);
  p.server.gate = (d) => {
    const h = parsePacketHeader(d, 0, 8);
    return writeVersionNegotiation(h.scid, h.dcid, [0x1a2a3a4a], rnd);
  };
  p.sim.run({ until: () => p.client.has("drained"), maxTime: 5_000_000 });
  const closed = p.client.events.find((e) => e.type === "closed");
  assert.deepEqual(closed, { type: "closed", error: { kind: "versionMismatch" } });
});

Deno.test("versions: Version Negotiation listing our version is ignored", async () => {
  const p = await simPair();
  const rnd = new SeededRandom(5);
  let sent = false;
  p.server.gate = (d) => {
    if (sent) return "pass";
    sent = true;
    const h = parsePacketHeader(d, 0, 8);
    return writeVersionNegotiation(h.scid, h.dcid, [QuicVersion.V1, 0x1a2a3a4a], rnd);
  };
  p.sim.run({ until: () => p.client.has("connected"), maxTime: 5_000_000 });
  assert.ok(p.client.has("connected"));
});

Deno.test("versions: Version Negotiation restarts the client in a common version when allowed", async () => {
  const p = await simPair({
    client: { retryOnVersionNegotiation: true, otherVersions: [QuicVersion.V2] },
  });
  const rnd = new SeededRandom(5);
  p.server.gate = (d) => {
    const h = parsePacketHeader(d, 0, 8);
    if (h.version === QuicVersion.V2) return "pass";
    return writeVersionNegotiation(h.scid, h.dcid, [QuicVersion.V2], rnd);
  };
  const r = p.sim.run({
    until: () => p.client.has("connected") && p.server.has("connected"),
    maxTime: 5_000_000,
  });
  assert.equal(r, "until", JSON.stringify(p.client.events, big));
  assert.equal(connected(p.client.events).version, QuicVersion.V2);
});

Deno.test("versions: a Retry is followed: token echoed, new DCID, retry_source_connection_id checked", async () => {
  const p = await simPair();
  const token = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const retryScid = new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9]);
  let retries = 0;
  let echoed: Uint8Array | null = null;
  p.server.gate = (d) => {
    const h = parsePacketHeader(d, 0, 8);
    if (h.type !== PacketType.Initial || p.server.conn !== null) return "pass";
    if (h.token.length === 0) {
      retries++;
      p.serverInit.originalDcid = h.dcid.slice();
      p.serverInit.retryScid = retryScid;
      p.serverInit.addressValidated = true;
      return writeRetry(
        h.version,
        h.scid,
        retryScid,
        token,
        (pseudo) => retryIntegrityTag(h.version, pseudo),
        h.dcid,
      );
    }
    echoed = h.token.slice();
    assert.deepEqual(h.dcid, retryScid);
    return "pass";
  };
  const r = p.sim.run({
    until: () =>
      p.client.has("connected") && p.server.has("connected") &&
      p.clientConn.isHandshakeConfirmed,
    maxTime: 5_000_000,
  });
  assert.equal(r, "until", JSON.stringify(p.client.events, big));
  assert.equal(retries, 1);
  assert.deepEqual(echoed, token);
});

Deno.test("versions: a Retry with a bad integrity tag is ignored", async () => {
  const p = await simPair();
  let bad = 0;
  p.server.gate = (d) => {
    const h = parsePacketHeader(d, 0, 8);
    if (bad >= 1 || h.type !== PacketType.Initial) return "pass";
    bad++;
    const retry = writeRetry(h.version, h.scid, new Uint8Array(8).fill(7), new Uint8Array([1]), (
      pseudo,
    ) => retryIntegrityTag(h.version, pseudo), h.dcid);
    retry[retry.length - 1]! ^= 1;
    return retry;
  };
  p.sim.run({ until: () => p.client.has("connected"), maxTime: 5_000_000 });
  assert.ok(p.client.has("connected"));
  assert.equal(bad, 1);
});

Deno.test("versions: a server that claims a Retry that never happened is refused", async () => {
  const p = await simPair({ serverInit: { retryScid: new Uint8Array(8).fill(3) } });
  p.sim.run({ until: () => p.client.has("closed"), maxTime: 5_000_000 });
  const closed = p.client.events.find((e) => e.type === "closed");
  assert.ok(closed?.type === "closed" && closed.error.kind === "transportError");
  assert.equal(closed.error.kind === "transportError" && closed.error.code, 0x08);
});

Deno.test("versions: a second Retry is ignored (RFC 9000 §17.2.5.2)", async () => {
  const p = await simPair();
  const first = new Uint8Array(8).fill(0xa1);
  const second = new Uint8Array(8).fill(0xb2);
  let retries = 0;
  p.server.gate = (d) => {
    const h = parsePacketHeader(d, 0, 8);
    if (h.type !== PacketType.Initial || p.server.conn !== null) return "pass";
    if (retries < 2) {
      const scid = retries === 0 ? first : second;
      if (retries === 0) {
        p.serverInit.originalDcid = h.dcid.slice();
        p.serverInit.retryScid = first;
        p.serverInit.addressValidated = true;
      }
      retries++;
      return writeRetry(
        h.version,
        h.scid,
        scid,
        new Uint8Array([retries]),
        (pseudo) => retryIntegrityTag(h.version, pseudo),
        retries === 1 ? h.dcid : p.serverInit.originalDcid!,
      );
    }
    assert.deepEqual(h.dcid, first, "the client kept the first Retry's CID");
    return "pass";
  };
  const r = p.sim.run({
    until: () => p.client.has("connected") && p.clientConn.isHandshakeConfirmed,
    maxTime: 10_000_000,
  });
  assert.equal(r, "until", JSON.stringify(p.client.events, big));
  assert.equal(retries, 2);
});
