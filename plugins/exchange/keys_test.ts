import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import {
  ed25519PrivateKey,
  ed25519PublicKey,
  generateEd25519KeyPair,
  publicKeyOf,
  signDigest,
  verifyDigest,
} from "./keys.ts";

const enc = new TextEncoder();

// RFC 8032 §7.1 TEST 1: secret key (seed) and public key.
const RFC8032_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

Deno.test("ed25519PrivateKey() reads a seed, PKCS#8 DER and PEM to the same key", () => {
  const seed = Buffer.from(RFC8032_SEED, "hex");
  const key = ed25519PrivateKey(seed);
  assert.equal(Buffer.from(publicKeyOf(key)).toString("hex"), RFC8032_PUBLIC);
  const pem = key.export({ format: "pem", type: "pkcs8" }).toString();
  const der = new Uint8Array(key.export({ format: "der", type: "pkcs8" }));
  assert.deepEqual(publicKeyOf(ed25519PrivateKey(enc.encode(pem))), publicKeyOf(key));
  assert.deepEqual(publicKeyOf(ed25519PrivateKey(der)), publicKeyOf(key));
});

Deno.test("ed25519PublicKey() reads SPKI PEM and DER, raw bytes and hex", () => {
  const pair = generateEd25519KeyPair();
  const der = new Uint8Array(
    createPrivateKey(pair.privatePem).export({ format: "der", type: "pkcs8" }),
  );
  assert.deepEqual(publicKeyOf(ed25519PrivateKey(der)), pair.publicKey);
  assert.deepEqual(ed25519PublicKey(enc.encode(pair.publicPem)), pair.publicKey);
  assert.deepEqual(ed25519PublicKey(pair.publicKey), pair.publicKey);
  const hex = Buffer.from(pair.publicKey).toString("hex") + "\n";
  assert.deepEqual(ed25519PublicKey(enc.encode(hex)), pair.publicKey);
});

Deno.test("ed25519PrivateKey() and ed25519PublicKey() refuse other keys and garbage", () => {
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ecPriv = enc.encode(ec.privateKey.export({ format: "pem", type: "pkcs8" }).toString());
  const ecPub = enc.encode(ec.publicKey.export({ format: "pem", type: "spki" }).toString());
  assert.throws(() => ed25519PrivateKey(ecPriv), /"ec" is not Ed25519/);
  assert.throws(() => ed25519PublicKey(ecPub), /"ec" is not Ed25519/);
  assert.throws(() => ed25519PrivateKey(new Uint8Array(31)), SyntaxError);
  assert.throws(() => ed25519PublicKey(enc.encode("hello")), SyntaxError);
});

Deno.test("verifyDigest() accepts only the signer's signature of that digest", () => {
  const key = ed25519PrivateKey(Buffer.from(RFC8032_SEED, "hex"));
  const digest = new Uint8Array(32).fill(3);
  const sig = signDigest(digest, key);
  assert.equal(sig.length, 64);
  const pub = publicKeyOf(key);
  assert.equal(verifyDigest(digest, { publicKey: pub, signature: sig }), true);
  const other = generateEd25519KeyPair().publicKey;
  assert.equal(verifyDigest(digest, { publicKey: other, signature: sig }), false);
  const flipped = sig.slice();
  flipped[0]! ^= 0x80;
  assert.equal(verifyDigest(digest, { publicKey: pub, signature: flipped }), false);
  assert.equal(verifyDigest(digest, { publicKey: pub, signature: sig.subarray(0, 63) }), false);
  assert.equal(verifyDigest(digest, { publicKey: pub.subarray(0, 31), signature: sig }), false);
  // The context prefix: a plain Ed25519 signature of the digest does not verify.
  assert.equal(
    verifyDigest(digest, {
      publicKey: pub,
      signature: signDigest(new Uint8Array(32).fill(4), key),
    }),
    false,
  );
});
