/** Server checks of crafted ClientHellos. */

import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { demoCertificates, serverConfig } from "./_test_helpers.ts";
import {
  encodeAlpn,
  encodeKeyShareClient,
  encodePskModes,
  encodeSupportedVersionsClient,
  encodeU16List,
  type Extension,
  ExtensionType,
} from "./extensions.ts";
import { generateKeyShare } from "./key_exchange.ts";
import { writeClientHello } from "./messages/client_hello.ts";
import { createServerSession } from "./server.ts";
import { EncryptionLevel, NamedGroup, TlsAlert, type TlsEvent } from "./session.ts";

const share = generateKeyShare(NamedGroup.X25519, new SeededRandom(4));

/** The extensions of a valid ClientHello, by type. */
function baseExtensions(): Map<number, Uint8Array> {
  return new Map<number, Uint8Array>([
    [ExtensionType.SUPPORTED_VERSIONS, encodeSupportedVersionsClient([0x0304])],
    [ExtensionType.SUPPORTED_GROUPS, encodeU16List([0x1d, 0x17])],
    [
      ExtensionType.KEY_SHARE,
      encodeKeyShareClient([{ group: 0x1d, keyExchange: share.publicKey }]),
    ],
    [ExtensionType.SIGNATURE_ALGORITHMS, encodeU16List([0x0403, 0x0807, 0x0804])],
    [ExtensionType.ALPN, encodeAlpn(["h3"])],
    [ExtensionType.PSK_KEY_EXCHANGE_MODES, encodePskModes([1])],
    [0x39, new Uint8Array([1, 2])],
  ]);
}

function hello(edit: (m: Map<number, Uint8Array>) => void, suites = [0x1301]): Uint8Array {
  const m = baseExtensions();
  edit(m);
  const extensions: Extension[] = [...m].map(([type, data]) => ({ type, data }));
  return writeClientHello({ random: new Uint8Array(32).fill(1), cipherSuites: suites, extensions });
}

async function serverAlert(msg: Uint8Array): Promise<number> {
  const s = createServerSession(serverConfig(await demoCertificates()));
  try {
    s.receive(EncryptionLevel.Initial, msg, 0);
  } catch (e) {
    if (e instanceof TlsAlert) return e.alert;
    throw e;
  }
  return -1;
}

Deno.test("server answers a crafted valid ClientHello with a full flight", async () => {
  const s = createServerSession(serverConfig(await demoCertificates()));
  s.receive(EncryptionLevel.Initial, hello(() => {}), 0);
  const levels: number[] = [];
  for (let e: TlsEvent | null = s.pollEvent(); e !== null; e = s.pollEvent()) {
    if (e.type === "data") levels.push(e.level);
  }
  assert.deepEqual(levels, [EncryptionLevel.Initial, EncryptionLevel.Handshake]);
});

Deno.test("server refuses a ClientHello without ALPN with no_application_protocol", async () => {
  assert.equal(await serverAlert(hello((m) => m.delete(ExtensionType.ALPN))), 120);
});

Deno.test("server refuses a ClientHello without TLS 1.3 with protocol_version", async () => {
  assert.equal(await serverAlert(hello((m) => m.delete(ExtensionType.SUPPORTED_VERSIONS))), 70);
  const tls12 = encodeSupportedVersionsClient([0x0303]);
  assert.equal(await serverAlert(hello((m) => m.set(ExtensionType.SUPPORTED_VERSIONS, tls12))), 70);
});

Deno.test("server refuses a ClientHello without key_share or signature_algorithms", async () => {
  assert.equal(await serverAlert(hello((m) => m.delete(ExtensionType.KEY_SHARE))), 109);
  assert.equal(await serverAlert(hello((m) => m.delete(ExtensionType.SIGNATURE_ALGORITHMS))), 109);
});

Deno.test("server refuses a key share for a group not in supported_groups", async () => {
  const groups = encodeU16List([0x17]);
  assert.equal(await serverAlert(hello((m) => m.set(ExtensionType.SUPPORTED_GROUPS, groups))), 47);
});

Deno.test("server refuses signature schemes its certificate cannot make", async () => {
  const rsaOnly = encodeU16List([0x0804]);
  assert.equal(
    await serverAlert(hello((m) => m.set(ExtensionType.SIGNATURE_ALGORITHMS, rsaOnly))),
    40,
  );
});

Deno.test("server refuses a bad X25519 key share with illegal_parameter", async () => {
  const bad = encodeKeyShareClient([{ group: 0x1d, keyExchange: new Uint8Array(32) }]);
  assert.equal(await serverAlert(hello((m) => m.set(ExtensionType.KEY_SHARE, bad))), 47);
});

Deno.test("server refuses a second ClientHello that still offers early_data", async () => {
  const s = createServerSession(serverConfig(await demoCertificates(), { groups: [0x17] }));
  s.receive(EncryptionLevel.Initial, hello(() => {}), 0);
  const hrr = s.pollEvent();
  assert.ok(hrr?.type === "data" && hrr.level === EncryptionLevel.Initial);
  const p256 = generateKeyShare(NamedGroup.SECP256R1, new SeededRandom(5));
  const ch2 = hello((m) => {
    m.set(
      ExtensionType.KEY_SHARE,
      encodeKeyShareClient([{ group: 0x17, keyExchange: p256.publicKey }]),
    );
    m.set(ExtensionType.EARLY_DATA, new Uint8Array(0));
  });
  assert.throws(
    () => s.receive(EncryptionLevel.Initial, ch2, 0),
    (e) => e instanceof TlsAlert && e.alert === 47,
  );
});

Deno.test("server refuses a second ClientHello without the requested key share", async () => {
  const s = createServerSession(serverConfig(await demoCertificates(), { groups: [0x17] }));
  s.receive(EncryptionLevel.Initial, hello(() => {}), 0);
  assert.throws(
    () => s.receive(EncryptionLevel.Initial, hello(() => {}), 0),
    (e) => e instanceof TlsAlert && e.alert === 47,
  );
});
