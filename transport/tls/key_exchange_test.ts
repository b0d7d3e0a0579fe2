import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { generateKeyShare, keyShareFromPrivate } from "./key_exchange.ts";
import { NamedGroup, TlsAlert } from "./session.ts";

for (const group of [NamedGroup.X25519, NamedGroup.SECP256R1]) {
  Deno.test(`generateKeyShare() agrees on a secret for group 0x${group.toString(16)}`, () => {
    const r = new SeededRandom(5);
    const a = generateKeyShare(group, r);
    const b = generateKeyShare(group, r);
    assert.equal(a.publicKey.length, group === NamedGroup.X25519 ? 32 : 65);
    assert.deepEqual(a.computeSecret(b.publicKey), b.computeSecret(a.publicKey));
    assert.notDeepEqual(a.publicKey, b.publicKey);
  });
}

Deno.test("generateKeyShare() is reproducible from a seed", () => {
  const a = generateKeyShare(NamedGroup.SECP256R1, new SeededRandom(3));
  const b = generateKeyShare(NamedGroup.SECP256R1, new SeededRandom(3));
  assert.deepEqual(a.publicKey, b.publicKey);
});

Deno.test("computeSecret() refuses bad peer keys with illegal_parameter", () => {
  const r = new SeededRandom(9);
  const x = generateKeyShare(NamedGroup.X25519, r);
  const p = generateKeyShare(NamedGroup.SECP256R1, r);
  const isIllegal = (e: unknown) => e instanceof TlsAlert && e.alert === 47;
  assert.throws(() => x.computeSecret(new Uint8Array(31)), isIllegal);
  // The all-zero point gives an all-zero secret (RFC 8446 §7.4.2).
  assert.throws(() => x.computeSecret(new Uint8Array(32)), isIllegal);
  // A compressed point, then a point not on the curve.
  assert.throws(() => p.computeSecret(new Uint8Array(33).fill(2)), isIllegal);
  const off = new Uint8Array(65).fill(1);
  off[0] = 4;
  assert.throws(() => p.computeSecret(off), isIllegal);
});

Deno.test("keyShareFromPrivate() derives the P-256 public key of scalar 1 (the generator)", () => {
  const one = new Uint8Array(32);
  one[31] = 1;
  const k = keyShareFromPrivate(NamedGroup.SECP256R1, one);
  // G.x of secp256r1 (SEC 2 §2.4.2).
  const gx = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296";
  assert.equal(
    Array.from(k.publicKey.subarray(1, 33), (b) => b.toString(16).padStart(2, "0")).join(""),
    gx,
  );
});
