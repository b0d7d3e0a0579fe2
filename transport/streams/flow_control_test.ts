import assert from "node:assert/strict";
import { TransportErrorCode } from "../errors.ts";
import { RecvWindow, SendCredit } from "./flow_control.ts";
import { assertTransportError } from "./_test_util.ts";

Deno.test("SendCredit.update() only raises the limit", () => {
  const c = new SendCredit(10);
  assert.equal(c.update(10), false);
  assert.equal(c.update(5), false);
  assert.equal(c.limit, 10);
  assert.equal(c.update(11), true);
  assert.equal(c.available(20), 0);
});

Deno.test("SendCredit.markBlocked() is true once per limit value", () => {
  const c = new SendCredit(10);
  assert.equal(c.markBlocked(), true);
  assert.equal(c.markBlocked(), false);
  c.update(20);
  assert.equal(c.markBlocked(), true);
  assert.equal(c.markBlocked(), false);
});

Deno.test("RecvWindow.onData() throws FLOW_CONTROL_ERROR past the limit", () => {
  const w = new RecvWindow(100);
  w.onData(100);
  assertTransportError(() => w.onData(101), TransportErrorCode.FLOW_CONTROL_ERROR);
});

Deno.test("RecvWindow.pollUpdate() waits for half the window to be consumed", () => {
  const w = new RecvWindow(100, 100);
  w.onData(100);
  w.onConsumed(49, 0, 0);
  assert.equal(w.pollUpdate(), null);
  w.onConsumed(1, 0, 0);
  assert.equal(w.pollUpdate(), 150);
  assert.equal(w.pollUpdate(), null);
  assert.equal(w.limit, 150);
});

Deno.test("RecvWindow auto-tunes: doubles when updates come within 2 RTT, up to the maximum", () => {
  const rtt = 10_000;
  const w = new RecvWindow(1000, 8000);
  let now = 0;
  let consumed = 0;
  const windows: number[] = [];
  // The reader drains half a window every 5 ms, faster than 2 RTT (20 ms).
  for (let i = 0; i < 12; i++) {
    now += 5_000;
    const step = w.window / 2;
    consumed += step;
    w.onData(consumed);
    w.onConsumed(step, now, rtt);
    const next = w.pollUpdate();
    assert.notEqual(next, null);
    assert.equal(next, consumed + w.window);
    windows.push(w.window);
  }
  assert.deepEqual(windows.slice(0, 5), [1000, 2000, 4000, 8000, 8000]);
  assert.equal(Math.max(...windows), 8000);
});

Deno.test("RecvWindow does not grow when updates are slower than 2 RTT", () => {
  const rtt = 10_000;
  const w = new RecvWindow(1000, 8000);
  let now = 0;
  let consumed = 0;
  for (let i = 0; i < 10; i++) {
    now += 50_000;
    consumed += 500;
    w.onData(consumed);
    w.onConsumed(500, now, rtt);
    assert.equal(w.pollUpdate(), consumed + 1000);
  }
  assert.equal(w.window, 1000);
});
