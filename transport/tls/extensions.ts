/**
 * TLS 1.3 extensions (RFC 8446 §4.2): one table of the extensions we know,
 * with the messages each may appear in, the generic extension-block codec
 * that checks duplicates and placement, and the codecs of the extension
 * bodies we use.
 *
 * ```
 * struct {
 *     ExtensionType extension_type;        // uint16
 *     opaque extension_data<0..2^16-1>;
 * } Extension;
 * ```
 *
 * Rules applied when parsing a block (RFC 8446 §4.2): a duplicate extension
 * is illegal_parameter ("There MUST NOT be more than one extension of the same
 * type"), a known extension in a message it does not belong to is
 * illegal_parameter, an unknown extension in a server message is
 * unsupported_extension (we never ask for one), pre_shared_key must be the
 * last extension of a ClientHello (illegal_parameter, §4.2.11).
 *
 * @module
 */

import type { Reader } from "../wire/reader.ts";
import type { Writer } from "../wire/writer.ts";
import { Alert, illegalParameter } from "./alert.ts";
import { readVec16, subReader16, writeNested, writeVec16 } from "./messages/codec.ts";
import { TlsAlert } from "./session.ts";

export * from "./extension_bodies.ts";

/** Extension type numbers we know. */
export const ExtensionType = {
  SERVER_NAME: 0,
  MAX_FRAGMENT_LENGTH: 1,
  STATUS_REQUEST: 5,
  SUPPORTED_GROUPS: 10,
  SIGNATURE_ALGORITHMS: 13,
  USE_SRTP: 14,
  HEARTBEAT: 15,
  ALPN: 16,
  SIGNED_CERTIFICATE_TIMESTAMP: 18,
  CLIENT_CERTIFICATE_TYPE: 19,
  SERVER_CERTIFICATE_TYPE: 20,
  PADDING: 21,
  RECORD_SIZE_LIMIT: 28,
  PRE_SHARED_KEY: 41,
  EARLY_DATA: 42,
  SUPPORTED_VERSIONS: 43,
  COOKIE: 44,
  PSK_KEY_EXCHANGE_MODES: 45,
  CERTIFICATE_AUTHORITIES: 47,
  OID_FILTERS: 48,
  POST_HANDSHAKE_AUTH: 49,
  SIGNATURE_ALGORITHMS_CERT: 50,
  KEY_SHARE: 51,
  /** RFC 9001 §8.2. */
  QUIC_TRANSPORT_PARAMETERS: 0x39,
  /** The codepoint draft-29 (and PQUIC) use for transport parameters. */
  QUIC_TRANSPORT_PARAMETERS_DRAFT: 0xffa5,
} as const;

/** Messages that carry extensions (RFC 8446 §4.2 table column "TLS 1.3"). */
export type ExtensionMessage = "CH" | "SH" | "HRR" | "EE" | "CT" | "CR" | "NST";

/** One row of the extension table. */
export interface ExtensionRow {
  readonly type: number;
  readonly name: string;
  /** The messages it may appear in. */
  readonly messages: readonly ExtensionMessage[];
}

/** RFC 8446 §4.2's table, for the extensions we may meet (plus RFC 9001 §8.2). */
export const EXTENSIONS: readonly ExtensionRow[] = [
  { type: 0, name: "server_name", messages: ["CH", "EE"] },
  { type: 1, name: "max_fragment_length", messages: ["CH", "EE"] },
  { type: 5, name: "status_request", messages: ["CH", "CR", "CT"] },
  { type: 10, name: "supported_groups", messages: ["CH", "EE"] },
  { type: 13, name: "signature_algorithms", messages: ["CH", "CR"] },
  { type: 14, name: "use_srtp", messages: ["CH", "EE"] },
  { type: 15, name: "heartbeat", messages: ["CH", "EE"] },
  { type: 16, name: "application_layer_protocol_negotiation", messages: ["CH", "EE"] },
  { type: 18, name: "signed_certificate_timestamp", messages: ["CH", "CR", "CT"] },
  { type: 19, name: "client_certificate_type", messages: ["CH", "EE"] },
  { type: 20, name: "server_certificate_type", messages: ["CH", "EE"] },
  { type: 21, name: "padding", messages: ["CH"] },
  { type: 28, name: "record_size_limit", messages: ["CH", "EE"] },
  { type: 41, name: "pre_shared_key", messages: ["CH", "SH"] },
  { type: 42, name: "early_data", messages: ["CH", "EE", "NST"] },
  { type: 43, name: "supported_versions", messages: ["CH", "SH", "HRR"] },
  { type: 44, name: "cookie", messages: ["CH", "HRR"] },
  { type: 45, name: "psk_key_exchange_modes", messages: ["CH"] },
  { type: 47, name: "certificate_authorities", messages: ["CH", "CR"] },
  { type: 48, name: "oid_filters", messages: ["CR"] },
  { type: 49, name: "post_handshake_auth", messages: ["CH"] },
  { type: 50, name: "signature_algorithms_cert", messages: ["CH", "CR"] },
  { type: 51, name: "key_share", messages: ["CH", "SH", "HRR"] },
  { type: 0x39, name: "quic_transport_parameters", messages: ["CH", "EE"] },
  { type: 0xffa5, name: "quic_transport_parameters_draft", messages: ["CH", "EE"] },
];

const BY_TYPE = new Map(EXTENSIONS.map((row) => [row.type, row]));

/** The name of an extension type, or its number. */
export function extensionName(type: number): string {
  return BY_TYPE.get(type)?.name ?? `extension(${type})`;
}

/** An extension as it appears in a message. */
export interface Extension {
  readonly type: number;
  readonly data: Uint8Array;
}

/**
 * Parses an extension block (`Extension extensions<0..2^16-1>`) at `r`.
 *
 * @param r Reader at the 2-byte block length.
 * @param message The message the block belongs to, for the placement rules.
 * @returns The extensions by type, in order of appearance.
 * @throws {TlsAlert} decode_error, illegal_parameter or unsupported_extension.
 */
export function parseExtensions(r: Reader, message: ExtensionMessage): Map<number, Uint8Array> {
  const block = subReader16(r);
  const out = new Map<number, Uint8Array>();
  while (!block.eof) {
    const type = block.u16();
    const data = readVec16(block);
    if (out.has(type)) {
      throw illegalParameter(`Cannot accept ${message}: duplicate ${extensionName(type)}`);
    }
    if (message === "CH" && out.has(ExtensionType.PRE_SHARED_KEY)) {
      throw illegalParameter("Cannot accept ClientHello: pre_shared_key is not the last extension");
    }
    const row = BY_TYPE.get(type);
    if (row === undefined) {
      // Unknown extensions in a ClientHello are ignored (§4.1.2); servers only
      // answer what was asked, so an unknown one from a server was never asked.
      if (message !== "CH" && message !== "CR" && message !== "NST") {
        throw new TlsAlert(
          Alert.UNSUPPORTED_EXTENSION,
          `Cannot accept ${message}: unrequested extension ${type}`,
        );
      }
    } else if (!row.messages.includes(message)) {
      throw illegalParameter(`Cannot accept ${message}: ${row.name} does not belong there`);
    }
    out.set(type, data);
  }
  return out;
}

/** Writes an extension block. */
export function writeExtensions(w: Writer, exts: readonly Extension[]): void {
  writeNested(w, 2, () => {
    for (const e of exts) {
      w.u16(e.type);
      writeVec16(w, e.data);
    }
  });
}
