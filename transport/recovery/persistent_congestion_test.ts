import assert from "node:assert/strict";
import { packet } from "./_testing.ts";
import { inPersistentCongestion, persistentCongestionDuration } from "./persistent_congestion.ts";
import { RttEstimator } from "./rtt.ts";
import { SpaceId } from "./space_id.ts";

const APP = SpaceId.Application;

function sampled(at = 0): RttEstimator {
  const rtt = new RttEstimator();
  rtt.update(100_000, 0, true, 25_000, at);
  return rtt;
}

Deno.test("persistentCongestionDuration() is 3 × (smoothed + max(4 × rttvar, 1 ms) + max_ack_delay)", () => {
  assert.equal(persistentCongestionDuration(sampled(), 25_000), 3 * (100_000 + 200_000 + 25_000));
  const tiny = new RttEstimator();
  tiny.update(100, 0, true, 0);
  assert.equal(persistentCongestionDuration(tiny, 0), 3 * (100 + 1000));
});

Deno.test("inPersistentCongestion() is false without an RTT sample", () => {
  const lost = [packet(APP, 0, 0), packet(APP, 1, 10_000_000)];
  assert.equal(inPersistentCongestion(lost, new RttEstimator(), 0), false);
});

Deno.test("inPersistentCongestion() needs the span strictly above the duration", () => {
  const rtt = sampled();
  const d = persistentCongestionDuration(rtt, 25_000);
  const at = (pn: number, t: number) => packet(APP, pn, t);
  assert.equal(inPersistentCongestion([at(1, 10), at(2, 10 + d)], rtt, 25_000), false);
  assert.equal(inPersistentCongestion([at(1, 10), at(2, 11 + d)], rtt, 25_000), true);
});

Deno.test("inPersistentCongestion() lets non-ack-eliciting packets inside a run but not end it", () => {
  const rtt = sampled();
  const d = persistentCongestionDuration(rtt, 0);
  const start = packet(APP, 1, 10);
  const middle = packet(APP, 2, 20, { ackEliciting: false });
  const end = packet(APP, 3, 20 + d);
  assert.equal(inPersistentCongestion([start, middle, end], rtt, 0), true);
  const pureEnd = packet(APP, 3, 20 + d, { ackEliciting: false });
  assert.equal(inPersistentCongestion([start, middle, pureEnd], rtt, 0), false);
});

Deno.test("inPersistentCongestion() skips packets sent up to the first RTT sample", () => {
  const rtt = sampled(500_000);
  const d = persistentCongestionDuration(rtt, 0);
  const early = packet(APP, 1, 500_000);
  const a = packet(APP, 2, 500_001);
  const b = packet(APP, 3, 500_001 + d);
  assert.equal(inPersistentCongestion([early, packet(APP, 2, 500_000 + d + 10)], rtt, 0), false);
  assert.equal(inPersistentCongestion([early, a, b], rtt, 0), false);
  assert.equal(inPersistentCongestion([early, a, packet(APP, 3, 500_002 + d)], rtt, 0), true);
});

Deno.test("inPersistentCongestion() ignores lost PMTU probes (RFC 9000 §14.4)", () => {
  const rtt = sampled();
  const d = persistentCongestionDuration(rtt, 25_000);
  const first = packet(APP, 1, 1_000);
  const probe = { ...packet(APP, 2, 1_000 + d + 1), isPmtuProbe: true };
  assert.equal(inPersistentCongestion([first, probe], rtt, 25_000), false);
  const data = packet(APP, 2, 1_000 + d + 1);
  assert.equal(inPersistentCongestion([first, data], rtt, 25_000), true);
});
