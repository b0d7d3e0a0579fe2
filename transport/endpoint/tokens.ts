/**
 * Tokens the endpoint makes and checks itself: stateless reset tokens (RFC 9000
 * §10.3.2) and address-validation tokens carried in Retry packets (§8.1.2).
 *
 * Both are derived from a per-endpoint secret, so a server keeps no state per
 * token. Reset tokens are an HMAC of the connection ID (§10.3.2: "a static
 * key ... and the connection ID"); Retry tokens are AES-128-GCM sealed records
 * of the client address, the original DCID, the Retry SCID and the time they
 * were issued, authenticated so that no other party can forge them (§8.1.4).
 *
 * @module
 */

import { createCipheriv, createDecipheriv, createHmac } from "node:crypto";
import { formatAddress, type SocketAddress } from "../address.ts";
import type { Random } from "../random.ts";
import { Reader } from "../wire/reader.ts";
import { Writer } from "../wire/writer.ts";

/** Length of a stateless reset token (RFC 9000 §10.3). */
export const RESET_TOKEN_LENGTH = 16;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
/** How long a Retry token is accepted: long enough for one round trip and some. */
export const RETRY_TOKEN_LIFETIME = 10_000_000;

/** What a valid Retry token proves. */
export interface RetryTokenContents {
  /** The DCID of the client's first Initial (RFC 9000 §7.3 original_destination_connection_id). */
  readonly originalDcid: Uint8Array;
  /** The SCID we put in the Retry packet (retry_source_connection_id). */
  readonly retryScid: Uint8Array;
}

/** Makes and checks the endpoint's tokens. */
export class TokenKeys {
  readonly #resetKey: Uint8Array;
  readonly #tokenKey: Uint8Array;
  readonly #random: Random;

  /** @param secret 32 bytes of secret from which both keys are derived. */
  constructor(secret: Uint8Array, random: Random) {
    if (secret.length < 32) {
      throw new RangeError("Cannot make token keys: secret is under 32 bytes");
    }
    this.#resetKey = createHmac("sha256", secret).update("pquic reset").digest();
    this.#tokenKey = createHmac("sha256", secret).update("pquic token").digest().subarray(0, 16);
    this.#random = random;
  }

  /** The stateless reset token bound to a local connection ID. */
  resetToken(cid: Uint8Array): Uint8Array {
    return new Uint8Array(
      createHmac("sha256", this.#resetKey).update(cid).digest().subarray(0, RESET_TOKEN_LENGTH),
    );
  }

  /** A Retry token for `remote` (RFC 9000 §8.1.2). */
  retryToken(remote: SocketAddress, contents: RetryTokenContents, now: number): Uint8Array {
    const w = Writer.growable(96);
    w.u64(BigInt(Math.floor(now)));
    w.u8(contents.originalDcid.length);
    w.bytes(contents.originalDcid);
    w.u8(contents.retryScid.length);
    w.bytes(contents.retryScid);
    const plain = w.toBytes();
    const nonce = new Uint8Array(NONCE_LENGTH);
    this.#random.fill(nonce);
    const cipher = createCipheriv("aes-128-gcm", this.#tokenKey, nonce);
    cipher.setAAD(new TextEncoder().encode(formatAddress(remote)));
    const body = cipher.update(plain);
    cipher.final();
    const out = new Uint8Array(NONCE_LENGTH + body.length + TAG_LENGTH);
    out.set(nonce, 0);
    out.set(body, NONCE_LENGTH);
    out.set(cipher.getAuthTag(), NONCE_LENGTH + body.length);
    return out;
  }

  /**
   * Opens a Retry token: `null` when it was not made by us for this address
   * or is older than {@link RETRY_TOKEN_LIFETIME}.
   */
  openRetryToken(remote: SocketAddress, token: Uint8Array, now: number): RetryTokenContents | null {
    if (token.length < NONCE_LENGTH + TAG_LENGTH + 10) return null;
    const nonce = token.subarray(0, NONCE_LENGTH);
    const body = token.subarray(NONCE_LENGTH, token.length - TAG_LENGTH);
    const tag = token.subarray(token.length - TAG_LENGTH);
    let plain: Uint8Array;
    try {
      const decipher = createDecipheriv("aes-128-gcm", this.#tokenKey, nonce);
      decipher.setAAD(new TextEncoder().encode(formatAddress(remote)));
      decipher.setAuthTag(tag);
      plain = new Uint8Array(decipher.update(body));
      decipher.final();
    } catch {
      return null;
    }
    try {
      const r = new Reader(plain);
      const issued = Number(r.u64());
      const originalDcid = r.bytes(r.u8()).slice();
      const retryScid = r.bytes(r.u8()).slice();
      if (now < issued || now - issued > RETRY_TOKEN_LIFETIME) return null;
      return { originalDcid, retryScid };
    } catch {
      return null;
    }
  }
}
