import assert from "node:assert/strict";
import { ExtensionType, parseKeyShareClient, parseOfferedPsks } from "../extensions.ts";
import { TlsAlert } from "../session.ts";
import { CLIENT_HELLO, CLIENT_PUBLIC } from "../testdata/rfc8448.ts";
import { parseClientHello, patchBinders, writeClientHello } from "./client_hello.ts";
import { encodeOfferedPsks } from "../extensions.ts";

function alertOf(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    if (e instanceof TlsAlert) return e.alert;
    throw e;
  }
  return -1;
}

Deno.test("parseClientHello() reads the RFC 8448 §3 ClientHello", () => {
  const ch = parseClientHello(CLIENT_HELLO.subarray(4));
  assert.deepEqual(ch.cipherSuites, [0x1301, 0x1303, 0x1302]);
  assert.equal(ch.legacySessionId.length, 0);
  assert.deepEqual([...ch.compressionMethods], [0]);
  assert.equal(ch.bindersLength, 0);
  const ks = parseKeyShareClient(ch.extensions.get(ExtensionType.KEY_SHARE)!);
  assert.equal(ks.length, 1);
  assert.equal(ks[0]!.group, 0x1d);
  assert.deepEqual(ks[0]!.keyExchange, CLIENT_PUBLIC);
  // Unknown extensions (renegotiation_info, session_ticket) are kept, not refused.
  assert.ok(ch.extensions.has(0xff01));
  assert.ok(ch.extensions.has(0x23));
});

Deno.test("writeClientHello() round-trips through parseClientHello()", () => {
  const random = new Uint8Array(32).fill(7);
  const msg = writeClientHello({
    random,
    cipherSuites: [0x1301, 0x1303],
    extensions: [
      { type: ExtensionType.ALPN, data: new Uint8Array([0, 3, 2, 104, 51]) },
      { type: 0x39, data: new Uint8Array([1, 2]) },
    ],
  });
  const ch = parseClientHello(msg.subarray(4));
  assert.deepEqual(ch.random, random);
  assert.deepEqual(ch.cipherSuites, [0x1301, 0x1303]);
  assert.deepEqual(ch.extensions.get(0x39), new Uint8Array([1, 2]));
});

Deno.test("patchBinders() fills the binders vector in place", () => {
  const psk = encodeOfferedPsks([{ identity: new Uint8Array([5]), obfuscatedTicketAge: 9 }], [
    new Uint8Array(32),
  ]);
  const msg = writeClientHello({
    random: new Uint8Array(32),
    cipherSuites: [0x1301],
    extensions: [{ type: ExtensionType.PRE_SHARED_KEY, data: psk }],
  });
  const binder = new Uint8Array(32).fill(0xab);
  patchBinders(msg, [binder]);
  const ch = parseClientHello(msg.subarray(4));
  assert.equal(ch.bindersLength, 35);
  const offered = parseOfferedPsks(ch.extensions.get(ExtensionType.PRE_SHARED_KEY)!);
  assert.deepEqual(offered.binders[0], binder);
  assert.equal(offered.identities[0]!.obfuscatedTicketAge, 9);
});

Deno.test("parseClientHello() refuses pre_shared_key before another extension", () => {
  const psk = encodeOfferedPsks([{ identity: new Uint8Array([5]), obfuscatedTicketAge: 0 }], [
    new Uint8Array(32),
  ]);
  const msg = writeClientHello({
    random: new Uint8Array(32),
    cipherSuites: [0x1301],
    extensions: [
      { type: ExtensionType.PRE_SHARED_KEY, data: psk },
      { type: ExtensionType.ALPN, data: new Uint8Array([0, 3, 2, 104, 51]) },
    ],
  });
  assert.equal(alertOf(() => parseClientHello(msg.subarray(4))), 47);
});

Deno.test("parseClientHello() refuses a duplicate extension with illegal_parameter", () => {
  const msg = writeClientHello({
    random: new Uint8Array(32),
    cipherSuites: [0x1301],
    extensions: [{ type: 0x39, data: new Uint8Array(0) }, { type: 0x39, data: new Uint8Array(0) }],
  });
  assert.equal(alertOf(() => parseClientHello(msg.subarray(4))), 47);
});

Deno.test("parseClientHello() refuses truncation and trailing bytes with decode_error", () => {
  const body = CLIENT_HELLO.subarray(4);
  assert.equal(alertOf(() => parseClientHello(body.subarray(0, body.length - 1))), 50);
  assert.equal(alertOf(() => parseClientHello(new Uint8Array([...body, 0]))), 50);
  assert.equal(alertOf(() => parseClientHello(body.subarray(0, 20))), 50);
});
