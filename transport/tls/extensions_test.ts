import assert from "node:assert/strict";
import { Reader } from "../wire/reader.ts";
import { Writer } from "../wire/writer.ts";
import {
  encodeAlpn,
  encodeKeyShareClient,
  encodeServerName,
  encodeSupportedVersionsClient,
  encodeU16List,
  extensionName,
  EXTENSIONS,
  parseAlpn,
  parseExtensions,
  parseKeyShareClient,
  parseServerName,
  parseSupportedVersionsClient,
  parseU16List,
  writeExtensions,
} from "./extensions.ts";
import { TlsAlert } from "./session.ts";

function alertOf(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    if (e instanceof TlsAlert) return e.alert;
    throw e;
  }
  return -1;
}

function block(exts: { type: number; data: Uint8Array }[]): Reader {
  const w = Writer.growable();
  writeExtensions(w, exts);
  return new Reader(w.toBytes());
}

Deno.test("extension body codecs round-trip", () => {
  assert.equal(parseServerName(encodeServerName("example.org")), "example.org");
  assert.equal(parseServerName(new Uint8Array(0)), "");
  assert.deepEqual(parseAlpn(encodeAlpn(["h3", "hq-interop"])), ["h3", "hq-interop"]);
  assert.deepEqual(parseU16List(encodeU16List([0x1d, 0x17]), "supported_groups"), [0x1d, 0x17]);
  assert.deepEqual(parseSupportedVersionsClient(encodeSupportedVersionsClient([0x0304])), [0x0304]);
  const shares = [{ group: 0x1d, keyExchange: new Uint8Array(32).fill(1) }];
  assert.deepEqual(parseKeyShareClient(encodeKeyShareClient(shares)), shares);
});

Deno.test("extension body parsers refuse malformed bodies with decode_error", () => {
  assert.equal(alertOf(() => parseAlpn(new Uint8Array([0, 0]))), 50);
  assert.equal(alertOf(() => parseAlpn(new Uint8Array([0, 1, 0]))), 50);
  assert.equal(alertOf(() => parseU16List(new Uint8Array([0, 3, 0, 1, 2]), "x")), 50);
  assert.equal(alertOf(() => parseServerName(new Uint8Array([0, 5, 0, 0]))), 50);
  assert.equal(alertOf(() => parseAlpn(new Uint8Array([...encodeAlpn(["h3"]), 0]))), 50);
});

Deno.test("parseKeyShareClient() refuses a group offered twice", () => {
  const e = { group: 0x1d, keyExchange: new Uint8Array(32) };
  assert.equal(alertOf(() => parseKeyShareClient(encodeKeyShareClient([e, e]))), 47);
});

Deno.test("parseExtensions() applies the RFC 8446 §4.2 placement rules", () => {
  const alpn = { type: 16, data: encodeAlpn(["h3"]) };
  assert.equal(parseExtensions(block([alpn]), "EE").size, 1);
  // ALPN does not belong in a ServerHello.
  assert.equal(alertOf(() => parseExtensions(block([alpn]), "SH")), 47);
  // Unknown: ignored in a ClientHello, unsupported_extension from a server.
  assert.equal(parseExtensions(block([{ type: 0x4a4a, data: new Uint8Array(0) }]), "CH").size, 1);
  assert.equal(
    alertOf(() => parseExtensions(block([{ type: 0x4a4a, data: new Uint8Array(0) }]), "EE")),
    110,
  );
});

Deno.test("EXTENSIONS has one row per type and names them", () => {
  assert.equal(new Set(EXTENSIONS.map((r) => r.type)).size, EXTENSIONS.length);
  assert.equal(extensionName(0x39), "quic_transport_parameters");
  assert.equal(extensionName(9999), "extension(9999)");
});
