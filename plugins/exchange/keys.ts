/**
 * Ed25519 keys and signatures for plugin bundles (issue #8; PQUIC had none,
 * pquic-reference.md §6). Signing and verification use `node:crypto`, which
 * is synchronous.
 *
 * What is signed is not the archive but its content digest
 * (`bundle.ts`), behind a context string, so that a signature over a bundle
 * digest can never be mistaken for a signature over anything else:
 *
 * ```
 * message = "pquic plugin bundle v1" || 0x00 || digest (32 bytes)
 * ```
 *
 * Keys are accepted in the forms people have at hand:
 * - private: PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, what
 *   `pquic plugin keygen` writes and `openssl genpkey -algorithm ed25519`
 *   makes), PKCS#8 DER, or the raw 32-byte seed;
 * - public: SPKI PEM (`-----BEGIN PUBLIC KEY-----`), SPKI DER, the raw 32
 *   bytes, or those 32 bytes as 64 hex digits (one line of text).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";

/** Bytes of a raw Ed25519 public key (RFC 8032 §5.1.5). */
export const ED25519_PUBLIC_KEY_BYTES = 32;
/** Bytes of an Ed25519 signature (RFC 8032 §5.1.6). */
export const ED25519_SIGNATURE_BYTES = 64;
/** Bytes of an Ed25519 private key seed (RFC 8032 §5.1.5). */
export const ED25519_SEED_BYTES = 32;

/** The context prefix of every signed message (see the module doc). */
export const SIGNATURE_CONTEXT: Uint8Array = new TextEncoder().encode("pquic plugin bundle v1\0");

// DER prefixes of the two fixed-size encodings (RFC 8410 §4 and §7):
// SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING (33) } for SPKI and
// SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } }
// for PKCS#8; the key bytes follow.
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** A public key and a signature it made (a bundle's `BundleSignature`). */
export interface SignatureOf {
  /** Raw Ed25519 public key (32 bytes). */
  readonly publicKey: Uint8Array;
  /** Ed25519 signature (64 bytes). */
  readonly signature: Uint8Array;
}

/** An Ed25519 key pair as PEM text (what `pquic plugin keygen` writes). */
export interface Ed25519PemPair {
  /** PKCS#8 PEM of the private key. */
  readonly privatePem: string;
  /** SPKI PEM of the public key. */
  readonly publicPem: string;
  /** The raw 32-byte public key. */
  readonly publicKey: Uint8Array;
}

function isPem(bytes: Uint8Array, label: string): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 200));
  return head.includes(`-----BEGIN ${label}-----`);
}

/** The key `parse` makes; a parse error or a key other than Ed25519 is a SyntaxError. */
function ed25519Key(
  what: "private" | "public",
  expected: string,
  parse: () => KeyObject,
): KeyObject {
  let key: KeyObject;
  try {
    key = parse();
  } catch (e) {
    throw new SyntaxError(`Cannot read ${what} key: expected ${expected}`, { cause: e });
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new SyntaxError(`Cannot read ${what} key: "${key.asymmetricKeyType}" is not Ed25519`);
  }
  return key;
}

function rawPublicKey(key: KeyObject): Uint8Array {
  const der = key.export({ format: "der", type: "spki" });
  return new Uint8Array(der.subarray(SPKI_PREFIX.length));
}

/**
 * Reads an Ed25519 private key.
 *
 * @param bytes PKCS#8 PEM or DER, or a raw 32-byte seed
 * @returns the key object
 * @throws SyntaxError when the bytes are no Ed25519 private key
 */
export function ed25519PrivateKey(bytes: Uint8Array): KeyObject {
  return ed25519Key("private", "PKCS#8 (PEM or DER) or a 32-byte seed", () => {
    if (bytes.length === ED25519_SEED_BYTES) {
      return createPrivateKey({
        key: Buffer.concat([PKCS8_PREFIX, bytes]),
        format: "der",
        type: "pkcs8",
      });
    }
    if (isPem(bytes, "PRIVATE KEY")) return createPrivateKey(new TextDecoder().decode(bytes));
    return createPrivateKey({ key: Buffer.from(bytes), format: "der", type: "pkcs8" });
  });
}

/**
 * Reads an Ed25519 public key and returns its raw 32 bytes.
 *
 * @param bytes SPKI PEM or DER, raw 32 bytes, or 64 hex digits
 * @returns the raw public key
 * @throws SyntaxError when the bytes are no Ed25519 public key
 * @example
 * ```ts
 * import { ed25519PublicKey, generateEd25519KeyPair } from "./keys.ts";
 * import assert from "node:assert/strict";
 * const pair = generateEd25519KeyPair();
 * const fromPem = ed25519PublicKey(new TextEncoder().encode(pair.publicPem));
 * assert.deepEqual(fromPem, pair.publicKey);
 * ```
 */
export function ed25519PublicKey(bytes: Uint8Array): Uint8Array {
  if (bytes.length === ED25519_PUBLIC_KEY_BYTES) return new Uint8Array(bytes);
  const text = new TextDecoder().decode(bytes).trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return new Uint8Array(Buffer.from(text, "hex"));
  const key = ed25519Key(
    "public",
    "SPKI (PEM or DER), 32 raw bytes or 64 hex digits",
    () =>
      isPem(bytes, "PUBLIC KEY")
        ? createPublicKey(text)
        : createPublicKey({ key: Buffer.from(bytes), format: "der", type: "spki" }),
  );
  return rawPublicKey(key);
}

/**
 * The raw public key of a private key.
 *
 * @param key an Ed25519 private key
 * @returns the raw 32-byte public key
 */
export function publicKeyOf(key: KeyObject): Uint8Array {
  return rawPublicKey(createPublicKey(key));
}

/**
 * Makes a new Ed25519 key pair.
 *
 * @returns the pair as PEM text and the raw public key
 */
export function generateEd25519KeyPair(): Ed25519PemPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privatePem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    publicKey: rawPublicKey(publicKey),
  };
}

function signedMessage(digest: Uint8Array): Uint8Array {
  const m = new Uint8Array(SIGNATURE_CONTEXT.length + digest.length);
  m.set(SIGNATURE_CONTEXT);
  m.set(digest, SIGNATURE_CONTEXT.length);
  return m;
}

/**
 * Signs a bundle digest.
 *
 * @param digest the 32-byte content digest
 * @param key the Ed25519 private key
 * @returns the 64-byte signature
 */
export function signDigest(digest: Uint8Array, key: KeyObject): Uint8Array {
  return new Uint8Array(sign(null, signedMessage(digest), key));
}

/**
 * Checks a signature over a bundle digest.
 *
 * @param digest the 32-byte content digest
 * @param signed the raw 32-byte public key and the 64-byte signature
 * @returns true when the signature is valid for that key and digest
 * @example
 * ```ts
 * import { ed25519PrivateKey, publicKeyOf, signDigest, verifyDigest } from "./keys.ts";
 * import assert from "node:assert/strict";
 * const key = ed25519PrivateKey(new Uint8Array(32).fill(1));
 * const digest = new Uint8Array(32).fill(9);
 * const signed = { publicKey: publicKeyOf(key), signature: signDigest(digest, key) };
 * assert.equal(verifyDigest(digest, signed), true);
 * assert.equal(verifyDigest(new Uint8Array(32), signed), false);
 * ```
 */
export function verifyDigest(digest: Uint8Array, signed: SignatureOf): boolean {
  const { publicKey, signature } = signed;
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return false;
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  let key: KeyObject;
  try {
    key = createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, publicKey]),
      format: "der",
      type: "spki",
    });
  } catch {
    return false; // not a point on the curve
  }
  return verify(null, signedMessage(digest), key, signature);
}
