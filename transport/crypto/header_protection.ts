/**
 * QUIC header protection (RFC 9001 §5.4): masks the low bits of the first byte
 * and the packet number bytes with a mask computed from a 16-byte sample of
 * the ciphertext.
 *
 * ```
 * mask = header_protection(hp_key, sample)          // 5 bytes used
 * pn_length = (packet[0] & 0x03) + 1
 * if (packet[0] & 0x80) == 0x80:  packet[0] ^= mask[0] & 0x0f   // long header
 * else:                           packet[0] ^= mask[0] & 0x1f   // short header
 * packet[pn_offset:pn_offset+pn_length] ^= mask[1:1+pn_length]
 * ```
 *
 * The sample starts 4 bytes after the start of the packet number field
 * (§5.4.2), as if the packet number were 4 bytes long. AES suites use one
 * AES-ECB encryption of the sample (§5.4.3), through one reused node:crypto
 * cipher object; ChaCha20 uses the sample's first 4 bytes as the block
 * counter and the other 12 as the nonce (§5.4.4), through our own block
 * function, which allocates nothing.
 *
 * @module
 */

import { type Cipheriv, createCipheriv } from "node:crypto";
import { suiteInfo } from "./cipher_suite.ts";
import type { CipherSuite } from "../tls/session.ts";
import { ChaCha20 } from "./chacha20.ts";

/** Bytes sampled from the ciphertext (RFC 9001 §5.4.2). */
export const HP_SAMPLE_LENGTH = 16;
/** Offset of the sample from the start of the packet number field (§5.4.2). */
export const HP_SAMPLE_OFFSET = 4;
/** Mask bits of the first byte of a long header (§5.4.1). */
const LONG_HEADER_BITS = 0x0f;
/** Mask bits of the first byte of a short header: reserved, key phase, PN length. */
const SHORT_HEADER_BITS = 0x1f;
/** The header form bit: set for long headers (RFC 9000 §17.2). */
const FORM_BIT = 0x80;

/** Header protection with one header-protection key. */
export class HeaderProtection {
  readonly #ecb: Cipheriv | null;
  readonly #chacha: ChaCha20 | null;

  /**
   * Prepare header protection for one key.
   *
   * @param suite The cipher suite.
   * @param hpKey The "quic hp" key (16 or 32 bytes).
   */
  constructor(suite: CipherSuite, hpKey: Uint8Array) {
    const info = suiteInfo(suite);
    if (hpKey.length !== info.hpKeyLength) {
      throw new RangeError(`Cannot use a ${hpKey.length}-byte header protection key`);
    }
    if (info.hp === "chacha20") {
      this.#ecb = null;
      this.#chacha = new ChaCha20(hpKey);
    } else {
      // ECB has no chaining: each 16-byte update is one independent block.
      const ecb = createCipheriv(info.hp, hpKey, null);
      ecb.setAutoPadding(false);
      this.#ecb = ecb;
      this.#chacha = null;
    }
  }

  /**
   * The mask for the sample at `packet[sampleOffset..+16]`; throws a
   * `RangeError` when the packet is too short to sample.
   */
  mask(packet: Uint8Array, sampleOffset: number): Uint8Array {
    if (sampleOffset + HP_SAMPLE_LENGTH > packet.length) {
      throw new RangeError("Cannot sample header protection: packet too short");
    }
    if (this.#chacha !== null) {
      const counter = packet[sampleOffset]! | (packet[sampleOffset + 1]! << 8) |
        (packet[sampleOffset + 2]! << 16) | (packet[sampleOffset + 3]! << 24);
      return this.#chacha.block(counter, packet, sampleOffset + 4);
    }
    return this.#ecb!.update(packet.subarray(sampleOffset, sampleOffset + HP_SAMPLE_LENGTH));
  }

  /**
   * Protect a header in place, after the payload was sealed.
   *
   * @param packet The packet, from its first byte.
   * @param pnOffset Index of the packet number field in `packet`.
   * @param pnLength Length of the packet number field, 1 to 4.
   */
  apply(packet: Uint8Array, pnOffset: number, pnLength: number): void {
    const m = this.mask(packet, pnOffset + HP_SAMPLE_OFFSET);
    const first = packet[0]!;
    packet[0] = first ^ (m[0]! & ((first & FORM_BIT) !== 0 ? LONG_HEADER_BITS : SHORT_HEADER_BITS));
    for (let i = 0; i < pnLength; i++) packet[pnOffset + i] = packet[pnOffset + i]! ^ m[1 + i]!;
  }

  /**
   * Remove header protection in place: unmasks the first byte and the packet
   * number bytes.
   *
   * @param packet The packet, from its first byte (it may run on past this packet).
   * @param pnOffset Index of the packet number field in `packet`.
   * @returns The packet number length (1 to 4).
   */
  remove(packet: Uint8Array, pnOffset: number): number {
    const m = this.mask(packet, pnOffset + HP_SAMPLE_OFFSET);
    const protectedFirst = packet[0]!;
    const first = protectedFirst ^
      (m[0]! & ((protectedFirst & FORM_BIT) !== 0 ? LONG_HEADER_BITS : SHORT_HEADER_BITS));
    packet[0] = first;
    const pnLength = (first & 0x03) + 1;
    for (let i = 0; i < pnLength; i++) packet[pnOffset + i] = packet[pnOffset + i]! ^ m[1 + i]!;
    return pnLength;
  }
}
