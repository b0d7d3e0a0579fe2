/**
 * Client checks of server messages, driven by a real ServerHello and then
 * crafted messages (handshake messages are plaintext at this layer).
 */

import assert from "node:assert/strict";
import { TransportError } from "../errors.ts";
import { clientConfig, demoCertificates, pump, serverConfig } from "./_test_helpers.ts";
import { createClientSession } from "./client.ts";
import { encodeAlpn, type Extension, ExtensionType } from "./extensions.ts";
import { writeEncryptedExtensions } from "./messages/encrypted_extensions.ts";
import { writeNewSessionTicket } from "./messages/new_session_ticket.ts";
import { createServerSession } from "./server.ts";
import { EncryptionLevel, TlsAlert, type TlsSession } from "./session.ts";
import { runHandshake } from "./_test_helpers.ts";

/** A client that has processed a real ServerHello and waits for EncryptedExtensions. */
async function clientAfterServerHello(): Promise<TlsSession> {
  const certs = await demoCertificates();
  const c = createClientSession(clientConfig(certs));
  const s = createServerSession(serverConfig(certs));
  c.start(0);
  pump(c, s, []);
  for (let e = s.pollEvent(); e !== null; e = s.pollEvent()) {
    if (e.type === "data" && e.level === EncryptionLevel.Initial) c.receive(e.level, e.data, 0);
  }
  while (c.pollEvent() !== null);
  return c;
}

const ALPN: Extension = { type: ExtensionType.ALPN, data: encodeAlpn(["h3"]) };
const TP: Extension = { type: 0x39, data: new Uint8Array([1]) };

async function alertForEncryptedExtensions(exts: Extension[]): Promise<number> {
  const c = await clientAfterServerHello();
  try {
    c.receive(EncryptionLevel.Handshake, writeEncryptedExtensions(exts), 0);
  } catch (e) {
    if (e instanceof TlsAlert) return e.alert;
    throw e;
  }
  return -1;
}

Deno.test("client accepts EncryptedExtensions with ALPN and transport parameters", async () => {
  assert.equal(await alertForEncryptedExtensions([ALPN, TP]), -1);
});

Deno.test("client refuses EncryptedExtensions without ALPN with no_application_protocol", async () => {
  assert.equal(await alertForEncryptedExtensions([TP]), 120);
});

Deno.test("client refuses an ALPN protocol it did not offer with illegal_parameter", async () => {
  const other = { type: ExtensionType.ALPN, data: encodeAlpn(["hq"]) };
  assert.equal(await alertForEncryptedExtensions([other, TP]), 47);
  const two = { type: ExtensionType.ALPN, data: encodeAlpn(["h3", "h3"]) };
  assert.equal(await alertForEncryptedExtensions([two, TP]), 47);
});

Deno.test("client refuses EncryptedExtensions without transport parameters with missing_extension", async () => {
  assert.equal(await alertForEncryptedExtensions([ALPN]), 109);
});

Deno.test("client refuses unrequested extensions in EncryptedExtensions", async () => {
  // early_data was not offered; record_size_limit was not sent.
  const early = { type: ExtensionType.EARLY_DATA, data: new Uint8Array(0) };
  assert.equal(await alertForEncryptedExtensions([ALPN, TP, early]), 110);
  const rsl = { type: ExtensionType.RECORD_SIZE_LIMIT, data: new Uint8Array([0x40, 0]) };
  assert.equal(await alertForEncryptedExtensions([ALPN, TP, rsl]), 110);
  // A key_share does not belong in EncryptedExtensions at all.
  const ks = { type: ExtensionType.KEY_SHARE, data: new Uint8Array([0, 0x1d, 0, 1, 1]) };
  assert.equal(await alertForEncryptedExtensions([ALPN, TP, ks]), 47);
});

Deno.test("client refuses Finished before the certificate with unexpected_message", async () => {
  const c = await clientAfterServerHello();
  c.receive(EncryptionLevel.Handshake, writeEncryptedExtensions([ALPN, TP]), 0);
  assert.throws(
    () =>
      c.receive(
        EncryptionLevel.Handshake,
        new Uint8Array([20, 0, 0, 32, ...new Uint8Array(32)]),
        0,
      ),
    (e) => e instanceof TlsAlert && e.alert === 10,
  );
});

Deno.test("client refuses a ticket whose max_early_data_size is not 0xffffffff", async () => {
  const certs = await demoCertificates();
  const run = runHandshake(clientConfig(certs), serverConfig(certs));
  const nst = (max: number) =>
    writeNewSessionTicket({
      lifetime: 100,
      ageAdd: 1,
      nonce: new Uint8Array(1),
      ticket: new Uint8Array(8),
      extensions: [{ type: 42, data: new Uint8Array([max >>> 24, max >>> 16, max >>> 8, max]) }],
    });
  run.client.receive(EncryptionLevel.OneRtt, nst(0xffffffff), 0);
  const t = run.client.pollEvent();
  assert.ok(t?.type === "sessionTicket" && t.ticket.maxEarlyData === 0xffffffff);
  assert.throws(
    () => run.client.receive(EncryptionLevel.OneRtt, nst(16384), 0),
    (e) => e instanceof TransportError && e.code === 0x0a,
  );
});

Deno.test("client start() refuses to run twice and needs ALPN", async () => {
  const certs = await demoCertificates();
  const c = createClientSession(clientConfig(certs));
  c.start(0);
  assert.throws(() => c.start(0), Error);
  assert.throws(() => createClientSession(clientConfig(certs, { alpnProtocols: [] })), TypeError);
});
