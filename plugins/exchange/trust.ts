/**
 * The local trust policy for plugins received from a peer (issue #8). PQUIC
 * accepted whatever its peer sent (pquic-reference.md §6); here a received
 * bundle, once its archive, manifest and digest are checked, must also pass
 * one of:
 *
 * - `any`: every bundle that passes the other checks (the VM still verifies
 *   and sandboxes every pluglet);
 * - `allow:FILE`: bundles whose digest is listed in FILE, one 64-hex digest
 *   per line; text after the digest and `#` lines are ignored, so the output
 *   of `sha256sum *.bundle` over unsigned bundles is an allow list;
 * - `signed:KEY[,KEY…]`: bundles carrying a valid Ed25519 signature of their
 *   digest by one of these public keys (`pquic plugin keygen` / `sign`; key
 *   forms in keys.ts). Signatures by other keys are ignored; a bad signature
 *   by a trusted key is a refusal by itself.
 *
 * @module
 */

import { BundleError, digestHex, sameBytes } from "./archive.ts";
import type { PluginBundle } from "./bundle.ts";
import { ed25519PublicKey, verifyDigest } from "./keys.ts";

/** What a received bundle must satisfy. */
export type TrustPolicy =
  | { readonly kind: "any" }
  | { readonly kind: "allowlist"; readonly digests: ReadonlySet<string> }
  | { readonly kind: "signed"; readonly keys: readonly Uint8Array[] };

/** Accept every bundle that passes the archive, digest and verifier checks. */
export const TRUST_ANY: TrustPolicy = Object.freeze({ kind: "any" });

/**
 * Checks a bundle against a trust policy.
 *
 * @param bundle the unpacked bundle (its digest already computed)
 * @param policy the local policy
 * @throws BundleError naming the rule that refused it
 * @example
 * ```ts
 * import { checkTrust } from "./trust.ts";
 * import { packBundle, unpackBundle } from "./bundle.ts";
 * import { builtinReader } from "../builtins.ts";
 * import assert from "node:assert/strict";
 * const bundle = unpackBundle(packBundle("no_pacing/no_pacing.plugin", builtinReader()));
 * checkTrust(bundle, { kind: "any" });
 * assert.throws(() => checkTrust(bundle, { kind: "allowlist", digests: new Set() }), /allow list/);
 * ```
 */
export function checkTrust(bundle: PluginBundle, policy: TrustPolicy): void {
  switch (policy.kind) {
    case "any":
      return;
    case "allowlist": {
      const d = digestHex(bundle.digest);
      if (!policy.digests.has(d)) {
        throw new BundleError(`"${bundle.name}" digest ${d} is not in the allow list`);
      }
      return;
    }
    case "signed": {
      let trusted = 0;
      for (const s of bundle.signatures) {
        if (!policy.keys.some((k) => sameBytes(k, s.publicKey))) continue;
        if (!verifyDigest(bundle.digest, s)) {
          throw new BundleError(
            `"${bundle.name}" has a bad signature by trusted key ${digestHex(s.publicKey)}`,
          );
        }
        trusted++;
      }
      if (trusted === 0) {
        throw new BundleError(
          `"${bundle.name}" has no signature by a trusted key (${bundle.signatures.length} ` +
            `signature(s), ${policy.keys.length} trusted key(s))`,
        );
      }
      return;
    }
  }
}

function parseAllowList(text: string, file: string): Set<string> {
  const digests = new Set<string>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const first = line.split(/\s+/)[0]!;
    if (!/^[0-9a-fA-F]{64}$/.test(first)) {
      throw new SyntaxError(
        `Cannot parse allow list ${file}:${i + 1}: "${first}" is not a 64-hex-digit SHA-256 digest`,
      );
    }
    digests.add(first.toLowerCase());
  }
  return digests;
}

/**
 * Parses a trust policy from its command-line form: `any`,
 * `allow:FILE` or `signed:KEYFILE[,KEYFILE…]`.
 *
 * @param spec the policy text
 * @param readFile reads a file named in the spec (throws when it cannot)
 * @returns the policy
 * @throws SyntaxError for an unknown form, a malformed allow list or key
 * @example
 * ```ts
 * import { parseTrustPolicy } from "./trust.ts";
 * import assert from "node:assert/strict";
 * const files: Record<string, string> = { "allow.txt": "ab".repeat(32) + "  x.bundle\n" };
 * const read = (p: string) => new TextEncoder().encode(files[p]!);
 * const p = parseTrustPolicy("allow:allow.txt", read);
 * assert.equal(p.kind, "allowlist");
 * assert.equal(parseTrustPolicy("any", read).kind, "any");
 * ```
 */
export function parseTrustPolicy(
  spec: string,
  readFile: (path: string) => Uint8Array,
): TrustPolicy {
  if (spec === "any") return TRUST_ANY;
  const colon = spec.indexOf(":");
  const kind = colon === -1 ? spec : spec.slice(0, colon);
  const arg = colon === -1 ? "" : spec.slice(colon + 1);
  if ((kind === "allow" || kind === "signed") && arg === "") {
    throw new SyntaxError(`Cannot parse trust policy "${spec}": "${kind}:" needs a file`);
  }
  if (kind === "allow") {
    const text = new TextDecoder().decode(readFile(arg));
    return { kind: "allowlist", digests: parseAllowList(text, arg) };
  }
  if (kind === "signed") {
    const keys = arg.split(",").map((f) => {
      try {
        return ed25519PublicKey(readFile(f));
      } catch (e) {
        if (e instanceof SyntaxError) {
          throw new SyntaxError(`Cannot parse trust policy key ${f}: ${e.message}`, { cause: e });
        }
        throw e;
      }
    });
    return { kind: "signed", keys };
  }
  throw new SyntaxError(
    `Cannot parse trust policy "${spec}": expected any, allow:FILE or signed:KEYFILE[,KEYFILE]`,
  );
}

/**
 * One line describing a policy (for logs and `pquic plugin verify`).
 *
 * @param policy the policy
 * @returns e.g. `signed by one of 2 keys`
 */
export function describeTrustPolicy(policy: TrustPolicy): string {
  switch (policy.kind) {
    case "any":
      return "any";
    case "allowlist":
      return `allow list of ${policy.digests.size} digest(s)`;
    case "signed":
      return `signed by one of ${policy.keys.length} key(s)`;
  }
}
