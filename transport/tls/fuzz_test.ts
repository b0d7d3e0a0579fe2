/**
 * Seeded fuzzing of the handshake message parsers and of sessions fed
 * random and mutated messages (STYLE.md §20): only a TlsAlert (or a
 * TransportError: PROTOCOL_VIOLATION for a legacy_session_id, or one from
 * the transport-parameter callback) may escape; a message that parses
 * re-encodes to the same bytes where the codec is lossless.
 */

import assert from "node:assert/strict";
import { TransportError } from "../errors.ts";
import { type Random, SeededRandom } from "../random.ts";
import { clientConfig, demoCertificates, pump, serverConfig } from "./_test_helpers.ts";
import { createClientSession } from "./client.ts";
import {
  parseAlpn,
  parseKeyShareClient,
  parseOfferedPsks,
  parseServerName,
  parseSupportedVersionsClient,
  parseU16List,
} from "./extensions.ts";
import { parseCertificate } from "./messages/certificate.ts";
import { parseCertificateVerify } from "./messages/certificate_verify.ts";
import { parseClientHello, writeClientHello } from "./messages/client_hello.ts";
import {
  parseEncryptedExtensions,
  writeEncryptedExtensions,
} from "./messages/encrypted_extensions.ts";
import { parseFinished } from "./messages/finished.ts";
import { frameHandshake } from "./messages/handshake.ts";
import { parseNewSessionTicket } from "./messages/new_session_ticket.ts";
import { parseServerHello, writeServerHello } from "./messages/server_hello.ts";
import { createServerSession } from "./server.ts";
import { EncryptionLevel, type SessionTicket, TlsAlert, type TlsEvent } from "./session.ts";
import * as V from "./testdata/rfc8448.ts";

function pick(r: Random, n: number): number {
  return r.u32() % n;
}

/** A copy of `input` with one to four random edits. */
function mutate(r: Random, input: Uint8Array): Uint8Array {
  let b = input.slice();
  const edits = 1 + pick(r, 4);
  for (let i = 0; i < edits; i++) {
    const at = b.length === 0 ? 0 : pick(r, b.length);
    switch (pick(r, 6)) {
      case 0:
        if (b.length > 0) b[at] = b[at]! ^ (1 << pick(r, 8));
        break;
      case 1:
        if (b.length > 0) b[at] = pick(r, 256);
        break;
      case 2:
        b = b.slice(0, at);
        break;
      case 3:
        b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + 1 + pick(r, 8))]);
        break;
      case 4: {
        const extra = new Uint8Array(1 + pick(r, 8));
        r.fill(extra);
        b = new Uint8Array([...b.subarray(0, at), ...extra, ...b.subarray(at)]);
        break;
      }
      default:
        if (b.length > 1) b[at] = b[at] === 0 ? 0xff : 0; // length fields love extremes
    }
  }
  return b;
}

function randomBytes(r: Random, max: number): Uint8Array {
  const b = new Uint8Array(pick(r, max));
  r.fill(b);
  return b;
}

/** Runs `f`; a TlsAlert is fine, anything else fails the test. */
function onlyAlerts(f: () => void, what: string): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof TlsAlert) {
      assert.ok(e.alert > 0 && e.alert < 256, `${what}: alert number ${e.alert}`);
      // internal_error means an exception other than an alert escaped a handler.
      assert.notEqual(e.alert, 80, `${what}: ${e.message}`);
      assert.ok(e.message.length > 0);
      return false;
    }
    throw new Error(`${what}: unexpected ${String(e)}`, { cause: e });
  }
}

const SEEDS = [1, 2, 3];
/** Iterations per fuzz loop; raise it locally for a longer run (5,000 found nothing more). */
const ITER = 200;

Deno.test("message parsers throw only TlsAlert on mutated and random input", () => {
  const corpus: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
    ["ClientHello", V.CLIENT_HELLO, parseClientHello],
    ["ServerHello", V.SERVER_HELLO, parseServerHello],
    ["EncryptedExtensions", V.ENCRYPTED_EXTENSIONS, parseEncryptedExtensions],
    ["Certificate", V.CERTIFICATE, parseCertificate],
    ["CertificateVerify", V.CERTIFICATE_VERIFY, parseCertificateVerify],
    ["Finished", V.SERVER_FINISHED, (b) => parseFinished(b, 32)],
  ];
  let parsed = 0;
  for (const seed of SEEDS) {
    const r = new SeededRandom(seed);
    for (let i = 0; i < ITER * 3; i++) {
      for (const [name, msg, parse] of corpus) {
        const body = i % 5 === 0 ? randomBytes(r, 300) : mutate(r, msg.subarray(4));
        if (onlyAlerts(() => parse(body), name)) parsed++;
      }
      const nst = randomBytes(r, 100);
      onlyAlerts(() => parseNewSessionTicket(nst), "NewSessionTicket");
      const ext = randomBytes(r, 40);
      for (
        const p of [
          parseAlpn,
          parseServerName,
          parseKeyShareClient,
          parseOfferedPsks,
          parseSupportedVersionsClient,
          (d: Uint8Array) => parseU16List(d, "supported_groups"),
        ]
      ) onlyAlerts(() => p(ext), "extension");
    }
  }
  // Some mutations (a flipped bit in a random or a key) still parse.
  assert.ok(parsed > 100, `only ${parsed} mutated messages parsed`);
});

Deno.test("ClientHello, ServerHello and EncryptedExtensions that parse re-encode identically", () => {
  const r = new SeededRandom(7);
  let checked = 0;
  for (let i = 0; i < 3000; i++) {
    const which = i % 3;
    const src = [V.CLIENT_HELLO, V.SERVER_HELLO, V.ENCRYPTED_EXTENSIONS][which]!;
    const body = mutate(r, src.subarray(4));
    try {
      if (which === 0) {
        const ch = parseClientHello(body);
        if (ch.legacySessionId.length !== 0 || ch.compressionMethods.length !== 1) continue;
        if (ch.compressionMethods[0] !== 0 || body[0] !== 3 || body[1] !== 3) continue;
        const again = writeClientHello({
          random: ch.random,
          cipherSuites: ch.cipherSuites,
          extensions: [...ch.extensions].map(([type, data]) => ({ type, data })),
        });
        assert.deepEqual(again.subarray(4), body);
      } else if (which === 1) {
        const sh = parseServerHello(body);
        if (body[0] !== 3 || body[1] !== 3) continue;
        const again = writeServerHello({
          ...sh,
          extensions: [...sh.extensions].map(([type, data]) => ({ type, data })),
        });
        assert.deepEqual(again.subarray(4), body);
      } else {
        const ee = parseEncryptedExtensions(body);
        const again = writeEncryptedExtensions([...ee].map(([type, data]) => ({ type, data })));
        assert.deepEqual(again.subarray(4), body);
      }
      checked++;
    } catch (e) {
      if (!(e instanceof TlsAlert)) throw e;
    }
  }
  assert.ok(checked > 50, `only ${checked} round trips`);
});

/** The ClientHello bytes a client with this configuration sends. */
function clientHelloOf(cfg: ReturnType<typeof clientConfig>): Uint8Array {
  const c = createClientSession(cfg);
  c.start(0);
  const e = c.pollEvent();
  assert.ok(e?.type === "data");
  return e.data;
}

Deno.test("a server fed mutated ClientHellos throws only TlsAlert or PROTOCOL_VIOLATION", async () => {
  const certs = await demoCertificates();
  const ticketKey = new Uint8Array(32).fill(9);
  // A ticket, to have ClientHellos with pre_shared_key and early_data in the corpus.
  const first = createClientSession(clientConfig(certs));
  const srv = createServerSession(serverConfig(certs, { ticketKey, maxEarlyData: 0xffffffff }));
  first.start(0);
  for (let i = 0; i < 5; i++) {
    pump(first, srv, []);
    pump(srv, first, []);
  }
  srv.sendSessionTicket!(0);
  const log: TlsEvent[] = [];
  pump(srv, first, log);
  for (let e = first.pollEvent(); e !== null; e = first.pollEvent()) log.push(e);
  const t = log.find((e) => e.type === "sessionTicket");
  assert.ok(t?.type === "sessionTicket");
  const ticket: SessionTicket = t.ticket;
  const hellos = [
    clientHelloOf(clientConfig(certs)),
    clientHelloOf(clientConfig(certs, { keyShareGroups: [0x17, 0x1d] })),
    clientHelloOf(clientConfig(certs, { sessionTicket: ticket, enableEarlyData: true })),
    V.CLIENT_HELLO,
  ];
  let completedFlights = 0;
  for (const seed of SEEDS) {
    const r = new SeededRandom(100 + seed);
    for (let i = 0; i < ITER * 2; i++) {
      const src = hellos[pick(r, hellos.length)]!;
      // Mostly mutate the body and re-frame it, so that the server sees a whole message.
      const msg = i % 4 === 0 ? mutate(r, src) : frameHandshake(1, mutate(r, src.subarray(4)));
      const s = createServerSession(
        serverConfig(certs, { ticketKey, maxEarlyData: 0xffffffff, random: new SeededRandom(i) }),
      );
      try {
        s.receive(EncryptionLevel.Initial, msg, 0);
        for (let e = s.pollEvent(); e !== null; e = s.pollEvent()) {
          if (e.type === "data" && e.level === EncryptionLevel.Handshake) completedFlights++;
        }
        // Random bytes after it, at every level.
        const junk = randomBytes(r, 64);
        const level = [0, 2, 3][pick(r, 3)] as EncryptionLevel;
        s.receive(level, junk, 0);
      } catch (e) {
        if (e instanceof TlsAlert && e.alert !== 80) continue;
        if (e instanceof TransportError && e.code === 0x0a) continue;
        throw new Error(`server threw ${String(e)}`, { cause: e });
      }
    }
  }
  assert.ok(completedFlights > 0, "some mutated hellos still get a full server flight");
});

Deno.test("a client fed random server messages throws only TlsAlert", async () => {
  const certs = await demoCertificates();
  const r = new SeededRandom(55);
  const sh = V.SERVER_HELLO;
  for (let i = 0; i < ITER * 2; i++) {
    const c = createClientSession(clientConfig(certs, { random: new SeededRandom(i) }));
    c.start(0);
    const input = i % 2 === 0 ? frameHandshake(2, mutate(r, sh.subarray(4))) : randomBytes(r, 200);
    const level = i % 3 === 0 ? EncryptionLevel.Handshake : EncryptionLevel.Initial;
    onlyAlerts(() => {
      c.receive(level, input, 0);
      c.receive(EncryptionLevel.Handshake, randomBytes(r, 100), 0);
    }, "client");
  }
});

Deno.test("a client fed a mutated server flight throws only TlsAlert", async () => {
  for (const keyType of ["ecdsa-p256", "ed25519", "rsa-pss"] as const) {
    const certs = await demoCertificates(keyType);
    const c0 = createClientSession(clientConfig(certs));
    const s0 = createServerSession(serverConfig(certs));
    c0.start(0);
    pump(c0, s0, []);
    const flight: TlsEvent[] = [];
    for (let e = s0.pollEvent(); e !== null; e = s0.pollEvent()) flight.push(e);
    const sh = flight.find((e) => e.type === "data" && e.level === EncryptionLevel.Initial);
    const hs = flight.find((e) => e.type === "data" && e.level === EncryptionLevel.Handshake);
    assert.ok(sh?.type === "data" && hs?.type === "data");
    const r = new SeededRandom(77);
    let completed = 0;
    for (let i = 0; i < ITER; i++) {
      // The same client random and key share each time, so the real ServerHello fits.
      const c = createClientSession(clientConfig(certs));
      c.start(0);
      c.receive(EncryptionLevel.Initial, sh.data, 0);
      const input = mutate(r, hs.data);
      // Edits can cancel out (a byte set to its own value): those must complete.
      const same = input.length === hs.data.length && input.every((b, j) => b === hs.data[j]);
      onlyAlerts(() => {
        c.receive(EncryptionLevel.Handshake, input, 0);
        if (c.handshakeComplete && !same) completed++;
      }, `client (${keyType})`);
    }
    assert.equal(completed, 0, "a mutated flight never completes the handshake");
  }
});
