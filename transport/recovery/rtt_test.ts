import assert from "node:assert/strict";
import { GRANULARITY, INITIAL_RTT, RttEstimator } from "./rtt.ts";

Deno.test("RttEstimator starts at kInitialRtt with rttvar half of it", () => {
  const rtt = new RttEstimator();
  assert.equal(rtt.smoothed, INITIAL_RTT);
  assert.equal(rtt.rttvar, 166_500);
  assert.equal(rtt.hasSample, false);
  // §6.2.1: 333 ms + 4 × 166.5 ms, no max_ack_delay for Initial/Handshake.
  assert.equal(rtt.pto(0), 999_000);
  assert.equal(rtt.pto(25_000), 1_024_000);
});

Deno.test("RttEstimator.update() takes the first sample as is, ignoring ack delay", () => {
  const rtt = new RttEstimator();
  rtt.update(100_000, 40_000, true, 25_000, 7_000);
  assert.equal(rtt.latest, 100_000);
  assert.equal(rtt.min, 100_000);
  assert.equal(rtt.smoothed, 100_000);
  assert.equal(rtt.rttvar, 50_000);
  assert.equal(rtt.firstSampleTime, 7_000);
});

Deno.test("RttEstimator.update() subtracts the ack delay and smooths", () => {
  const rtt = new RttEstimator();
  rtt.update(100_000, 0, true, 25_000);
  rtt.update(120_000, 10_000, true, 25_000);
  // adjusted = 110 ms; rttvar = (3 × 50 + |100 − 110|) / 4; smoothed = (7 × 100 + 110) / 8.
  assert.equal(rtt.rttvar, 40_000);
  assert.equal(rtt.smoothed, 101_250);
  assert.equal(rtt.min, 100_000);
  assert.equal(rtt.latest, 120_000);
});

Deno.test("RttEstimator.update() without ack delay uses the raw sample", () => {
  const rtt = new RttEstimator();
  rtt.update(100_000, 0, true, 25_000);
  rtt.update(140_000, 0, true, 25_000);
  assert.equal(rtt.rttvar, Math.trunc((3 * 50_000 + 40_000) / 4));
  assert.equal(rtt.smoothed, 105_000);
});

Deno.test("RttEstimator.update() caps the ack delay at max_ack_delay only once confirmed", () => {
  const confirmed = new RttEstimator();
  confirmed.update(100_000, 0, true, 25_000);
  confirmed.update(200_000, 50_000, true, 25_000);
  // adjusted 175 ms.
  assert.equal(confirmed.smoothed, Math.trunc((7 * 100_000 + 175_000) / 8));
  const early = new RttEstimator();
  early.update(100_000, 0, false, 25_000);
  early.update(200_000, 50_000, false, 25_000);
  // adjusted 150 ms: the full reported delay before confirmation.
  assert.equal(early.smoothed, Math.trunc((7 * 100_000 + 150_000) / 8));
});

Deno.test("RttEstimator.update() never adjusts a sample below min_rtt", () => {
  const rtt = new RttEstimator();
  rtt.update(100_000, 0, true, 25_000);
  rtt.update(105_000, 10_000, true, 25_000);
  // 105 < 100 + 10: the delay is ignored.
  assert.equal(rtt.smoothed, Math.trunc((7 * 100_000 + 105_000) / 8));
  assert.equal(rtt.rttvar, Math.trunc((3 * 50_000 + 5_000) / 4));
});

Deno.test("RttEstimator.update() lowers min_rtt from the raw sample", () => {
  const rtt = new RttEstimator();
  rtt.update(100_000, 0, true, 25_000);
  rtt.update(90_000, 5_000, true, 25_000);
  assert.equal(rtt.min, 90_000);
});

Deno.test("RttEstimator.lossDelay() is 9/8 of the larger of latest and smoothed, at least 1 ms", () => {
  const rtt = new RttEstimator();
  rtt.update(80_000, 0, true, 0);
  rtt.update(160_000, 0, true, 0);
  assert.equal(rtt.smoothed, 90_000);
  assert.equal(rtt.lossDelay(), 180_000);
  const tiny = new RttEstimator();
  tiny.update(100, 0, true, 0);
  assert.equal(tiny.lossDelay(), GRANULARITY);
});

Deno.test("RttEstimator.pto() uses kGranularity when rttvar is tiny", () => {
  const rtt = new RttEstimator();
  rtt.update(400, 0, true, 0);
  assert.equal(rtt.pto(0), 400 + GRANULARITY);
  rtt.reset();
  assert.equal(rtt.smoothed, INITIAL_RTT);
  assert.equal(rtt.hasSample, false);
});

Deno.test("RttEstimator.reset() forgets the samples (a new path, RFC 9000 §9.4)", () => {
  const rtt = new RttEstimator();
  rtt.update(40_000, 0, true, 0, 5);
  assert.equal(rtt.smoothed, 40_000);
  rtt.reset();
  assert.equal(rtt.hasSample, false);
  assert.equal(rtt.smoothed, 333_000);
  assert.equal(rtt.min, 0);
  assert.equal(rtt.firstSampleTime, -1);
});
