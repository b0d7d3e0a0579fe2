/**
 * TLS 1.3 signature schemes (RFC 8446 §4.2.3) used in CertificateVerify, and
 * synchronous sign/verify over `node:crypto` KeyObjects.
 *
 * Supported: ecdsa_secp256r1_sha256 (0x0403), ecdsa_secp384r1_sha384 (0x0503),
 * ed25519 (0x0807), rsa_pss_rsae_sha256/384/512 (0x0804–0x0806) and
 * rsa_pss_pss_sha256 (0x0809). RSA PKCS#1 v1.5 is not allowed in TLS 1.3
 * handshake signatures (RFC 8446 §4.2.3) and is not offered.
 *
 * @module
 */

import { constants, type KeyObject, sign, verify } from "node:crypto";

/** Signature scheme code points (RFC 8446 §4.2.3). */
export const SignatureScheme = {
  ECDSA_SECP256R1_SHA256: 0x0403,
  ECDSA_SECP384R1_SHA384: 0x0503,
  ED25519: 0x0807,
  RSA_PSS_RSAE_SHA256: 0x0804,
  RSA_PSS_RSAE_SHA384: 0x0805,
  RSA_PSS_RSAE_SHA512: 0x0806,
  RSA_PSS_PSS_SHA256: 0x0809,
} as const;

/**
 * The schemes we can verify, in the order a client offers them in its
 * signature_algorithms extension (RFC 8446 §4.2.3).
 */
export const SUPPORTED_SIGNATURE_SCHEMES: readonly number[] = [
  SignatureScheme.ECDSA_SECP256R1_SHA256,
  SignatureScheme.ED25519,
  SignatureScheme.RSA_PSS_RSAE_SHA256,
  SignatureScheme.ECDSA_SECP384R1_SHA384,
  SignatureScheme.RSA_PSS_RSAE_SHA384,
  SignatureScheme.RSA_PSS_RSAE_SHA512,
  SignatureScheme.RSA_PSS_PSS_SHA256,
];

/** What kind of key a scheme needs, and how it signs. */
interface SchemeRow {
  readonly scheme: number;
  readonly name: string;
  /** `asymmetricKeyType` of the key. */
  readonly keyType: "ec" | "ed25519" | "rsa" | "rsa-pss";
  /** The named curve for ECDSA (node's name). */
  readonly curve?: string;
  /** Digest, or null for Ed25519 (which hashes internally). */
  readonly digest: "sha256" | "sha384" | "sha512" | null;
  /** PSS salt length = digest length (RFC 8446 §4.2.3). */
  readonly pssSalt?: number;
}

const SCHEMES: readonly SchemeRow[] = [
  {
    scheme: 0x0403,
    name: "ecdsa_secp256r1_sha256",
    keyType: "ec",
    curve: "prime256v1",
    digest: "sha256",
  },
  {
    scheme: 0x0503,
    name: "ecdsa_secp384r1_sha384",
    keyType: "ec",
    curve: "secp384r1",
    digest: "sha384",
  },
  { scheme: 0x0807, name: "ed25519", keyType: "ed25519", digest: null },
  { scheme: 0x0804, name: "rsa_pss_rsae_sha256", keyType: "rsa", digest: "sha256", pssSalt: 32 },
  { scheme: 0x0805, name: "rsa_pss_rsae_sha384", keyType: "rsa", digest: "sha384", pssSalt: 48 },
  { scheme: 0x0806, name: "rsa_pss_rsae_sha512", keyType: "rsa", digest: "sha512", pssSalt: 64 },
  {
    scheme: 0x0809,
    name: "rsa_pss_pss_sha256",
    keyType: "rsa-pss",
    digest: "sha256",
    pssSalt: 32,
  },
];

const BY_SCHEME = new Map(SCHEMES.map((r) => [r.scheme, r]));

/** A peer's public key as certificate verification hands it to TLS. */
export interface PeerPublicKey {
  /** The node:crypto public key. */
  readonly key: KeyObject;
  /** `asymmetricKeyType`: "ec", "ed25519", "rsa" or "rsa-pss". */
  readonly type: string;
  /** The named curve for EC keys (node's name, e.g. "prime256v1"), else "". */
  readonly curve: string;
  /** Schemes this key can verify, in our preference order. */
  readonly signatureSchemes: readonly number[];
}

/** The name of a scheme for messages, or its hex value. */
export function signatureSchemeName(scheme: number): string {
  return BY_SCHEME.get(scheme)?.name ?? `0x${scheme.toString(16).padStart(4, "0")}`;
}

/** The curve of an EC key object ("" for other key types). */
export function keyCurve(key: KeyObject): string {
  if (key.asymmetricKeyType !== "ec") return "";
  const details = key.asymmetricKeyDetails as { namedCurve?: string } | undefined;
  return details?.namedCurve ?? "";
}

/** The TLS 1.3 schemes a key (public or private) can sign or verify with. */
export function schemesForKey(key: KeyObject): number[] {
  const type = key.asymmetricKeyType ?? "";
  const curve = keyCurve(key);
  return SCHEMES.filter((r) => r.keyType === type && (r.curve === undefined || r.curve === curve))
    .map((r) => r.scheme);
}

function rowFor(scheme: number, key: KeyObject): SchemeRow | null {
  const row = BY_SCHEME.get(scheme);
  if (row === undefined || row.keyType !== key.asymmetricKeyType) return null;
  if (row.curve !== undefined && row.curve !== keyCurve(key)) return null;
  return row;
}

/**
 * Sign `content` with `key` under a TLS 1.3 scheme. Throws a `RangeError` when
 * the scheme does not fit the key.
 */
export function signWithScheme(key: KeyObject, scheme: number, content: Uint8Array): Uint8Array {
  const row = rowFor(scheme, key);
  if (row === null) {
    throw new RangeError(
      `Cannot sign with ${signatureSchemeName(scheme)}: key is ${key.asymmetricKeyType}`,
    );
  }
  const sig = row.pssSalt === undefined
    ? sign(row.digest, content, key)
    : sign(row.digest, content, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: row.pssSalt,
    });
  return new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength);
}

/**
 * Verify a TLS 1.3 signature; false when it does not verify, when the scheme
 * is unknown or does not fit the key.
 */
export function verifyWithScheme(
  key: KeyObject,
  scheme: number,
  content: Uint8Array,
  signature: Uint8Array,
): boolean {
  const row = rowFor(scheme, key);
  if (row === null) return false;
  try {
    return row.pssSalt === undefined
      ? verify(row.digest, content, key, signature)
      : verify(row.digest, content, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: row.pssSalt,
      }, signature);
  } catch {
    // A malformed signature (bad DER, wrong length) is a failed verification.
    return false;
  }
}
