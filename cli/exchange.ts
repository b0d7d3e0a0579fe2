/**
 * Plugin exchange in the `pquic` command (issue #8):
 *
 * - `-Q plugin` (repeatable): a plugin to run at both ends, offered to the
 *   peer, which fetches it when it lacks it (PQUIC: server only; here either
 *   end). A `.plugin` path, a built-in's name, or a `.bundle` file (e.g. one
 *   signed with `pquic plugin sign`).
 * - `-C dir`: the cache of received bundles, keyed by name and digest; a
 *   plugin found there needs no transfer.
 * - `--plugin-trust any|allow:FILE|signed:KEY[,KEY]`: what a received (or
 *   cached) bundle must satisfy (default `any`: every bundle that passes the
 *   archive, digest and verifier checks).
 *
 * Every step is logged: requested, received, active, refused with the reason.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { DirectoryPluginStore } from "../io/plugin_cache.ts";
import { builtinReader } from "../plugins/builtins.ts";
import type { LoadedPlugin } from "../plugins/loader.ts";
import {
  offerBundle,
  type OfferedPlugin,
  offerPlugin,
  pluginExchange,
} from "../plugins/exchange/session.ts";
import {
  describeTrustPolicy,
  parseTrustPolicy,
  type TrustPolicy,
} from "../plugins/exchange/trust.ts";
import type { PluginFactory } from "../transport/connection/config.ts";
import type { ExchangeEvent } from "../transport/exchange/mod.ts";
import { type FileReader, loadCliPlugins, readFromDisk } from "./plugins.ts";
import { builtinNamed } from "./plugins.ts";
import type { LogSink } from "./log.ts";
import { formatBytes, formatMs } from "./summary.ts";

/** The exchange options of the command line. */
export interface ExchangeArgs {
  /** `-Q` arguments. */
  readonly injectPlugins: readonly string[];
  /** `-C`. */
  readonly pluginCache: string | null;
  /** `--plugin-trust`. */
  readonly pluginTrust: string | null;
}

/** The exchange set up from the command line. */
export interface CliExchange {
  /** The `-Q` plugins, loaded. */
  readonly inject: readonly OfferedPlugin[];
  /** The `-C` store, when given. */
  readonly store: DirectoryPluginStore | null;
  /** The trust policy. */
  readonly trust: TrustPolicy;
}

/**
 * Loads one `-Q` plugin: a `.bundle` file, a `.plugin` file, or a built-in.
 *
 * @param arg The argument.
 * @param read Reads files.
 * @returns The offered plugin.
 * @throws Error naming the argument and the reason.
 */
export function loadInjectPlugin(arg: string, read: FileReader = readFromDisk): OfferedPlugin {
  try {
    if (arg.endsWith(".bundle")) {
      const bytes = read(arg);
      if (bytes === null) throw new Error("the file cannot be read");
      return offerBundle(bytes);
    }
    const bytes = arg.endsWith(".plugin") ? read(arg) : null;
    if (bytes === null) {
      const builtin = builtinNamed(arg);
      if (builtin === null) throw new Error("no such file, and no built-in has that name");
      return offerPlugin(`${builtin}/${builtin}.plugin`, builtinReader());
    }
    const dir = dirname(arg);
    const top = basename(arg);
    return offerPlugin(top, (p) => (p === top ? bytes : read(join(dir, p))));
  } catch (e) {
    throw new Error(`-Q ${arg}: ${e instanceof Error ? e.message : e}`, { cause: e });
  }
}

/**
 * Every plugin a connection of the command may run: the `-P` plugins and the `-Q` ones.
 *
 * @param loaded What {@link loadPluginOptions} loaded.
 * @returns The plugins.
 */
export function commandPlugins(
  loaded: { plugins: readonly LoadedPlugin[]; exchange: CliExchange | null },
): LoadedPlugin[] {
  return [...loaded.plugins, ...(loaded.exchange?.inject.map((p) => p.plugin) ?? [])];
}

/**
 * Loads every plugin option of the command line: `-P` and the exchange's.
 *
 * @param o The options.
 * @returns The plugins and the exchange, or the message saying which option is wrong.
 */
export function loadPluginOptions(
  o: ExchangeArgs & { readonly plugins: readonly string[] },
): { plugins: LoadedPlugin[]; exchange: CliExchange | null } | { error: string } {
  try {
    return { plugins: loadCliPlugins(o.plugins), exchange: loadCliExchange(o) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Loads `-Q`, opens `-C`, parses `--plugin-trust`.
 *
 * @param o The options.
 * @param read Reads files.
 * @returns The exchange, or null when no exchange option was given.
 * @throws Error naming the option at fault.
 */
export function loadCliExchange(
  o: ExchangeArgs,
  read: FileReader = readFromDisk,
): CliExchange | null {
  if (o.injectPlugins.length === 0 && o.pluginCache === null && o.pluginTrust === null) return null;
  const inject = o.injectPlugins.map((a) => loadInjectPlugin(a, read));
  let trust: TrustPolicy = { kind: "any" };
  if (o.pluginTrust !== null) {
    try {
      trust = parseTrustPolicy(o.pluginTrust, (p) => {
        const b = read(p);
        if (b === null) throw new Error(`cannot read ${p}`);
        return b;
      });
    } catch (e) {
      throw new Error(`--plugin-trust ${o.pluginTrust}: ${e instanceof Error ? e.message : e}`);
    }
  }
  let store: DirectoryPluginStore | null = null;
  if (o.pluginCache !== null) {
    try {
      store = new DirectoryPluginStore(o.pluginCache);
    } catch (e) {
      throw new Error(`-C ${o.pluginCache}: ${e instanceof Error ? e.message : e}`);
    }
  }
  return { inject, store, trust };
}

/** One log line for an exchange event. */
export function exchangeEventLine(e: ExchangeEvent): string | null {
  switch (e.type) {
    case "negotiated":
      return e.plugins.length === 0
        ? null
        : `Plugin exchange: ${e.plugins.map((p) => p.name).join(", ")} at both ends`;
    case "requested":
      return `Plugin ${e.plugin.name}: requested from the peer`;
    case "serving":
      return `Plugin ${e.plugin.name}: sending its bundle (${formatBytes(e.bytes)})`;
    case "received":
      return `Plugin ${e.plugin.name}: received ${formatBytes(e.bytes)} in ${
        formatMs(e.durationUs)
      }`;
    case "attached":
      return null;
    case "active":
      return `Plugin ${e.plugin.name}: active at both ends` +
        (e.transferred ? " (transferred in this connection)" : "");
    case "refused":
      return `Plugin ${e.plugin.name}: refused by ${
        e.by === "local" ? "us" : "the peer"
      }: ${e.reason}`;
  }
}

/**
 * Adds the exchange to a connection config's plugins.
 *
 * @param base The config's `{ plugins }` so far (`pluginConfig`'s result).
 * @param x The exchange (null: none).
 * @param log Where event lines and plugin log lines go.
 * @returns `{ plugins }` with the exchange last.
 */
export function withExchange(
  base: { plugins?: PluginFactory[] },
  x: CliExchange | null,
  log: LogSink,
): { plugins?: PluginFactory[] } {
  if (x === null) return base;
  const factory = pluginExchange({
    inject: x.inject,
    ...(x.store === null ? {} : { store: x.store }),
    trust: x.trust,
    injectOptions: { onLog: (name, line) => log.line(`plugin ${name}: ${line.trimEnd()}`) },
    onEvent: (_c, e) => {
      const line = exchangeEventLine(e);
      if (line !== null) log.line(line);
    },
  });
  return { plugins: [...(base.plugins ?? []), factory] };
}

/**
 * Lines describing the exchange set-up, for the start of a run.
 *
 * @param x The exchange.
 */
export function exchangeSetupLines(x: CliExchange | null): string[] {
  if (x === null) return [];
  const lines = x.inject.map((p) => `\tboth plugin ${p.name} (${formatBytes(p.bundle.length)})`);
  if (x.store !== null) {
    lines.push(`\tplugin cache ${x.store.dir} (${x.store.list().length} cached)`);
  }
  lines.push(`\tplugin trust: ${describeTrustPolicy(x.trust)}`);
  return lines;
}
