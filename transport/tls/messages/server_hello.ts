/**
 * ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4).
 *
 * ```
 * struct {
 *     ProtocolVersion legacy_version = 0x0303;    // TLS v1.2
 *     Random random;
 *     opaque legacy_session_id_echo<0..32>;
 *     CipherSuite cipher_suite;
 *     uint8 legacy_compression_method = 0;
 *     Extension extensions<6..2^16-1>;
 * } ServerHello;
 * ```
 *
 * A HelloRetryRequest is a ServerHello whose Random is the SHA-256 of
 * "HelloRetryRequest" ({@link HRR_RANDOM}).
 *
 * @module
 */

import { Writer } from "../../wire/writer.ts";
import { decodeError, illegalParameter } from "../alert.ts";
import { type Extension, parseExtensions } from "../extensions.ts";
import { bytesEqual, parseBody, readVec8, writeNested, writeVec8 } from "./codec.ts";
import { LEGACY_VERSION, RANDOM_LENGTH } from "./client_hello.ts";
import { HandshakeType } from "./handshake.ts";

/** The special Random of a HelloRetryRequest (RFC 8446 §4.1.3). */
export const HRR_RANDOM: Uint8Array = new Uint8Array([
  0xcf,
  0x21,
  0xad,
  0x74,
  0xe5,
  0x9a,
  0x61,
  0x11,
  0xbe,
  0x1d,
  0x8c,
  0x02,
  0x1e,
  0x65,
  0xb8,
  0x91,
  0xc2,
  0xa2,
  0x11,
  0x16,
  0x7a,
  0xbb,
  0x8c,
  0x5e,
  0x07,
  0x9e,
  0x09,
  0xe2,
  0xc8,
  0xa8,
  0x33,
  0x9c,
]);

/** A parsed ServerHello or HelloRetryRequest. */
export interface ServerHello {
  readonly random: Uint8Array;
  /** True for a HelloRetryRequest. */
  readonly isHelloRetryRequest: boolean;
  readonly legacySessionIdEcho: Uint8Array;
  readonly cipherSuite: number;
  /** Extensions by type. */
  readonly extensions: Map<number, Uint8Array>;
}

/**
 * Parses a ServerHello body (either kind).
 *
 * @throws {TlsAlert} decode_error when malformed, illegal_parameter for a
 *   non-null compression method or misplaced extensions.
 */
export function parseServerHello(body: Uint8Array): ServerHello {
  return parseBody(body, "ServerHello", (r) => {
    r.u16(); // legacy_version
    const random = r.bytes(RANDOM_LENGTH);
    const isHelloRetryRequest = bytesEqual(random, HRR_RANDOM);
    const legacySessionIdEcho = readVec8(r);
    if (legacySessionIdEcho.length > 32) {
      throw decodeError("Cannot parse ServerHello: legacy_session_id_echo over 32 bytes");
    }
    const cipherSuite = r.u16();
    if (r.u8() !== 0) throw illegalParameter("Cannot accept ServerHello: compression method not 0");
    const extensions = parseExtensions(r, isHelloRetryRequest ? "HRR" : "SH");
    return { random, isHelloRetryRequest, legacySessionIdEcho, cipherSuite, extensions };
  });
}

/** Encodes a ServerHello (or, with {@link HRR_RANDOM}, a HelloRetryRequest), header included. */
export function writeServerHello(sh: {
  readonly random: Uint8Array;
  readonly legacySessionIdEcho: Uint8Array;
  readonly cipherSuite: number;
  readonly extensions: readonly Extension[];
}): Uint8Array {
  const w = Writer.growable(128);
  w.u8(HandshakeType.SERVER_HELLO);
  writeNested(w, 3, () => {
    w.u16(LEGACY_VERSION);
    w.bytes(sh.random);
    writeVec8(w, sh.legacySessionIdEcho);
    w.u16(sh.cipherSuite);
    w.u8(0);
    writeNested(w, 2, () => {
      for (const e of sh.extensions) {
        w.u16(e.type);
        writeNested(w, 2, () => w.bytes(e.data));
      }
    });
  });
  return w.toBytes().slice();
}
