/**
 * The connection's timers as a table (quinn `timer.rs`, STYLE.md §5): a const
 * of timer kinds and one `Float64Array` of absolute deadlines in µs, `Infinity`
 * when unarmed. `nextTimeout()` is the minimum; no per-timer closures.
 *
 * @module
 */

/** Timer kinds, indexing {@link TimerTable}. */
export const Timer = {
  /** RFC 9002 §6.2 / §6.1.2: loss detection or PTO. */
  LossDetection: 0,
  /** RFC 9000 §10.1: idle timeout. */
  Idle: 1,
  /** RFC 9000 §10.2: end of the closing or draining period. */
  Close: 2,
  /** RFC 9001 §6.5: drop the previous generation's read keys. */
  KeyDiscard: 3,
  /** RFC 9000 §13.2.1: the earliest delayed ACK deadline over all spaces. */
  AckDelay: 4,
  /** RFC 9002 §7.7: the pacer lets the next packet go. */
  Pacing: 5,
  /** Keep-alive PING after idleness. */
  KeepAlive: 6,
  /** RFC 9000 §8.2.4: give up on (or challenge again) an unanswered PATH_CHALLENGE. */
  PathValidation: 7,
  /** A packet a `LossHold` keeps back is due for release (loss_hold.ts). */
  LossHold: 8,
} as const;

/** One timer kind. */
export type Timer = typeof Timer[keyof typeof Timer];

/** Number of timer kinds. */
export const TIMER_COUNT = 9;

/** Names for logs, indexed by {@link Timer}. */
export const TIMER_NAMES: readonly string[] = [
  "lossDetection",
  "idle",
  "close",
  "keyDiscard",
  "ackDelay",
  "pacing",
  "keepAlive",
  "pathValidation",
  "lossHold",
];

/**
 * Deadlines by timer kind.
 *
 * @example
 * ```ts
 * import { Timer, TimerTable } from "./timers.ts";
 * import assert from "node:assert/strict";
 * const t = new TimerTable();
 * t.set(Timer.Idle, 30_000_000);
 * t.set(Timer.AckDelay, 25_000);
 * assert.equal(t.next(), 25_000);
 * assert.deepEqual(t.expired(30_000_000), [Timer.Idle, Timer.AckDelay]);
 * ```
 */
export class TimerTable {
  /** Absolute deadlines (µs), `Infinity` when unarmed. */
  readonly deadlines: Float64Array = new Float64Array(TIMER_COUNT).fill(Infinity);

  /** Arms `timer` at `deadline` (µs); `Infinity` disarms it. */
  set(timer: Timer, deadline: number): void {
    this.deadlines[timer] = deadline;
  }

  /** Disarms `timer`. */
  stop(timer: Timer): void {
    this.deadlines[timer] = Infinity;
  }

  /** The deadline of `timer`. */
  get(timer: Timer): number {
    return this.deadlines[timer]!;
  }

  /** True when `timer` is armed and due at `now`. */
  isExpired(timer: Timer, now: number): boolean {
    return this.deadlines[timer]! <= now;
  }

  /** The earliest deadline, `Infinity` when none is armed. */
  next(): number {
    let min = Infinity;
    const d = this.deadlines;
    for (let i = 0; i < TIMER_COUNT; i++) if (d[i]! < min) min = d[i]!;
    return min;
  }

  /** Kinds due at `now`, in table order (for tests and logs; the hot path uses `isExpired`). */
  expired(now: number): Timer[] {
    const out: Timer[] = [];
    for (let i = 0; i < TIMER_COUNT; i++) if (this.deadlines[i]! <= now) out.push(i as Timer);
    return out;
  }

  /** Disarms every timer. */
  clear(): void {
    this.deadlines.fill(Infinity);
  }
}
