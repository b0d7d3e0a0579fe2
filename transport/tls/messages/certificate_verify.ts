/**
 * CertificateVerify (RFC 8446 §4.4.3).
 *
 * ```
 * struct {
 *     SignatureScheme algorithm;
 *     opaque signature<0..2^16-1>;
 * } CertificateVerify;
 * ```
 *
 * The signature covers 64 spaces, a context string, a zero byte and the
 * transcript hash ({@link certificateVerifyContent}).
 *
 * @module
 */

import { Writer } from "../../wire/writer.ts";
import { concatBytes, parseBody, readVec16, writeNested, writeVec16 } from "./codec.ts";
import { HandshakeType } from "./handshake.ts";

/** A parsed CertificateVerify. */
export interface CertificateVerify {
  readonly scheme: number;
  readonly signature: Uint8Array;
}

/** Parses a CertificateVerify body. */
export function parseCertificateVerify(body: Uint8Array): CertificateVerify {
  return parseBody(
    body,
    "CertificateVerify",
    (r) => ({ scheme: r.u16(), signature: readVec16(r) }),
  );
}

/** Encodes a CertificateVerify message, header included. */
export function writeCertificateVerify(scheme: number, signature: Uint8Array): Uint8Array {
  const w = Writer.growable(300);
  w.u8(HandshakeType.CERTIFICATE_VERIFY);
  writeNested(w, 3, () => {
    w.u16(scheme);
    writeVec16(w, signature);
  });
  return w.toBytes().slice();
}

const PAD = new Uint8Array(64).fill(0x20);
const encoder = new TextEncoder();
const SERVER_CONTEXT = encoder.encode("TLS 1.3, server CertificateVerify");
const CLIENT_CONTEXT = encoder.encode("TLS 1.3, client CertificateVerify");

/**
 * The signed content (RFC 8446 §4.4.3).
 *
 * @param server True for the server's context string.
 * @param transcriptHash Hash of the handshake through Certificate.
 */
export function certificateVerifyContent(server: boolean, transcriptHash: Uint8Array): Uint8Array {
  return concatBytes(
    PAD,
    server ? SERVER_CONTEXT : CLIENT_CONTEXT,
    new Uint8Array([0]),
    transcriptHash,
  );
}
