/**
 * Test utility: plugins on live connections on the simulated network
 * (`tests/_conn_sim.ts`'s `simPair`), a built-in or on-disk plugin by name,
 * and a download of N bytes from server to client on one stream, checked
 * byte for byte. Not part of the public API.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { LinkConfig } from "../io/sim/link.ts";
import type { RunResult, SimNetwork } from "../io/sim/network.ts";
import { type ConnNode, payload, simPair } from "../tests/_conn_sim.ts";
import type {
  ClientConnectionConfig,
  ServerConnectionConfig,
} from "../transport/connection/config.ts";
import type { Connection } from "../transport/connection/connection.ts";
import { ConnectionState } from "../transport/connection/events.ts";
import { BUILTIN_PLUGINS, loadBuiltin } from "./builtins.ts";
import { type InjectOptions, pluginFactory } from "./inject.ts";
import { type LoadedPlugin, loadPlugin } from "./loader.ts";
import type { ManifestReader } from "./manifest.ts";

/** Reads files from disk (tests only); null when a file cannot be read. */
export const diskReader: ManifestReader = (path) => {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
};

const fileCache = new Map<string, LoadedPlugin>();

/**
 * The longest run of equal send times: packets sent at one instant, a burst
 * the pacer did not spread.
 *
 * @param times send times in order
 * @returns the run's length (0 for none)
 */
export function largestBurst(times: readonly number[]): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < times.length; i++) {
    run = i > 0 && times[i] === times[i - 1] ? run + 1 : 1;
    if (run > best) best = run;
  }
  return best;
}

/**
 * A built-in plugin by name (`monitoring`), or a manifest on disk by path
 * (cached by path).
 *
 * @param nameOrPath built-in name, or a `.plugin` path
 * @param read reads files (default: from disk)
 * @returns the loaded plugin
 */
export function loadBuiltinOrFile(nameOrPath: string, read = diskReader): LoadedPlugin {
  if (BUILTIN_PLUGINS.includes(nameOrPath)) return loadBuiltin(nameOrPath);
  let p = fileCache.get(nameOrPath);
  if (p === undefined || read !== diskReader) {
    p = loadPlugin(nameOrPath, read);
    if (read === diskReader) fileCache.set(nameOrPath, p);
  }
  return p;
}

export { pluginEventSink, type RecordedPluginEvent } from "../tests/_protoop_plugins.ts";

/** Monitoring's counter indices (plugins/monitoring/monitoring.h). */
export const MON = {
  packetsReceived: 0n,
  bytesReceived: 1n,
  packetsSent: 2n,
  packetsLost: 4n,
  rttSamples: 5n,
  streamsOpened: 9n,
} as const;

/**
 * One of monitoring's counters on a connection (`monitoring_get_counter`).
 *
 * @param conn a connection monitoring is attached to (not closing)
 * @param index a {@link MON} index
 * @returns the counter
 * @throws Error when the extern cannot be called
 */
export function monitoringCounter(conn: Connection, index: bigint): number {
  const v = conn.callExtern("monitoring_get_counter", [index]);
  if (v === null) throw new Error("monitoring_get_counter cannot be called");
  return Number(v);
}

/** Options of {@link simPluginPair}. */
export interface SimPluginPairOptions {
  /** Plugins injected into the client connection (each gets its own instance). */
  client?: LoadedPlugin[];
  /** Plugins injected into the server connection. */
  server?: LoadedPlugin[];
  /** Both directions (default 10 ms one way). */
  link?: LinkConfig;
  /** Seed of the network and both endpoints. */
  seed?: number;
  /** Overrides of the client connection config. */
  clientConfig?: Partial<ClientConnectionConfig>;
  /** Overrides of the server connection config. */
  serverConfig?: Partial<ServerConnectionConfig>;
  /** Engine, fuel and log sink of every injection. */
  inject?: InjectOptions;
}

/** What {@link simPluginPair} returns. */
export interface SimPluginPair {
  readonly sim: SimNetwork;
  readonly client: ConnNode;
  readonly server: ConnNode;
  readonly clientConn: Connection;
  /** The server connection, once the client's first Initial arrived. */
  serverConn(): Connection | null;
}

/**
 * A client and a server connection on a fresh simulated network, with
 * plugins injected through the connection configs (`pluginFactory`).
 *
 * @param opts plugins per side, link, seed, config overrides
 * @returns the pair
 */
export async function simPluginPair(opts: SimPluginPairOptions = {}): Promise<SimPluginPair> {
  const inject = opts.inject ?? {};
  const clientPlugins = [
    ...(opts.clientConfig?.plugins ?? []),
    ...(opts.client ?? []).map((p) => pluginFactory(p, inject)),
  ];
  const serverPlugins = [
    ...(opts.serverConfig?.plugins ?? []),
    ...(opts.server ?? []).map((p) => pluginFactory(p, inject)),
  ];
  const pair = await simPair({
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.link === undefined ? {} : { link: opts.link }),
    client: { ...opts.clientConfig, plugins: clientPlugins },
    server: { ...opts.serverConfig, plugins: serverPlugins },
  });
  return {
    sim: pair.sim,
    client: pair.client,
    server: pair.server,
    clientConn: pair.clientConn,
    serverConn: () => pair.server.conn,
  };
}

/** Options of {@link runDownload}. */
export interface DownloadOptions {
  /** Seed of the payload. */
  seed?: number;
  /** Stop after this much virtual time, µs (default 120 s). */
  maxTime?: number;
  /** Close both sides cleanly at the end and run until drained (default false). */
  close?: boolean;
}

/** What {@link runDownload} returns. */
export interface DownloadResult {
  /** Bytes the client received. */
  readonly bytes: number;
  /** All bytes arrived, with FIN, and their SHA-256 is the payload's. */
  readonly sha256ok: boolean;
  /** From the request to the last byte, µs of virtual time (-1 when unfinished). */
  readonly durationUs: number;
  /** How the run ended. */
  readonly result: RunResult;
  readonly client: Connection;
  readonly server: Connection | null;
}

/**
 * Downloads `n` bytes from server to client on one bidi stream (the client
 * sends `GET <n>` with FIN, the server answers with `payload(n)` and FIN).
 * Ends when the client has everything, when either connection closes, or at
 * `maxTime`. Several downloads may run one after the other on one pair.
 *
 * @param pair the pair (apps are installed on both nodes)
 * @param n bytes to download
 * @param opts seed, time limit, close
 * @returns bytes, checksum verdict, duration, connections
 */
export function runDownload(
  pair: SimPluginPair,
  n: number,
  opts: DownloadOptions = {},
): DownloadResult {
  const data = payload(n, opts.seed ?? 1);
  const { sim, client, server } = pair;
  let id: number | null = null;
  let requestAt = -1;
  let doneAt = -1;
  let got = 0;
  let fin = false;
  const hash = createHash("sha256");
  client.app = (c, _events, now) => {
    if (c.state !== ConnectionState.Established) return;
    if (id === null) {
      id = c.openStream(true);
      if (id === null) return;
      c.write(id, new TextEncoder().encode(`GET ${n}`), true);
      requestAt = now;
    }
    for (let r = c.read(id); r !== null; r = c.read(id)) {
      if (r.data.length > 0) {
        hash.update(r.data);
        got += r.data.length;
      }
      if (r.fin) {
        fin = true;
        doneAt = now;
        if (opts.close === true) c.close(0n, "done", now);
        break;
      }
      if (r.data.length === 0) break;
    }
  };
  let serving: number | null = null;
  let written = 0;
  let scanned = server.events.length; // streams of earlier downloads are not this one's
  server.app = (c) => {
    for (; serving === null && scanned < server.events.length; scanned++) {
      const e = server.events[scanned]!;
      if (e.type === "streamOpened") serving = e.id;
    }
    if (serving === null) return;
    for (let r = c.read(serving); r !== null && r.data.length > 0; r = c.read(serving));
    while (written < n && c.state === ConnectionState.Established) {
      const k = c.write(serving, data.subarray(written, written + 65536));
      if (k === 0) break;
      written += k;
    }
    if (written === n) {
      c.finish(serving);
      written = n + 1; // finished once
    }
  };
  const closed = (x: ConnNode) => (x.conn?.state ?? 0) >= ConnectionState.Closing;
  const result = sim.run({
    until: () =>
      opts.close === true
        ? client.has("drained") && server.has("drained")
        : fin || closed(client) || closed(server),
    maxTime: opts.maxTime ?? 120_000_000,
  });
  const expected = createHash("sha256").update(data).digest("hex");
  return {
    bytes: got,
    sha256ok: fin && got === n && hash.digest("hex") === expected,
    durationUs: doneAt < 0 ? -1 : doneAt - requestAt,
    result,
    client: pair.clientConn,
    server: pair.serverConn(),
  };
}
