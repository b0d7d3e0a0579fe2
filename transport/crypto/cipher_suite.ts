/**
 * The TLS 1.3 cipher suites QUIC packet protection can use (RFC 9001 §5.3),
 * as one table: hash, AEAD key/IV lengths and header-protection key length.
 *
 * @module
 */

import { CipherSuite } from "../tls/session.ts";
import type { HashName } from "./hkdf.ts";

export { CipherSuite };

/** Everything packet protection needs to know about a suite. */
export interface SuiteInfo {
  /** TLS cipher suite id. */
  readonly id: CipherSuite;
  /** IANA name. */
  readonly name: string;
  /** The suite's hash (HKDF and transcript). */
  readonly hash: HashName;
  /** AEAD key length in bytes ("quic key"). */
  readonly keyLength: 16 | 32;
  /** AEAD nonce length in bytes ("quic iv"); 12 for all three (RFC 9001 §5.3). */
  readonly ivLength: 12;
  /** Header-protection key length ("quic hp", RFC 9001 §5.4). */
  readonly hpKeyLength: 16 | 32;
  /** AEAD tag length; 16 for all three. */
  readonly tagLength: 16;
  /** The node:crypto AEAD cipher name. */
  readonly aead: "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305";
  /** The header-protection algorithm: AES-ECB (RFC 9001 §5.4.3) or ChaCha20 (§5.4.4). */
  readonly hp: "aes-128-ecb" | "aes-256-ecb" | "chacha20";
  /**
   * Confidentiality limit: packets one key may protect before a key update
   * (RFC 9001 §6.6). For ChaCha20-Poly1305 it exceeds the packet number space.
   */
  readonly confidentialityLimit: number;
  /** Integrity limit: failed decryptions tolerated across all keys (RFC 9001 §6.6). */
  readonly integrityLimit: number;
}

/** The table (RFC 8446 §B.4, RFC 9001 §5.3/§5.4). */
export const CIPHER_SUITES: readonly SuiteInfo[] = [
  {
    id: CipherSuite.AES_128_GCM_SHA256,
    name: "TLS_AES_128_GCM_SHA256",
    hash: "sha256",
    keyLength: 16,
    ivLength: 12,
    hpKeyLength: 16,
    tagLength: 16,
    aead: "aes-128-gcm",
    hp: "aes-128-ecb",
    confidentialityLimit: 2 ** 23,
    integrityLimit: 2 ** 52,
  },
  {
    id: CipherSuite.AES_256_GCM_SHA384,
    name: "TLS_AES_256_GCM_SHA384",
    hash: "sha384",
    keyLength: 32,
    ivLength: 12,
    hpKeyLength: 32,
    tagLength: 16,
    aead: "aes-256-gcm",
    hp: "aes-256-ecb",
    confidentialityLimit: 2 ** 23,
    integrityLimit: 2 ** 52,
  },
  {
    id: CipherSuite.CHACHA20_POLY1305_SHA256,
    name: "TLS_CHACHA20_POLY1305_SHA256",
    hash: "sha256",
    keyLength: 32,
    ivLength: 12,
    hpKeyLength: 32,
    tagLength: 16,
    aead: "chacha20-poly1305",
    hp: "chacha20",
    confidentialityLimit: 2 ** 62,
    integrityLimit: 2 ** 36,
  },
];

const BY_ID = new Map<number, SuiteInfo>(CIPHER_SUITES.map((s) => [s.id, s]));

/**
 * The table row of a suite; throws a `RangeError` for an unknown id.
 *
 * @example
 * ```ts
 * import { CipherSuite, suiteInfo } from "./cipher_suite.ts";
 * import assert from "node:assert/strict";
 * assert.equal(suiteInfo(CipherSuite.AES_256_GCM_SHA384).keyLength, 32);
 * ```
 */
export function suiteInfo(id: number): SuiteInfo {
  const s = BY_ID.get(id);
  if (s === undefined) throw new RangeError(`Cannot use cipher suite 0x${id.toString(16)}`);
  return s;
}

/** True for a suite id in the table. */
export function isKnownSuite(id: number): id is CipherSuite {
  return BY_ID.has(id);
}
