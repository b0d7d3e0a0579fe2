/**
 * Packet protection keys for one direction of one encryption level
 * (RFC 9001 §5.1), and key update (§6).
 *
 * From a traffic secret (TLS, or the Initial secrets of `initial.ts`):
 *
 * ```
 * key = HKDF-Expand-Label(secret, "quic key", "", key_length)
 * iv  = HKDF-Expand-Label(secret, "quic iv",  "", 12)
 * hp  = HKDF-Expand-Label(secret, "quic hp",  "", hp_key_length)
 * next secret = HKDF-Expand-Label(secret, "quic ku", "", Hash.length)   // §6.1
 * ```
 *
 * QUIC v2 uses the labels "quicv2 key", "quicv2 iv", "quicv2 hp" and
 * "quicv2 ku" (RFC 9369 §3.3.2); v1 and draft-29 use the v1 labels. The
 * header-protection key is not updated by a key update (§6.1).
 *
 * This module re-exports {@link PacketAead} and {@link HeaderProtection}.
 *
 * @module
 */

import { QuicVersion } from "../version.ts";
import type { CipherSuite } from "../tls/session.ts";
import { suiteInfo } from "./cipher_suite.ts";
import { hashLength, hkdfExpandLabel } from "./hkdf.ts";
import { PacketAead } from "./aead.ts";
import { HeaderProtection } from "./header_protection.ts";

export { AEAD_TAG_LENGTH, PacketAead } from "./aead.ts";
export { HeaderProtection, HP_SAMPLE_LENGTH, HP_SAMPLE_OFFSET } from "./header_protection.ts";

/** The HKDF labels of a QUIC version's packet protection. */
export interface QuicLabels {
  /** Label of the AEAD key. */
  readonly key: string;
  /** Label of the AEAD IV. */
  readonly iv: string;
  /** Label of the header-protection key. */
  readonly hp: string;
  /** Label of the next key-phase secret. */
  readonly ku: string;
}

const V1_LABELS: QuicLabels = { key: "quic key", iv: "quic iv", hp: "quic hp", ku: "quic ku" };
const V2_LABELS: QuicLabels = {
  key: "quicv2 key",
  iv: "quicv2 iv",
  hp: "quicv2 hp",
  ku: "quicv2 ku",
};

/** Labels for a version: v2's for QUIC v2 (RFC 9369 §3.3.2), v1's otherwise. */
export function labelsFor(version: number): QuicLabels {
  return version === QuicVersion.V2 ? V2_LABELS : V1_LABELS;
}

/** The raw key material derived from a secret (for tests, key logs, and diagnostics). */
export interface KeyMaterial {
  /** AEAD key ("quic key"). */
  readonly key: Uint8Array;
  /** AEAD IV ("quic iv"). */
  readonly iv: Uint8Array;
  /** Header-protection key ("quic hp"). */
  readonly hp: Uint8Array;
}

/** Derive key, IV and header-protection key from a traffic secret (RFC 9001 §5.1). */
export function deriveKeyMaterial(
  suite: CipherSuite,
  secret: Uint8Array,
  version: number,
): KeyMaterial {
  const info = suiteInfo(suite);
  const l = labelsFor(version);
  const none = new Uint8Array(0);
  return {
    key: hkdfExpandLabel(info.hash, secret, l.key, none, info.keyLength),
    iv: hkdfExpandLabel(info.hash, secret, l.iv, none, info.ivLength),
    hp: hkdfExpandLabel(info.hash, secret, l.hp, none, info.hpKeyLength),
  };
}

/** The secret of the next key phase (RFC 9001 §6.1). */
export function nextSecret(suite: CipherSuite, secret: Uint8Array, version: number): Uint8Array {
  const hash = suiteInfo(suite).hash;
  return hkdfExpandLabel(hash, secret, labelsFor(version).ku, new Uint8Array(0), hashLength(hash));
}

/**
 * Packet protection for one direction: the AEAD, the header protection, and
 * the secret they came from (kept for the next key update).
 *
 * @example Key update keeps the header protection key
 * ```ts
 * import { DirectionalKeys } from "./packet_protection.ts";
 * import { CipherSuite } from "../tls/session.ts";
 * import { QuicVersion } from "../version.ts";
 * import assert from "node:assert/strict";
 * const k = DirectionalKeys.fromSecret(
 *   CipherSuite.AES_128_GCM_SHA256, new Uint8Array(32), QuicVersion.V1);
 * const next = k.nextGeneration();
 * assert.equal(next.hp, k.hp);
 * assert.notDeepEqual(next.secret, k.secret);
 * assert.equal(next.generation, 1);
 * ```
 */
export class DirectionalKeys {
  /** The cipher suite. */
  readonly suite: CipherSuite;
  /** The traffic secret these keys come from. */
  readonly secret: Uint8Array;
  /** The QUIC version (selects the labels). */
  readonly version: number;
  /** Payload protection. */
  readonly aead: PacketAead;
  /** Header protection (shared across key updates). */
  readonly hp: HeaderProtection;
  /** Key updates since the handshake secret: 0, 1, 2, … (key phase = generation & 1). */
  readonly generation: number;

  /** Prefer {@link DirectionalKeys.fromSecret}. */
  constructor(
    suite: CipherSuite,
    secret: Uint8Array,
    version: number,
    aead: PacketAead,
    hp: HeaderProtection,
    generation: number,
  ) {
    this.suite = suite;
    this.secret = secret;
    this.version = version;
    this.aead = aead;
    this.hp = hp;
    this.generation = generation;
  }

  /** Keys for a traffic secret (RFC 9001 §5.1). */
  static fromSecret(suite: CipherSuite, secret: Uint8Array, version: number): DirectionalKeys {
    const m = deriveKeyMaterial(suite, secret, version);
    return new DirectionalKeys(
      suite,
      secret.slice(),
      version,
      new PacketAead(suite, m.key, m.iv),
      new HeaderProtection(suite, m.hp),
      0,
    );
  }

  /**
   * The keys of the next key phase (RFC 9001 §6): a new secret through
   * "quic ku" ("quicv2 ku" for v2), a new key and IV, the same header
   * protection.
   */
  nextGeneration(): DirectionalKeys {
    const secret = nextSecret(this.suite, this.secret, this.version);
    const m = deriveKeyMaterial(this.suite, secret, this.version);
    return new DirectionalKeys(
      this.suite,
      secret,
      this.version,
      new PacketAead(this.suite, m.key, m.iv),
      this.hp,
      this.generation + 1,
    );
  }
}
