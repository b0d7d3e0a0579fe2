import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import {
  schemesForKey,
  SignatureScheme,
  signatureSchemeName,
  signWithScheme,
  SUPPORTED_SIGNATURE_SCHEMES,
  verifyWithScheme,
} from "./signature_scheme.ts";

Deno.test("schemesForKey() picks the schemes of each key type and curve", () => {
  const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const ed = generateKeyPairSync("ed25519");
  assert.deepEqual(schemesForKey(p256.privateKey), [SignatureScheme.ECDSA_SECP256R1_SHA256]);
  assert.deepEqual(schemesForKey(p384.publicKey), [SignatureScheme.ECDSA_SECP384R1_SHA384]);
  assert.deepEqual(schemesForKey(ed.publicKey), [SignatureScheme.ED25519]);
  for (const s of [...schemesForKey(p256.publicKey), ...schemesForKey(ed.publicKey)]) {
    assert.ok(SUPPORTED_SIGNATURE_SCHEMES.includes(s));
  }
  assert.equal(signatureSchemeName(0x0403), "ecdsa_secp256r1_sha256");
  assert.equal(signatureSchemeName(0x0401), "0x0401");
});

Deno.test("signWithScheme() and verifyWithScheme() refuse a scheme of another curve", () => {
  const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const content = new TextEncoder().encode("content");
  assert.throws(
    () => signWithScheme(p256.privateKey, SignatureScheme.ECDSA_SECP384R1_SHA384, content),
    RangeError,
  );
  const sig = signWithScheme(p384.privateKey, SignatureScheme.ECDSA_SECP384R1_SHA384, content);
  assert.ok(verifyWithScheme(p384.publicKey, SignatureScheme.ECDSA_SECP384R1_SHA384, content, sig));
  assert.ok(
    !verifyWithScheme(p256.publicKey, SignatureScheme.ECDSA_SECP384R1_SHA384, content, sig),
  );
  assert.ok(!verifyWithScheme(p384.publicKey, 0x0401, content, sig), "PKCS#1 v1.5 is not TLS 1.3");
  assert.ok(
    !verifyWithScheme(
      p384.publicKey,
      SignatureScheme.ECDSA_SECP384R1_SHA384,
      content,
      new Uint8Array(3),
    ),
    "malformed DER",
  );
});
