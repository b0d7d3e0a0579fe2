/**
 * The on-disk plugin cache (`-C DIR`, issue #8): a {@link PluginStore} over
 * one directory, one file per bundle, named `<plugin name>.<hex digest>.bundle`
 * (`plugins/exchange/store.ts`), so that `ls` shows what is cached and a
 * later connection finds a plugin by name and digest without a transfer.
 *
 * PQUIC extracted received archives into `<store>/<name>/` with no path
 * checks (pquic-reference.md §5.5). Here nothing is extracted and nothing is
 * written outside the directory: a key must be a plugin name and a 32-byte
 * digest (no `/`, no `..`, no leading `.`), and a bundle is written to a new
 * temporary file in the same directory (never through an existing file or
 * link) and renamed over its final name, so that a reader sees the old bundle
 * or the new one, never half of one. Reads skip anything that is not a
 * regular file or is larger than a bundle may be.
 *
 * Stored bytes are checked again when they are used (see store.ts).
 *
 * @module
 */

import { join, resolve } from "node:path";
import { DEFAULT_BUNDLE_LIMITS } from "../plugins/exchange/bundle.ts";
import {
  parseStoreFileName,
  type PluginStore,
  type PluginStoreEntry,
  sortStoreEntries,
  storeFileName,
} from "../plugins/exchange/store.ts";

/**
 * A plugin store in a directory (created when missing).
 *
 * @example
 * ```ts
 * import { DirectoryPluginStore } from "./plugin_cache.ts";
 * import assert from "node:assert/strict";
 * const dir = Deno.makeTempDirSync();
 * const store = new DirectoryPluginStore(dir);
 * const digest = new Uint8Array(32).fill(2);
 * store.put("be.example.x", digest, new Uint8Array([1, 2, 3]));
 * assert.deepEqual(store.get("be.example.x", digest), new Uint8Array([1, 2, 3]));
 * assert.deepEqual(store.list().map((e) => e.name), ["be.example.x"]);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export class DirectoryPluginStore implements PluginStore {
  /** The directory, absolute. */
  readonly dir: string;
  readonly #maxBytes: number;

  /**
   * Opens (and creates when missing) a cache directory.
   *
   * @param dir the cache directory (created with its parents when missing)
   * @param maxBytes largest file read back (default: the bundle size limit)
   */
  constructor(dir: string, maxBytes: number = DEFAULT_BUNDLE_LIMITS.maxBytes) {
    this.dir = resolve(dir);
    this.#maxBytes = maxBytes;
    Deno.mkdirSync(this.dir, { recursive: true });
  }

  /** {@inheritDoc PluginStore.get} */
  get(name: string, digest: Uint8Array): Uint8Array | null {
    let file: string;
    try {
      file = storeFileName(name, digest);
    } catch {
      return null; // cannot be a key, so it is not stored
    }
    const path = join(this.dir, file);
    try {
      const info = Deno.lstatSync(path);
      if (!info.isFile || info.size > this.#maxBytes) return null;
      return Deno.readFileSync(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
  }

  /** {@inheritDoc PluginStore.put} */
  put(name: string, digest: Uint8Array, bundleBytes: Uint8Array): void {
    const file = storeFileName(name, digest); // RangeError for "/", "..", …
    const target = join(this.dir, file);
    const temp = join(this.dir, `.${file}.${crypto.randomUUID()}.tmp`);
    Deno.writeFileSync(temp, bundleBytes, { createNew: true, mode: 0o644 });
    try {
      Deno.renameSync(temp, target);
    } catch (e) {
      try {
        Deno.removeSync(temp);
      } catch {
        // already gone: nothing to clean up
      }
      throw e;
    }
  }

  /** {@inheritDoc PluginStore.list} */
  list(): PluginStoreEntry[] {
    const entries: PluginStoreEntry[] = [];
    for (const e of Deno.readDirSync(this.dir)) {
      if (!e.isFile) continue;
      const entry = parseStoreFileName(e.name);
      if (entry !== null) entries.push(entry);
    }
    return sortStoreEntries(entries);
  }
}
