/**
 * The `pquic` command line: picoquicdemo's options (PQUIC
 * `picoquicfirst/picoquicdemo.c`, getopt `c:k:P:C:Q:G:p:v:L14rhzRX:S:l:m:n:t:q:o:w:Da:`)
 * with the same letters and meanings, plus friendlier forms:
 *
 * ```
 * pquic [server_name [port [scenario]]] [options]   picoquicdemo's form
 * pquic server [options]                            a server (like no server name)
 * pquic client URL [options]                        https://host:port/path (HTTP/3), hq://… (hq-interop)
 * pquic vm run|disasm …                             the eBPF tools
 * pquic --help | --version
 * ```
 *
 * Parsing never touches the system: it turns `argv` into a {@link Command}
 * that `cli/client.ts` and `cli/server.ts` carry out.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULT_SCENARIO, parseScenario, type ScenarioEntry } from "../apps/scenario.ts";
import { QuicVersion } from "../transport/version.ts";

/** Exit codes of the command (documented in {@link usage}). */
export const ExitCode = {
  /** Everything asked for was done. */
  Ok: 0,
  /** The connection or a transfer failed (or the server could not start). */
  Failure: 1,
  /** The command line was wrong, or asks for something not available yet. */
  Usage: 2,
} as const;

/** picoquicdemo's default server port. */
export const DEFAULT_PORT = 4443;

/** Options shared by client and server. */
export interface CommonOptions {
  /** `-l`: where log lines go; null = stdout. `/dev/null` disables. */
  readonly logFile: string | null;
  /** `-X` (or `SSLKEYLOGFILE`): NSS key-log file. */
  readonly keyLogFile: string | null;
  /** `-q`: qlog file (JSON-SEQ). */
  readonly qlogFile: string | null;
  /** `-m`: largest UDP payload to try (DPLPMTUD limit and max_udp_payload_size). */
  readonly mtu: number | null;
  /**
   * `-P` (repeatable): local plugins injected into every connection, each a
   * `.plugin` path or a built-in name (loaded by `cli/plugins.ts`).
   */
  readonly plugins: readonly string[];
  /** `-S`: where per-pluglet statistics go at the end (`-` = stdout); null = nowhere. */
  readonly pluginStatsFile: string | null;
  /**
   * `-Q` (repeatable): plugins to run at both ends, offered to the peer (plugin
   * exchange, `cli/exchange.ts`): `.plugin` paths, built-in names or `.bundle` files.
   */
  readonly injectPlugins: readonly string[];
  /** `-C`: the plugin cache directory (received bundles, by name and digest). */
  readonly pluginCache: string | null;
  /** `--plugin-trust`: `any`, `allow:FILE` or `signed:KEY[,KEY]` for received plugins. */
  readonly pluginTrust: string | null;
}

/** What `pquic` was asked to run as a server. */
export interface ServerOptions extends CommonOptions {
  readonly mode: "server";
  /** `-p`. */
  readonly port: number;
  /** The address bound (`::` by default, dual-stack). */
  readonly host: string;
  /** `-c` / `-k`: certificate chain and key PEM files (both or neither). */
  readonly certFile: string | null;
  readonly keyFile: string | null;
  /** `-w`: web root. */
  readonly webRoot: string | null;
  /** `-1`: serve one connection, then exit. */
  readonly justOnce: boolean;
  /** `-r`: validate every client address with a Retry first. */
  readonly retry: boolean;
  /** `-R`: no session tickets (no resumption, no 0-RTT). */
  readonly noResumption: boolean;
}

/** What `pquic` was asked to fetch as a client. */
export interface ClientOptions extends CommonOptions {
  readonly mode: "client";
  /** The server name as given (a host name or an address literal). */
  readonly serverName: string;
  readonly port: number;
  /** `-n`: SNI; default the server name. */
  readonly sni: string;
  /** The requests, in picoquicdemo's scenario form. */
  readonly scenario: ScenarioEntry[];
  /** `-a`, or the default order for the version. */
  readonly alpns: string[];
  /** `-v`: the version of the first Initial. */
  readonly version: number;
  /** `-t`: PEM trust anchors; null = no verification (with a warning). */
  readonly trustFile: string | null;
  /** `-R`: neither use nor store session tickets. */
  readonly noResumption: boolean;
  /** `-z`: make the server send a HelloRetryRequest (picoquicdemo: zero key share). */
  readonly zeroShare: boolean;
  /** `-o`: download directory (default: the current directory). */
  readonly outDir: string | null;
  /** `-D` (set by `-G`): do not save what is received. */
  readonly noSave: boolean;
  /** `--key-update ms`: start a key update every `ms` milliseconds (0: never). */
  readonly keyUpdateMs: number;
}

/** A parsed command line. */
export type Command =
  | ServerOptions
  | ClientOptions
  | { readonly mode: "help" }
  | { readonly mode: "version" }
  | { readonly mode: "vm"; readonly args: string[] }
  /** `pquic relay …` (cli/relay.ts parses the rest). */
  | { readonly mode: "relay"; readonly args: string[] }
  /** `pquic plugin …` (cli/plugin_command.ts parses the rest). */
  | { readonly mode: "plugin"; readonly args: string[] }
  /** A usage error (exit 2): what is wrong, shown with the usage. */
  | { readonly mode: "error"; readonly message: string; readonly showUsage: boolean };

const OPTIONS = {
  cert: { type: "string", short: "c" },
  key: { type: "string", short: "k" },
  get: { type: "string", short: "G" },
  "ignored-4": { type: "boolean", short: "4" },
  plugin: { type: "string", short: "P", multiple: true },
  "plugin-cache": { type: "string", short: "C" },
  "inject-plugin": { type: "string", short: "Q", multiple: true },
  port: { type: "string", short: "p" },
  sni: { type: "string", short: "n" },
  alpn: { type: "string", short: "a" },
  trust: { type: "string", short: "t" },
  "no-resumption": { type: "boolean", short: "R" },
  keylog: { type: "string", short: "X" },
  "preload-plugins": { type: "boolean", short: "L" },
  once: { type: "boolean", short: "1" },
  retry: { type: "boolean", short: "r" },
  "quic-version": { type: "string", short: "v" },
  "zero-share": { type: "boolean", short: "z" },
  log: { type: "string", short: "l" },
  mtu: { type: "string", short: "m" },
  qlog: { type: "string", short: "q" },
  "plugin-stats": { type: "string", short: "S" },
  output: { type: "string", short: "o" },
  "web-root": { type: "string", short: "w" },
  "no-save": { type: "boolean", short: "D" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
  host: { type: "string" },
  "key-update": { type: "string" },
  "plugin-trust": { type: "string" },
} as const;

/** The plugin options, refused until the plugin layer exists. */
const PLUGIN_OPTIONS = [
  ["preload-plugins", "-L"],
] as const;

/** The message printed for `-L`. */
export const PLUGINS_UNAVAILABLE = "plugins are not available yet";

/** The ALPNs a client proposes without `-a`, for a version (picoquicdemo: h3 variants, then hq). */
export function defaultAlpns(version: number): string[] {
  return version === QuicVersion.DRAFT_29
    ? ["h3-29", "hq-29", "h3", "hq-interop"]
    : ["h3", "hq-interop"];
}

/**
 * The ALPNs for `-a name`: `hq`, `hq-interop`, `hq-29` all mean HTTP/0.9 and
 * `h3`, `h3-29` HTTP/3; the draft-29 names are sent with draft-29 and the
 * RFC names otherwise. Anything else is sent as given.
 */
export function alpnsFor(name: string, version: number): string[] {
  const d29 = version === QuicVersion.DRAFT_29;
  if (name === "hq" || name === "hq-interop" || name === "hq-29") {
    return d29 ? ["hq-29", "hq-interop"] : ["hq-interop"];
  }
  if (name === "h3" || name === "h3-29") return d29 ? ["h3-29", "h3"] : ["h3"];
  return [name];
}

/** Parses `-v`: hex with or without `0x`. */
export function parseVersion(text: string): number | null {
  if (!/^(0x)?[0-9a-fA-F]{1,8}$/.test(text)) return null;
  return parseInt(text.replace(/^0x/, ""), 16) >>> 0;
}

function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : null;
}

function usageError(message: string, showUsage = true): Command {
  return { mode: "error", message, showUsage };
}

/**
 * Parses the command line.
 *
 * @param argv The arguments after the program name.
 * @param env Environment lookups (`SSLKEYLOGFILE`).
 * @example
 * ```ts
 * import { parseCommand } from "./args.ts";
 * import assert from "node:assert/strict";
 * const c = parseCommand(["-4", "-G", "10000", "::1", "4443"]);
 * assert.equal(c.mode, "client");
 * if (c.mode === "client") assert.equal(c.scenario[0]!.path, "/10000");
 * ```
 */
export function parseCommand(
  argv: readonly string[],
  env: (name: string) => string | undefined = () => undefined,
): Command {
  const first = argv[0];
  if (first === "vm") return { mode: "vm", args: argv.slice(1) };
  if (first === "relay") return { mode: "relay", args: argv.slice(1) };
  if (first === "plugin") return { mode: "plugin", args: argv.slice(1) };
  if (first === "help") return { mode: "help" };
  let form: "demo" | "server" | "client" = "demo";
  let rest = argv;
  if (first === "server" || first === "client") {
    form = first;
    rest = argv.slice(1);
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    return usageError(e instanceof Error ? e.message : String(e));
  }
  const v = parsed.values;
  const pos = parsed.positionals;
  if (v.help) return { mode: "help" };
  if (v.version) return { mode: "version" };
  for (const [name, letter] of PLUGIN_OPTIONS) {
    if (v[name] !== undefined) return usageError(`${letter}: ${PLUGINS_UNAVAILABLE}`, false);
  }

  let mtu: number | null = null;
  if (v.mtu !== undefined) {
    mtu = /^\d+$/.test(v.mtu) ? Number(v.mtu) : NaN;
    if (!(mtu >= 1200 && mtu <= 65527)) {
      return usageError(`-m ${v.mtu}: the MTU must be a number of bytes from 1200 to 65527`);
    }
  }
  const common: CommonOptions = {
    logFile: v.log ?? null,
    keyLogFile: v.keylog ?? (env("SSLKEYLOGFILE") || null),
    qlogFile: v.qlog ?? null,
    mtu,
    plugins: v.plugin ?? [],
    pluginStatsFile: v["plugin-stats"] ?? null,
    injectPlugins: v["inject-plugin"] ?? [],
    pluginCache: v["plugin-cache"] ?? null,
    pluginTrust: v["plugin-trust"] ?? null,
  };

  let port: number | null = null;
  if (v.port !== undefined) {
    // A server may ask for any free port with 0 (the log says which).
    port = v.port === "0" ? 0 : parsePort(v.port);
    if (port === null) return usageError(`-p ${v.port}: not a port number (1-65535, or 0 for any)`);
  }

  const isServer = form === "server" || (form === "demo" && pos.length === 0);
  if (isServer) {
    if (pos.length > 0) return usageError(`unexpected argument "${pos[0]}" for a server`);
    if ((v.cert === undefined) !== (v.key === undefined)) {
      return usageError("-c and -k go together: give both the certificate and its key");
    }
    for (const [name, letter] of clientOnly) {
      if (v[name] !== undefined) return usageError(`${letter} is a client option`);
    }
    return {
      mode: "server",
      ...common,
      port: port ?? DEFAULT_PORT,
      host: v.host ?? "::",
      certFile: v.cert ?? null,
      keyFile: v.key ?? null,
      webRoot: v["web-root"] ?? null,
      justOnce: v.once ?? false,
      retry: v.retry ?? false,
      noResumption: v["no-resumption"] ?? false,
    };
  }

  for (const [name, letter] of serverOnly) {
    if (v[name] !== undefined) return usageError(`${letter} is a server option`);
  }
  let version: number = QuicVersion.V1;
  if (v["quic-version"] !== undefined) {
    const parsedVersion = parseVersion(v["quic-version"]);
    if (parsedVersion === null) {
      return usageError(`-v ${v["quic-version"]}: the version is hex, e.g. 1, 6b3343cf, ff00001d`);
    }
    version = parsedVersion;
  }

  let serverName: string;
  let serverPort: number;
  let scenarioText: string;
  let urlAlpn: string | null = null;
  if (form === "client") {
    if (pos.length !== 1) {
      return usageError("pquic client takes one URL, e.g. https://localhost:4443/1000000");
    }
    let url: URL;
    try {
      url = new URL(pos[0]!);
    } catch {
      return usageError(`"${pos[0]}" is not a URL (e.g. https://localhost:4443/index.html)`);
    }
    if (url.protocol !== "https:" && url.protocol !== "hq:") {
      return usageError(`${url.protocol}// URLs are not supported: use https:// (HTTP/3) or hq://`);
    }
    urlAlpn = url.protocol === "https:" ? "h3" : "hq";
    serverName = url.hostname.replace(/^\[(.*)\]$/, "$1");
    serverPort = url.port !== ""
      ? Number(url.port)
      : (port ?? (url.protocol === "https:" ? 443 : DEFAULT_PORT));
    scenarioText = `0:${url.pathname}${url.search}`;
  } else {
    if (pos.length > 3) return usageError(`unexpected argument "${pos[3]}"`);
    serverName = pos[0]!;
    if (pos[1] !== undefined) {
      const p = parsePort(pos[1]);
      if (p === null) return usageError(`"${pos[1]}" is not a port number (1-65535)`);
      serverPort = p;
    } else serverPort = port ?? DEFAULT_PORT;
    scenarioText = pos[2] ?? DEFAULT_SCENARIO;
  }

  let noSave = v["no-save"] ?? false;
  if (v.get !== undefined) {
    if (!/^\d+$/.test(v.get) || Number(v.get) <= 0) {
      return usageError(`-G ${v.get}: the size must be a number of bytes above 0`);
    }
    scenarioText = `0:/${Number(v.get)}`;
    noSave = true;
  }
  let keyUpdateMs = 0;
  if (v["key-update"] !== undefined) {
    keyUpdateMs = /^\d+$/.test(v["key-update"]) ? Number(v["key-update"]) : 0;
    if (keyUpdateMs <= 0) {
      return usageError(`--key-update ${v["key-update"]}: give a period in milliseconds above 0`);
    }
  }
  let scenario: ScenarioEntry[];
  try {
    scenario = parseScenario(scenarioText);
  } catch (e) {
    return usageError(`bad scenario: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (scenario.length === 0) return usageError("the scenario asks for nothing");

  let alpns: string[];
  if (v.alpn !== undefined) alpns = alpnsFor(v.alpn, version);
  else if (v.get !== undefined) alpns = alpnsFor("hq", version);
  else if (urlAlpn !== null) alpns = alpnsFor(urlAlpn, version);
  else alpns = defaultAlpns(version);

  return {
    mode: "client",
    ...common,
    serverName,
    port: serverPort,
    sni: v.sni ?? serverName,
    scenario,
    alpns,
    version,
    trustFile: v.trust ?? null,
    noResumption: v["no-resumption"] ?? false,
    zeroShare: v["zero-share"] ?? false,
    outDir: v.output ?? null,
    noSave,
    keyUpdateMs,
  };
}

const serverOnly = [
  ["cert", "-c"],
  ["key", "-k"],
  ["web-root", "-w"],
  ["once", "-1"],
  ["retry", "-r"],
  ["host", "--host"],
] as const;

const clientOnly = [
  ["get", "-G"],
  ["sni", "-n"],
  ["alpn", "-a"],
  ["trust", "-t"],
  ["quic-version", "-v"],
  ["zero-share", "-z"],
  ["output", "-o"],
  ["no-save", "-D"],
  ["key-update", "--key-update"],
] as const;
