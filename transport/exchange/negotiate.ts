/**
 * Negotiation (EXCHANGE.md §3): from the two ends' plugin lists, which
 * plugins run at both ends and what this end does for each — a pure
 * function, so that both ends provably reach the same set.
 *
 * @module
 */

import type { UnknownTransportParameter } from "../transport_parameters.ts";
import { TP_PLUGINS_TO_INJECT, TP_SUPPORTED_PLUGINS } from "./codepoints.ts";
import { decodePluginList, type PluginRef, sameDigest } from "./plugin_list.ts";

/** The peer's plugin lists, as its transport parameters gave them. */
export interface PeerPluginLists {
  /** `supported_plugins`. */
  readonly supported: readonly PluginRef[];
  /** `plugins_to_inject`. */
  readonly inject: readonly PluginRef[];
}

/** What this end does for one plugin of the negotiated set. */
export type PlanStep =
  | { readonly plugin: PluginRef; readonly action: "ready" }
  | { readonly plugin: PluginRef; readonly action: "request" }
  | {
    readonly plugin: PluginRef;
    readonly action: "refuse";
    readonly reason: string;
    /** The peer cannot know it by itself: announce REFUSED. */
    readonly announce: boolean;
  };

/**
 * The peer's lists from its transport parameters.
 *
 * @param unknown The parameters core did not know.
 * @returns The lists, or null when the peer sent neither (it does not take part).
 * @throws {TransportError} TRANSPORT_PARAMETER_ERROR for a malformed list.
 */
export function peerPluginLists(
  unknown: readonly UnknownTransportParameter[],
): PeerPluginLists | null {
  let supported: PluginRef[] | null = null;
  let inject: PluginRef[] | null = null;
  for (const u of unknown) {
    if (u.id === BigInt(TP_SUPPORTED_PLUGINS)) supported = decodePluginList(u.value);
    else if (u.id === BigInt(TP_PLUGINS_TO_INJECT)) inject = decodePluginList(u.value);
  }
  if (supported === null && inject === null) return null;
  return { supported: supported ?? [], inject: inject ?? [] };
}

/**
 * Decides, for the union by name of both ends' `plugins_to_inject`, what
 * this end does: ready (it has the plugin), request (the peer lists it), or
 * refuse (the peer does not take part; two digests for one name — both ends
 * see that and refuse without a word; nobody has it).
 *
 * @param localInject Our `plugins_to_inject`.
 * @param peer The peer's lists (null: it does not take part).
 * @param has Whether this end can run a plugin without a transfer.
 * @returns The negotiated plugins and one step per plugin, in order.
 * @example
 * ```ts
 * import { planExchange } from "./negotiate.ts";
 * import assert from "node:assert/strict";
 * const p = { name: "be.example.p", digest: new Uint8Array(32) };
 * const plan = planExchange([], { supported: [], inject: [p] }, () => false);
 * assert.deepEqual(plan.steps.map((s) => s.action), ["request"]);
 * ```
 */
export function planExchange(
  localInject: readonly PluginRef[],
  peer: PeerPluginLists | null,
  has: (plugin: PluginRef) => boolean,
): { plugins: PluginRef[]; steps: PlanStep[] } {
  const plugins: PluginRef[] = [];
  const conflicts = new Set<string>();
  for (const ref of [...localInject, ...(peer?.inject ?? [])]) {
    const other = plugins.find((w) => w.name === ref.name);
    if (other === undefined) plugins.push(ref);
    else if (!sameDigest(other.digest, ref.digest)) conflicts.add(ref.name);
  }
  const peerHas = (ref: PluginRef) =>
    peer !== null &&
    [...peer.supported, ...peer.inject].some((p) =>
      p.name === ref.name && sameDigest(p.digest, ref.digest)
    );
  const steps = plugins.map((plugin): PlanStep => {
    if (peer === null) {
      return {
        plugin,
        action: "refuse",
        reason: "the peer does not take part in plugin exchange",
        announce: false,
      };
    }
    if (conflicts.has(plugin.name)) {
      return {
        plugin,
        action: "refuse",
        reason: "the two ends ask for different versions (digests) of it",
        announce: false,
      };
    }
    if (has(plugin)) return { plugin, action: "ready" };
    if (peerHas(plugin)) return { plugin, action: "request" };
    return { plugin, action: "refuse", reason: "neither end can provide it", announce: true };
  });
  return { plugins, steps };
}
