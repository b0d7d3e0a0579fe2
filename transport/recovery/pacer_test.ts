import assert from "node:assert/strict";
import { MAX_BURST_PACKETS, Pacer } from "./pacer.ts";

const WINDOW = 12_000;
const RTT = 100_000;

function burst(p: Pacer, now: number, n: number): void {
  for (let i = 0; i < n; i++) {
    assert.equal(p.delayUntil(now, 1200, WINDOW, RTT), 0, `packet ${i} at ${now}`);
    p.onSend(now, 1200);
  }
}

Deno.test("Pacer allows an initial burst of ten datagrams", () => {
  const p = new Pacer(1200);
  assert.equal(MAX_BURST_PACKETS, 10);
  assert.equal(p.capacity, 12_000);
  burst(p, 0, 10);
  assert.notEqual(p.delayUntil(0, 1200, WINDOW, RTT), 0);
});

Deno.test("Pacer spaces packets at 1.25 × cwnd / smoothed_rtt", () => {
  const p = new Pacer(1200);
  burst(p, 0, 10);
  // 1.25 × 12000 B / 100 ms = 0.15 B/µs: 1200 B every 8 ms.
  assert.equal(p.delayUntil(0, 1200, WINDOW, RTT), 8000);
  assert.equal(p.delayUntil(4000, 1200, WINDOW, RTT), 8000);
  burst(p, 8000, 1);
  assert.equal(p.delayUntil(8000, 1200, WINDOW, RTT), 16_000);
  burst(p, 16_000, 1);
  // A doubled window halves the interval.
  assert.equal(p.delayUntil(16_000, 1200, 2 * WINDOW, RTT), 20_000);
  // A smaller packet waits less.
  assert.equal(p.delayUntil(16_000, 300, WINDOW, RTT), 18_000);
});

Deno.test("Pacer.delayUntil() polled every µs loses no refill", () => {
  const p = new Pacer(1200);
  burst(p, 0, 10);
  for (let t = 1; t < 8000; t += 7) assert.equal(p.delayUntil(t, 1200, WINDOW, RTT), 8000);
  assert.equal(p.delayUntil(8000, 1200, WINDOW, RTT), 0);
});

Deno.test("Pacer tokens are capped at the burst size after idling", () => {
  const p = new Pacer(1200);
  burst(p, 0, 10);
  p.delayUntil(5_000_000, 1200, WINDOW, RTT);
  assert.equal(p.tokens, 12_000);
  burst(p, 5_000_000, 10);
  assert.equal(p.delayUntil(5_000_000, 1200, WINDOW, RTT), 5_008_000);
});

Deno.test("Pacer.maxDatagramSize raises the burst", () => {
  const p = new Pacer(1200);
  p.maxDatagramSize = 1500;
  assert.equal(p.capacity, 15_000);
  p.delayUntil(0, 1500, WINDOW, RTT);
  burst(p, 1_000_000, 12); // 12 × 1200 < 15000 tokens after refill
  assert.equal(p.tokens, 600);
});
