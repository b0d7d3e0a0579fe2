/**
 * Certificate (RFC 8446 §4.4.2), X.509 form only.
 *
 * ```
 * struct {
 *     opaque cert_data<1..2^24-1>;
 *     Extension extensions<0..2^16-1>;
 * } CertificateEntry;
 *
 * struct {
 *     opaque certificate_request_context<0..2^8-1>;
 *     CertificateEntry certificate_list<0..2^24-1>;
 * } Certificate;
 * ```
 *
 * Per-entry extensions (OCSP, SCT) are parsed for well-formedness and dropped.
 *
 * @module
 */

import { Reader } from "../../wire/reader.ts";
import { Writer } from "../../wire/writer.ts";
import { decodeError } from "../alert.ts";
import { parseExtensions, writeExtensions } from "../extensions.ts";
import { parseBody, readVec24, readVec8, writeNested, writeVec24, writeVec8 } from "./codec.ts";
import { HandshakeType } from "./handshake.ts";

/** A parsed Certificate message. */
export interface CertificateMessage {
  readonly requestContext: Uint8Array;
  /** DER certificates, leaf first. */
  readonly chain: readonly Uint8Array[];
}

/** Parses a Certificate body. */
export function parseCertificate(body: Uint8Array): CertificateMessage {
  return parseBody(body, "Certificate", (r) => {
    const requestContext = readVec8(r);
    const list = new Reader(readVec24(r));
    const chain: Uint8Array[] = [];
    while (!list.eof) {
      const der = readVec24(list);
      if (der.length === 0) throw decodeError("Cannot parse Certificate: empty cert_data");
      parseExtensions(list, "CT");
      chain.push(der);
    }
    return { requestContext, chain };
  });
}

/** Encodes a Certificate message (entries without extensions), header included. */
export function writeCertificate(
  requestContext: Uint8Array,
  chain: readonly Uint8Array[],
): Uint8Array {
  const w = Writer.growable(2048);
  w.u8(HandshakeType.CERTIFICATE);
  writeNested(w, 3, () => {
    writeVec8(w, requestContext);
    writeNested(w, 3, () => {
      for (const der of chain) {
        writeVec24(w, der);
        writeExtensions(w, []);
      }
    });
  });
  return w.toBytes().slice();
}
