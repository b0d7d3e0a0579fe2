/**
 * Packet number spaces (RFC 9000 §12.3).
 *
 * Initial, Handshake and Application data each have their own packet numbers,
 * acknowledgements and loss detection state; 0-RTT and 1-RTT packets share the
 * Application space. The ids are small integers so that per-space state lives in
 * fixed arrays indexed by them.
 *
 * @module
 */

/**
 * The three packet number spaces, as indices into per-space arrays.
 *
 * @example Indexing per-space state
 * ```ts
 * import { SpaceId, SPACE_COUNT } from "./space_id.ts";
 * import assert from "node:assert/strict";
 * const largest = new Array<number>(SPACE_COUNT).fill(-1);
 * largest[SpaceId.Handshake] = 7;
 * assert.equal(largest[1], 7);
 * ```
 */
export const SpaceId = {
  Initial: 0,
  Handshake: 1,
  Application: 2,
} as const;

/** A packet number space id: 0 (Initial), 1 (Handshake) or 2 (Application). */
export type SpaceId = typeof SpaceId[keyof typeof SpaceId];

/** The number of packet number spaces: the length of per-space arrays. */
export const SPACE_COUNT = 3;

/** The spaces in the order RFC 9002 Appendix A walks them. */
export const ALL_SPACES: readonly SpaceId[] = [
  SpaceId.Initial,
  SpaceId.Handshake,
  SpaceId.Application,
];

const NAMES = ["initial", "handshake", "application"] as const;

/**
 * The qlog name of a space (`"initial"`, `"handshake"`, `"application"`).
 *
 * @param space The space id.
 * @returns Its lower-case name.
 */
export function spaceName(space: SpaceId): string {
  return NAMES[space];
}
