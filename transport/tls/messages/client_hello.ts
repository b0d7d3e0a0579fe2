/**
 * ClientHello (RFC 8446 §4.1.2).
 *
 * ```
 * struct {
 *     ProtocolVersion legacy_version = 0x0303;    // TLS v1.2
 *     Random random;                              // 32 bytes
 *     opaque legacy_session_id<0..32>;
 *     CipherSuite cipher_suites<2..2^16-2>;
 *     opaque legacy_compression_methods<1..2^8-1>;
 *     Extension extensions<8..2^16-1>;
 * } ClientHello;
 * ```
 *
 * QUIC clients send an empty legacy_session_id (RFC 9001 §8.4). When the last
 * extension is pre_shared_key, the binders are computed over the message
 * truncated before the binders vector (RFC 8446 §4.2.11.2): {@link
 * writeClientHello} writes placeholder binders and {@link patchBinders}
 * fills them in place.
 *
 * @module
 */

import { Writer } from "../../wire/writer.ts";
import { decodeError } from "../alert.ts";
import { type Extension, ExtensionType, parseExtensions, parseOfferedPsks } from "../extensions.ts";
import { parseBody, readVec16, readVec8, writeNested, writeVec8 } from "./codec.ts";
import { HandshakeType } from "./handshake.ts";

/** Length of the Random field of both hellos. */
export const RANDOM_LENGTH = 32;
/** legacy_version of both hellos. */
export const LEGACY_VERSION = 0x0303;
const MAX_SESSION_ID = 32;

/** A parsed ClientHello. */
export interface ClientHello {
  readonly random: Uint8Array;
  readonly legacySessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly compressionMethods: Uint8Array;
  /** Extensions by type, in order of appearance. */
  readonly extensions: Map<number, Uint8Array>;
  /**
   * Encoded size of the pre_shared_key binders vector when the message offers
   * a PSK (0 otherwise): the binder transcript is the message minus this many
   * trailing bytes.
   */
  readonly bindersLength: number;
}

/**
 * Parses a ClientHello body.
 *
 * @throws {TlsAlert} decode_error on malformed input, illegal_parameter on
 *   duplicate or misplaced extensions.
 */
export function parseClientHello(body: Uint8Array): ClientHello {
  return parseBody(body, "ClientHello", (r) => {
    r.u16(); // legacy_version: ignored, supported_versions decides (§4.2.1)
    const random = r.bytes(RANDOM_LENGTH);
    const legacySessionId = readVec8(r);
    if (legacySessionId.length > MAX_SESSION_ID) {
      throw decodeError("Cannot parse ClientHello: legacy_session_id over 32 bytes");
    }
    const suites = readVec16(r);
    if (suites.length < 2 || suites.length % 2 !== 0) {
      throw decodeError("Cannot parse ClientHello: bad cipher_suites length");
    }
    const cipherSuites: number[] = [];
    for (let i = 0; i < suites.length; i += 2) {
      cipherSuites.push((suites[i]! << 8) | suites[i + 1]!);
    }
    const compressionMethods = readVec8(r);
    if (compressionMethods.length === 0) {
      throw decodeError("Cannot parse ClientHello: no compression methods");
    }
    const extensions = parseExtensions(r, "CH");
    const psk = extensions.get(ExtensionType.PRE_SHARED_KEY);
    const bindersLength = psk === undefined ? 0 : parseOfferedPsks(psk).bindersLength;
    return { random, legacySessionId, cipherSuites, compressionMethods, extensions, bindersLength };
  });
}

/** What {@link writeClientHello} needs. */
export interface ClientHelloFields {
  readonly random: Uint8Array;
  readonly cipherSuites: readonly number[];
  /** In order; pre_shared_key, if any, must be last. */
  readonly extensions: readonly Extension[];
}

/**
 * Encodes a ClientHello handshake message (header included) with an empty
 * legacy_session_id and the null compression method.
 */
export function writeClientHello(ch: ClientHelloFields): Uint8Array {
  const w = Writer.growable(512);
  w.u8(HandshakeType.CLIENT_HELLO);
  writeNested(w, 3, () => {
    w.u16(LEGACY_VERSION);
    w.bytes(ch.random);
    writeVec8(w, new Uint8Array(0));
    writeNested(w, 2, () => ch.cipherSuites.forEach((s) => w.u16(s)));
    writeVec8(w, new Uint8Array([0]));
    writeNested(w, 2, () => {
      for (const e of ch.extensions) {
        w.u16(e.type);
        writeNested(w, 2, () => w.bytes(e.data));
      }
    });
  });
  return w.toBytes().slice();
}

/**
 * Overwrites the binders vector at the end of an encoded ClientHello (written
 * with placeholder binders of the same lengths).
 *
 * @param message The whole ClientHello message, header included.
 * @param binders The binder values, in identity order.
 */
export function patchBinders(message: Uint8Array, binders: readonly Uint8Array[]): void {
  let len = 0;
  for (const b of binders) len += 1 + b.length;
  let at = message.length - len - 2;
  message[at++] = len >>> 8;
  message[at++] = len & 0xff;
  for (const b of binders) {
    message[at++] = b.length;
    message.set(b, at);
    at += b.length;
  }
}
