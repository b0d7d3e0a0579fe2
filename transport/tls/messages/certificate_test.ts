import assert from "node:assert/strict";
import { leafPublicKey, verifyHandshakeSignature } from "../../crypto/certificates.ts";
import { parseEncryptedExtensions, writeEncryptedExtensions } from "./encrypted_extensions.ts";
import { parseCertificate, writeCertificate } from "./certificate.ts";
import {
  certificateVerifyContent,
  parseCertificateVerify,
  writeCertificateVerify,
} from "./certificate_verify.ts";
import { parseFinished, writeFinished } from "./finished.ts";
import { parseNewSessionTicket, writeNewSessionTicket } from "./new_session_ticket.ts";
import { TlsAlert } from "../session.ts";
import { Transcript } from "../transcript.ts";
import * as V from "../testdata/rfc8448.ts";

Deno.test("parseEncryptedExtensions() reads the RFC 8448 §3 message", () => {
  const exts = parseEncryptedExtensions(V.ENCRYPTED_EXTENSIONS.subarray(4));
  assert.deepEqual([...exts.keys()], [10, 28, 0]);
  const again = writeEncryptedExtensions([...exts].map(([type, data]) => ({ type, data })));
  assert.deepEqual(again, V.ENCRYPTED_EXTENSIONS);
});

Deno.test("parseCertificate() reads the RFC 8448 §3 message and re-encodes it", () => {
  const c = parseCertificate(V.CERTIFICATE.subarray(4));
  assert.equal(c.requestContext.length, 0);
  assert.equal(c.chain.length, 1);
  assert.equal(c.chain[0]!.length, 0x1b0);
  assert.deepEqual(writeCertificate(c.requestContext, c.chain), V.CERTIFICATE);
});

Deno.test("RFC 8448 §3 CertificateVerify verifies against its certificate", () => {
  const cert = parseCertificate(V.CERTIFICATE.subarray(4));
  const cv = parseCertificateVerify(V.CERTIFICATE_VERIFY.subarray(4));
  assert.equal(cv.scheme, 0x0804);
  assert.deepEqual(writeCertificateVerify(cv.scheme, cv.signature), V.CERTIFICATE_VERIFY);
  const t = new Transcript();
  for (const m of [V.CLIENT_HELLO, V.SERVER_HELLO, V.ENCRYPTED_EXTENSIONS, V.CERTIFICATE]) t.add(m);
  const key = leafPublicKey(cert.chain[0]!);
  const content = certificateVerifyContent(true, t.hash("sha256"));
  assert.ok(verifyHandshakeSignature(key, cv.scheme, content, cv.signature));
  content[70] = content[70]! ^ 1;
  assert.ok(!verifyHandshakeSignature(key, cv.scheme, content, cv.signature));
});

Deno.test("parseFinished() checks the verify_data length", () => {
  assert.equal(parseFinished(V.SERVER_FINISHED.subarray(4), 32).length, 32);
  assert.throws(
    () => parseFinished(V.SERVER_FINISHED.subarray(4), 48),
    (e) => e instanceof TlsAlert && e.alert === 50,
  );
  assert.deepEqual(writeFinished(V.SERVER_FINISHED.subarray(4)), V.SERVER_FINISHED);
});

Deno.test("NewSessionTicket round-trips and refuses a lifetime over 7 days", () => {
  const m = writeNewSessionTicket({
    lifetime: 3600,
    ageAdd: 0xdeadbeef,
    nonce: new Uint8Array([0, 1]),
    ticket: new Uint8Array([5, 6, 7]),
    extensions: [{ type: 42, data: new Uint8Array([0xff, 0xff, 0xff, 0xff]) }],
  });
  const nst = parseNewSessionTicket(m.subarray(4));
  assert.equal(nst.lifetime, 3600);
  assert.equal(nst.ageAdd, 0xdeadbeef);
  assert.deepEqual(nst.ticket, new Uint8Array([5, 6, 7]));
  assert.ok(nst.extensions.has(42));
  const long = writeNewSessionTicket({
    lifetime: 604801,
    ageAdd: 0,
    nonce: new Uint8Array(0),
    ticket: new Uint8Array([1]),
    extensions: [],
  });
  assert.throws(
    () => parseNewSessionTicket(long.subarray(4)),
    (e) => e instanceof TlsAlert && e.alert === 47,
  );
});
