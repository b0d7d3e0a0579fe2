import assert from "node:assert/strict";
import { CipherSuite } from "../tls/session.ts";
import { QuicVersion } from "../version.ts";
import { SeededRandom } from "../random.ts";
import { initialKeys, initialSecrets } from "./initial.ts";
import {
  AEAD_TAG_LENGTH,
  deriveKeyMaterial,
  DirectionalKeys,
  HeaderProtection,
  nextSecret,
  PacketAead,
} from "./packet_protection.ts";
import {
  CHACHA_HEADER,
  CHACHA_PN,
  CHACHA_SECRET,
  CLIENT_CRYPTO_FRAME,
  CLIENT_PAYLOAD_LENGTH,
  DCID,
  hex,
  SERVER_PAYLOAD,
  toHex,
  V1,
  V2,
  type VersionVectors,
} from "./testdata/vectors.ts";

const dcid = hex(DCID);

/** Protect `payload` under `header` with `keys` as a sender does; returns the packet. */
function protect(keys: DirectionalKeys, header: Uint8Array, payload: Uint8Array, pn: number) {
  const packet = new Uint8Array(header.length + payload.length + AEAD_TAG_LENGTH);
  packet.set(header);
  packet.set(payload, header.length);
  const pnLength = (header[0]! & 0x03) + 1;
  const end = keys.aead.seal(pn, packet, header.length, header.length + payload.length);
  assert.equal(end, packet.length);
  keys.hp.apply(packet, header.length - pnLength, pnLength);
  return packet;
}

/** Unprotect as a receiver does, given where the packet number starts. */
function unprotect(keys: DirectionalKeys, protectedPacket: Uint8Array, pnOffset: number) {
  const packet = protectedPacket.slice();
  const pnLength = keys.hp.remove(packet, pnOffset);
  let truncated = 0;
  for (let i = 0; i < pnLength; i++) truncated = truncated * 256 + packet[pnOffset + i]!;
  const headerLength = pnOffset + pnLength;
  const plain = keys.aead.open(truncated, packet, headerLength, packet.length);
  return { packet, pnLength, truncated, headerLength, plain };
}

function clientPayload(): Uint8Array {
  const payload = new Uint8Array(CLIENT_PAYLOAD_LENGTH);
  payload.set(hex(CLIENT_CRYPTO_FRAME));
  return payload;
}

for (const v of [V1, V2] as VersionVectors[]) {
  const rfc = v === V1 ? "RFC 9001" : "RFC 9369";

  Deno.test(`initialSecrets() matches ${rfc} §A.1 (${v.name})`, () => {
    const s = initialSecrets(v.version, dcid);
    assert.equal(toHex(s.client), v.clientSecret);
    assert.equal(toHex(s.server), v.serverSecret);
    const c = deriveKeyMaterial(CipherSuite.AES_128_GCM_SHA256, s.client, v.version);
    assert.equal(toHex(c.key), v.clientKey);
    assert.equal(toHex(c.iv), v.clientIv);
    assert.equal(toHex(c.hp), v.clientHp);
    const sv = deriveKeyMaterial(CipherSuite.AES_128_GCM_SHA256, s.server, v.version);
    assert.equal(toHex(sv.key), v.serverKey);
    assert.equal(toHex(sv.iv), v.serverIv);
    assert.equal(toHex(sv.hp), v.serverHp);
  });

  Deno.test(`PacketAead and HeaderProtection produce ${rfc} §A.2's client Initial (${v.name})`, () => {
    const client = initialKeys(v.version, dcid, true);
    const header = hex(v.clientHeader);
    const packet = protect(client.write, header, clientPayload(), 2);
    assert.equal(packet.length, 1200);
    // The sample and mask, as the appendix shows them.
    assert.equal(toHex(packet.subarray(header.length, header.length + 16)), v.clientSample);
    const mask = client.write.hp.mask(packet, header.length);
    assert.equal(toHex(mask.subarray(0, 5)), v.clientMask);
    assert.equal(toHex(packet), toHex(hex(v.clientPacket)));
  });

  Deno.test(`the server opens ${rfc} §A.2's client Initial (${v.name})`, () => {
    const server = initialKeys(v.version, dcid, false);
    const header = hex(v.clientHeader);
    const u = unprotect(server.read, hex(v.clientPacket), header.length - 4);
    assert.equal(u.pnLength, 4);
    assert.equal(u.truncated, 2);
    assert.equal(toHex(u.packet.subarray(0, u.headerLength)), v.clientHeader);
    assert.ok(u.plain !== null);
    assert.equal(toHex(u.plain), toHex(clientPayload()));
  });

  Deno.test(`PacketAead and HeaderProtection produce ${rfc} §A.3's server Initial (${v.name})`, () => {
    const server = initialKeys(v.version, dcid, false);
    const packet = protect(server.write, hex(v.serverHeader), hex(SERVER_PAYLOAD), 1);
    assert.equal(toHex(packet), toHex(hex(v.serverPacket)));
    const client = initialKeys(v.version, dcid, true);
    const u = unprotect(client.read, hex(v.serverPacket), hex(v.serverHeader).length - 2);
    assert.equal(u.pnLength, 2);
    assert.equal(u.truncated, 1);
    assert.ok(u.plain !== null);
    assert.equal(toHex(u.plain), toHex(hex(SERVER_PAYLOAD)));
  });

  Deno.test(`DirectionalKeys protect ${rfc} §A.5's ChaCha20-Poly1305 short packet (${v.name})`, () => {
    const secret = hex(CHACHA_SECRET);
    const suite = CipherSuite.CHACHA20_POLY1305_SHA256;
    const m = deriveKeyMaterial(suite, secret, v.version);
    assert.equal(toHex(m.key), v.chachaKey);
    assert.equal(toHex(m.iv), v.chachaIv);
    assert.equal(toHex(m.hp), v.chachaHp);
    assert.equal(toHex(nextSecret(suite, secret, v.version)), v.chachaKu);
    const keys = DirectionalKeys.fromSecret(suite, secret, v.version);
    const packet = protect(keys, hex(CHACHA_HEADER), new Uint8Array([0x01]), CHACHA_PN);
    assert.equal(toHex(packet), v.chachaPacket);
    const u = unprotect(keys, hex(v.chachaPacket), 1);
    assert.equal(u.pnLength, 3);
    assert.equal(u.truncated, CHACHA_PN & 0xffffff);
    // The receiver reconstructs the full number from the truncated one; the
    // AEAD must use the full number (RFC 9001 §5.3).
    const again = hex(v.chachaPacket);
    keys.hp.remove(again, 1);
    const plain = keys.aead.open(CHACHA_PN, again, 4, again.length);
    assert.deepEqual(plain, new Uint8Array([0x01]));
  });

  Deno.test(`DirectionalKeys.nextGeneration() derives ${rfc}'s "ku" secret (${v.name})`, () => {
    const suite = CipherSuite.CHACHA20_POLY1305_SHA256;
    const k0 = DirectionalKeys.fromSecret(suite, hex(CHACHA_SECRET), v.version);
    const k1 = k0.nextGeneration();
    assert.equal(toHex(k1.secret), v.chachaKu);
    assert.equal(k1.generation, 1);
    assert.equal(k1.hp, k0.hp);
    assert.notEqual(k1.aead, k0.aead);
    // Packets sealed with generation 1 do not open with generation 0, and vice versa.
    const header = hex("4000000001");
    const payload = new TextEncoder().encode("after the key update");
    const packet = new Uint8Array(header.length + payload.length + AEAD_TAG_LENGTH);
    packet.set(header);
    packet.set(payload, header.length);
    k1.aead.seal(7, packet, header.length, header.length + payload.length);
    const copy = packet.slice();
    assert.equal(k0.aead.open(7, copy, header.length, copy.length), null);
    assert.deepEqual(copy, packet, "a failed open leaves the packet untouched");
    assert.deepEqual(k1.aead.open(7, copy, header.length, copy.length), payload);
    const k2 = k1.nextGeneration();
    assert.equal(toHex(k2.secret), toHex(nextSecret(suite, k1.secret, v.version)));
    assert.equal(k2.generation, 2);
  });
}

Deno.test("nextSecret() uses distinct labels for v1, v2 and draft-29", () => {
  const secret = hex(CHACHA_SECRET);
  const suite = CipherSuite.AES_128_GCM_SHA256;
  const v1 = toHex(nextSecret(suite, secret, QuicVersion.V1));
  assert.equal(v1, V1.chachaKu);
  assert.equal(toHex(nextSecret(suite, secret, QuicVersion.DRAFT_29)), v1);
  assert.notEqual(toHex(nextSecret(suite, secret, QuicVersion.V2)), v1);
  // AES-256-GCM hashes with SHA-384: 48-byte secrets.
  assert.equal(nextSecret(CipherSuite.AES_256_GCM_SHA384, new Uint8Array(48), 1).length, 48);
});

Deno.test("PacketAead.open() refuses a flipped bit in header, payload or tag", () => {
  for (const suite of [0x1301, 0x1302, 0x1303] as const) {
    const keyLength = suite === 0x1301 ? 16 : 32;
    const aead = new PacketAead(suite, new Uint8Array(keyLength).fill(3), new Uint8Array(12));
    const header = hex("c3000000010400000001000000000007");
    const payload = new Uint8Array(300).fill(0x61);
    const packet = new Uint8Array(header.length + payload.length + 16);
    packet.set(header);
    packet.set(payload, header.length);
    const end = aead.seal(0x1234567890, packet, header.length, header.length + payload.length);
    assert.notDeepEqual(packet.subarray(header.length, header.length + 300), payload);
    for (const at of [2, header.length + 10, end - 1]) {
      const bad = packet.slice();
      bad[at] = bad[at]! ^ 0x04;
      assert.equal(aead.open(0x1234567890, bad, header.length, end), null, `bit at ${at}`);
    }
    assert.equal(aead.open(0x1234567891, packet.slice(), header.length, end), null, "wrong pn");
    assert.equal(aead.open(1, packet.slice(0, 20), header.length, 20), null, "shorter than tag");
    assert.deepEqual(aead.open(0x1234567890, packet, header.length, end), payload);
  }
});

Deno.test("PacketAead.open() returns the plaintext in a plain buffer of its own", () => {
  for (const suite of [0x1301, 0x1302, 0x1303] as const) {
    const keyLength = suite === 0x1301 ? 16 : 32;
    const aead = new PacketAead(suite, new Uint8Array(keyLength).fill(5), new Uint8Array(12));
    const header = hex("4100000001");
    const payload = new Uint8Array(2000).map((_, i) => i & 0xff);
    const packet = new Uint8Array(header.length + payload.length + 16);
    packet.set(header);
    packet.set(payload, header.length);
    const end = aead.seal(9, packet, header.length, header.length + payload.length);
    const sealed = packet.slice();
    const plain = aead.open(9, packet, header.length, end)!;
    assert.deepEqual(plain, payload);
    // Not a Node Buffer (whose slice() is a view), not the packet's memory, packet untouched.
    assert.equal(Object.getPrototypeOf(plain), Uint8Array.prototype);
    assert.notEqual(plain.buffer, packet.buffer);
    assert.deepEqual(packet, sealed);
  }
});

Deno.test("PacketAead.nonce() XORs the 62-bit packet number into the IV's last 8 bytes", () => {
  const iv = hex("fa044b2f42a3fd3b46fb255c");
  const aead = new PacketAead(CipherSuite.AES_128_GCM_SHA256, new Uint8Array(16), iv);
  assert.equal(toHex(aead.nonce(0)), "fa044b2f42a3fd3b46fb255c");
  assert.equal(toHex(aead.nonce(2)), "fa044b2f42a3fd3b46fb255e");
  // 2^53 - 1 spans both 32-bit halves.
  assert.equal(toHex(aead.nonce(2 ** 53 - 1)), "fa044b2f42bc02c4b904daa3");
});

Deno.test("HeaderProtection masks 4 bits of a long header and 5 of a short one", () => {
  for (const suite of [0x1301, 0x1303] as const) {
    const hp = new HeaderProtection(suite, new Uint8Array(suite === 0x1301 ? 16 : 32).fill(9));
    for (const first of [0xc3, 0x43]) {
      const packet = new Uint8Array(40).map((_, i) => (i * 37) & 0xff);
      packet[0] = first;
      const before = packet.slice();
      hp.apply(packet, 5, 4);
      const mask = hp.mask(packet, 9);
      const bits = first & 0x80 ? 0x0f : 0x1f;
      assert.equal(packet[0]! ^ before[0]!, mask[0]! & bits);
      assert.deepEqual(packet.subarray(9), before.subarray(9), "sample untouched");
      assert.equal(hp.remove(packet, 5), 4);
      assert.deepEqual(packet, before);
    }
    assert.throws(() => hp.remove(new Uint8Array(20), 5), RangeError);
  }
});

Deno.test("initialKeys() pairs the client's write keys with the server's read keys", () => {
  const c = initialKeys(QuicVersion.DRAFT_29, dcid, true);
  const s = initialKeys(QuicVersion.DRAFT_29, dcid, false);
  assert.deepEqual(c.write.secret, s.read.secret);
  assert.deepEqual(c.read.secret, s.write.secret);
  assert.notDeepEqual(c.write.secret, c.read.secret);
  const packet = protect(
    c.write,
    hex("c3ff00001d088394c8f03e5157080000449e00000000"),
    new Uint8Array(1162),
    0,
  );
  const u = unprotect(s.read, packet, 18);
  assert.ok(u.plain !== null);
  assert.equal(u.plain.length, 1162);
  // v1 keys do not open a draft-29 packet.
  const v1 = initialKeys(QuicVersion.V1, dcid, false);
  assert.equal(unprotect(v1.read, packet, 18).plain, null);
  assert.throws(() => initialKeys(0x1a2a3a4a, dcid, true), RangeError);
});

Deno.test("DirectionalKeys round-trip random packets for every suite and PN length", () => {
  const rng = new SeededRandom(9001);
  const suites = [
    CipherSuite.AES_128_GCM_SHA256,
    CipherSuite.AES_256_GCM_SHA384,
    CipherSuite.CHACHA20_POLY1305_SHA256,
  ] as const;
  for (let i = 0; i < 60; i++) {
    const suite = suites[i % 3]!;
    const secret = new Uint8Array(suite === CipherSuite.AES_256_GCM_SHA384 ? 48 : 32);
    rng.fill(secret);
    const version = [QuicVersion.V1, QuicVersion.V2, QuicVersion.DRAFT_29][i % 3]!;
    const sender = DirectionalKeys.fromSecret(suite, secret, version);
    const receiver = DirectionalKeys.fromSecret(suite, secret, version);
    const pnLength = 1 + (i % 4);
    const long = i % 2 === 0;
    const headerLength = (long ? 20 : 9) + pnLength;
    const payloadLength = 16 + (rng.u32() % 1400);
    const packet = new Uint8Array(headerLength + payloadLength + AEAD_TAG_LENGTH);
    rng.fill(packet);
    packet[0] = (long ? 0xc0 : 0x40) | (packet[0]! & 0x3c) | (pnLength - 1);
    const pn = rng.u32() * 1024 + (rng.u32() & 1023);
    const original = packet.slice();
    sender.aead.seal(pn, packet, headerLength, headerLength + payloadLength);
    sender.hp.apply(packet, headerLength - pnLength, pnLength);
    assert.notDeepEqual(packet, original);
    assert.equal(receiver.hp.remove(packet, headerLength - pnLength), pnLength);
    assert.deepEqual(packet.subarray(0, headerLength), original.subarray(0, headerLength));
    const plain = receiver.aead.open(pn, packet, headerLength, packet.length);
    assert.ok(plain !== null, `packet ${i}`);
    assert.deepEqual(plain, original.subarray(headerLength, headerLength + payloadLength));
  }
});
