import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { builtinReader } from "../builtins.ts";
import { acceptBundle, loadFromStore } from "./accept.ts";
import { BundleError, packBundle, signBundle, unpackBundle } from "./bundle.ts";
import { ed25519PrivateKey, publicKeyOf } from "./keys.ts";
import { MemoryPluginStore } from "./store.ts";

const NO_PACING = packBundle("no_pacing/no_pacing.plugin", builtinReader());
const MONITORING = packBundle("monitoring/monitoring.plugin", builtinReader());
const DIGEST = unpackBundle(NO_PACING).digest;

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof BundleError, String(e));
    return e.reason;
  }
  assert.fail("accepted");
}

Deno.test("acceptBundle() loads once per digest and shares the plugin", () => {
  const a = acceptBundle(NO_PACING, { name: "be.michelfra.no_pacing", digest: DIGEST });
  const b = acceptBundle(signBundle(NO_PACING, new Uint8Array(32).fill(4)));
  assert.equal(a.plugin.name, "be.michelfra.no_pacing");
  assert.equal(b.plugin, a.plugin, "same digest, same loaded plugin");
  assert.equal(b.bundle.signatures.length, 1);
});

Deno.test("acceptBundle() refuses another plugin, another digest and an untrusted bundle", () => {
  assert.match(
    refusal(() => acceptBundle(MONITORING, { name: "be.michelfra.no_pacing" })),
    /"be\.mpiraux\.monitoring" is not the plugin asked for \("be\.michelfra\.no_pacing"\)/,
  );
  assert.match(refusal(() => acceptBundle(MONITORING, { digest: DIGEST })), /digest mismatch: got/);
  const key = publicKeyOf(ed25519PrivateKey(new Uint8Array(32).fill(9)));
  assert.match(
    refusal(() => acceptBundle(NO_PACING, { policy: { kind: "signed", keys: [key] } })),
    /no signature by a trusted key/,
  );
  const limits = { maxBytes: 2048, maxFiles: 10, maxFileBytes: 1024 };
  assert.match(refusal(() => acceptBundle(NO_PACING, { limits })), /more than the limit of 2048/);
});

Deno.test("acceptBundle() refuses a plugin the verifier refuses", () => {
  const dir = fileURLToPath(new URL("../testdata/hostile/", import.meta.url));
  const bytes = packBundle(`${dir}bad_opcode.plugin`, (p) => {
    try {
      return readFileSync(p);
    } catch {
      return null;
    }
  });
  assert.match(refusal(() => acceptBundle(bytes)), /refused by the verifier/);
  assert.match(refusal(() => acceptBundle(bytes)), /refused by the verifier/, "not cached");
});

Deno.test("loadFromStore() misses, hits, and refuses a planted bundle", () => {
  const store = new MemoryPluginStore();
  assert.equal(loadFromStore(store, { name: "be.michelfra.no_pacing", digest: DIGEST }), null);
  store.put("be.michelfra.no_pacing", DIGEST, NO_PACING);
  assert.equal(
    loadFromStore(store, { name: "be.michelfra.no_pacing", digest: DIGEST })?.plugin.name,
    "be.michelfra.no_pacing",
  );
  // Another plugin's bundle filed under this name and digest.
  store.put("be.michelfra.no_pacing", DIGEST, MONITORING);
  assert.match(
    refusal(() => loadFromStore(store, { name: "be.michelfra.no_pacing", digest: DIGEST })),
    /not the plugin asked for/,
  );
  // The right plugin, other content.
  const other = unpackBundle(MONITORING).digest;
  store.put("be.mpiraux.monitoring", other, NO_PACING);
  assert.match(
    refusal(() => loadFromStore(store, { name: "be.mpiraux.monitoring", digest: other })),
    /not the plugin/,
  );
  const tampered = NO_PACING.slice();
  tampered[512 * 3]! ^= 1;
  store.put("be.michelfra.no_pacing", DIGEST, tampered);
  assert.match(
    refusal(() => loadFromStore(store, { name: "be.michelfra.no_pacing", digest: DIGEST })),
    /digest mismatch/,
  );
});
