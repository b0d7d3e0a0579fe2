/**
 * Where plugin bundles are kept between connections, keyed by plugin name
 * and content digest, so that a cache hit is exact (issue #8): the
 * {@link PluginStore} interface, the in-memory {@link MemoryPluginStore}, and
 * the naming rules shared with the on-disk store (`io/plugin_cache.ts`,
 * `-C DIR`).
 *
 * A store keeps bytes; it does not vouch for them. Whoever takes a bundle out
 * checks it as one received from a peer (`unpackBundle`, the trust policy,
 * `loadBundle` with the digest it looked up), so that a damaged or planted
 * cache file is refused like a tampered transfer.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { digestHex } from "./archive.ts";

/** A name and digest a store holds. */
export interface PluginStoreEntry {
  /** The plugin name (`be.mpiraux.monitoring`). */
  readonly name: string;
  /** The content digest (32 bytes). */
  readonly digest: Uint8Array;
}

/** Bundles by (plugin name, content digest). */
export interface PluginStore {
  /**
   * The bundle stored under this name and digest, or null (also for a name
   * or digest that cannot be a key).
   *
   * @param name plugin name
   * @param digest content digest, 32 bytes
   */
  get(name: string, digest: Uint8Array): Uint8Array | null;
  /**
   * Stores a bundle (replacing one under the same key).
   *
   * @param name plugin name
   * @param digest content digest, 32 bytes
   * @param bundleBytes the bundle
   * @throws RangeError for a name or digest that cannot be a key
   */
  put(name: string, digest: Uint8Array, bundleBytes: Uint8Array): void;
  /** Every (name, digest) held, sorted by name then digest. */
  list(): PluginStoreEntry[];
}

/** Bytes of a content digest (SHA-256). */
export const DIGEST_BYTES = 32;
/** Longest plugin name a store accepts (the manifest's limit). */
const MAX_NAME = 100;
/** Plugin names as the manifest has them: reverse-DNS parts, no empty part. */
const NAME_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/;
/** `<name>.<64 hex>.bundle`. */
const FILE_RE = /^([A-Za-z0-9_.-]+)\.([0-9a-f]{64})\.bundle$/;

/**
 * True when `name` is a plugin name a store can use as a key.
 *
 * @param name the name
 * @returns whether it is a plugin name (reverse-DNS parts, at most 100 characters)
 */
export function isPluginName(name: string): boolean {
  return name.length <= MAX_NAME && NAME_RE.test(name);
}

/**
 * Throws unless (name, digest) can be a store key: a plugin name (letters,
 * digits, `_`, `-` in `.`-separated parts, so never `/`, `..` or a leading
 * `.`) and a 32-byte digest.
 *
 * @param name plugin name
 * @param digest content digest
 * @throws RangeError naming what is wrong
 */
export function checkStoreKey(name: string, digest: Uint8Array): void {
  if (!isPluginName(name)) {
    throw new RangeError(`Cannot use "${name}" as a plugin store key: not a plugin name`);
  }
  if (digest.length !== DIGEST_BYTES) {
    throw new RangeError(
      `Cannot use a ${digest.length}-byte digest as a plugin store key: expected ${DIGEST_BYTES}`,
    );
  }
}

/**
 * The file name of a stored bundle: `<name>.<hex digest>.bundle`.
 *
 * @param name plugin name
 * @param digest content digest
 * @returns the file name (no directory)
 * @throws RangeError for a bad key (see {@link checkStoreKey})
 * @example
 * ```ts
 * import { parseStoreFileName, storeFileName } from "./store.ts";
 * import assert from "node:assert/strict";
 * const f = storeFileName("be.example.x", new Uint8Array(32).fill(0xab));
 * assert.equal(f, "be.example.x." + "ab".repeat(32) + ".bundle");
 * assert.equal(parseStoreFileName(f)?.name, "be.example.x");
 * assert.throws(() => storeFileName("../x", new Uint8Array(32)), RangeError);
 * ```
 */
export function storeFileName(name: string, digest: Uint8Array): string {
  checkStoreKey(name, digest);
  return `${name}.${digestHex(digest)}.bundle`;
}

/**
 * The key of a store file name, or null when the name is not one.
 *
 * @param file a file name (no directory)
 * @returns the entry or null
 */
export function parseStoreFileName(file: string): PluginStoreEntry | null {
  const m = FILE_RE.exec(file);
  if (m === null || !isPluginName(m[1]!)) return null;
  return { name: m[1]!, digest: new Uint8Array(Buffer.from(m[2]!, "hex")) };
}

/**
 * Sorts entries by name, then digest.
 *
 * @param entries store entries
 * @returns the same array, sorted
 */
export function sortStoreEntries(entries: PluginStoreEntry[]): PluginStoreEntry[] {
  return entries.sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : Buffer.compare(a.digest, b.digest)
  );
}

/**
 * A store in memory (tests, and servers that keep received plugins only for
 * the life of the process).
 *
 * @example
 * ```ts
 * import { MemoryPluginStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const store = new MemoryPluginStore();
 * const digest = new Uint8Array(32).fill(1);
 * store.put("be.example.x", digest, new Uint8Array([1, 2, 3]));
 * assert.deepEqual(store.get("be.example.x", digest), new Uint8Array([1, 2, 3]));
 * assert.equal(store.get("be.example.x", new Uint8Array(32)), null);
 * assert.equal(store.list().length, 1);
 * ```
 */
export class MemoryPluginStore implements PluginStore {
  readonly #bundles = new Map<string, { entry: PluginStoreEntry; bytes: Uint8Array }>();

  /** {@inheritDoc PluginStore.get} */
  get(name: string, digest: Uint8Array): Uint8Array | null {
    if (!isPluginName(name) || digest.length !== DIGEST_BYTES) return null;
    const hit = this.#bundles.get(storeFileName(name, digest));
    return hit === undefined ? null : hit.bytes.slice();
  }

  /** {@inheritDoc PluginStore.put} */
  put(name: string, digest: Uint8Array, bundleBytes: Uint8Array): void {
    this.#bundles.set(storeFileName(name, digest), {
      entry: { name, digest: digest.slice() },
      bytes: bundleBytes.slice(),
    });
  }

  /** {@inheritDoc PluginStore.list} */
  list(): PluginStoreEntry[] {
    return sortStoreEntries([...this.#bundles.values()].map((v) => v.entry));
  }
}
