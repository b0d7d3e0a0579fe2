/**
 * In-memory handshakes between a client and a server session: groups,
 * suites, HelloRetryRequest, certificate key types, ALPN, certificate
 * checks, transport parameters, resumption and 0-RTT, event order (RFC 9001
 * §4.1) and key log lines.
 */

import assert from "node:assert/strict";
import { TransportError } from "../errors.ts";
import {
  CLIENT_TP,
  clientConfig,
  demoCertificates,
  pump,
  runHandshake,
  secrets,
  SERVER_TP,
  serverConfig,
  tags,
  WALL_CLOCK_MS,
} from "./_test_helpers.ts";
import { createClientSession } from "./client.ts";
import { createServerSession } from "./server.ts";
import {
  CipherSuite,
  EncryptionLevel,
  NamedGroup,
  type SessionTicket,
  TlsAlert,
  type TlsEvent,
} from "./session.ts";
import { SeededRandom } from "../random.ts";

const { Initial, ZeroRtt, Handshake, OneRtt } = EncryptionLevel;

/** Asserts each side's write secret equals the other side's read secret, per level. */
function assertSecretsMatch(clientEvents: TlsEvent[], serverEvents: TlsEvent[], levels: number[]) {
  const c = secrets(clientEvents);
  const s = secrets(serverEvents);
  for (const level of levels) {
    if (level !== ZeroRtt) {
      assert.ok(c.get(`${level}/read`), `client read ${level}`);
      assert.deepEqual(c.get(`${level}/read`), s.get(`${level}/write`), `server→client ${level}`);
    }
    assert.ok(c.get(`${level}/write`), `client write ${level}`);
    assert.deepEqual(c.get(`${level}/write`), s.get(`${level}/read`), `client→server ${level}`);
  }
}

function complete(events: TlsEvent[]) {
  const e = events.find((e) => e.type === "handshakeComplete");
  assert.ok(e !== undefined && e.type === "handshakeComplete", "handshakeComplete emitted");
  return e;
}

let lastAlertMessage = "";

function alertOf(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    if (e instanceof TlsAlert) {
      lastAlertMessage = e.message;
      return e.alert;
    }
    throw e;
  }
  return -1;
}

Deno.test("handshake completes with events in RFC 9001 §4.1 order", async () => {
  const certs = await demoCertificates();
  const run = runHandshake(clientConfig(certs), serverConfig(certs));
  assert.ok(run.client.handshakeComplete && run.server.handshakeComplete);
  assert.deepEqual(tags(run.clientEvents), [
    `data:${Initial}`,
    `secret:${Handshake}:read`,
    `secret:${Handshake}:write`,
    "transportParameters",
    `secret:${OneRtt}:read`,
    `secret:${OneRtt}:write`,
    `data:${Handshake}`,
    "handshakeComplete",
  ]);
  assert.deepEqual(tags(run.serverEvents), [
    "transportParameters",
    `data:${Initial}`,
    `secret:${Handshake}:read`,
    `secret:${Handshake}:write`,
    `data:${Handshake}`,
    `secret:${OneRtt}:write`,
    `secret:${OneRtt}:read`,
    "handshakeComplete",
  ]);
  assertSecretsMatch(run.clientEvents, run.serverEvents, [Handshake, OneRtt]);
  const done = complete(run.clientEvents);
  assert.equal(done.alpn, "h3");
  assert.equal(done.resumed, false);
  assert.equal(done.group, NamedGroup.X25519);
  // Default server preference puts ChaCha20 first.
  assert.equal(done.suite, CipherSuite.CHACHA20_POLY1305_SHA256);
  assert.deepEqual(complete(run.serverEvents), done);
});

Deno.test("handshake delivers transport parameters both ways", async () => {
  const certs = await demoCertificates();
  let seen: Uint8Array | null = null;
  const run = runHandshake(
    clientConfig(certs),
    serverConfig(certs, {
      transportParameters: (tp) => {
        seen = tp.slice();
        return SERVER_TP;
      },
    }),
  );
  assert.deepEqual(seen, CLIENT_TP);
  const c = run.clientEvents.find((e) => e.type === "transportParameters");
  const s = run.serverEvents.find((e) => e.type === "transportParameters");
  assert.deepEqual(c?.type === "transportParameters" && c.data, SERVER_TP);
  assert.deepEqual(s?.type === "transportParameters" && s.data, CLIENT_TP);
});

for (const group of [NamedGroup.X25519, NamedGroup.SECP256R1]) {
  Deno.test(`handshake completes with group 0x${group.toString(16)}`, async () => {
    const certs = await demoCertificates();
    const run = runHandshake(
      clientConfig(certs, { keyShareGroups: [group] }),
      serverConfig(certs, { groups: [group] }),
    );
    assert.equal(complete(run.clientEvents).group, group);
    assert.equal(tags(run.serverEvents).filter((t) => t === `data:${Initial}`).length, 1);
    assertSecretsMatch(run.clientEvents, run.serverEvents, [Handshake, OneRtt]);
  });
}

for (const suite of [0x1301, 0x1302, 0x1303] as CipherSuite[]) {
  Deno.test(`handshake completes with cipher suite 0x${suite.toString(16)}`, async () => {
    const certs = await demoCertificates();
    const run = runHandshake(clientConfig(certs), serverConfig(certs, { cipherSuites: [suite] }));
    assert.equal(complete(run.serverEvents).suite, suite);
    const sec = secrets(run.clientEvents).get(`${OneRtt}/write`)!;
    assert.equal(sec.length, suite === 0x1302 ? 48 : 32);
    assertSecretsMatch(run.clientEvents, run.serverEvents, [Handshake, OneRtt]);
  });
}

for (const suite of [0x1301, 0x1302] as CipherSuite[]) {
  Deno.test(`HelloRetryRequest asks for the server's group (suite 0x${suite.toString(16)})`, async () => {
    const certs = await demoCertificates();
    const run = runHandshake(
      clientConfig(certs, { keyShareGroups: [NamedGroup.X25519] }),
      serverConfig(certs, {
        groups: [NamedGroup.SECP256R1, NamedGroup.X25519],
        cipherSuites: [suite],
      }),
    );
    assert.equal(complete(run.clientEvents).group, NamedGroup.SECP256R1);
    // Client: ClientHello, then ClientHello2; server: HRR, then ServerHello.
    assert.equal(tags(run.clientEvents).filter((t) => t === `data:${Initial}`).length, 2);
    assert.equal(tags(run.serverEvents).filter((t) => t === `data:${Initial}`).length, 2);
    assertSecretsMatch(run.clientEvents, run.serverEvents, [Handshake, OneRtt]);
  });
}

Deno.test("an empty key_share list gets a HelloRetryRequest for the server's group", async () => {
  const certs = await demoCertificates();
  const run = runHandshake(
    clientConfig(certs, { keyShareGroups: [] }),
    serverConfig(certs, { groups: [NamedGroup.X25519, NamedGroup.SECP256R1] }),
  );
  assert.equal(complete(run.clientEvents).group, NamedGroup.X25519);
  assert.equal(tags(run.clientEvents).filter((t) => t === `data:${Initial}`).length, 2);
  assert.equal(tags(run.serverEvents).filter((t) => t === `data:${Initial}`).length, 2);
  assertSecretsMatch(run.clientEvents, run.serverEvents, [Handshake, OneRtt]);
});

Deno.test("server refuses a ClientHello without a common group with handshake_failure", async () => {
  const certs = await demoCertificates();
  const c = createClientSession(
    clientConfig(certs, { groups: [NamedGroup.X25519], keyShareGroups: [NamedGroup.X25519] }),
  );
  const s = createServerSession(serverConfig(certs, { groups: [NamedGroup.SECP256R1] }));
  c.start(0);
  assert.equal(alertOf(() => pump(c, s, [])), 40);
});

for (const keyType of ["ecdsa-p256", "ed25519", "rsa-pss"] as const) {
  Deno.test(`handshake verifies a ${keyType} certificate`, async () => {
    const certs = await demoCertificates(keyType);
    const run = runHandshake(clientConfig(certs), serverConfig(certs));
    assert.ok(run.client.handshakeComplete);
    assertSecretsMatch(run.clientEvents, run.serverEvents, [Handshake, OneRtt]);
  });
}

Deno.test("ALPN picks the server's preferred protocol among the client's", async () => {
  const certs = await demoCertificates();
  const run = runHandshake(
    clientConfig(certs, { alpnProtocols: ["hq-interop", "h3", "pquic"] }),
    serverConfig(certs, { alpnProtocols: ["pquic", "h3"] }),
  );
  assert.equal(complete(run.clientEvents).alpn, "pquic");
});

Deno.test("server refuses disjoint ALPN with no_application_protocol", async () => {
  const certs = await demoCertificates();
  const c = createClientSession(clientConfig(certs, { alpnProtocols: ["h3"] }));
  const s = createServerSession(serverConfig(certs, { alpnProtocols: ["hq"] }));
  c.start(0);
  assert.equal(alertOf(() => pump(c, s, [])), 120);
  // The session stays failed.
  assert.equal(alertOf(() => s.receive(Initial, new Uint8Array(0), 0)), 120);
});

Deno.test("client refuses a certificate for another name with bad_certificate", async () => {
  const certs = await demoCertificates();
  assert.throws(
    () => runHandshake(clientConfig(certs, { serverName: "example.com" }), serverConfig(certs)),
    (e) => e instanceof TlsAlert && e.alert === 42 && /example\.com/.test(e.message),
  );
});

Deno.test("client refuses a certificate from an unknown CA with unknown_ca", async () => {
  const certs = await demoCertificates();
  const other = await demoCertificates("ed25519");
  assert.throws(
    () =>
      runHandshake(
        clientConfig(certs, { trustAnchors: [other.caCertificate] }),
        serverConfig(certs),
      ),
    (e) => e instanceof TlsAlert && e.alert === 48,
  );
});

Deno.test("insecureSkipVerify accepts an unknown CA and a wrong name", async () => {
  const certs = await demoCertificates();
  const other = await demoCertificates("ed25519");
  const run = runHandshake(
    clientConfig(certs, {
      trustAnchors: [other.caCertificate],
      serverName: "example.com",
      insecureSkipVerify: true,
    }),
    serverConfig(certs),
  );
  assert.ok(run.client.handshakeComplete && run.server.handshakeComplete);
});

Deno.test("a TransportError from the transport-parameter callback passes through", async () => {
  const certs = await demoCertificates();
  const err = TransportError.transportParameter("Cannot accept: test");
  const c = createClientSession(clientConfig(certs));
  const s = createServerSession(serverConfig(certs, {
    transportParameters: () => {
      throw err;
    },
  }));
  c.start(0);
  assert.throws(() => pump(c, s, []), (e) => e === err);
});

Deno.test("server refuses a ClientHello without transport parameters with missing_extension", async () => {
  const certs = await demoCertificates();
  const c = createClientSession(clientConfig(certs, { transportParametersCodepoint: 0xffa5 }));
  const s = createServerSession(serverConfig(certs));
  c.start(0);
  assert.equal(alertOf(() => pump(c, s, [])), 109);
});

Deno.test("draft-29 transport parameter codepoint works on both ends", async () => {
  const certs = await demoCertificates();
  const run = runHandshake(
    clientConfig(certs, { transportParametersCodepoint: 0xffa5 }),
    serverConfig(certs, { transportParametersCodepoint: 0xffa5 }),
  );
  assert.ok(run.client.handshakeComplete);
});

Deno.test("key log lines match on both ends in NSS format", async () => {
  const certs = await demoCertificates();
  const run = runHandshake(
    clientConfig(certs, { keyLog: true }),
    serverConfig(certs, { keyLog: true }),
  );
  const lines = (events: TlsEvent[]) =>
    events.flatMap((e) => e.type === "keyLog" ? [e.line] : []).sort();
  const c = lines(run.clientEvents);
  assert.equal(c.length, 4);
  assert.deepEqual(c, lines(run.serverEvents));
  const labels = c.map((l) => l.split(" ")[0]);
  assert.deepEqual(labels, [
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_TRAFFIC_SECRET_0",
  ]);
  for (const l of c) assert.match(l, /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64}$/);
  // The logged secret is the one installed.
  const hsWrite = secrets(run.clientEvents).get(`${Handshake}/write`)!;
  assert.ok(c[0]!.endsWith(Array.from(hsWrite, (b) => b.toString(16).padStart(2, "0")).join("")));
  const off = runHandshake(clientConfig(certs), serverConfig(certs));
  assert.equal(lines(off.clientEvents).length, 0);
});

Deno.test("client refuses a tampered server Finished with decrypt_error", async () => {
  const certs = await demoCertificates();
  const c = createClientSession(clientConfig(certs));
  const s = createServerSession(serverConfig(certs));
  c.start(0);
  pump(c, s, []);
  let e = s.pollEvent();
  let alert = -1;
  while (e !== null) {
    if (e.type === "data") {
      const data = e.data.slice();
      if (e.level === Handshake) data[data.length - 1] = data[data.length - 1]! ^ 1;
      alert = alertOf(() => c.receive(e!.type === "data" ? e!.level : 0, data, 0));
      if (alert !== -1) break;
    }
    e = s.pollEvent();
  }
  assert.equal(alert, 51);
  assert.match(lastAlertMessage, /server's Finished/);
});

Deno.test("client refuses a tampered CertificateVerify signature with decrypt_error", async () => {
  const certs = await demoCertificates();
  const c = createClientSession(clientConfig(certs));
  const s = createServerSession(serverConfig(certs));
  c.start(0);
  pump(c, s, []);
  let alert = -1;
  for (let e = s.pollEvent(); e !== null && alert === -1; e = s.pollEvent()) {
    if (e.type !== "data") continue;
    const data = e.data.slice();
    // Finished is the last 36 bytes; the signature ends just before it.
    if (e.level === Handshake) data[data.length - 37] = data[data.length - 37]! ^ 1;
    const level = e.level;
    alert = alertOf(() => c.receive(level, data, 0));
  }
  assert.equal(alert, 51);
  assert.match(lastAlertMessage, /CertificateVerify/);
});

Deno.test("server refuses a tampered client Finished with decrypt_error", async () => {
  const certs = await demoCertificates();
  const c = createClientSession(clientConfig(certs));
  const s = createServerSession(serverConfig(certs));
  c.start(0);
  pump(c, s, []);
  pump(s, c, []);
  let alert = -1;
  for (let e = c.pollEvent(); e !== null; e = c.pollEvent()) {
    if (e.type !== "data") continue;
    const data = e.data.slice();
    data[5] = data[5]! ^ 0x80;
    const level = e.level;
    alert = alertOf(() => s.receive(level, data, 0));
  }
  assert.equal(alert, 51);
  assert.match(lastAlertMessage, /client's Finished/);
  assert.equal(s.handshakeComplete, false);
});

Deno.test("messages at the wrong level or time are unexpected_message", async () => {
  const certs = await demoCertificates();
  const run = runHandshake(clientConfig(certs), serverConfig(certs));
  const ch = run.clientEvents.find((e) => e.type === "data")!;
  assert.ok(ch.type === "data");
  // A second ClientHello after completion.
  assert.equal(alertOf(() => run.server.receive(Initial, ch.data, 0)), 10);
  // A KeyUpdate (RFC 9001 §6).
  const c2 = runHandshake(clientConfig(certs), serverConfig(certs)).client;
  assert.equal(alertOf(() => c2.receive(OneRtt, new Uint8Array([24, 0, 0, 1, 0]), 0)), 10);
  // A ClientHello at the Handshake level.
  const s2 = createServerSession(serverConfig(certs));
  assert.equal(alertOf(() => s2.receive(Handshake, ch.data, 0)), 10);
  // CRYPTO data in 0-RTT is a PROTOCOL_VIOLATION (RFC 9001 §8.3).
  const s3 = createServerSession(serverConfig(certs));
  assert.throws(
    () => s3.receive(ZeroRtt, ch.data, 0),
    (e) => e instanceof TransportError && e.code === 0x0a,
  );
});

Deno.test("server refuses a ClientHello with a legacy_session_id with PROTOCOL_VIOLATION", async () => {
  const certs = await demoCertificates();
  const ch = createClientSession(clientConfig(certs));
  ch.start(0);
  const e = ch.pollEvent();
  assert.ok(e?.type === "data");
  // Insert a 1-byte session id after legacy_version (2) and random (32): header + 34.
  const body = e.data.subarray(4);
  const patched = new Uint8Array([...body.subarray(0, 34), 1, 0xaa, ...body.subarray(35)]);
  const msg = new Uint8Array([1, 0, patched.length >>> 8, patched.length & 0xff, ...patched]);
  const s = createServerSession(serverConfig(certs));
  assert.throws(
    () => s.receive(Initial, msg, 0),
    (err) =>
      err instanceof TransportError && err.code === 0x0a && /legacy_session_id/.test(err.message),
  );
});

Deno.test("server refuses a ClientHello without a common cipher suite", async () => {
  const certs = await demoCertificates();
  const c = createClientSession(
    clientConfig(certs, { cipherSuites: [CipherSuite.AES_128_GCM_SHA256] }),
  );
  const s = createServerSession(
    serverConfig(certs, { cipherSuites: [CipherSuite.AES_256_GCM_SHA384] }),
  );
  c.start(0);
  assert.equal(alertOf(() => pump(c, s, [])), 40);
});

// --- Resumption and 0-RTT -------------------------------------------------------------------

const TICKET_KEY = new Uint8Array(32).fill(0x5a);

/** A full handshake, then a ticket from the server. */
async function getTicket(
  server: { maxEarlyData?: number; alpnProtocols?: string[] } = { maxEarlyData: 0xffffffff },
): Promise<SessionTicket> {
  const certs = await demoCertificates();
  const run = runHandshake(
    clientConfig(certs),
    serverConfig(certs, { ticketKey: TICKET_KEY, ...server }),
  );
  run.server.sendSessionTicket!(0);
  const events: TlsEvent[] = [];
  pump(run.server, run.client, []);
  for (let e = run.client.pollEvent(); e !== null; e = run.client.pollEvent()) events.push(e);
  const t = events.find((e) => e.type === "sessionTicket");
  assert.ok(t?.type === "sessionTicket", "client emitted a session ticket");
  return t.ticket;
}

Deno.test("session ticket carries the ALPN, suite and early-data limit", async () => {
  const t = await getTicket();
  assert.equal(t.alpn, "h3");
  assert.equal(t.serverName, "localhost");
  assert.equal(t.maxEarlyData, 0xffffffff);
  assert.deepEqual(t.transportParameters, SERVER_TP);
  assert.equal(t.receivedAt, WALL_CLOCK_MS * 1000);
  const noEarly = await getTicket({ maxEarlyData: 0 });
  assert.equal(noEarly.maxEarlyData, 0);
});

Deno.test("resumption with a ticket skips the certificate and accepts 0-RTT", async () => {
  const certs = await demoCertificates();
  const ticket = await getTicket();
  const run = runHandshake(
    clientConfig(certs, {
      sessionTicket: ticket,
      enableEarlyData: true,
      keyLog: true,
      random: new SeededRandom(11),
    }),
    serverConfig(certs, { ticketKey: TICKET_KEY, maxEarlyData: 0xffffffff, keyLog: true }),
  );
  assert.equal(complete(run.clientEvents).resumed, true);
  assert.equal(complete(run.serverEvents).resumed, true);
  const ct = tags(run.clientEvents);
  // RFC 9001 §4.1: the client's 0-RTT write secret right after the ClientHello.
  assert.deepEqual(ct.slice(0, 2), [`data:${Initial}`, `secret:${ZeroRtt}:write`]);
  assert.ok(ct.includes("earlyData"));
  const early = run.clientEvents.find((e) => e.type === "earlyData");
  assert.ok(early?.type === "earlyData" && early.accepted);
  assert.ok(tags(run.serverEvents).includes(`secret:${ZeroRtt}:read`));
  assertSecretsMatch(run.clientEvents, run.serverEvents, [ZeroRtt, Handshake, OneRtt]);
  const logs = run.clientEvents.flatMap((e) => e.type === "keyLog" ? [e.line.split(" ")[0]] : []);
  assert.ok(logs.includes("CLIENT_EARLY_TRAFFIC_SECRET"));
  // No Certificate: the server's Handshake flight is EncryptedExtensions + Finished only.
  const flight = run.serverEvents.find((e) => e.type === "data" && e.level === Handshake);
  assert.ok(flight?.type === "data" && flight.data.length < 200);
});

Deno.test("resumption without enableEarlyData sends no 0-RTT", async () => {
  const certs = await demoCertificates();
  const ticket = await getTicket();
  const run = runHandshake(
    clientConfig(certs, { sessionTicket: ticket }),
    serverConfig(certs, { ticketKey: TICKET_KEY, maxEarlyData: 0xffffffff }),
  );
  assert.equal(complete(run.clientEvents).resumed, true);
  assert.ok(!tags(run.clientEvents).some((t) => t.includes(`:${ZeroRtt}:`) || t === "earlyData"));
  assert.ok(!tags(run.serverEvents).some((t) => t.includes(`:${ZeroRtt}:`)));
});

Deno.test("a ticket without early data allowed gives no 0-RTT attempt", async () => {
  const certs = await demoCertificates();
  const ticket = await getTicket({ maxEarlyData: 0 });
  const run = runHandshake(
    clientConfig(certs, { sessionTicket: ticket, enableEarlyData: true }),
    serverConfig(certs, { ticketKey: TICKET_KEY }),
  );
  assert.equal(complete(run.clientEvents).resumed, true);
  assert.ok(!tags(run.clientEvents).some((t) => t.includes(`:${ZeroRtt}:`)));
});

Deno.test("0-RTT is refused when the server now picks another ALPN", async () => {
  const certs = await demoCertificates();
  const ticket = await getTicket();
  const run = runHandshake(
    clientConfig(certs, {
      sessionTicket: ticket,
      enableEarlyData: true,
      alpnProtocols: ["h3", "hq"],
    }),
    serverConfig(certs, { ticketKey: TICKET_KEY, maxEarlyData: 0xffffffff, alpnProtocols: ["hq"] }),
  );
  const early = run.clientEvents.find((e) => e.type === "earlyData");
  assert.ok(early?.type === "earlyData" && !early.accepted);
  assert.equal(complete(run.clientEvents).alpn, "hq");
  assert.equal(complete(run.clientEvents).resumed, true);
  assert.ok(!tags(run.serverEvents).includes(`secret:${ZeroRtt}:read`));
});

Deno.test("0-RTT is refused by a server with maxEarlyData 0", async () => {
  const certs = await demoCertificates();
  const ticket = await getTicket();
  const run = runHandshake(
    clientConfig(certs, { sessionTicket: ticket, enableEarlyData: true }),
    serverConfig(certs, { ticketKey: TICKET_KEY, maxEarlyData: 0 }),
  );
  const early = run.clientEvents.find((e) => e.type === "earlyData");
  assert.ok(early?.type === "earlyData" && !early.accepted);
  assert.ok(run.client.handshakeComplete && run.server.handshakeComplete);
});

Deno.test("0-RTT is refused after a HelloRetryRequest, resumption still works", async () => {
  const certs = await demoCertificates();
  const ticket = await getTicket();
  const run = runHandshake(
    clientConfig(certs, { sessionTicket: ticket, enableEarlyData: true }),
    serverConfig(certs, {
      ticketKey: TICKET_KEY,
      maxEarlyData: 0xffffffff,
      groups: [NamedGroup.SECP256R1],
    }),
  );
  const early = run.clientEvents.find((e) => e.type === "earlyData");
  assert.ok(early?.type === "earlyData" && !early.accepted);
  assert.equal(complete(run.serverEvents).resumed, true);
  assertSecretsMatch(run.clientEvents, run.serverEvents, [Handshake, OneRtt]);
});

Deno.test("a ticket sealed under another key falls back to a full handshake", async () => {
  const certs = await demoCertificates();
  const ticket = await getTicket();
  const run = runHandshake(
    clientConfig(certs, { sessionTicket: ticket, enableEarlyData: true }),
    serverConfig(certs, { ticketKey: new Uint8Array(32).fill(1), maxEarlyData: 0xffffffff }),
  );
  assert.equal(complete(run.serverEvents).resumed, false);
  const early = run.clientEvents.find((e) => e.type === "earlyData");
  assert.ok(early?.type === "earlyData" && !early.accepted);
});

Deno.test("an expired ticket is not offered, a stale 0-RTT age is refused", async () => {
  const certs = await demoCertificates();
  const ticket = await getTicket();
  const late = WALL_CLOCK_MS + (ticket.lifetime + 1) * 1000;
  const run = runHandshake(
    clientConfig(certs, { sessionTicket: ticket, enableEarlyData: true, wallClockMs: () => late }),
    serverConfig(certs, {
      ticketKey: TICKET_KEY,
      maxEarlyData: 0xffffffff,
      wallClockMs: () => late,
    }),
  );
  assert.equal(complete(run.clientEvents).resumed, false);
  assert.ok(!tags(run.clientEvents).includes("earlyData"));
  // The client's clock says 1 s, the server's 1 min: resumption yes, 0-RTT no.
  const skew = runHandshake(
    clientConfig(certs, {
      sessionTicket: ticket,
      enableEarlyData: true,
      wallClockMs: () => WALL_CLOCK_MS + 1000,
    }),
    serverConfig(certs, {
      ticketKey: TICKET_KEY,
      maxEarlyData: 0xffffffff,
      wallClockMs: () => WALL_CLOCK_MS + 60000,
    }),
  );
  assert.equal(complete(skew.serverEvents).resumed, true);
  const early = skew.clientEvents.find((e) => e.type === "earlyData");
  assert.ok(early?.type === "earlyData" && !early.accepted);
});

Deno.test("server refuses a wrong PSK binder with decrypt_error", async () => {
  const certs = await demoCertificates();
  const ticket = await getTicket();
  const forged = { ...ticket, psk: new Uint8Array(ticket.psk.length).fill(3) };
  const c = createClientSession(clientConfig(certs, { sessionTicket: forged }));
  const s = createServerSession(serverConfig(certs, { ticketKey: TICKET_KEY }));
  c.start(0);
  assert.equal(alertOf(() => pump(c, s, [])), 51);
  assert.match(lastAlertMessage, /binder/);
});

Deno.test("sendSessionTicket() does nothing without a ticket key", async () => {
  const certs = await demoCertificates();
  const run = runHandshake(clientConfig(certs), serverConfig(certs));
  run.server.sendSessionTicket!(0);
  assert.equal(run.server.pollEvent(), null);
});
