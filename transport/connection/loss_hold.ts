/**
 * Holding back the frames of lost packets: the hook forward erasure
 * correction needs (plugins/fec, pquic-reference.md §7.6).
 *
 * When a packet protected by FEC is declared lost (RFC 9002 §6.1), the peer
 * may still rebuild it from a repair symbol that is on its way. Core would
 * re-queue the packet's frames at once (RFC 9000 §13.3) and send them again;
 * a {@link LossHold} may keep them back instead. The congestion controller
 * has already counted the loss (it learns of it as of any loss); only the
 * frames' owners wait. The holder later calls {@link releaseHeld}: as
 * delivered when the peer reported the packet rebuilt (its frames are then
 * acknowledged), or as lost (they are re-queued as core would have).
 *
 * The connection asks `onLost` for each lost packet (`recovery.ts`
 * `onPacketsLost`) and calls `flush` once a received datagram, a timer or an
 * application call has been processed (`Connection.afterInput`), so a holder
 * can release what it decided to release once a whole datagram was processed,
 * and the owners' events (a stream now acknowledged) reach the application at
 * once. `deadline` arms the connection's `LossHold` timer: a held packet is
 * released on time even when nothing else happens on the connection.
 *
 * @module
 */

import type { SentPacket } from "../recovery/sent_packet.ts";
import type { Connection } from "./connection.ts";
import { releaseHeldFrames } from "./recovery.ts";

/** Keeps the frames of some lost packets back (`Connection.lossHold`). */
export interface LossHold {
  /**
   * A packet was declared lost.
   *
   * @param p the packet (its plugin frames are notified as lost regardless)
   * @param now current time, µs
   * @returns true to hold its frames back until {@link releaseHeld}
   */
  onLost(p: SentPacket, now: number): boolean;
  /**
   * Called after every input (datagram, timer, application call): release what is due.
   *
   * @param now current time, µs
   */
  flush(now: number): void;
  /**
   * When `flush` must run next although no input arrives (µs), `Infinity` when nothing is held.
   */
  deadline(): number;
}

/**
 * Releases a held packet's frames.
 *
 * @param c the connection
 * @param p the packet {@link LossHold.onLost} held
 * @param delivered true when the peer rebuilt it (frames acknowledged), false to re-queue them
 */
export function releaseHeld(c: Connection, p: SentPacket, delivered: boolean): void {
  releaseHeldFrames(c, p, delivered);
}
