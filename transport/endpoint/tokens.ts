/**
 * Tokens the endpoint makes and checks itself: stateless reset tokens (RFC 9000
 * §10.3.2) and address-validation tokens carried in Retry packets (§8.1.2) or
 * given in NEW_TOKEN frames for a later connection (§8.1.3).
 *
 * Address-validation tokens start with one clear byte naming their kind
 * ({@link TokenKind}), authenticated with the rest, so a Retry token is never
 * taken for a NEW_TOKEN token (§8.1.1 asks servers to tell them apart).
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

/** How long a NEW_TOKEN token is accepted (§8.1.3 leaves it to us): one day. */
export const NEW_TOKEN_LIFETIME = 86_400_000_000;

/** The first byte of an address-validation token. */
export const TokenKind = {
  /** Carried in a Retry packet; proves the address one round trip ago. */
  Retry: 0x52,
  /** Given in NEW_TOKEN; proves the address (host only) in an earlier connection. */
  NewToken: 0x4e,
} as const;

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
    return this.#seal(TokenKind.Retry, formatAddress(remote), w.toBytes());
  }

  /** A NEW_TOKEN token for a client at `remote` (RFC 9000 §8.1.3), bound to its host. */
  newToken(remote: SocketAddress, now: number): Uint8Array {
    const w = Writer.growable(8);
    w.u64(BigInt(Math.floor(now)));
    return this.#seal(TokenKind.NewToken, remote.hostname, w.toBytes());
  }

  /** True when `token` is a NEW_TOKEN token of ours for this host, younger than its lifetime. */
  openNewToken(remote: SocketAddress, token: Uint8Array, now: number): boolean {
    const plain = this.#open(TokenKind.NewToken, remote.hostname, token);
    if (plain === null || plain.length !== 8) return false;
    const issued = Number(new Reader(plain).u64());
    return now >= issued && now - issued <= NEW_TOKEN_LIFETIME;
  }

  /** kind ‖ nonce ‖ AES-128-GCM(plain) ‖ tag, with kind and `bound` as associated data. */
  #seal(kind: number, bound: string, plain: Uint8Array): Uint8Array {
    const nonce = new Uint8Array(NONCE_LENGTH);
    this.#random.fill(nonce);
    const cipher = createCipheriv("aes-128-gcm", this.#tokenKey, nonce);
    cipher.setAAD(new TextEncoder().encode(String.fromCharCode(kind) + bound));
    const body = cipher.update(plain);
    cipher.final();
    const out = new Uint8Array(1 + NONCE_LENGTH + body.length + TAG_LENGTH);
    out[0] = kind;
    out.set(nonce, 1);
    out.set(body, 1 + NONCE_LENGTH);
    out.set(cipher.getAuthTag(), 1 + NONCE_LENGTH + body.length);
    return out;
  }

  /** The plaintext of a token of `kind` sealed for `bound`, or null. */
  #open(kind: number, bound: string, token: Uint8Array): Uint8Array | null {
    if (token.length < 1 + NONCE_LENGTH + TAG_LENGTH || token[0] !== kind) return null;
    const nonce = token.subarray(1, 1 + NONCE_LENGTH);
    const body = token.subarray(1 + NONCE_LENGTH, token.length - TAG_LENGTH);
    const tag = token.subarray(token.length - TAG_LENGTH);
    try {
      const decipher = createDecipheriv("aes-128-gcm", this.#tokenKey, nonce);
      decipher.setAAD(new TextEncoder().encode(String.fromCharCode(kind) + bound));
      decipher.setAuthTag(tag);
      const plain = new Uint8Array(decipher.update(body));
      decipher.final();
      return plain;
    } catch {
      return null;
    }
  }

  /**
   * Opens a Retry token: `null` when it was not made by us for this address
   * or is older than {@link RETRY_TOKEN_LIFETIME}.
   */
  openRetryToken(remote: SocketAddress, token: Uint8Array, now: number): RetryTokenContents | null {
    const plain = this.#open(TokenKind.Retry, formatAddress(remote), token);
    if (plain === null) return null;
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
