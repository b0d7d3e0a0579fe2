import assert from "node:assert/strict";
import { finishedVerifyData, KeySchedule, resumptionPsk } from "./key_schedule.ts";
import { keyShareFromPrivate } from "./key_exchange.ts";
import { Transcript } from "./transcript.ts";
import { NamedGroup } from "./session.ts";
import * as V from "./testdata/rfc8448.ts";
import { parseClientHello } from "./messages/client_hello.ts";
import { ExtensionType, parseOfferedPsks } from "./extensions.ts";

// RFC 8448 §3: every secret of the simple 1-RTT handshake, from its messages.
function rfc8448Schedule() {
  const ks = new KeySchedule("sha256", null);
  const t = new Transcript();
  t.add(V.CLIENT_HELLO);
  t.add(V.SERVER_HELLO);
  ks.inputSharedSecret(V.SHARED_SECRET);
  return { ks, t };
}

Deno.test("KeySchedule derives RFC 8448 §3 early and handshake secrets", () => {
  const { ks } = rfc8448Schedule();
  assert.deepEqual(ks.earlySecret, V.SECRETS.early);
  assert.deepEqual(ks.handshakeSecret, V.SECRETS.handshake);
  assert.deepEqual(ks.masterSecret, V.SECRETS.master);
});

Deno.test("KeySchedule derives RFC 8448 §3 handshake traffic secrets", () => {
  const { ks, t } = rfc8448Schedule();
  const h = t.hash("sha256");
  assert.deepEqual(ks.clientHandshakeTrafficSecret(h), V.SECRETS.clientHandshakeTraffic);
  assert.deepEqual(ks.serverHandshakeTrafficSecret(h), V.SECRETS.serverHandshakeTraffic);
});

Deno.test("finishedVerifyData() reproduces RFC 8448 §3 server and client Finished", () => {
  const { ks, t } = rfc8448Schedule();
  const helloHash = t.hash("sha256");
  t.add(V.ENCRYPTED_EXTENSIONS);
  t.add(V.CERTIFICATE);
  t.add(V.CERTIFICATE_VERIFY);
  const server = finishedVerifyData(
    "sha256",
    ks.serverHandshakeTrafficSecret(helloHash),
    t.hash("sha256"),
  );
  assert.deepEqual(server, V.SERVER_FINISHED.subarray(4));
  t.add(V.SERVER_FINISHED);
  const client = finishedVerifyData(
    "sha256",
    ks.clientHandshakeTrafficSecret(helloHash),
    t.hash("sha256"),
  );
  assert.deepEqual(client, V.CLIENT_FINISHED.subarray(4));
});

Deno.test("KeySchedule derives RFC 8448 §3 application and resumption secrets", () => {
  const { ks, t } = rfc8448Schedule();
  for (
    const m of [V.ENCRYPTED_EXTENSIONS, V.CERTIFICATE, V.CERTIFICATE_VERIFY, V.SERVER_FINISHED]
  ) {
    t.add(m);
  }
  const h = t.hash("sha256");
  assert.deepEqual(ks.clientApplicationTrafficSecret(h), V.SECRETS.clientApplicationTraffic);
  assert.deepEqual(ks.serverApplicationTrafficSecret(h), V.SECRETS.serverApplicationTraffic);
  t.add(V.CLIENT_FINISHED);
  const rms = ks.resumptionMasterSecret(t.hash("sha256"));
  assert.deepEqual(rms, V.SECRETS.resumptionMaster);
  assert.deepEqual(resumptionPsk("sha256", rms, new Uint8Array([0, 0])), V.SECRETS.resumptionPsk);
});

Deno.test("keyShareFromPrivate() reproduces RFC 8448 §3 X25519 keys and shared secret", () => {
  const client = keyShareFromPrivate(NamedGroup.X25519, V.CLIENT_PRIVATE);
  const server = keyShareFromPrivate(NamedGroup.X25519, V.SERVER_PRIVATE);
  assert.deepEqual(client.publicKey, V.CLIENT_PUBLIC);
  assert.deepEqual(server.publicKey, V.SERVER_PUBLIC);
  assert.deepEqual(client.computeSecret(server.publicKey), V.SHARED_SECRET);
  assert.deepEqual(server.computeSecret(client.publicKey), V.SHARED_SECRET);
});

Deno.test("Transcript.restartForHelloRetry() replaces ClientHello1 by message_hash", () => {
  const t = new Transcript();
  t.add(V.CLIENT_HELLO);
  const chHash = t.hash("sha256");
  t.restartForHelloRetry("sha256");
  const synthetic = new Uint8Array([254, 0, 0, 32, ...chHash]);
  const expected = new Transcript();
  expected.add(synthetic);
  assert.deepEqual(t.hash("sha256"), expected.hash("sha256"));
});

Deno.test("KeySchedule with a PSK differs from the zero early secret", () => {
  const psk = new KeySchedule("sha256", V.SECRETS.resumptionPsk);
  assert.notDeepEqual(psk.earlySecret, V.SECRETS.early);
  assert.equal(psk.binderKey().length, 32);
  assert.equal(new KeySchedule("sha384", null).earlySecret.length, 48);
});

Deno.test("KeySchedule reproduces the RFC 8448 §4 PSK binder and early traffic secret", () => {
  const ks = new KeySchedule("sha256", V.SECRETS.resumptionPsk);
  assert.deepEqual(ks.earlySecret, V.RESUMED_SECRETS.early);
  const ch = V.RESUMED_CLIENT_HELLO;
  const parsed = parseClientHello(ch.subarray(4));
  assert.equal(parsed.bindersLength, 35);
  const truncated = new Transcript().hashWith(
    "sha256",
    ch.subarray(0, ch.length - parsed.bindersLength),
  );
  assert.deepEqual(ks.binder(truncated), V.RESUMED_SECRETS.binder);
  const offered = parseOfferedPsks(parsed.extensions.get(ExtensionType.PRE_SHARED_KEY)!);
  assert.deepEqual(offered.binders[0], V.RESUMED_SECRETS.binder);
  const t = new Transcript();
  t.add(ch);
  assert.deepEqual(
    ks.clientEarlyTrafficSecret(t.hash("sha256")),
    V.RESUMED_SECRETS.clientEarlyTraffic,
  );
});
