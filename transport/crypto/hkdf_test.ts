import assert from "node:assert/strict";
import { CipherSuite } from "../tls/session.ts";
import { hashLength, hashOf, hkdfExpand, hkdfExpandLabel, hkdfExtract } from "./hkdf.ts";
import { CIPHER_SUITES, suiteInfo } from "./cipher_suite.ts";
import { hex, toHex } from "./testdata/vectors.ts";

Deno.test("hkdfExtract() and hkdfExpand() match RFC 5869 test case 1", () => {
  const ikm = hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  const salt = hex("000102030405060708090a0b0c");
  const info = hex("f0f1f2f3f4f5f6f7f8f9");
  const prk = hkdfExtract("sha256", salt, ikm);
  assert.equal(toHex(prk), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  assert.equal(
    toHex(hkdfExpand("sha256", prk, info, 42)),
    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
  );
});

Deno.test("hkdfExtract() treats an empty salt as HashLen zeros (RFC 5869 test case 3)", () => {
  const ikm = hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  const prk = hkdfExtract("sha256", new Uint8Array(0), ikm);
  assert.equal(toHex(prk), "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
  assert.equal(
    toHex(hkdfExpand("sha256", prk, new Uint8Array(0), 42)),
    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
  );
  assert.deepEqual(prk, hkdfExtract("sha256", new Uint8Array(32), ikm));
});

Deno.test('hkdfExpandLabel() builds the RFC 9001 §A.1 HkdfLabel for "quic key"', () => {
  // §A.1 gives the info for "quic key": 00100e746c7331332071756963206b657900.
  const prk = hex("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
  const info = hex("00100e746c7331332071756963206b657900");
  assert.deepEqual(
    hkdfExpandLabel("sha256", prk, "quic key", new Uint8Array(0), 16),
    hkdfExpand("sha256", prk, info, 16),
  );
  // A context is length-prefixed after the label.
  const ctx = new Uint8Array([1, 2, 3]);
  const withCtx = hex("00100e746c7331332071756963206b657903010203");
  assert.deepEqual(
    hkdfExpandLabel("sha256", prk, "quic key", ctx, 16),
    hkdfExpand("sha256", prk, withCtx, 16),
  );
  assert.throws(() => hkdfExpand("sha256", prk, info, 255 * 32 + 1), RangeError);
});

Deno.test("hashOf() and suiteInfo() describe the three QUIC suites", () => {
  assert.equal(hashOf(CipherSuite.AES_128_GCM_SHA256), "sha256");
  assert.equal(hashOf(CipherSuite.AES_256_GCM_SHA384), "sha384");
  assert.equal(hashOf(CipherSuite.CHACHA20_POLY1305_SHA256), "sha256");
  assert.equal(hashLength("sha384"), 48);
  for (const s of CIPHER_SUITES) {
    assert.equal(suiteInfo(s.id), s);
    assert.equal(hashOf(s.id), s.hash);
    assert.equal(s.tagLength, 16);
    assert.equal(s.ivLength, 12);
  }
  assert.throws(() => suiteInfo(0x1304), RangeError);
});
