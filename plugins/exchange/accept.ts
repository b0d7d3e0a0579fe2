/**
 * The one sequence of checks a bundle goes through before its plugin may
 * run, whether it just arrived over a connection, comes out of the cache
 * (`-C`) or is checked by `pquic plugin verify` (issue #8):
 *
 * 1. archive sanity and limits, bundle layout, manifest syntax (`unpackBundle`);
 * 2. the plugin name and digest are the ones negotiated (a cache hit is exact);
 * 3. the local trust policy (`trust.ts`);
 * 4. the digest again, then every object through the ELF loader and the VM
 *    verifier (`loadBundle`).
 *
 * Loaded plugins are immutable, so the result of step 4 is kept by digest
 * (content addressed: same digest, same programs) and a later connection
 * that finds the same bundle pays for steps 1–3 only.
 *
 * @module
 */

import type { LoadedPlugin } from "../loader.ts";
import {
  BundleError,
  type BundleLimits,
  DEFAULT_BUNDLE_LIMITS,
  digestHex,
  sameBytes,
} from "./archive.ts";
import { loadBundle, type PluginBundle, unpackBundle } from "./bundle.ts";
import type { PluginStore, PluginStoreEntry } from "./store.ts";
import { checkTrust, TRUST_ANY, type TrustPolicy } from "./trust.ts";

/** What a bundle must be to be accepted. */
export interface AcceptOptions {
  /** The local trust policy (default: any). */
  readonly policy?: TrustPolicy;
  /** The plugin name negotiated, when there is one. */
  readonly name?: string;
  /** The digest negotiated, when there is one. */
  readonly digest?: Uint8Array;
  /** Archive limits (default {@link DEFAULT_BUNDLE_LIMITS}). */
  readonly limits?: BundleLimits;
}

/** An accepted bundle and its plugin, ready to inject. */
export interface AcceptedBundle {
  /** The bundle (name, digest, files, signatures). */
  readonly bundle: PluginBundle;
  /** The loaded, verified plugin (shared: do not mutate). */
  readonly plugin: LoadedPlugin;
}

/** Loaded plugins by digest hex, oldest first. */
const loaded = new Map<string, LoadedPlugin>();
/** How many loaded plugins are kept (an arbitrary bound). */
const MAX_LOADED = 64;

/**
 * Runs every check on a bundle and loads its plugin.
 *
 * @param bytes the bundle
 * @param opts the policy and what was negotiated
 * @returns the bundle and its plugin
 * @throws BundleError naming the first check that failed; nothing else
 * @example
 * ```ts
 * import { acceptBundle } from "./accept.ts";
 * import { packBundle } from "./bundle.ts";
 * import { builtinReader } from "../builtins.ts";
 * import assert from "node:assert/strict";
 * const bytes = packBundle("no_pacing/no_pacing.plugin", builtinReader());
 * const { plugin } = acceptBundle(bytes, { name: "be.michelfra.no_pacing" });
 * assert.equal(plugin.pluglets.length, 1);
 * assert.throws(() => acceptBundle(bytes, { name: "be.other.name" }), /not the plugin asked for/);
 * ```
 */
export function acceptBundle(bytes: Uint8Array, opts: AcceptOptions = {}): AcceptedBundle {
  const bundle = unpackBundle(bytes, opts.limits ?? DEFAULT_BUNDLE_LIMITS);
  if (opts.name !== undefined && bundle.name !== opts.name) {
    throw new BundleError(`"${bundle.name}" is not the plugin asked for ("${opts.name}")`);
  }
  if (opts.digest !== undefined && !sameBytes(bundle.digest, opts.digest)) {
    throw new BundleError(
      `digest mismatch: got ${digestHex(bundle.digest)}, expected ${digestHex(opts.digest)}`,
    );
  }
  checkTrust(bundle, opts.policy ?? TRUST_ANY);
  const key = digestHex(bundle.digest);
  let plugin = loaded.get(key);
  if (plugin === undefined) {
    plugin = loadBundle(bundle);
    if (loaded.size >= MAX_LOADED) loaded.delete(loaded.keys().next().value!);
    loaded.set(key, plugin);
  }
  return { bundle, plugin };
}

/**
 * Takes a plugin out of a store, with every check {@link acceptBundle} makes
 * (a damaged or planted cache file is refused like a tampered transfer).
 *
 * @param store the store
 * @param ref the plugin name and the digest wanted
 * @param opts the trust policy and limits
 * @returns the accepted bundle, or null when the store does not hold it
 * @throws BundleError when the stored bundle is refused
 */
export function loadFromStore(
  store: PluginStore,
  ref: PluginStoreEntry,
  opts: Pick<AcceptOptions, "policy" | "limits"> = {},
): AcceptedBundle | null {
  const { name, digest } = ref;
  const bytes = store.get(name, digest);
  if (bytes === null) return null;
  return acceptBundle(bytes, { ...opts, name, digest });
}
