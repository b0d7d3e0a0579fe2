/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1).
 *
 * ```
 *              0
 *              |
 *              v
 *    PSK ->  HKDF-Extract = Early Secret
 *              +-----> Derive-Secret(., "res binder" | "ext binder", "") = binder_key
 *              +-----> Derive-Secret(., "c e traffic", ClientHello) = client_early_traffic_secret
 *              v
 *        Derive-Secret(., "derived", "")
 *              v
 *    (EC)DHE -> HKDF-Extract = Handshake Secret
 *              +-----> Derive-Secret(., "c hs traffic", ClientHello...ServerHello)
 *              +-----> Derive-Secret(., "s hs traffic", ClientHello...ServerHello)
 *              v
 *        Derive-Secret(., "derived", "")
 *              v
 *    0 -> HKDF-Extract = Master Secret
 *              +-----> Derive-Secret(., "c ap traffic", ClientHello...server Finished)
 *              +-----> Derive-Secret(., "s ap traffic", ClientHello...server Finished)
 *              +-----> Derive-Secret(., "res master", ClientHello...client Finished)
 * ```
 *
 * Plus the Finished MAC (§4.4.4) and the resumption PSK (§4.6.1). Exporters
 * are not implemented (QUIC does not use them).
 *
 * @module
 */

import { hashLength, type HashName, hkdfExpandLabel, hkdfExtract, hmac } from "../crypto/hkdf.ts";
import { hashBytes } from "./transcript.ts";

const EMPTY = new Uint8Array(0);

/** Derive-Secret(Secret, Label, Messages) with the messages' hash already computed. */
export function deriveSecret(
  hash: HashName,
  secret: Uint8Array,
  label: string,
  transcriptHash: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(hash, secret, label, transcriptHash, hashLength(hash));
}

/**
 * verify_data = HMAC(finished_key, Transcript-Hash(...)) where finished_key =
 * HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 §4.4.4).
 */
export function finishedVerifyData(
  hash: HashName,
  baseKey: Uint8Array,
  transcriptHash: Uint8Array,
): Uint8Array {
  const key = hkdfExpandLabel(hash, baseKey, "finished", EMPTY, hashLength(hash));
  return hmac(hash, key, transcriptHash);
}

/** The PSK of a ticket: HKDF-Expand-Label(resumption_master_secret, "resumption", nonce, Hash.length). */
export function resumptionPsk(
  hash: HashName,
  resumptionMasterSecret: Uint8Array,
  nonce: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(hash, resumptionMasterSecret, "resumption", nonce, hashLength(hash));
}

/**
 * One handshake's walk down the key schedule.
 *
 * @example The early secret without a PSK (RFC 8448 §3)
 * ```ts
 * import { KeySchedule } from "./key_schedule.ts";
 * import assert from "node:assert/strict";
 * const ks = new KeySchedule("sha256", null);
 * assert.equal(ks.earlySecret[0], 0x33);
 * ```
 */
export class KeySchedule {
  /** The hash of the negotiated suite. */
  readonly hash: HashName;
  /** HKDF-Extract(0, PSK or zeros). */
  readonly earlySecret: Uint8Array;
  #handshakeSecret: Uint8Array | null = null;
  #masterSecret: Uint8Array | null = null;
  readonly #emptyHash: Uint8Array;

  /**
   * @param hash The suite's hash.
   * @param psk The resumption PSK, or `null` for a full handshake.
   */
  constructor(hash: HashName, psk: Uint8Array | null) {
    this.hash = hash;
    const zeros = new Uint8Array(hashLength(hash));
    this.earlySecret = hkdfExtract(hash, zeros, psk ?? zeros);
    this.#emptyHash = hashBytes(hash);
  }

  /** binder_key for a resumption PSK ("res binder"). */
  binderKey(): Uint8Array {
    return deriveSecret(this.hash, this.earlySecret, "res binder", this.#emptyHash);
  }

  /** The PSK binder value over the truncated-ClientHello transcript hash (§4.2.11.2). */
  binder(truncatedTranscriptHash: Uint8Array): Uint8Array {
    return finishedVerifyData(this.hash, this.binderKey(), truncatedTranscriptHash);
  }

  /** client_early_traffic_secret over Hash(ClientHello). */
  clientEarlyTrafficSecret(clientHelloHash: Uint8Array): Uint8Array {
    return deriveSecret(this.hash, this.earlySecret, "c e traffic", clientHelloHash);
  }

  /** Mixes in the (EC)DHE shared secret: computes the Handshake Secret. */
  inputSharedSecret(sharedSecret: Uint8Array): Uint8Array {
    const salt = deriveSecret(this.hash, this.earlySecret, "derived", this.#emptyHash);
    this.#handshakeSecret = hkdfExtract(this.hash, salt, sharedSecret);
    const salt2 = deriveSecret(this.hash, this.#handshakeSecret, "derived", this.#emptyHash);
    this.#masterSecret = hkdfExtract(this.hash, salt2, new Uint8Array(hashLength(this.hash)));
    return this.#handshakeSecret;
  }

  /** The Handshake Secret (after {@link inputSharedSecret}). */
  get handshakeSecret(): Uint8Array {
    if (this.#handshakeSecret === null) {
      throw new Error("Cannot read handshake secret: no shared secret yet");
    }
    return this.#handshakeSecret;
  }

  /** The Master Secret (after {@link inputSharedSecret}). */
  get masterSecret(): Uint8Array {
    if (this.#masterSecret === null) {
      throw new Error("Cannot read master secret: no shared secret yet");
    }
    return this.#masterSecret;
  }

  /** client_handshake_traffic_secret over Hash(ClientHello..ServerHello). */
  clientHandshakeTrafficSecret(helloHash: Uint8Array): Uint8Array {
    return deriveSecret(this.hash, this.handshakeSecret, "c hs traffic", helloHash);
  }

  /** server_handshake_traffic_secret over Hash(ClientHello..ServerHello). */
  serverHandshakeTrafficSecret(helloHash: Uint8Array): Uint8Array {
    return deriveSecret(this.hash, this.handshakeSecret, "s hs traffic", helloHash);
  }

  /** client_application_traffic_secret_0 over Hash(ClientHello..server Finished). */
  clientApplicationTrafficSecret(serverFinishedHash: Uint8Array): Uint8Array {
    return deriveSecret(this.hash, this.masterSecret, "c ap traffic", serverFinishedHash);
  }

  /** server_application_traffic_secret_0 over Hash(ClientHello..server Finished). */
  serverApplicationTrafficSecret(serverFinishedHash: Uint8Array): Uint8Array {
    return deriveSecret(this.hash, this.masterSecret, "s ap traffic", serverFinishedHash);
  }

  /** resumption_master_secret over Hash(ClientHello..client Finished). */
  resumptionMasterSecret(clientFinishedHash: Uint8Array): Uint8Array {
    return deriveSecret(this.hash, this.masterSecret, "res master", clientFinishedHash);
  }
}
