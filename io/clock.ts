/**
 * The clocks a real driver gives the sans-IO transport.
 *
 * The transport counts time in integer microseconds from an arbitrary origin
 * (see `transport/connection/connection.ts`); here that origin is the start of
 * the process and the source is the monotonic `performance.now()`, so that a
 * wall-clock step (NTP, a suspended laptop) never fires or starves a timer.
 * Certificates and session tickets need real dates: {@link wallClockMs}.
 *
 * @module
 */

/**
 * Monotonic time in integer microseconds, for `now` arguments and for
 * comparing with `nextTimeout()`.
 *
 * @example
 * ```ts
 * import { monotonicMicros } from "./clock.ts";
 * import assert from "node:assert/strict";
 * const a = monotonicMicros();
 * assert.ok(Number.isInteger(a) && monotonicMicros() >= a);
 * ```
 */
export function monotonicMicros(): number {
  return Math.floor(performance.now() * 1000);
}

/**
 * Milliseconds from `now` (µs, as {@link monotonicMicros}) until `deadline`
 * (µs), for `setTimeout`: rounded up so that a timer never fires before its
 * deadline, and never negative.
 *
 * @example
 * ```ts
 * import { delayMs } from "./clock.ts";
 * import assert from "node:assert/strict";
 * assert.equal(delayMs(1_000, 2_500), 2);
 * assert.equal(delayMs(5_000, 1_000), 0);
 * ```
 */
export function delayMs(now: number, deadline: number): number {
  return deadline <= now ? 0 : Math.ceil((deadline - now) / 1000);
}

/**
 * Wall-clock milliseconds since the epoch, for certificate validity and
 * ticket lifetimes (the connection's `wallClockMs` setting).
 *
 * @example
 * ```ts
 * import { wallClockMs } from "./clock.ts";
 * import assert from "node:assert/strict";
 * assert.ok(wallClockMs() > Date.UTC(2020, 0, 1));
 * ```
 */
export function wallClockMs(): number {
  return Date.now();
}
