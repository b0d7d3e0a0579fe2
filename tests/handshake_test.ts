import assert from "node:assert/strict";
import { CipherSuite, NamedGroup } from "../transport/tls/session.ts";
import { ConnectionState } from "../transport/connection/events.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import { QuicVersion } from "../transport/version.ts";
import { simPair, type SimPairOptions } from "./_conn_sim.ts";

async function handshake(opts: SimPairOptions) {
  const p = await simPair(opts);
  const r = p.sim.run({
    until: () =>
      p.client.has("connected") && p.server.has("connected") &&
      p.clientConn.isHandshakeConfirmed,
    maxTime: 10_000_000,
  });
  assert.equal(r, "until", `client: ${types(p.client.events)} server: ${types(p.server.events)}`);
  return p;
}

function types(es: ConnectionEvent[]): string {
  return JSON.stringify(es, (_k, v) => typeof v === "bigint" ? v.toString() : v);
}

function connected(es: ConnectionEvent[]) {
  const e = es.find((e) => e.type === "connected");
  assert.ok(e !== undefined && e.type === "connected");
  return e;
}

for (
  const [name, suite] of [
    ["AES_128_GCM_SHA256", CipherSuite.AES_128_GCM_SHA256],
    ["AES_256_GCM_SHA384", CipherSuite.AES_256_GCM_SHA384],
    ["CHACHA20_POLY1305_SHA256", CipherSuite.CHACHA20_POLY1305_SHA256],
  ] as const
) {
  Deno.test(`handshake: cipher suite ${name} completes and both ends see connected`, async () => {
    const p = await handshake({ client: { cipherSuites: [suite] } });
    for (const es of [p.client.events, p.server.events]) {
      const c = connected(es);
      assert.equal(c.cipherSuite, suite);
      assert.equal(c.alpn, "hq-interop");
      assert.equal(c.version, QuicVersion.V1);
      assert.equal(c.resumed, false);
      assert.equal(c.earlyDataAccepted, false);
    }
    assert.equal(p.clientConn.state, ConnectionState.Established);
    assert.equal(p.server.conn!.state, ConnectionState.Established);
    // The endpoint learns of our CIDs; no close happened.
    assert.ok(p.client.has("localCidIssued"));
    assert.ok(!p.client.has("closed") && !p.server.has("closed"));
  });
}

for (
  const [name, group] of [["X25519", NamedGroup.X25519], ["P-256", NamedGroup.SECP256R1]] as const
) {
  Deno.test(`handshake: key exchange ${name} completes`, async () => {
    const p = await handshake({
      client: { groups: [group], keyShareGroups: [group] },
      server: { groups: [group] },
    });
    assert.equal(connected(p.client.events).group, group);
    assert.equal(connected(p.server.events).group, group);
  });
}

Deno.test("handshake: HelloRetryRequest when the server prefers P-256 over the offered X25519", async () => {
  const p = await handshake({
    client: {
      groups: [NamedGroup.X25519, NamedGroup.SECP256R1],
      keyShareGroups: [NamedGroup.X25519],
    },
    server: { groups: [NamedGroup.SECP256R1, NamedGroup.X25519] },
  });
  assert.equal(connected(p.client.events).group, NamedGroup.SECP256R1);
  // Two ClientHellos went out in Initial CRYPTO frames.
  assert.ok(p.clientConn.stats().framesSent.CRYPTO! >= 3);
});

Deno.test("handshake: the client's first datagram is padded to at least 1200 bytes", async () => {
  const p = await simPair();
  const sizes: number[] = [];
  p.sim.onSend = (dg) => {
    if (dg.from.port === 5000) sizes.push(dg.data.length);
  };
  p.sim.run({ until: () => p.client.has("connected"), maxTime: 5_000_000 });
  assert.ok(sizes.length > 0);
  assert.ok(sizes[0]! >= 1200, `first datagram ${sizes[0]}`);
});

Deno.test("handshake: stats report RTT, handshake duration and frames by name", async () => {
  const p = await handshake({ link: { delay: 25_000 } });
  const s = p.clientConn.stats();
  assert.ok(s.handshakeDuration >= 50_000, `handshake took ${s.handshakeDuration}`);
  assert.ok(s.rtt.min >= 50_000 && s.rtt.min < 60_000, `min rtt ${s.rtt.min}`);
  assert.ok(s.framesReceived.HANDSHAKE_DONE === 1);
  assert.ok(s.framesSent.ACK! > 0);
  assert.ok(s.packetsSent > 0 && s.bytesReceived > 0);
});

Deno.test("handshake: a server never sends more than 3× what it received before address validation", async () => {
  const p = await simPair();
  let received = 0;
  let sent = 0;
  let first = true;
  p.server.gate = (d) => {
    // Only the client's first datagram gets through: the address is never validated.
    if (!first) return "drop";
    first = false;
    received += d.length;
    return "pass";
  };
  p.sim.onSend = (dg) => {
    if (dg.from.port === 4433) sent += dg.data.length;
  };
  p.sim.run({ maxTime: 20_000_000 });
  assert.ok(received >= 1200);
  assert.ok(sent > 0, "the server answered");
  assert.ok(sent <= 3 * received, `sent ${sent} for ${received} received`);
});

Deno.test("handshake: completes when the first flights are lost (PTO and CRYPTO retransmission)", async () => {
  // Drop the first two datagrams in each direction.
  const p = await simPair({ link: { delay: 10_000, lossMask: 0b11n } });
  const r = p.sim.run({
    until: () =>
      p.client.has("connected") && p.server.has("connected") &&
      p.clientConn.isHandshakeConfirmed,
    maxTime: 20_000_000,
  });
  assert.equal(r, "until", `client: ${types(p.client.events)}`);
  assert.ok(p.clientConn.stats().packetsSent > 2);
});

Deno.test("handshake: keyLog events carry NSS key log lines when enabled", async () => {
  const p = await handshake({ client: { keyLog: true } });
  const lines = p.client.events.flatMap((e) => e.type === "keyLog" ? [e.line] : []);
  assert.ok(lines.some((l) => l.startsWith("CLIENT_HANDSHAKE_TRAFFIC_SECRET ")));
  assert.ok(lines.some((l) => l.startsWith("SERVER_TRAFFIC_SECRET_0 ")));
  assert.ok(!p.server.has("keyLog"), "off unless asked for");
});

Deno.test("handshake: packets reordered ahead of their keys are kept and processed later", async () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const p = await simPair({ seed, link: { delay: 10_000, reorder: 0.5, reorderDelay: 5_000 } });
    const r = p.sim.run({
      until: () => p.clientConn.isHandshakeConfirmed && p.server.has("connected"),
      maxTime: 10_000_000,
    });
    assert.equal(r, "until");
    // No PTO was needed: about 2.5 RTT of 20 ms plus reordering delays.
    assert.ok(p.sim.now < 100_000, `seed ${seed}: confirmed at ${p.sim.now}`);
  }
});
