/**
 * Codecs of the extension bodies we use (RFC 8446 §4.2, RFC 6066 §3,
 * RFC 7301 §3.1). Each `parse*` reads one whole `extension_data` and turns
 * truncation or trailing bytes into decode_error.
 *
 * @module
 */

import { Reader } from "../wire/reader.ts";
import { Writer } from "../wire/writer.ts";
import { decodeError, illegalParameter } from "./alert.ts";
import {
  readVec16,
  readVec8,
  subReader16,
  subReader8,
  writeNested,
  writeVec16,
  writeVec8,
} from "./messages/codec.ts";

/** Runs `fill` on a fresh growable writer and returns the bytes. */
function build(fill: (w: Writer) => void): Uint8Array {
  const w = Writer.growable(64);
  fill(w);
  return w.toBytes().slice();
}

/** Parses an extension body fully, turning truncation into decode_error. */
function parseExt<T>(data: Uint8Array, name: string, parse: (r: Reader) => T): T {
  const r = new Reader(data);
  let v: T;
  try {
    v = parse(r);
  } catch (e) {
    if (e instanceof RangeError) throw decodeError(`Cannot parse ${name}: truncated`);
    throw e;
  }
  if (!r.eof) throw decodeError(`Cannot parse ${name}: trailing bytes`);
  return v;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// --- server_name (RFC 6066 §3) ------------------------------------------------

/** `ServerNameList` with one host_name entry. */
export function encodeServerName(name: string): Uint8Array {
  return build((w) =>
    writeNested(w, 2, () => {
      w.u8(0);
      writeVec16(w, encoder.encode(name));
    })
  );
}

/** The host_name of a `ServerNameList` (empty string for the server's empty echo). */
export function parseServerName(data: Uint8Array): string {
  if (data.length === 0) return "";
  return parseExt(data, "server_name", (r) => {
    const list = subReader16(r);
    let host = "";
    if (list.eof) throw decodeError("Cannot parse server_name: empty list");
    while (!list.eof) {
      const type = list.u8();
      const name = readVec16(list);
      if (type === 0) {
        if (host !== "") throw illegalParameter("Cannot accept server_name: two host names");
        if (name.length === 0) throw decodeError("Cannot parse server_name: empty host name");
        host = decoder.decode(name);
      }
    }
    return host;
  });
}

// --- lists of u16: supported_groups, signature_algorithms (§4.2.7, §4.2.3) ----

/** A `uint16 list<2..2^16-2>`. */
export function encodeU16List(values: readonly number[]): Uint8Array {
  return build((w) => writeNested(w, 2, () => values.forEach((v) => w.u16(v))));
}

/** Parses a non-empty `uint16 list<2..2^16-2>`. */
export function parseU16List(data: Uint8Array, name: string): number[] {
  return parseExt(data, name, (r) => {
    const list = subReader16(r);
    if (list.remaining === 0 || list.remaining % 2 !== 0) {
      throw decodeError(`Cannot parse ${name}: bad list length ${list.remaining}`);
    }
    const out: number[] = [];
    while (!list.eof) out.push(list.u16());
    return out;
  });
}

// --- ALPN (RFC 7301 §3.1) ------------------------------------------------------

/** `ProtocolNameList`. */
export function encodeAlpn(protocols: readonly string[]): Uint8Array {
  return build((w) =>
    writeNested(w, 2, () => protocols.forEach((p) => writeVec8(w, encoder.encode(p))))
  );
}

/** Parses a non-empty `ProtocolNameList` of non-empty names. */
export function parseAlpn(data: Uint8Array): string[] {
  return parseExt(data, "application_layer_protocol_negotiation", (r) => {
    const list = subReader16(r);
    const out: string[] = [];
    while (!list.eof) {
      const name = readVec8(list);
      if (name.length === 0) throw decodeError("Cannot parse ALPN: empty protocol name");
      out.push(decoder.decode(name));
    }
    if (out.length === 0) throw decodeError("Cannot parse ALPN: empty list");
    return out;
  });
}

// --- supported_versions (§4.2.1) ------------------------------------------------

/** The TLS 1.3 version number. */
export const TLS13 = 0x0304;

/** ClientHello form: `ProtocolVersion versions<2..254>`. */
export function encodeSupportedVersionsClient(versions: readonly number[]): Uint8Array {
  return build((w) => writeNested(w, 1, () => versions.forEach((v) => w.u16(v))));
}

/** Parses the ClientHello form. */
export function parseSupportedVersionsClient(data: Uint8Array): number[] {
  return parseExt(data, "supported_versions", (r) => {
    const list = subReader8(r);
    if (list.remaining === 0 || list.remaining % 2 !== 0) {
      throw decodeError("Cannot parse supported_versions: bad list length");
    }
    const out: number[] = [];
    while (!list.eof) out.push(list.u16());
    return out;
  });
}

/** ServerHello form: `ProtocolVersion selected_version`. */
export function encodeSupportedVersionsServer(version: number): Uint8Array {
  return new Uint8Array([version >>> 8, version & 0xff]);
}

/** Parses the ServerHello form. */
export function parseSupportedVersionsServer(data: Uint8Array): number {
  return parseExt(data, "supported_versions", (r) => r.u16());
}

// --- psk_key_exchange_modes (§4.2.9) ----------------------------------------------

/** PSK key exchange modes. */
export const PskMode = { PSK_KE: 0, PSK_DHE_KE: 1 } as const;

/** `PskKeyExchangeMode ke_modes<1..255>`. */
export function encodePskModes(modes: readonly number[]): Uint8Array {
  return build((w) => writeVec8(w, new Uint8Array(modes)));
}

/** Parses `ke_modes`. */
export function parsePskModes(data: Uint8Array): number[] {
  return parseExt(data, "psk_key_exchange_modes", (r) => {
    const v = readVec8(r);
    if (v.length === 0) throw decodeError("Cannot parse psk_key_exchange_modes: empty");
    return Array.from(v);
  });
}

// --- key_share (§4.2.8) ------------------------------------------------------------

/** One `KeyShareEntry`. */
export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}

function writeKeyShareEntry(w: Writer, e: KeyShareEntry): void {
  w.u16(e.group);
  writeVec16(w, e.keyExchange);
}

function readKeyShareEntry(r: Reader): KeyShareEntry {
  const group = r.u16();
  const keyExchange = readVec16(r);
  if (keyExchange.length === 0) throw decodeError("Cannot parse key_share: empty key");
  return { group, keyExchange };
}

/** ClientHello form: `KeyShareEntry client_shares<0..2^16-1>`. */
export function encodeKeyShareClient(entries: readonly KeyShareEntry[]): Uint8Array {
  return build((w) => writeNested(w, 2, () => entries.forEach((e) => writeKeyShareEntry(w, e))));
}

/** Parses the ClientHello form; a group offered twice is illegal_parameter. */
export function parseKeyShareClient(data: Uint8Array): KeyShareEntry[] {
  return parseExt(data, "key_share", (r) => {
    const list = subReader16(r);
    const out: KeyShareEntry[] = [];
    while (!list.eof) {
      const e = readKeyShareEntry(list);
      if (out.some((o) => o.group === e.group)) {
        throw illegalParameter(`Cannot accept key_share: group ${e.group} twice`);
      }
      out.push(e);
    }
    return out;
  });
}

/** ServerHello form: one `KeyShareEntry server_share`. */
export function encodeKeyShareServer(entry: KeyShareEntry): Uint8Array {
  return build((w) => writeKeyShareEntry(w, entry));
}

/** Parses the ServerHello form. */
export function parseKeyShareServer(data: Uint8Array): KeyShareEntry {
  return parseExt(data, "key_share", readKeyShareEntry);
}

/** HelloRetryRequest form: `NamedGroup selected_group`. */
export function encodeKeyShareHrr(group: number): Uint8Array {
  return new Uint8Array([group >>> 8, group & 0xff]);
}

/** Parses the HelloRetryRequest form. */
export function parseKeyShareHrr(data: Uint8Array): number {
  return parseExt(data, "key_share", (r) => r.u16());
}

// --- pre_shared_key (§4.2.11) --------------------------------------------------------

/** One `PskIdentity`. */
export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscatedTicketAge: number;
}

/** The ClientHello form of pre_shared_key. */
export interface OfferedPsks {
  readonly identities: readonly PskIdentity[];
  readonly binders: readonly Uint8Array[];
  /** Encoded size of the `binders` vector, length prefix included. */
  readonly bindersLength: number;
}

/**
 * Encodes `OfferedPsks`; binders are written as given (zeros as placeholders
 * before the binder values are known).
 */
export function encodeOfferedPsks(
  identities: readonly PskIdentity[],
  binders: readonly Uint8Array[],
): Uint8Array {
  return build((w) => {
    writeNested(w, 2, () => {
      for (const id of identities) {
        writeVec16(w, id.identity);
        w.u32(id.obfuscatedTicketAge >>> 0);
      }
    });
    writeNested(w, 2, () => binders.forEach((b) => writeVec8(w, b)));
  });
}

/** Size of the binders vector for binders of these lengths. */
export function bindersLength(lengths: readonly number[]): number {
  return 2 + lengths.reduce((n, l) => n + 1 + l, 0);
}

/** Parses `OfferedPsks`; identities and binders must pair up. */
export function parseOfferedPsks(data: Uint8Array): OfferedPsks {
  return parseExt(data, "pre_shared_key", (r) => {
    const ids = subReader16(r);
    const identities: PskIdentity[] = [];
    while (!ids.eof) {
      const identity = readVec16(ids);
      if (identity.length === 0) throw decodeError("Cannot parse pre_shared_key: empty identity");
      identities.push({ identity, obfuscatedTicketAge: ids.u32() });
    }
    const start = r.pos;
    const bs = subReader16(r);
    const binders: Uint8Array[] = [];
    while (!bs.eof) {
      const b = readVec8(bs);
      if (b.length < 32) throw decodeError("Cannot parse pre_shared_key: binder too short");
      binders.push(b);
    }
    if (identities.length === 0 || identities.length !== binders.length) {
      throw illegalParameter(
        `Cannot accept pre_shared_key: ${identities.length} identities, ${binders.length} binders`,
      );
    }
    return { identities, binders, bindersLength: r.pos - start };
  });
}

/** ServerHello form: `uint16 selected_identity`. */
export function encodeSelectedIdentity(index: number): Uint8Array {
  return new Uint8Array([index >>> 8, index & 0xff]);
}

/** Parses the ServerHello form. */
export function parseSelectedIdentity(data: Uint8Array): number {
  return parseExt(data, "pre_shared_key", (r) => r.u16());
}

// --- early_data (§4.2.10), cookie (§4.2.2) -------------------------------------------

/** NewSessionTicket form: `uint32 max_early_data_size`. */
export function encodeMaxEarlyData(max: number): Uint8Array {
  return build((w) => w.u32(max >>> 0));
}

/** Parses the NewSessionTicket form. */
export function parseMaxEarlyData(data: Uint8Array): number {
  return parseExt(data, "early_data", (r) => r.u32());
}

/** Checks the empty ClientHello/EncryptedExtensions form. */
export function parseEmptyExtension(data: Uint8Array, name: string): void {
  if (data.length !== 0) throw decodeError(`Cannot parse ${name}: expected an empty body`);
}

/** `opaque cookie<1..2^16-1>`. */
export function encodeCookie(cookie: Uint8Array): Uint8Array {
  return build((w) => writeVec16(w, cookie));
}

/** Parses a cookie. */
export function parseCookie(data: Uint8Array): Uint8Array {
  return parseExt(data, "cookie", (r) => {
    const c = readVec16(r);
    if (c.length === 0) throw decodeError("Cannot parse cookie: empty");
    return c;
  });
}
