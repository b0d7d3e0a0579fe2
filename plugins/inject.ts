/**
 * Injecting plugins into live connections (DESIGN.md principles 3 and 5,
 * issue #7): one {@link PluginInstance} per (plugin, connection) over a
 * {@link ConnectionHost}, attached to the connection's protoop table all or
 * nothing.
 *
 * Two ways in:
 * - {@link injectPlugin}: attaches now, to a connection that exists (PQUIC's
 *   `plugin_insert_plugin`). A plugin that writes a transport parameter must
 *   come in through the config instead, since a client's parameters are
 *   written when it is created.
 * - {@link pluginFactory}: for `ClientConnectionConfig.plugins` /
 *   `ServerConnectionConfig.plugins` (and so for an endpoint's server
 *   config): the connection calls the factory in its constructor, before its
 *   transport parameters are written, and every connection gets its own
 *   instance.
 *
 * Fault containment (DESIGN.md principle 3): when a pluglet faults, its
 * plugin is detached from that connection, the connection closes with
 * INTERNAL_ERROR and the fault message (plugin, pluglet, fault) as reason,
 * the message goes to `onLog` and to the connection's qlog sink; the
 * endpoint and its other connections go on.
 *
 * @module
 */

import type { Connection } from "../transport/connection/connection.ts";
import type { Attachment, PluginDefinition } from "../transport/protoop/mod.ts";
import type { EngineFactory } from "../vm/mod.ts";
import { ConnectionHost } from "./connection_host.ts";
import type { PluginFaultReport } from "./host.ts";
import { PluginInstance, type PluginStats } from "./instance.ts";
import type { LoadedPlugin } from "./loader.ts";

/** Options of {@link injectPlugin} and {@link pluginFactory}. */
export interface InjectOptions {
  /** Engine; default the Wasm compiler. */
  engine?: EngineFactory;
  /** Instruction budget of one pluglet run; default the VM's. */
  fuel?: number;
  /**
   * Time one run in this many of each pluglet for the statistics (`-S`), and
   * scale; 1 times every run. Default: the instance's (`DEFAULT_TIME_EVERY`).
   */
  timeEvery?: number;
  /** Where `helper_log` lines and fault messages go (CLI `-l`, stderr). */
  onLog?: (plugin: string, line: string) => void;
}

/** A plugin attached to one connection. */
export interface InjectedPlugin {
  /** Plugin name. */
  readonly name: string;
  /** The loaded plugin (shared by every connection). */
  readonly plugin: LoadedPlugin;
  /** Its instance on this connection. */
  readonly instance: PluginInstance;
  /** A snapshot of its statistics (calls, time, faults, memory), for `-S`. */
  stats(): PluginStats;
  /** The fault message once it faulted (it is then detached); null before. */
  readonly fault: string | null;
  /** True while its pluglets are attached. */
  readonly attached: boolean;
  /** Removes its pluglets from the connection (idempotent). */
  detach(): void;
}

/** Refusal to inject (a replace conflict with an attached plugin, …): nothing was attached. */
export class PluginInjectError extends Error {
  /** The plugin refused. */
  readonly plugin: string;

  /**
   * @param plugin plugin name
   * @param reason why (the table's refusal)
   * @param cause the underlying error
   */
  constructor(plugin: string, reason: string, cause?: unknown) {
    super(`Cannot inject plugin "${plugin}": ${reason}`, { cause });
    this.name = "PluginInjectError";
    this.plugin = plugin;
  }
}

const INJECTED = new WeakMap<Connection, InjectedPlugin[]>();

/** One plugin on one connection: the record behind {@link InjectedPlugin}. */
class Injection implements InjectedPlugin {
  readonly name: string;
  readonly plugin: LoadedPlugin;
  readonly instance: PluginInstance;
  readonly definition: PluginDefinition;
  readonly #conn: Connection;
  #attachment: Attachment | null = null;
  #detached = false;

  constructor(conn: Connection, plugin: LoadedPlugin, opts: InjectOptions) {
    this.#conn = conn;
    this.name = plugin.name;
    this.plugin = plugin;
    const host = new ConnectionHost(conn, {
      ...(opts.onLog === undefined ? {} : { onLog: opts.onLog }),
      onFault: (report) => this.#onFault(report),
    });
    this.instance = new PluginInstance(plugin, host, {
      ...(opts.engine === undefined ? {} : { engine: opts.engine }),
      ...(opts.fuel === undefined ? {} : { fuel: opts.fuel }),
      ...(opts.timeEvery === undefined ? {} : { timeEvery: opts.timeEvery }),
    });
    this.definition = this.instance.definition();
  }

  get fault(): string | null {
    return this.instance.fault?.message ?? null;
  }

  get attached(): boolean {
    return !this.#detached && this.#currentAttachment()?.attached === true;
  }

  stats(): PluginStats {
    return this.instance.stats();
  }

  /** Records the attachment made by `injectPlugin`. */
  bind(a: Attachment): void {
    this.#attachment = a;
  }

  detach(): void {
    this.#detached = true;
    this.#currentAttachment()?.detach();
  }

  #currentAttachment(): Attachment | null {
    return this.#attachment ?? this.#conn.plugins.attachments.get(this.definition) ?? null;
  }

  /** The host closes the connection; the plugin leaves it first. */
  #onFault(_report: PluginFaultReport): void {
    this.detach();
  }
}

function register(conn: Connection, inj: Injection): void {
  let list = INJECTED.get(conn);
  if (list === undefined) INJECTED.set(conn, list = []);
  list.push(inj);
  const frames = inj.plugin.options.frames;
  if (frames !== undefined) {
    for (const [type, name] of frames) conn.plugins.frameNames.set(type, name);
  }
}

/**
 * Attaches `plugin` to a live connection now: all its pluglets, or none.
 *
 * @param conn the connection
 * @param plugin the loaded plugin (cached and shared by connections)
 * @param opts engine, fuel, log sink
 * @returns the injected plugin
 * @throws PluginInjectError when the table refuses a pluglet (nothing stays attached)
 * @example Pacing off on a live connection
 * ```ts
 * import { injectedPlugins, injectPlugin } from "./inject.ts";
 * import { loadBuiltin } from "./builtins.ts";
 * import { Connection } from "../transport/connection/connection.ts";
 * import { SeededRandom } from "../transport/random.ts";
 * import assert from "node:assert/strict";
 * const conn = Connection.client(
 *   { random: new SeededRandom(1), serverName: "localhost", insecureSkipVerify: true },
 *   { hostname: "127.0.0.1", port: 4433 },
 *   0,
 * );
 * const p = injectPlugin(conn, loadBuiltin("no_pacing"));
 * assert.deepEqual(injectedPlugins(conn), [p]);
 * conn.pollTransmit(0); // set_next_wake_time runs its pre pluglet
 * assert.equal(conn.plugins.pacingEnabled, false);
 * assert.equal(p.stats().pluglets[0]!.calls > 0, true);
 * ```
 */
export function injectPlugin(
  conn: Connection,
  plugin: LoadedPlugin,
  opts: InjectOptions = {},
): InjectedPlugin {
  const inj = new Injection(conn, plugin, opts);
  let a: Attachment;
  try {
    a = conn.attachPlugin(inj.definition);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new PluginInjectError(plugin.name, reason, e);
  }
  inj.bind(a);
  register(conn, inj);
  return inj;
}

/**
 * A plugin for connection configs (`ClientConnectionConfig.plugins`,
 * `ServerConnectionConfig.plugins`, an endpoint's server config): the
 * connection calls it in its constructor, before its transport parameters
 * are written, so each connection gets its own instance.
 *
 * @param plugin the loaded plugin
 * @param opts engine, fuel, log sink
 * @returns the factory
 */
export function pluginFactory(
  plugin: LoadedPlugin,
  opts: InjectOptions = {},
): (conn: Connection) => PluginDefinition {
  return (conn) => {
    const inj = new Injection(conn, plugin, opts);
    register(conn, inj);
    return inj.definition;
  };
}

/**
 * The plugins injected into a connection, in order (for `-S`, the summary, qlog).
 *
 * @param conn the connection
 * @returns the injected plugins (faulted ones included)
 */
export function injectedPlugins(conn: Connection): readonly InjectedPlugin[] {
  return INJECTED.get(conn) ?? [];
}

/**
 * The name a plugin's manifest gives a frame type (`frames=0x30:DATAGRAM`).
 *
 * @param conn the connection
 * @param type the frame type
 * @returns the name, or undefined when no injected plugin names it
 */
export function pluginFrameName(conn: Connection, type: number): string | undefined {
  return conn.plugins.frameNames.get(type);
}
