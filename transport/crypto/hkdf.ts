/**
 * HKDF (RFC 5869) and TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1), on
 * `node:crypto` HMAC, synchronous.
 *
 * QUIC derives every packet-protection key with these (RFC 9001 §5.1); the TLS
 * key schedule uses them too. Not on the per-packet path: keys are derived once
 * per secret, so simplicity beats allocation-avoidance here.
 *
 * @module
 */

import { createHmac } from "node:crypto";
import { CipherSuite } from "../tls/session.ts";

/** A hash function name as node:crypto spells it. */
export type HashName = "sha256" | "sha384";

/** Output length in bytes of a hash. */
export function hashLength(hash: HashName): 32 | 48 {
  return hash === "sha256" ? 32 : 48;
}

/**
 * The hash of a TLS 1.3 cipher suite (RFC 8446 §B.4): SHA-384 for
 * TLS_AES_256_GCM_SHA384, SHA-256 for the others.
 */
export function hashOf(suite: CipherSuite): HashName {
  return suite === CipherSuite.AES_256_GCM_SHA384 ? "sha384" : "sha256";
}

/** HMAC(key, data) as a fresh `Uint8Array`. */
export function hmac(hash: HashName, key: Uint8Array, ...data: Uint8Array[]): Uint8Array {
  const h = createHmac(hash, key);
  for (const d of data) h.update(d);
  const out = h.digest();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * HKDF-Extract (RFC 5869 §2.2): PRK = HMAC-Hash(salt, IKM). An empty salt
 * stands for a string of HashLen zeros (HMAC pads the key with zeros anyway).
 *
 * @example
 * ```ts
 * import { hkdfExtract } from "./hkdf.ts";
 * import assert from "node:assert/strict";
 * assert.equal(hkdfExtract("sha256", new Uint8Array(0), new Uint8Array(32)).length, 32);
 * ```
 */
export function hkdfExtract(hash: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmac(hash, salt.length === 0 ? new Uint8Array(hashLength(hash)) : salt, ikm);
}

/**
 * HKDF-Expand (RFC 5869 §2.3): T(1) | T(2) | … truncated to `length`
 * (at most 255 × HashLen).
 */
export function hkdfExpand(
  hash: HashName,
  prk: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  const hl = hashLength(hash);
  if (length > 255 * hl) throw new RangeError(`Cannot expand HKDF output: length ${length}`);
  const out = new Uint8Array(length);
  let prev: Uint8Array = new Uint8Array(0);
  const counter = new Uint8Array(1);
  for (let pos = 0, i = 1; pos < length; i++) {
    counter[0] = i;
    prev = hmac(hash, prk, prev, info, counter);
    out.set(prev.subarray(0, Math.min(hl, length - pos)), pos);
    pos += hl;
  }
  return out;
}

const encoder = new TextEncoder();

/**
 * HKDF-Expand-Label (RFC 8446 §7.1). The "tls13 " prefix is added here.
 *
 * ```
 * struct {
 *     uint16 length = Length;
 *     opaque label<7..255> = "tls13 " + Label;
 *     opaque context<0..255> = Context;
 * } HkdfLabel;
 * ```
 *
 * @param hash Hash of the cipher suite.
 * @param secret The secret to expand.
 * @param label The label without the "tls13 " prefix, e.g. "quic key".
 * @param context The context (a transcript hash, or empty).
 * @param length Output length in bytes.
 * @returns `length` bytes.
 *
 * @example RFC 9001 §A.1 client key
 * ```ts
 * import { hkdfExpandLabel } from "./hkdf.ts";
 * import assert from "node:assert/strict";
 * const secret = Uint8Array.from(
 *   "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea".match(/../g)!,
 *   (h) => parseInt(h, 16),
 * );
 * const key = hkdfExpandLabel("sha256", secret, "quic key", new Uint8Array(0), 16);
 * assert.equal(Array.from(key, (b) => b.toString(16).padStart(2, "0")).join(""),
 *   "1f369613dd76d5467730efcbe3b1a22d");
 * ```
 */
export function hkdfExpandLabel(
  hash: HashName,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const labelBytes = encoder.encode("tls13 " + label);
  if (labelBytes.length > 255 || context.length > 255) {
    throw new RangeError(`Cannot build HkdfLabel: label "${label}" or context too long`);
  }
  const info = new Uint8Array(2 + 1 + labelBytes.length + 1 + context.length);
  info[0] = length >>> 8;
  info[1] = length & 0xff;
  info[2] = labelBytes.length;
  info.set(labelBytes, 3);
  info[3 + labelBytes.length] = context.length;
  info.set(context, 4 + labelBytes.length);
  return hkdfExpand(hash, secret, info, length);
}
