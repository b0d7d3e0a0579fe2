/**
 * The connection's derived timers: the default of the `set_next_wake_time`
 * protoop (CATALOGUE.md), which re-arms loss detection, the ACK delay and key
 * discard from the connection's state, and the re-arming after a close. The
 * timers themselves are the table of `timers.ts`; this file only decides
 * their deadlines.
 *
 * @module
 */

import { SpaceId } from "../recovery/space_id.ts";
import type { Connection } from "./connection.ts";
import { ConnectionState } from "./events.ts";
import { Timer } from "./timers.ts";

/**
 * Default of `set_next_wake_time`: re-arms the derived timers (loss
 * detection, ACK delay, key discard; RFC 9002 §6.2, RFC 9000 §13.2.1).
 *
 * @param c The connection.
 * @param _now Current time (µs); the deadlines are absolute already.
 */
export function setNextWakeTime(c: Connection, _now: number): void {
  const t = c.timers;
  if (c.state >= ConnectionState.Closing) {
    t.stop(Timer.LossDetection);
    t.stop(Timer.AckDelay);
    t.stop(Timer.Pacing);
    t.stop(Timer.KeepAlive);
    t.stop(Timer.KeyDiscard);
    t.stop(Timer.PathValidation);
    return;
  }
  t.set(Timer.LossDetection, c.loss.lossDetectionTimeout());
  let ack = Infinity;
  // Only spaces that can carry an ACK now: a due ACK we cannot send must not spin the timer.
  const blocked = !c.addressValidated && 3 * c.ampReceived - c.ampSent < 96;
  for (let i = 0; i < 3; i++) {
    const s = c.spaces[i]!;
    if (blocked) break;
    if (i === SpaceId.Application ? c.oneRtt === null : s.writeKeys === null) continue;
    if (!s.discarded && s.ackTracker.pending) {
      const d = s.ackTracker.ackDeadline();
      if (d < ack) ack = d;
    }
  }
  t.set(Timer.AckDelay, ack);
  t.set(Timer.KeyDiscard, c.oneRtt?.prevDiscardAt ?? Infinity);
}

/**
 * After a close from a `catch`: the timers of the closing state, through
 * `set_next_wake_time`, or its default when a pluglet of it throws too.
 * Never throws.
 *
 * @param c The connection (closing or draining).
 * @param now Current time (µs).
 */
export function timersAfterClose(c: Connection, now: number): void {
  try {
    c.updateTimers(now);
  } catch {
    setNextWakeTime(c, now);
  }
}
