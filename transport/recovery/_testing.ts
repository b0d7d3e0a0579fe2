/**
 * Test helpers for the recovery tests (not part of the public surface).
 *
 * @module
 */

import type { SentPacket } from "./sent_packet.ts";
import type { SpaceId } from "./space_id.ts";

/**
 * A sent packet with defaults: ack-eliciting, in flight, 1200 bytes, no frames.
 *
 * @param space Its space.
 * @param pn Its packet number.
 * @param timeSent When it was sent, µs.
 * @param over Fields to override.
 */
export function packet(
  space: SpaceId,
  pn: number,
  timeSent: number,
  over: Partial<SentPacket> = {},
): SentPacket {
  return {
    pn,
    space,
    timeSent,
    size: 1200,
    ackEliciting: true,
    inFlight: true,
    frames: [],
    ...over,
  };
}
