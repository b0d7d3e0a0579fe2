/**
 * Packet protection costs: node:crypto (what PacketAead uses) against
 * WebCrypto, per suite and packet size, and the header-protection mask.
 *
 * Run: `deno bench -A bench/crypto_bench.ts`
 *
 * WebCrypto has no ChaCha20-Poly1305, so that suite is measured with
 * node:crypto only.
 *
 * @module
 */

import { createCipheriv, createSecretKey } from "node:crypto";
import { CipherSuite } from "../transport/tls/session.ts";
import { HeaderProtection, PacketAead } from "../transport/crypto/packet_protection.ts";

const HEADER = 24;
const SIZES = [1200, 16 * 1024, 60 * 1024];
const SUITES = [
  { id: CipherSuite.AES_128_GCM_SHA256, name: "AES-128-GCM", keyLength: 16 },
  { id: CipherSuite.AES_256_GCM_SHA384, name: "AES-256-GCM", keyLength: 32 },
  { id: CipherSuite.CHACHA20_POLY1305_SHA256, name: "ChaCha20-Poly1305", keyLength: 32 },
] as const;

const iv = new Uint8Array(12).fill(7);

for (const size of SIZES) {
  for (const s of SUITES) {
    const key = new Uint8Array(s.keyLength).fill(1);
    const aead = new PacketAead(s.id, key, iv);
    const packet = new Uint8Array(size + 16);
    let pn = 0;
    Deno.bench({
      name: `${s.name} seal ${size} B, node:crypto (PacketAead)`,
      group: `seal ${s.name} ${size}`,
      baseline: true,
      fn() {
        aead.seal(pn++, packet, HEADER, size);
      },
    });
    if (s.id !== CipherSuite.CHACHA20_POLY1305_SHA256) {
      const alg = s.keyLength === 16 ? "aes-128-gcm" : "aes-256-gcm";
      const keyObject = createSecretKey(key);
      const opts = { authTagLength: 16 } as const;
      Deno.bench({
        name: `${s.name} seal ${size} B, node:crypto with a KeyObject`,
        group: `seal ${s.name} ${size}`,
        fn() {
          const c = createCipheriv(alg, keyObject, iv, opts);
          c.setAAD(packet.subarray(0, HEADER));
          packet.set(c.update(packet.subarray(HEADER, size)), HEADER);
          c.final();
          packet.set(c.getAuthTag(), size);
        },
      });
      const webKey = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["encrypt"]);
      const params = {
        name: "AES-GCM",
        iv,
        additionalData: packet.subarray(0, HEADER),
        tagLength: 128,
      };
      const plain = packet.subarray(HEADER, size);
      Deno.bench({
        name: `${s.name} seal ${size} B, WebCrypto (async)`,
        group: `seal ${s.name} ${size}`,
        async fn() {
          const out = new Uint8Array(await crypto.subtle.encrypt(params, webKey, plain));
          packet.set(out, HEADER);
        },
      });
    }
  }
}

{
  const sizes = 1200;
  for (const s of SUITES) {
    const key = new Uint8Array(s.keyLength).fill(1);
    const aead = new PacketAead(s.id, key, iv);
    const packet = new Uint8Array(sizes + 16);
    const end = aead.seal(5, packet, HEADER, sizes);
    Deno.bench({
      name: `${s.name} open ${sizes} B, node:crypto (PacketAead)`,
      group: "open 1200",
      fn() {
        // Opens in place, so re-seal to keep valid ciphertext: measures seal + open.
        aead.open(5, packet, HEADER, end);
        aead.seal(5, packet, HEADER, sizes);
      },
    });
  }
}

{
  const packet = new Uint8Array(1200).map((_, i) => i & 0xff);
  packet[0] = 0x43;
  const aes128 = new HeaderProtection(CipherSuite.AES_128_GCM_SHA256, new Uint8Array(16).fill(2));
  const aes256 = new HeaderProtection(CipherSuite.AES_256_GCM_SHA384, new Uint8Array(32).fill(2));
  const chacha = new HeaderProtection(
    CipherSuite.CHACHA20_POLY1305_SHA256,
    new Uint8Array(32).fill(2),
  );
  Deno.bench({
    name: "header protection apply, AES-128-ECB (reused node:crypto cipher)",
    group: "header protection",
    baseline: true,
    fn() {
      aes128.apply(packet, 1, 4);
    },
  });
  Deno.bench({
    name: "header protection apply, AES-256-ECB (reused node:crypto cipher)",
    group: "header protection",
    fn() {
      aes256.apply(packet, 1, 4);
    },
  });
  Deno.bench({
    name: "header protection apply, ChaCha20 (TypeScript block function)",
    group: "header protection",
    fn() {
      chacha.apply(packet, 1, 4);
    },
  });
  const hpKey = new Uint8Array(32).fill(2);
  const zeros = new Uint8Array(5);
  Deno.bench({
    name: "header protection mask, ChaCha20 (node:crypto chacha20, new cipher per packet)",
    group: "header protection",
    fn() {
      const c = createCipheriv("chacha20", hpKey, packet.subarray(5, 21));
      const m = c.update(zeros);
      packet[0] = packet[0]! ^ (m[0]! & 0x1f);
    },
  });
}
