/**
 * Test assets of plugin exchange: the XPING test plugin
 * (`plugins/testdata/xping/`, a frame type of its own, eBPF built by
 * clang) as files, as a bundle and as an offer, and a temporary cache
 * directory.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DirectoryPluginStore } from "../io/plugin_cache.ts";
import { builtinReader } from "../plugins/builtins.ts";
import { packBundle } from "../plugins/exchange/bundle.ts";
import { offerBundle, type OfferedPlugin, offerPlugin } from "../plugins/exchange/session.ts";

/** Where the XPING plugin's files are. */
export const XPING_DIR: string = new URL("../plugins/testdata/xping/", import.meta.url)
  .pathname;
/** Its name. */
export const XPING = "be.pquic.xping";
const FILES = [
  "xping.plugin",
  "send.o",
  "received.o",
  "parse.o",
  "process.o",
  "write.o",
  "notify.o",
];

/** The XPING plugin's files by bundle path, some replaced. */
export function xpingFiles(replace: Record<string, Uint8Array> = {}): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  for (const f of FILES) m.set(f, replace[f] ?? readFileSync(join(XPING_DIR, f)));
  return m;
}

/** A bundle of these files. */
export function packFiles(m: Map<string, Uint8Array>): Uint8Array {
  return packBundle("xping.plugin", (p) => m.get(p) ?? null);
}

let good: OfferedPlugin | null = null;

/** The XPING plugin, offered (packed, loaded and verified once). */
export function xpingOffer(): OfferedPlugin {
  good ??= offerBundle(packFiles(xpingFiles()));
  return good;
}

let datagram: OfferedPlugin | null = null;

/** The built-in datagram plugin (RFC 9221 frames), offered. */
export function datagramOffer(): OfferedPlugin {
  datagram ??= offerPlugin("datagram/datagram.plugin", builtinReader());
  return datagram;
}

/** A fresh temporary directory with a `cache` directory store inside. */
export function tempCache(): { dir: string; cache: string; store: DirectoryPluginStore } {
  const dir = Deno.makeTempDirSync({ prefix: "pquic-exchange-" });
  const cache = join(dir, "cache");
  return { dir, cache, store: new DirectoryPluginStore(cache) };
}

/**
 * Runs `fn` with a fresh {@link tempCache}, removed afterwards whatever happens.
 *
 * @param fn The test body.
 */
export async function withTempCache(
  fn: (t: ReturnType<typeof tempCache>) => Promise<void>,
): Promise<void> {
  const t = tempCache();
  try {
    await fn(t);
  } finally {
    Deno.removeSync(t.dir, { recursive: true });
  }
}
