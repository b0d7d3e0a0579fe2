/**
 * (EC)DHE key exchange for the key_share extension (RFC 8446 §4.2.8, §7.4):
 * X25519 (RFC 7748) and secp256r1 with uncompressed points, both through
 * node:crypto, synchronously. Private keys come from the injected `Random`,
 * so seeded tests are reproducible.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createECDH, createPrivateKey, createPublicKey, diffieHellman } from "node:crypto";
import type { Random } from "../random.ts";
import { illegalParameter } from "./alert.ts";
import { concatBytes } from "./messages/codec.ts";
import { NamedGroup } from "./session.ts";

/** An ephemeral key pair for one group. */
export interface KeyShare {
  readonly group: NamedGroup;
  /** The key_exchange bytes to send. */
  readonly publicKey: Uint8Array;
  /**
   * The shared secret with the peer's key_exchange bytes.
   *
   * @throws {TlsAlert} illegal_parameter for an invalid peer key or an
   *   all-zero X25519 result (RFC 8446 §7.4.2).
   */
  computeSecret(peer: Uint8Array): Uint8Array;
}

// DER prefixes wrapping a raw 32-byte X25519 key (RFC 8410).
const X25519_PKCS8_PREFIX = new Uint8Array([
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x6e,
  0x04,
  0x22,
  0x04,
  0x20,
]);
const X25519_SPKI_PREFIX = new Uint8Array([
  0x30,
  0x2a,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x6e,
  0x03,
  0x21,
  0x00,
]);
const X25519_KEY_LENGTH = 32;
const P256_POINT_LENGTH = 65;

/** True for a group we implement. */
export function isSupportedGroup(group: number): group is NamedGroup {
  return group === NamedGroup.X25519 || group === NamedGroup.SECP256R1;
}

function u8(
  b: Uint8Array | { buffer: ArrayBufferLike; byteOffset: number; byteLength: number },
): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * The key pair for `group` from a private key (for test vectors).
 *
 * @param group X25519 or secp256r1.
 * @param privateKey 32 bytes.
 */
export function keyShareFromPrivate(group: NamedGroup, privateKey: Uint8Array): KeyShare {
  if (group === NamedGroup.X25519) {
    const priv = createPrivateKey({
      key: Buffer.from(concatBytes(X25519_PKCS8_PREFIX, privateKey)),
      format: "der",
      type: "pkcs8",
    });
    const spki = u8(createPublicKey(priv).export({ format: "der", type: "spki" }));
    const publicKey = spki.slice(spki.length - X25519_KEY_LENGTH);
    return {
      group,
      publicKey,
      computeSecret(peer: Uint8Array): Uint8Array {
        if (peer.length !== X25519_KEY_LENGTH) {
          throw illegalParameter(`Cannot use X25519 key_share: ${peer.length} bytes`);
        }
        let secret: Uint8Array;
        try {
          const pub = createPublicKey({
            key: Buffer.from(concatBytes(X25519_SPKI_PREFIX, peer)),
            format: "der",
            type: "spki",
          });
          secret = u8(diffieHellman({ privateKey: priv, publicKey: pub }));
        } catch {
          throw illegalParameter("Cannot use X25519 key_share: invalid public key");
        }
        if (secret.every((b) => b === 0)) {
          throw illegalParameter("Cannot use X25519 key_share: all-zero shared secret");
        }
        return secret;
      },
    };
  }
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(Buffer.from(privateKey));
  const publicKey = u8(ecdh.getPublicKey());
  return {
    group,
    publicKey,
    computeSecret(peer: Uint8Array): Uint8Array {
      // RFC 8446 §4.2.8.2: uncompressed points only.
      if (peer.length !== P256_POINT_LENGTH || peer[0] !== 0x04) {
        throw illegalParameter("Cannot use secp256r1 key_share: not an uncompressed point");
      }
      try {
        return u8(ecdh.computeSecret(Buffer.from(peer)));
      } catch {
        throw illegalParameter("Cannot use secp256r1 key_share: point not on the curve");
      }
    },
  };
}

/** A fresh ephemeral key pair for `group`, its private key drawn from `random`. */
export function generateKeyShare(group: NamedGroup, random: Random): KeyShare {
  for (;;) {
    const priv = new Uint8Array(32);
    random.fill(priv);
    try {
      return keyShareFromPrivate(group, priv);
    } catch (e) {
      // A P-256 scalar of zero or >= n (probability ~2^-32) is refused: draw again.
      if (group !== NamedGroup.SECP256R1) throw e;
    }
  }
}
