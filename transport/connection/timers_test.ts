import assert from "node:assert/strict";
import { Timer, TIMER_COUNT, TIMER_NAMES, TimerTable } from "./timers.ts";

Deno.test("TimerTable.next() is the earliest armed deadline and Infinity when none", () => {
  const t = new TimerTable();
  assert.equal(t.next(), Infinity);
  t.set(Timer.Idle, 500);
  t.set(Timer.LossDetection, 300);
  assert.equal(t.next(), 300);
  t.stop(Timer.LossDetection);
  assert.equal(t.next(), 500);
  assert.equal(t.isExpired(Timer.Idle, 499), false);
  assert.equal(t.isExpired(Timer.Idle, 500), true);
  t.clear();
  assert.equal(t.next(), Infinity);
});

Deno.test("Timer kinds are dense and all named", () => {
  const kinds = Object.values(Timer).sort((a, b) => a - b);
  assert.deepEqual(kinds, Array.from({ length: TIMER_COUNT }, (_, i) => i));
  assert.equal(TIMER_NAMES.length, TIMER_COUNT);
});
