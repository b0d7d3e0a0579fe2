/**
 * What plugin exchange needs from the plugin layer and tells it
 * ({@link ExchangeDelegate}, {@link ExchangeEvent}), and its settings.
 *
 * @module
 */

import type { PluginRef } from "./plugin_list.ts";

/** PQUIC's buffer for a received plugin (1,024,000 bytes), rounded to 1 MiB. */
export const DEFAULT_MAX_BUNDLE_SIZE = 1 << 20;
/** Flow-control window of a transfer (arbitrary: 64 chunks of 1 KB). */
export const DEFAULT_TRANSFER_WINDOW = 64 * 1024;
/** What the exchange needs from the plugin layer; every method is synchronous. */
export interface ExchangeDelegate {
  /** True when this end can run `plugin` (that exact digest) without a transfer. */
  has(plugin: PluginRef): boolean;
  /** The bundle bytes of `plugin` to send to the peer, or null when we cannot give it. */
  bundle(plugin: PluginRef): Uint8Array | null;
  /**
   * Checks received bundle bytes (archive, digest, verifier, trust) and caches
   * them. Returns null when accepted, else the reason for refusing.
   */
  accept(plugin: PluginRef, bytes: Uint8Array): string | null;
  /** Attaches the plugin to the connection now. Returns null, or why it could not. */
  attach(plugin: PluginRef): string | null;
  /** Detaches a plugin attached by {@link attach} (the peer refused it). */
  detach(plugin: PluginRef): void;
}

/** What happened, for logs, statistics and benchmarks. `now` is in µs. */
export type ExchangeEvent =
  | { readonly type: "negotiated"; readonly plugins: readonly PluginRef[]; readonly now: number }
  | {
    readonly type: "requested";
    readonly plugin: PluginRef;
    readonly requestId: number;
    readonly now: number;
  }
  | {
    readonly type: "serving";
    readonly plugin: PluginRef;
    readonly bytes: number;
    readonly now: number;
  }
  | {
    readonly type: "received";
    readonly plugin: PluginRef;
    readonly bytes: number;
    readonly durationUs: number;
    readonly now: number;
  }
  | { readonly type: "attached"; readonly plugin: PluginRef; readonly now: number }
  | {
    readonly type: "active";
    readonly plugin: PluginRef;
    readonly transferred: boolean;
    readonly now: number;
  }
  | {
    readonly type: "refused";
    readonly plugin: PluginRef;
    readonly reason: string;
    readonly by: "local" | "peer";
    readonly now: number;
  };

/** Settings of one connection's exchange. */
export interface ExchangeOptions {
  /** Plugins this end has and can run (`supported_plugins`). */
  readonly supported?: readonly PluginRef[];
  /** Plugins this end wants active at both ends (`plugins_to_inject`, CLI `-Q`). */
  readonly inject?: readonly PluginRef[];
  /** Largest bundle accepted, bytes (default {@link DEFAULT_MAX_BUNDLE_SIZE}). */
  readonly maxBundleSize?: number;
  /** Flow-control window per transfer, bytes (default {@link DEFAULT_TRANSFER_WINDOW}). */
  readonly window?: number;
  /** The plugin layer. */
  readonly delegate: ExchangeDelegate;
  /** Told every {@link ExchangeEvent}. */
  readonly onEvent?: (e: ExchangeEvent) => void;
}

/**
 * The data of an event's qlog record (`exchange:<type>`): the plugin by
 * name, numbers as u64, strings and booleans as text.
 *
 * @param e The event.
 * @returns Its fields but `type` and `now`.
 */
export function exchangeEventData(e: ExchangeEvent): Record<string, string | bigint> {
  const data: Record<string, string | bigint> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === "type" || k === "now") continue;
    if (k === "plugin") data.plugin = e.type === "negotiated" ? "" : e.plugin.name;
    else if (k === "plugins" && e.type === "negotiated") {
      data.plugins = e.plugins.map((p) => p.name).join(",");
    } else if (typeof v === "number") data[k] = BigInt(v);
    else if (typeof v === "string" || typeof v === "boolean") data[k] = String(v);
  }
  return data;
}
