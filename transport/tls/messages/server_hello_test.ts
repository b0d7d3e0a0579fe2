import assert from "node:assert/strict";
import { ExtensionType, parseKeyShareServer, parseSupportedVersionsServer } from "../extensions.ts";
import { TlsAlert } from "../session.ts";
import { SERVER_HELLO, SERVER_PUBLIC } from "../testdata/rfc8448.ts";
import { HRR_RANDOM, parseServerHello, writeServerHello } from "./server_hello.ts";
import { hashBytes } from "../transcript.ts";

Deno.test("parseServerHello() reads the RFC 8448 §3 ServerHello", () => {
  const sh = parseServerHello(SERVER_HELLO.subarray(4));
  assert.equal(sh.isHelloRetryRequest, false);
  assert.equal(sh.cipherSuite, 0x1301);
  assert.equal(
    parseSupportedVersionsServer(sh.extensions.get(ExtensionType.SUPPORTED_VERSIONS)!),
    0x0304,
  );
  assert.deepEqual(
    parseKeyShareServer(sh.extensions.get(ExtensionType.KEY_SHARE)!).keyExchange,
    SERVER_PUBLIC,
  );
});

Deno.test('HRR_RANDOM is SHA-256 of "HelloRetryRequest"', () => {
  assert.deepEqual(HRR_RANDOM, hashBytes("sha256", new TextEncoder().encode("HelloRetryRequest")));
});

Deno.test("writeServerHello() with HRR_RANDOM parses as a HelloRetryRequest", () => {
  const msg = writeServerHello({
    random: HRR_RANDOM,
    legacySessionIdEcho: new Uint8Array(0),
    cipherSuite: 0x1303,
    extensions: [{ type: ExtensionType.KEY_SHARE, data: new Uint8Array([0, 0x17]) }],
  });
  const hrr = parseServerHello(msg.subarray(4));
  assert.equal(hrr.isHelloRetryRequest, true);
  assert.equal(hrr.cipherSuite, 0x1303);
});

Deno.test("parseServerHello() refuses an extension that belongs to EncryptedExtensions", () => {
  const msg = writeServerHello({
    random: new Uint8Array(32),
    legacySessionIdEcho: new Uint8Array(0),
    cipherSuite: 0x1301,
    extensions: [{ type: ExtensionType.ALPN, data: new Uint8Array([0, 3, 2, 104, 51]) }],
  });
  assert.throws(
    () => parseServerHello(msg.subarray(4)),
    (e) => e instanceof TlsAlert && e.alert === 47,
  );
});

Deno.test("parseServerHello() refuses an unknown extension with unsupported_extension", () => {
  const msg = writeServerHello({
    random: new Uint8Array(32),
    legacySessionIdEcho: new Uint8Array(0),
    cipherSuite: 0x1301,
    extensions: [{ type: 0x7777, data: new Uint8Array(0) }],
  });
  assert.throws(
    () => parseServerHello(msg.subarray(4)),
    (e) => e instanceof TlsAlert && e.alert === 110,
  );
});
