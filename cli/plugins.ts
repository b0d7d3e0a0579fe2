/**
 * Plugins in the `pquic` command (issue #7): `-P` loads local plugins and
 * injects them into every connection the command makes (the client's one,
 * each of the server's), `-S` writes per-pluglet statistics at the end of
 * each connection, and the summary shows plugin frames by name and, when
 * the monitoring plugin is loaded, its counters.
 *
 * A `-P` argument is a `.plugin` path or a built-in's name (`-P monitoring`).
 * A path of the form `…/<name>/<name>.plugin` whose file is not on disk (a
 * compiled binary, a run from a URL, another directory) is the embedded
 * built-in of that name, so that PQUIC's `-P plugins/fec/fec.plugin` works
 * from anywhere.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { BUILTIN_PLUGINS, loadBuiltin } from "../plugins/builtins.ts";
import { injectedPlugins, pluginFactory } from "../plugins/inject.ts";
import type { PlugletStats } from "../plugins/instance.ts";
import { type LoadedPlugin, loadPlugin } from "../plugins/loader.ts";
import type { PluginFactory } from "../transport/connection/config.ts";
import type { Connection } from "../transport/connection/connection.ts";
import { Log, type LogSink } from "./log.ts";
import { formatBytes, formatMs } from "./summary.ts";

/** Reads a file; null when it is not there. */
export type FileReader = (path: string) => Uint8Array | null;

/** A `-P` argument that cannot be loaded (the command exits 2). */
export class CliPluginError extends Error {
  /** The argument as given. */
  readonly arg: string;

  /**
   * @param arg The `-P` argument.
   * @param reason Why it cannot be loaded (the loader's message).
   * @param cause The loader's error.
   */
  constructor(arg: string, reason: string, cause?: unknown) {
    super(`-P ${arg}: ${reason}`, { cause });
    this.name = "CliPluginError";
    this.arg = arg;
  }
}

/** Reads from disk; null when the file is absent or unreadable. */
export function readFromDisk(path: string): Uint8Array | null {
  try {
    return Deno.readFileSync(path);
  } catch {
    return null;
  }
}

const cache = new Map<string, LoadedPlugin>();

/**
 * The built-in a `-P` argument names when it is not a file on disk: a bare
 * built-in name, or a path ending in `<name>/<name>.plugin`.
 *
 * @param arg The `-P` argument.
 * @returns The built-in's name, or null.
 * @example
 * ```ts
 * import { builtinNamed } from "./plugins.ts";
 * import assert from "node:assert/strict";
 * assert.equal(builtinNamed("monitoring"), "monitoring");
 * assert.equal(builtinNamed("plugins/no_pacing/no_pacing.plugin"), "no_pacing");
 * assert.equal(builtinNamed("plugins/no_pacing/other.plugin"), null);
 * assert.equal(builtinNamed("nonesuch"), null);
 * ```
 */
export function builtinNamed(arg: string): string | null {
  const m = /(?:^|[/\\])([^/\\]+)[/\\]\1\.plugin$/.exec(arg);
  const name = m !== null ? m[1]! : arg;
  return BUILTIN_PLUGINS.includes(name) ? name : null;
}

/**
 * Loads one `-P` plugin: a built-in by name, a `.plugin` file from disk
 * (objects and includes relative to it), or the embedded built-in for a
 * `…/<name>/<name>.plugin` path that is not on disk. Loaded plugins are
 * cached by argument (they are immutable and shared by connections).
 *
 * @param arg The `-P` argument.
 * @param read Reads files (default: from disk).
 * @returns The loaded plugin.
 * @throws CliPluginError with the loader's reason.
 * @example
 * ```ts
 * import { loadCliPlugin } from "./plugins.ts";
 * import assert from "node:assert/strict";
 * assert.equal(loadCliPlugin("no_pacing").name, "be.michelfra.no_pacing");
 * assert.throws(() => loadCliPlugin("/nonexistent/x.plugin"), /cannot be read/);
 * ```
 */
export function loadCliPlugin(arg: string, read: FileReader = readFromDisk): LoadedPlugin {
  const cached = read === readFromDisk ? cache.get(arg) : undefined;
  if (cached !== undefined) return cached;
  const isName = !arg.endsWith(".plugin") && !/[/\\]/.test(arg);
  let plugin: LoadedPlugin;
  try {
    const bytes = isName ? null : read(arg);
    if (bytes === null) {
      const builtin = builtinNamed(arg);
      if (builtin === null) {
        throw new CliPluginError(
          arg,
          isName
            ? `no built-in plugin of that name (built-ins: ${BUILTIN_PLUGINS.join(", ")})`
            : `the file cannot be read, and no built-in has that name ` +
              `(built-ins: ${BUILTIN_PLUGINS.join(", ")})`,
        );
      }
      plugin = loadBuiltin(builtin);
    } else {
      const dir = dirname(arg);
      const top = basename(arg);
      plugin = loadPlugin(top, (p) => (p === top ? bytes : read(join(dir, p))));
    }
  } catch (e) {
    if (e instanceof CliPluginError) throw e;
    throw new CliPluginError(arg, e instanceof Error ? e.message : String(e), e);
  }
  if (read === readFromDisk) cache.set(arg, plugin);
  return plugin;
}

/**
 * Loads every `-P` plugin, in order.
 *
 * @param args The `-P` arguments.
 * @param read Reads files (default: from disk).
 * @returns The loaded plugins.
 * @throws CliPluginError for the first that cannot be loaded.
 */
export function loadCliPlugins(
  args: readonly string[],
  read: FileReader = readFromDisk,
): LoadedPlugin[] {
  return args.map((a) => loadCliPlugin(a, read));
}

/**
 * The connection-config entries that inject `plugins` into each connection
 * made from the config (one instance per connection).
 *
 * @param plugins The loaded plugins.
 * @param log Where the plugins' log lines (`helper_log`, PROTOOP_PRINTF) and
 *   fault messages go, as `plugin <name>: <line>`.
 * @returns `{ plugins }` for the config, or `{}` without plugins.
 */
export function pluginConfig(
  plugins: readonly LoadedPlugin[],
  log: LogSink,
): { plugins?: PluginFactory[] } {
  if (plugins.length === 0) return {};
  // Plugins print C-style lines that end in a newline; the log adds its own.
  const onLog = (name: string, line: string) => log.line(`plugin ${name}: ${line.trimEnd()}`);
  return { plugins: plugins.map((p) => pluginFactory(p, { onLog })) };
}

function plugletName(s: PlugletStats): string {
  const param = s.param === undefined ? "" : ` param 0x${s.param.toString(16)}`;
  return `${s.op}${param} ${s.anchor} (${s.file})`;
}

/**
 * The `-S` lines of one connection: per plugin its memory and fault, per
 * pluglet that ran its calls, total and mean time, faults and heap
 * high-water mark (PQUIC's `-S` lists anchor, protoop, param, pluglet,
 * calls, mean and total time).
 *
 * @param conn The connection.
 * @returns The lines (none when no plugin was injected).
 */
export function pluginStatsLines(conn: Connection): string[] {
  const lines: string[] = [];
  for (const p of injectedPlugins(conn)) {
    const s = p.stats();
    lines.push(
      `plugin ${s.name}: heap high-water ${formatBytes(s.heapHighWater)} of ` +
        `${formatBytes(s.memorySize)}, ${s.fault === null ? "no fault" : `fault: ${s.fault}`}`,
    );
    let idle = 0;
    for (const pl of s.pluglets) {
      if (pl.calls === 0) {
        idle++;
        continue;
      }
      const meanUs = pl.totalTimeUs / pl.calls;
      lines.push(
        `  ${plugletName(pl)}: ${pl.calls} calls, ${formatMs(pl.totalTimeUs)} total, ` +
          `${meanUs.toFixed(2)} µs mean, ${pl.faults} faults, ` +
          `heap high-water ${formatBytes(pl.heapHighWater)}`,
      );
    }
    if (idle > 0) lines.push(`  (${idle} pluglet${idle === 1 ? "" : "s"} never called)`);
  }
  return lines;
}

/** Where `-S` statistics go: a file (created or truncated), or stdout for `-`. */
export class PluginStatsFile {
  readonly #log: Log;

  private constructor(log: Log) {
    this.#log = log;
  }

  /**
   * Opens the `-S` target.
   *
   * @param path A file, or `-` for stdout.
   * @returns The target.
   */
  static open(path: string): PluginStatsFile {
    return new PluginStatsFile(Log.open(path));
  }

  /**
   * Writes the statistics of each connection to `path` and closes it.
   *
   * @param path A file, or `-` for stdout.
   * @param conns The connections.
   */
  static write(path: string, conns: readonly Connection[]): void {
    const f = PluginStatsFile.open(path);
    for (const c of conns) f.connection(c);
    f.close();
  }

  /**
   * Writes one connection's statistics.
   *
   * @param conn The connection.
   * @param label What names the connection (the server's peer address), if anything.
   */
  connection(conn: Connection, label?: string): void {
    const lines = pluginStatsLines(conn);
    const head = label === undefined ? "Plugin statistics" : `${label}: plugin statistics`;
    this.#log.line(lines.length === 0 ? `${head}: no plugin injected` : `${head}:`);
    for (const line of lines) this.#log.line(line);
  }

  /** Closes the file. */
  close(): void {
    this.#log.close();
  }
}

/**
 * Reads counters a plugin exports through an extern that takes a counter
 * index (the built-ins' `<name>_get_counter` convention), also after the
 * connection closed (the plugin's memory lives as long as the connection).
 *
 * @param conn The connection.
 * @param extern The extern protoop (whichever injected plugin exports it).
 * @param names The counters, in index order.
 * @returns The counters by name, or null when no attached plugin exports `extern`.
 */
export function pluginCounters<K extends string>(
  conn: Connection,
  extern: string,
  names: readonly K[],
): Record<K, number> | null {
  const injected = injectedPlugins(conn).find((p) =>
    p.plugin.pluglets.some((l) => l.anchor === "extern" && l.op === extern)
  );
  if (injected === undefined || !injected.attached) return null;
  const out: Partial<Record<K, number>> = {};
  try {
    names.forEach((name, i) => {
      out[name] = Number(conn.ops.callExtern(conn, extern, [BigInt(i)]));
    });
  } catch {
    return null;
  }
  return out as Record<K, number>;
}

/** The monitoring plugin's name (plugins/monitoring/monitoring.plugin). */
export const MONITORING_PLUGIN = "be.mpiraux.monitoring";

/** The monitoring plugin's counters (plugins/monitoring/monitoring.h, `MON_*` order). */
export const MONITORING_COUNTERS = [
  "packetsReceived",
  "bytesReceived",
  "packetsSent",
  "bytesSent",
  "packetsLost",
  "rttSamples",
  "rttMin",
  "rttMax",
  "rttLatest",
  "streamsOpened",
  "streamsClosed",
] as const;

/** The datagram plugin's counters (plugins/datagram/datagram.h, `DG_*` order). */
export const DATAGRAM_COUNTERS = [
  "sent",
  "received",
  "acked",
  "lost",
  "refused",
  "neverWritten",
  "held",
  "peerMax",
] as const;

/** The FEC plugins' counters (plugins/fec/fec.h, `FC_*` order). */
export const FEC_COUNTERS = [
  "source",
  "repair",
  "repairAcked",
  "repairLost",
  "rxSource",
  "rxRepair",
  "rxUseless",
  "recovered",
  "peerRecovered",
  "unprotected",
] as const;

/**
 * The summary lines about plugins: which are injected (and whether one
 * faulted), and the counters of the monitoring, datagram and FEC plugins
 * when one of them is loaded.
 *
 * @param conn The connection.
 * @returns The lines, in the summary's layout (none without plugins).
 */
export function pluginSummaryLines(conn: Connection): string[] {
  const injected = injectedPlugins(conn);
  if (injected.length === 0) return [];
  const lines = [
    `  plugins         ${
      injected.map((p) => p.fault === null ? p.name : `${p.name} (faulted)`).join(", ")
    }`,
  ];
  const m = pluginCounters(conn, "monitoring_get_counter", MONITORING_COUNTERS);
  if (m !== null) {
    lines.push(
      `  monitoring      packets received ${m.packetsReceived} (${m.bytesReceived} bytes), ` +
        `sent ${m.packetsSent} (${m.bytesSent} bytes), lost ${m.packetsLost}`,
      `                  rtt samples ${m.rttSamples}, min ${formatMs(m.rttMin)}, ` +
        `max ${formatMs(m.rttMax)}, latest ${formatMs(m.rttLatest)}; ` +
        `streams opened ${m.streamsOpened}, closed ${m.streamsClosed}`,
    );
  }
  const d = pluginCounters(conn, "datagram_get_counter", DATAGRAM_COUNTERS);
  if (d !== null) {
    lines.push(
      `  datagrams       sent ${d.sent}, received ${d.received}, acked ${d.acked}, ` +
        `lost ${d.lost}, refused ${d.refused}; ` +
        (d.peerMax > 0
          ? `the peer takes frames up to ${d.peerMax} bytes`
          : "the peer takes none (no max_datagram_frame_size)"),
    );
  }
  const f = pluginCounters(conn, "fec_get_counter", FEC_COUNTERS);
  if (f !== null) {
    lines.push(
      `  fec             sent ${f.source} source, ${f.repair} repair symbols ` +
        `(${f.repairAcked} acked, ${f.repairLost} lost); received ${f.rxSource} source, ` +
        `${f.rxRepair} repair (${f.rxUseless} useless)`,
      `                  recovered ${f.recovered} packets here, ${f.peerRecovered} at the peer` +
        (f.unprotected > 0 ? `; ${f.unprotected} packets unprotected` : ""),
    );
  }
  return lines;
}
