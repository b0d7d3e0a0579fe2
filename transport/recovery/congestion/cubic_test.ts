import assert from "node:assert/strict";
import { packet } from "../_testing.ts";
import { RttEstimator } from "../rtt.ts";
import type { SentPacket } from "../sent_packet.ts";
import { SpaceId } from "../space_id.ts";
import { Cubic, CUBIC_ALPHA, CUBIC_BETA, CUBIC_C } from "./cubic.ts";

const APP = SpaceId.Application;

function close(actual: number, expected: number, eps = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= eps, `${actual} is not ${expected} (±${eps})`);
}

const inFlight = new WeakMap<Cubic, SentPacket[]>();

/**
 * A controller right after one loss at 100 ms (cwnd 8400, W_max 12000), with
 * many packets sent at 200 ms still in flight (so no idle period intervenes).
 */
function afterLoss(): Cubic {
  const cc = new Cubic(1200);
  const lost = packet(APP, 0, 50_000);
  cc.onPacketSent(lost, 50_000);
  cc.onPacketsLost([lost], 100_000, false);
  const ps: SentPacket[] = [];
  for (let pn = 1; pn <= 500; pn++) {
    const p = packet(APP, pn, 200_000);
    cc.onPacketSent(p, 200_000);
    ps.push(p);
  }
  inFlight.set(cc, ps);
  return cc;
}

function rtt100(): RttEstimator {
  const rtt = new RttEstimator();
  rtt.update(100_000, 0, true, 0);
  return rtt;
}

/** Acknowledges the oldest packet in flight. */
function ackOne(cc: Cubic, now: number, rtt: RttEstimator): void {
  const p = inFlight.get(cc)!.shift()!;
  cc.onPacketsAcked([p], now, rtt);
}

Deno.test("Cubic constants are RFC 9438's", () => {
  assert.equal(CUBIC_C, 0.4);
  assert.equal(CUBIC_BETA, 0.7);
  close(CUBIC_ALPHA, 0.9 / 1.7, 1e-12);
});

Deno.test("Cubic reduces by β and remembers W_max and cwnd_prior on a congestion event", () => {
  const cc = afterLoss();
  assert.equal(cc.wMax, 12_000);
  assert.equal(cc.cwndPrior, 12_000);
  assert.equal(cc.window, 8400);
  assert.equal(cc.ssthresh, 8400);
  assert.equal(cc.epochStart, -1);
});

Deno.test("Cubic fast convergence lowers W_max when the window did not reach it", () => {
  const cc = afterLoss();
  const p = packet(APP, 1, 200_000);
  cc.onPacketSent(p, 200_000);
  cc.onPacketsLost([p], 300_000, false);
  close(cc.wMax, 8400 * (1 + CUBIC_BETA) / 2);
  assert.equal(cc.window, 5880);
  const off = afterLoss();
  off.fastConvergence = false;
  off.onPacketSent(p, 200_000);
  off.onPacketsLost([p], 300_000, false);
  assert.equal(off.wMax, 8400);
});

Deno.test("Cubic.wCubic() follows C × (t − K)³ + W_max with K = ∛((W_max − cwnd_epoch)/C)", () => {
  const cc = afterLoss();
  const rtt = rtt100();
  ackOne(cc, 1_000_000, rtt);
  assert.equal(cc.epochStart, 1_000_000);
  const k = Math.cbrt(7.5); // (12000 − 8400) / 1200 segments / 0.4
  close(cc.k, k, 1e-12);
  close(cc.wCubic(0), 8400);
  close(cc.wCubic(k), 12_000);
  close(cc.wCubic(k + 1), 12_000 + 0.4 * 1200);
  close(cc.wCubic(k - 2), 12_000 - 0.4 * 8 * 1200);
  close(cc.wCubic(k + 3), 12_000 + 0.4 * 27 * 1200);
});

Deno.test("Cubic grows toward W_cubic(t + RTT), clamped at 1.5 × cwnd", () => {
  const cc = afterLoss();
  const rtt = rtt100();
  // At t = 0, W_cubic = cwnd_epoch < W_est: the Reno-friendly step.
  ackOne(cc, 1_000_000, rtt);
  const w1 = 8400 + (CUBIC_ALPHA * 1200 * 1200) / 8400;
  close(cc.wEst, w1);
  assert.equal(cc.window, Math.floor(w1));
  // At t = K: concave region, target W_cubic(K + 0.1 s).
  const tK = Math.round(cc.k * 1e6);
  ackOne(cc, 1_000_000 + tK, rtt);
  const target = 12_000 + 0.4 * Math.pow(tK / 1e6 + 0.1 - cc.k, 3) * 1200;
  const w2 = w1 + ((target - w1) * 1200) / w1;
  assert.equal(cc.window, Math.floor(w2));
  // At t = K + 2 s the curve (≈ 16445) is above 1.5 × cwnd: clamped.
  ackOne(cc, 1_000_000 + tK + 2_000_000, rtt);
  const w3 = w2 + ((1.5 * w2 - w2) * 1200) / w2;
  assert.equal(cc.window, Math.floor(w3));
});

Deno.test("Cubic follows W_est in the Reno-friendly region, with α = 1 past cwnd_prior", () => {
  const cc = afterLoss();
  const rtt = rtt100();
  // All ACKs at the epoch's start: W_cubic(0) = 8400 stays below W_est.
  let expected = 8400;
  let guard = 0;
  while (cc.wEst < cc.cwndPrior && guard++ < 1000) {
    ackOne(cc, 1_000_000, rtt);
    expected += (CUBIC_ALPHA * 1200 * 1200) / expected;
    close(cc.wEst, expected, 1e-6);
    assert.equal(cc.window, Math.floor(expected));
  }
  assert.ok(cc.wEst >= 12_000);
  ackOne(cc, 1_000_000, rtt);
  expected += (1 * 1200 * 1200) / expected;
  close(cc.wEst, expected, 1e-6);
});

Deno.test("Cubic uses K = 0 and W_max = cwnd after persistent congestion", () => {
  const cc = afterLoss();
  const p = packet(APP, 1, 200_000);
  cc.onPacketSent(p, 200_000);
  cc.onPacketsLost([p], 300_000, true);
  assert.equal(cc.window, 2400);
  assert.equal(cc.ssthresh, 5880);
  const rtt = rtt100();
  // Slow start back to ssthresh.
  while (cc.window < cc.ssthresh) ackOne(cc, 400_000, rtt);
  assert.equal(cc.window, 6000);
  ackOne(cc, 500_000, rtt);
  assert.equal(cc.k, 0);
  assert.equal(cc.wMax, 6000);
  assert.equal(cc.epochStart, 500_000);
});

Deno.test("Cubic shifts its epoch over an idle period", () => {
  const cc = afterLoss();
  const rtt = rtt100();
  ackOne(cc, 1_000_000, rtt);
  assert.equal(cc.epochStart, 1_000_000);
  const last = packet(APP, 900, 1_050_000);
  cc.onPacketSent(last, 1_050_000);
  cc.onPacketsAcked([...inFlight.get(cc)!.splice(0), last], 1_150_000, rtt);
  assert.equal(cc.bytesInFlight, 0);
  cc.onPacketSent(packet(APP, 1000, 3_000_000), 3_000_000);
  // Idle from the last send (1.05 s) to 3 s: the epoch moves by 1.95 s.
  assert.equal(cc.epochStart, 2_950_000);
  // While packets are in flight, sending does not move it.
  cc.onPacketSent(packet(APP, 1001, 3_500_000), 3_500_000);
  assert.equal(cc.epochStart, 2_950_000);
});

Deno.test("Cubic.onSpuriousLoss() restores the state before the congestion event", () => {
  const cc = new Cubic(1200);
  const rtt = rtt100();
  const first = packet(APP, 0, 0);
  cc.onPacketSent(first, 0);
  cc.onPacketsAcked([first], 10_000, rtt);
  assert.equal(cc.window, 13_200);
  const p = packet(APP, 99, 20_000);
  cc.onPacketSent(p, 20_000);
  cc.onPacketsLost([p], 30_000, false);
  assert.equal(cc.window, 9240);
  cc.onSpuriousLoss();
  assert.equal(cc.window, 13_200);
  assert.equal(cc.ssthresh, Infinity);
  assert.equal(cc.wMax, 0);
  assert.equal(cc.inRecovery(20_000), false);
});

Deno.test("Cubic does not grow while application-limited", () => {
  const cc = afterLoss();
  cc.appLimited = true;
  ackOne(cc, 1_000_000, rtt100());
  assert.equal(cc.window, 8400);
  assert.equal(cc.epochStart, -1);
});

Deno.test("Cubic.resetForNewPath() returns to the initial window and forgets W_max, keeping bytes in flight", () => {
  const cc = afterLoss();
  assert.equal(cc.wMax, 12000);
  const flight = cc.bytesInFlight;
  cc.resetForNewPath();
  assert.equal(cc.window, 12000);
  assert.equal(cc.ssthresh, Infinity);
  assert.equal(cc.wMax, 0);
  assert.equal(cc.bytesInFlight, flight);
  assert.equal(cc.inRecovery(100_000), false);
});
