/**
 * The per-plugin state of plugin exchange at one end (EXCHANGE.md §3): what
 * this end knows of its own copy of the plugin and of the peer's.
 *
 * @module
 */

import type { PluginStateCode } from "./codepoints.ts";
import type { PluginRef } from "./plugin_list.ts";

/** This end's copy of a negotiated plugin. */
export const LocalState = {
  /** Not here yet. */
  Missing: 0,
  /** Asked the peer for it (PLUGIN_REQUEST sent). */
  Fetching: 1,
  /** Here and checked (READY announced); not attached until the peer is ready. */
  Ready: 2,
  /** Attached to the connection (ACTIVE announced): its frames can be parsed. */
  Attached: 3,
  /** Not run at this end, for `reason` (REFUSED announced when the peer needs to know). */
  Refused: 4,
} as const;

/** One of {@link LocalState}. */
export type LocalState = typeof LocalState[keyof typeof LocalState];

/** What the peer announced about it (ordered: a later state implies the earlier ones). */
export const PeerState = {
  /** Nothing yet. */
  Unknown: 0,
  /** READY: the peer has it, checked. */
  Ready: 1,
  /** ACTIVE: the peer attached it and parses its frames. */
  Active: 2,
  /** REFUSED: the peer will not run it. */
  Refused: 3,
} as const;

/** One of {@link PeerState}. */
export type PeerState = typeof PeerState[keyof typeof PeerState];

/** One negotiated plugin at one end. */
export interface ExchangeEntry {
  /** Name and digest. */
  readonly plugin: PluginRef;
  /** This end's state. */
  local: LocalState;
  /** The peer's, as announced. */
  peer: PeerState;
  /** Why it was refused (here or by the peer), else null. */
  reason: string | null;
  /** It came over this connection (not from a cache or the local configuration). */
  transferred: boolean;
  /** When this end asked for it (µs), −1 when it did not. */
  requestedAt: number;
  /** The last state this end announced (0: none). */
  announced: PluginStateCode | 0;
  /** The last state of ours the peer acknowledged (0: none). */
  ackedCode: PluginStateCode | 0;
}

/**
 * A negotiated plugin's entry before anything happened to it: missing here,
 * nothing heard from the peer.
 *
 * @param plugin Name and digest.
 * @returns A fresh entry.
 */
export function newEntry(plugin: PluginRef): ExchangeEntry {
  return {
    plugin,
    local: LocalState.Missing,
    peer: PeerState.Unknown,
    reason: null,
    transferred: false,
    requestedAt: -1,
    announced: 0,
    ackedCode: 0,
  };
}
