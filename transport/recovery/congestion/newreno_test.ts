import assert from "node:assert/strict";
import { packet } from "../_testing.ts";
import { RttEstimator } from "../rtt.ts";
import type { SentPacket } from "../sent_packet.ts";
import { SpaceId } from "../space_id.ts";
import { initialWindow, minimumWindow } from "./controller.ts";
import { NewReno } from "./newreno.ts";

const APP = SpaceId.Application;
const rtt = new RttEstimator();

function sendAll(cc: NewReno, from: number, count: number, t: number): SentPacket[] {
  const out: SentPacket[] = [];
  for (let i = 0; i < count; i++) {
    const p = packet(APP, from + i, t);
    cc.onPacketSent(p, t);
    out.push(p);
  }
  return out;
}

Deno.test("initialWindow() and minimumWindow() follow RFC 9002 §7.2", () => {
  assert.equal(initialWindow(1200), 12_000);
  assert.equal(initialWindow(1500), 14_720);
  assert.equal(initialWindow(9000), 18_000);
  assert.equal(minimumWindow(1200), 2400);
});

Deno.test("NewReno grows by the acknowledged bytes in slow start", () => {
  const cc = new NewReno(1200);
  assert.equal(cc.window, 12_000);
  assert.equal(cc.ssthresh, Infinity);
  const ps = sendAll(cc, 0, 5, 0);
  assert.equal(cc.bytesInFlight, 6000);
  cc.onPacketsAcked(ps, 50_000, rtt);
  assert.equal(cc.window, 18_000);
  assert.equal(cc.bytesInFlight, 0);
});

Deno.test("NewReno halves once per recovery period, then adds one datagram per window", () => {
  const cc = new NewReno(1200);
  const early = sendAll(cc, 0, 10, 0);
  cc.onPacketsAcked(early.slice(0, 5), 10_000, rtt); // 18000
  // Loss of packet 5 at t = 20 ms: recovery starts, ssthresh = cwnd / 2.
  cc.onPacketsLost([early[5]!], 20_000, false);
  assert.equal(cc.ssthresh, 9000);
  assert.equal(cc.window, 9000);
  // Another loss of a packet sent before recovery began: no second reduction.
  cc.onPacketsLost([early[6]!], 21_000, false);
  assert.equal(cc.window, 9000);
  // Acks of packets sent before recovery began: no growth.
  cc.onPacketsAcked(early.slice(7), 22_000, rtt);
  assert.equal(cc.window, 9000);
  assert.equal(cc.bytesInFlight, 0);
  // Congestion avoidance: 9000 bytes acknowledged add one datagram.
  const later = sendAll(cc, 10, 16, 30_000);
  cc.onPacketsAcked(later.slice(0, 7), 60_000, rtt); // 8400 B
  assert.equal(cc.window, 9000);
  cc.onPacketsAcked(later.slice(7, 8), 60_000, rtt); // 9600 B ≥ 9000
  assert.equal(cc.window, 10_200);
  // 600 B carried over; 9600 more reach the new window of 10200.
  cc.onPacketsAcked(later.slice(8, 15), 60_000, rtt); // 600 + 8400 = 9000
  assert.equal(cc.window, 10_200);
  cc.onPacketsAcked(later.slice(15, 16), 60_000, rtt); // 10200
  assert.equal(cc.window, 11_400);
  // A loss of a packet sent after recovery began starts a new period.
  const p = sendAll(cc, 26, 1, 70_000)[0]!;
  cc.onPacketsLost([p], 80_000, false);
  assert.equal(cc.window, 5700);
});

Deno.test("NewReno never shrinks below kMinimumWindow and collapses to it on persistent congestion", () => {
  const cc = new NewReno(1200);
  let t = 0;
  for (let i = 0; i < 6; i++) {
    const p = sendAll(cc, i, 1, t)[0]!;
    cc.onPacketsLost([p], t + 1, false);
    t += 10;
  }
  assert.equal(cc.window, 2400);
  const big = new NewReno(1200);
  const ps = sendAll(big, 0, 4, 0);
  big.onPacketsAcked(ps.slice(0, 2), 1, rtt);
  big.onPacketsLost(ps.slice(2), 2, true);
  assert.equal(big.window, 2400);
  assert.equal(big.ssthresh, 7200);
  // Recovery was left: a packet sent before the collapse grows the window again.
  assert.equal(big.inRecovery(1), false);
});

Deno.test("NewReno does not grow while application-limited", () => {
  const cc = new NewReno(1200);
  cc.appLimited = true;
  const ps = sendAll(cc, 0, 3, 0);
  cc.onPacketsAcked(ps, 1000, rtt);
  assert.equal(cc.window, 12_000);
  assert.equal(cc.bytesInFlight, 0);
});

Deno.test("NewReno ignores the loss of a PMTU probe but removes it from flight", () => {
  const cc = new NewReno(1200);
  const probe = packet(APP, 0, 0, { size: 1500, isPmtuProbe: true });
  cc.onPacketSent(probe, 0);
  cc.onPacketsLost([probe], 100, false);
  assert.equal(cc.window, 12_000);
  assert.equal(cc.bytesInFlight, 0);
});

Deno.test("NewReno.canSend() compares bytes in flight with the window", () => {
  const cc = new NewReno(1200);
  sendAll(cc, 0, 9, 0);
  assert.equal(cc.canSend(1200), true);
  assert.equal(cc.canSend(1201), false);
  const np = packet(APP, 9, 0, { ackEliciting: false, inFlight: false });
  cc.onPacketSent(np, 0);
  assert.equal(cc.bytesInFlight, 10_800);
  cc.onPacketDiscarded(packet(APP, 0, 0));
  assert.equal(cc.bytesInFlight, 9600);
});

Deno.test("NewReno.maxDatagramSize recomputes the initial window until the window moved", () => {
  const cc = new NewReno(1200);
  cc.maxDatagramSize = 1500;
  assert.equal(cc.window, 14_720);
  assert.equal(cc.minimumWindow, 3000);
  const ps = sendAll(cc, 0, 1, 0);
  cc.onPacketsAcked(ps, 10, rtt);
  assert.equal(cc.window, 14_720 + 1200);
  // Once the window moved it is kept, but never below the new minimum (2 × 9000).
  cc.maxDatagramSize = 4000;
  assert.equal(cc.window, 15_920);
  cc.maxDatagramSize = 9000;
  assert.equal(cc.window, 18_000);
  const l = sendAll(cc, 1, 1, 20)[0]!;
  cc.onPacketsLost([l], 30, true);
  assert.equal(cc.window, 18_000);
});
