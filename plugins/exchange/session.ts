/**
 * Plugin exchange for real plugins (issue #8): the plugin layer's side of
 * `transport/exchange/` — it turns bundle bytes into running plugins.
 *
 * - An end offers plugins ({@link offerPlugin}: manifest → bundle → loaded
 *   plugin) and may ask for them to run at both ends (`-Q`).
 * - Received bundle bytes go through, in order: {@link unpackBundle} (archive
 *   sanity: sizes, file count, path escapes, manifest), the name and digest
 *   that were negotiated, {@link checkTrust} (the local policy: any, allow
 *   list, Ed25519 signature), {@link loadBundle} (digest of the content, every
 *   object through the ELF loader and the verifier); only then is the bundle
 *   cached (`store.put`, keyed by name and digest) and offered for attachment.
 * - Cached bundles (`-C`) are checked the same way before use, so that a
 *   cache hit needs no transfer but is never trusted blindly.
 * - Attachment is {@link injectPlugin} on the live connection, at the
 *   activation point the exchange decides (EXCHANGE.md §4).
 *
 * A refusal at any step is reported with its reason (the `refused` event)
 * and the plugin is disabled at both ends through the protocol; the
 * connection goes on.
 *
 * @module
 */

import type { Connection } from "../../transport/connection/connection.ts";
import type { PluginFactory } from "../../transport/connection/config.ts";
import {
  type ExchangeDelegate,
  type ExchangeEvent,
  exchangeFactory,
  MAX_PLUGIN_ENTRIES,
  MAX_PLUGIN_LIST_BYTES,
  type PluginRef,
  sameDigest,
  sizePluginEntry,
} from "../../transport/exchange/mod.ts";
import { type InjectedPlugin, type InjectOptions, injectPlugin } from "../inject.ts";
import type { LoadedPlugin } from "../loader.ts";
import type { ManifestReader } from "../manifest.ts";
import {
  type BundleLimits,
  DEFAULT_BUNDLE_LIMITS,
  digestHex,
  loadBundle,
  packBundle,
  unpackBundle,
} from "./bundle.ts";
import type { PluginStore } from "./store.ts";
import { checkTrust, TRUST_ANY, type TrustPolicy } from "./trust.ts";

/** A plugin this end has and can give: its bundle and the loaded plugin. */
export interface OfferedPlugin {
  /** Plugin name. */
  readonly name: string;
  /** Content digest of its bundle. */
  readonly digest: Uint8Array;
  /** The bundle's bytes (what a peer receives). */
  readonly bundle: Uint8Array;
  /** The plugin, loaded and verified. */
  readonly plugin: LoadedPlugin;
}

/**
 * Packs and loads a plugin to offer it.
 *
 * @param manifestPath its `.plugin` file, as `read` understands it
 * @param read reads the manifest and its objects
 * @returns the offered plugin
 * @throws BundleError when it cannot be packed or loaded
 * @example
 * ```ts
 * import { offerPlugin } from "./session.ts";
 * import { builtinReader } from "../builtins.ts";
 * import assert from "node:assert/strict";
 * const p = offerPlugin("no_pacing/no_pacing.plugin", builtinReader());
 * assert.equal(p.name, "be.michelfra.no_pacing");
 * assert.equal(p.digest.length, 32);
 * ```
 */
export function offerPlugin(manifestPath: string, read: ManifestReader): OfferedPlugin {
  return offerBundle(packBundle(manifestPath, read));
}

/**
 * Loads a bundle (e.g. a signed one) to offer it.
 *
 * @param bytes the bundle
 * @returns the offered plugin
 * @throws BundleError when it cannot be unpacked or loaded
 */
export function offerBundle(bytes: Uint8Array): OfferedPlugin {
  const bundle = unpackBundle(bytes);
  const plugin = loadBundle(bundle);
  return { name: bundle.name, digest: bundle.digest, bundle: bytes, plugin };
}

/** Options of {@link pluginExchange}. */
export interface PluginExchangeOptions {
  /** Plugins to run at both ends (`-Q`): offered, and asked to be injected. */
  readonly inject?: readonly OfferedPlugin[];
  /** Other plugins this end has and gives when asked. */
  readonly offer?: readonly OfferedPlugin[];
  /** The cache of received bundles (`-C`): hits need no transfer; transfers fill it. */
  readonly store?: PluginStore;
  /** What received (and cached) bundles must satisfy; default any. */
  readonly trust?: TrustPolicy;
  /** Archive limits for received bundles (default the bundle defaults). */
  readonly limits?: BundleLimits;
  /** Engine, fuel and log sink of the injected plugins. */
  readonly injectOptions?: InjectOptions;
  /** Told every exchange event, with its connection. */
  readonly onEvent?: (conn: Connection, e: ExchangeEvent) => void;
}

/** Loaded plugins by name and digest, shared by every connection of one {@link pluginExchange}. */
type LoadedCache = Map<string, LoadedPlugin>;

function keyOf(ref: PluginRef): string {
  return `${ref.name}/${digestHex(ref.digest)}`;
}

/**
 * The exchange for connection configs (`plugins` of a client or server
 * config, or an endpoint's): each connection gets its own exchange.
 *
 * @param opts what this end offers, asks for, caches and trusts
 * @returns the factory for `CommonConnectionConfig.plugins`
 */
export function pluginExchange(opts: PluginExchangeOptions = {}): PluginFactory {
  const loaded: LoadedCache = new Map();
  const offered = [...(opts.inject ?? []), ...(opts.offer ?? [])];
  for (const o of offered) loaded.set(keyOf(o), o.plugin);
  return exchangeFactory((conn) => {
    const injected = new Map<string, InjectedPlugin>();
    const delegate = sessionDelegate(conn, opts, offered, loaded, injected);
    const onEvent = opts.onEvent;
    return {
      delegate,
      supported: supportedList(offered, opts.store),
      inject: (opts.inject ?? []).map((o) => ({ name: o.name, digest: o.digest })),
      maxBundleSize: (opts.limits ?? DEFAULT_BUNDLE_LIMITS).maxBytes,
      ...(onEvent === undefined ? {} : { onEvent: (e: ExchangeEvent) => onEvent(conn, e) }),
    };
  });
}

/** What `supported_plugins` lists: offered plugins, then cached ones, within the TP's limits. */
function supportedList(offered: readonly OfferedPlugin[], store?: PluginStore): PluginRef[] {
  const out: PluginRef[] = [];
  let bytes = 0;
  const add = (ref: PluginRef) => {
    if (out.length >= MAX_PLUGIN_ENTRIES || out.some((o) => o.name === ref.name)) return;
    const n = sizePluginEntry(ref);
    if (bytes + n > MAX_PLUGIN_LIST_BYTES) return;
    bytes += n;
    out.push({ name: ref.name, digest: ref.digest });
  };
  for (const o of offered) add(o);
  for (const e of store?.list() ?? []) add(e);
  return out;
}

function sessionDelegate(
  conn: Connection,
  opts: PluginExchangeOptions,
  offered: readonly OfferedPlugin[],
  loaded: LoadedCache,
  injected: Map<string, InjectedPlugin>,
): ExchangeDelegate {
  const trust = opts.trust ?? TRUST_ANY;
  const limits = opts.limits ?? DEFAULT_BUNDLE_LIMITS;
  const offeredBytes = (ref: PluginRef) =>
    offered.find((o) => o.name === ref.name && sameDigest(o.digest, ref.digest))?.bundle ?? null;
  /** Every check a received or cached bundle passes; throws with the reason. */
  const check = (ref: PluginRef, bytes: Uint8Array): LoadedPlugin => {
    const bundle = unpackBundle(bytes, limits);
    if (bundle.name !== ref.name) {
      throw new Error(`the bundle holds plugin "${bundle.name}", not "${ref.name}"`);
    }
    if (!sameDigest(bundle.digest, ref.digest)) {
      throw new Error(
        `digest mismatch: got ${digestHex(bundle.digest)}, negotiated ${digestHex(ref.digest)}`,
      );
    }
    checkTrust(bundle, trust);
    return loadBundle(bundle, { expectedDigest: ref.digest });
  };
  return {
    has(ref) {
      const key = keyOf(ref);
      if (loaded.has(key)) return true;
      const bytes = opts.store?.get(ref.name, ref.digest) ?? null;
      if (bytes === null) return false;
      try {
        loaded.set(key, check(ref, bytes));
        return true;
      } catch {
        return false; // a cached copy that fails the checks now is fetched again
      }
    },
    bundle(ref) {
      return offeredBytes(ref) ?? opts.store?.get(ref.name, ref.digest) ?? null;
    },
    accept(ref, bytes) {
      try {
        const plugin = check(ref, bytes);
        loaded.set(keyOf(ref), plugin);
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
      try {
        opts.store?.put(ref.name, ref.digest, bytes);
      } catch (e) {
        // Not cached: it still runs in this connection.
        opts.injectOptions?.onLog?.(
          ref.name,
          `cannot cache: ${e instanceof Error ? e.message : e}`,
        );
      }
      return null;
    },
    attach(ref) {
      const plugin = loaded.get(keyOf(ref));
      if (plugin === undefined) return "not loaded";
      injected.set(ref.name, injectPlugin(conn, plugin, opts.injectOptions));
      return null;
    },
    detach(ref) {
      injected.get(ref.name)?.detach();
      injected.delete(ref.name);
    },
  };
}
