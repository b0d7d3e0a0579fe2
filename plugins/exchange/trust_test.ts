import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { builtinReader } from "../builtins.ts";
import { readArchive, writeArchive } from "./archive.ts";
import { BundleError, digestHex, packBundle, signBundle, unpackBundle } from "./bundle.ts";
import { generateEd25519KeyPair } from "./keys.ts";
import { checkTrust, describeTrustPolicy, parseTrustPolicy, type TrustPolicy } from "./trust.ts";

const enc = new TextEncoder();
const UNSIGNED = packBundle("no_pacing/no_pacing.plugin", builtinReader());
const OTHER = packBundle(
  "disable_congestion_control/disable_congestion_control.plugin",
  builtinReader(),
);
const TRUSTED = generateEd25519KeyPair();
const STRANGER = generateEd25519KeyPair();

function reason(bytes: Uint8Array, policy: TrustPolicy): string {
  try {
    checkTrust(unpackBundle(bytes), policy);
  } catch (e) {
    assert.ok(e instanceof BundleError, String(e));
    return e.reason;
  }
  assert.fail("accepted");
}

function reader(files: Record<string, string | Uint8Array>): (p: string) => Uint8Array {
  return (p) => {
    const f = files[p];
    if (f === undefined) throw new Error(`${p}: not found`);
    return typeof f === "string" ? enc.encode(f) : f;
  };
}

Deno.test("checkTrust() with any accepts every bundle", () => {
  checkTrust(unpackBundle(UNSIGNED), { kind: "any" });
  checkTrust(unpackBundle(OTHER), parseTrustPolicy("any", reader({})));
});

Deno.test("checkTrust() refuses a digest that is not in the allow list", () => {
  const sum = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
  const policy = parseTrustPolicy(
    "allow:allow.txt",
    reader({ "allow.txt": `# trusted plugins\n${sum(UNSIGNED)}  no_pacing.bundle\n\n` }),
  );
  checkTrust(unpackBundle(UNSIGNED), policy);
  checkTrust(unpackBundle(signBundle(UNSIGNED, new Uint8Array(32))), policy); // same digest
  const d = digestHex(unpackBundle(OTHER).digest);
  assert.equal(
    reason(OTHER, policy),
    `"be.michelfra.disable_congestion_control" digest ${d} is not in the allow list`,
  );
  // Upper-case hex in the list matches too.
  const upper = parseTrustPolicy("allow:a", reader({ a: sum(OTHER).toUpperCase() + "\n" }));
  checkTrust(unpackBundle(OTHER), upper);
});

Deno.test("checkTrust() under the signed policy needs a valid signature by a trusted key", () => {
  const policy = parseTrustPolicy(
    "signed:trusted.pub,hex.txt",
    reader({ "trusted.pub": TRUSTED.publicPem, "hex.txt": "ab".repeat(32) + "\n" }),
  );
  assert.equal(policy.kind, "signed");
  const good = signBundle(UNSIGNED, enc.encode(TRUSTED.privatePem));
  checkTrust(unpackBundle(good), policy);
  // Signed by the stranger too: the extra signature is ignored.
  checkTrust(unpackBundle(signBundle(good, enc.encode(STRANGER.privatePem))), policy);
  assert.match(reason(UNSIGNED, policy), /no signature by a trusted key \(0 signature/);
  assert.match(
    reason(signBundle(UNSIGNED, enc.encode(STRANGER.privatePem)), policy),
    /no signature by a trusted key \(1 signature\(s\), 2 trusted key/,
  );
});

Deno.test("checkTrust() refuses a bad signature by a trusted key", () => {
  const policy: TrustPolicy = { kind: "signed", keys: [TRUSTED.publicKey] };
  const good = signBundle(UNSIGNED, enc.encode(TRUSTED.privatePem));
  const entries = readArchive(good);
  const sig = entries.at(-1)!;
  const flipped = sig.data.slice();
  flipped[10]! ^= 1;
  const bad = writeArchive([...entries.slice(0, -1), { name: sig.name, data: flipped }]);
  const want = `"be.michelfra.no_pacing" has a bad signature by trusted key ${
    digestHex(TRUSTED.publicKey)
  }`;
  assert.equal(reason(bad, policy), want);
  // A valid signature of another bundle's digest, moved over.
  const otherSig = readArchive(signBundle(OTHER, enc.encode(TRUSTED.privatePem))).at(-1)!;
  const moved = writeArchive([...entries.slice(0, -1), otherSig]);
  assert.equal(reason(moved, policy), want);
});

Deno.test("parseTrustPolicy() refuses unknown forms, bad allow lists and bad keys", () => {
  const files = reader({
    bad: "not-a-digest x\n",
    short: "abcd\n",
    key: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
  });
  assert.throws(
    () => parseTrustPolicy("some", files),
    /expected any, allow:FILE or signed:KEYFILE/,
  );
  assert.throws(() => parseTrustPolicy("allow:", files), /"allow:" needs a file/);
  assert.throws(() => parseTrustPolicy("signed:", files), /"signed:" needs a file/);
  assert.throws(
    () => parseTrustPolicy("allow:bad", files),
    /bad:1: "not-a-digest" is not a 64-hex/,
  );
  assert.throws(() => parseTrustPolicy("allow:short", files), SyntaxError);
  assert.throws(
    () => parseTrustPolicy("signed:key", files),
    /trust policy key key: Cannot read public key/,
  );
  assert.throws(() => parseTrustPolicy("allow:missing", files), /missing: not found/);
});

Deno.test("describeTrustPolicy() says what a policy accepts", () => {
  assert.equal(describeTrustPolicy({ kind: "any" }), "any");
  assert.equal(
    describeTrustPolicy({ kind: "allowlist", digests: new Set(["a", "b"]) }),
    "allow list of 2 digest(s)",
  );
  assert.equal(
    describeTrustPolicy({ kind: "signed", keys: [TRUSTED.publicKey] }),
    "signed by one of 1 key(s)",
  );
});
