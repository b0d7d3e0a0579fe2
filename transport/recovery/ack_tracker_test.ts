import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { AckTracker, EcnCodepoint } from "./ack_tracker.ts";

function received(t: AckTracker, pns: number[], now = 0): void {
  for (const pn of pns) assert.equal(t.onPacketReceived(pn, true, now), true, `packet ${pn}`);
}

Deno.test("AckTracker merges packet numbers into descending ranges", () => {
  const t = new AckTracker();
  received(t, [0, 1, 2, 5, 6]);
  assert.deepEqual(t.ranges(), [6, 5, 2, 0]);
  received(t, [4]);
  assert.deepEqual(t.ranges(), [6, 4, 2, 0]);
  received(t, [3]);
  assert.deepEqual(t.ranges(), [6, 0]);
  received(t, [9, 8]);
  assert.deepEqual(t.ranges(), [9, 8, 6, 0]);
  received(t, [11]);
  assert.deepEqual(t.ranges(), [11, 11, 9, 8, 6, 0]);
  assert.equal(t.largest, 11);
  // ranges() is a copy.
  t.ranges().length = 0;
  assert.equal(t.rangeCount, 3);
});

Deno.test("AckTracker.onPacketReceived() reports duplicates", () => {
  const t = new AckTracker();
  received(t, [0, 1, 3]);
  assert.equal(t.onPacketReceived(1, true, 0), false);
  assert.equal(t.onPacketReceived(3, false, 0), false);
  assert.equal(t.isDuplicate(2), false);
  assert.equal(t.isDuplicate(0), true);
  assert.equal(t.isDuplicate(4), false);
  assert.deepEqual(t.ranges(), [3, 3, 1, 0]);
});

Deno.test("AckTracker makes an ACK due within max_ack_delay, or at the second ack-eliciting packet", () => {
  const t = new AckTracker({ maxAckDelay: 25_000 });
  assert.equal(t.ackDeadline(), Infinity);
  t.onPacketReceived(0, true, 1000);
  assert.equal(t.ackDeadline(), 26_000);
  assert.equal(t.ackDue(25_999), false);
  assert.equal(t.ackDue(26_000), true);
  t.onPacketReceived(1, true, 3000);
  assert.equal(t.ackDeadline(), 3000);
  assert.equal(t.ackDue(3000), true);
  t.onAckSent(3000);
  assert.equal(t.ackDeadline(), Infinity);
  assert.equal(t.unackedAckEliciting, 0);
  t.onPacketReceived(2, true, 5000);
  assert.equal(t.ackDeadline(), 30_000);
});

Deno.test("AckTracker does not make an ACK due for non-ack-eliciting packets", () => {
  const t = new AckTracker();
  t.onPacketReceived(0, false, 0);
  t.onPacketReceived(1, false, 0);
  t.onPacketReceived(5, false, 0);
  assert.equal(t.ackDeadline(), Infinity);
  assert.equal(t.pending, true);
  assert.deepEqual(t.ranges(), [5, 5, 1, 0]);
  t.onAckSent(0);
  assert.equal(t.pending, false);
});

Deno.test("AckTracker acknowledges at once an ack-eliciting packet below the largest", () => {
  const t = new AckTracker();
  t.onPacketReceived(0, true, 0);
  t.onAckSent(0);
  t.onPacketReceived(2, true, 100); // gap: 1 missing
  assert.equal(t.ackDeadline(), 100);
  t.onAckSent(100);
  t.onPacketReceived(1, true, 200); // reordered
  assert.equal(t.ackDeadline(), 200);
});

Deno.test("AckTracker acknowledges at once past a gap, not when non-ack-eliciting packets fill it", () => {
  const t = new AckTracker();
  t.onPacketReceived(0, true, 0);
  t.onAckSent(0);
  t.onPacketReceived(1, false, 10);
  t.onPacketReceived(2, true, 20);
  assert.equal(t.ackDeadline(), 20 + 25_000);
  t.onAckSent(30);
  t.onPacketReceived(4, true, 40);
  assert.equal(t.ackDeadline(), 40);
});

Deno.test("AckTracker acknowledges at once with max_ack_delay 0 or on ECN-CE", () => {
  const initial = new AckTracker({ maxAckDelay: 0 });
  initial.onPacketReceived(0, true, 500);
  assert.equal(initial.ackDue(500), true);
  const t = new AckTracker();
  t.onPacketReceived(0, true, 700, EcnCodepoint.Ce);
  assert.equal(t.ackDeadline(), 700);
  t.onPacketReceived(1, false, 800, EcnCodepoint.Ect0);
  t.onPacketReceived(2, false, 800, EcnCodepoint.Ect1);
  t.onPacketReceived(3, false, 800, EcnCodepoint.Ect0);
  assert.deepEqual(t.ecnCounts(), { ect0: 2, ect1: 1, ce: 1 });
  assert.equal(new AckTracker().ecnCounts(), undefined);
});

Deno.test("AckTracker.ackDelay() is the time since the largest packet arrived", () => {
  const t = new AckTracker();
  t.onPacketReceived(5, true, 1000);
  t.onPacketReceived(3, true, 4000); // not the largest
  assert.equal(t.ackDelay(9000), 8000);
  t.onPacketReceived(6, false, 9500);
  assert.equal(t.ackDelay(9600), 100);
});

Deno.test("AckTracker.onAckOfAck() forgets ranges up to the acknowledged ACK's largest", () => {
  const t = new AckTracker();
  received(t, [0, 1, 3, 4, 5, 8, 9, 10]);
  assert.deepEqual(t.ranges(), [10, 8, 5, 3, 1, 0]);
  t.onAckOfAck(4);
  assert.deepEqual(t.ranges(), [10, 8, 5, 5]);
  assert.equal(t.floor, 5);
  assert.equal(t.onPacketReceived(2, true, 0), false); // below the floor
  t.onAckOfAck(3); // older: no change
  assert.deepEqual(t.ranges(), [10, 8, 5, 5]);
  t.onAckOfAck(10);
  assert.deepEqual(t.ranges(), []);
  assert.equal(t.pending, false);
  received(t, [11]);
  assert.deepEqual(t.ranges(), [11, 11]);
});

Deno.test("AckTracker keeps at most maxRanges ranges, dropping the lowest", () => {
  const t = new AckTracker({ maxRanges: 3 });
  received(t, [0, 2, 4, 6, 8]);
  assert.deepEqual(t.ranges(), [8, 8, 6, 6, 4, 4]);
  assert.equal(t.floor, 3);
  assert.equal(t.isDuplicate(1), true);
  assert.equal(t.isDuplicate(3), false);
  received(t, [3]);
  assert.deepEqual(t.ranges(), [8, 8, 6, 6, 4, 3]);
  const big = new AckTracker();
  for (let pn = 0; pn < 200; pn += 2) big.onPacketReceived(pn, true, 0);
  assert.equal(big.rangeCount, 32);
  assert.equal(big.ranges()[0], 198);
});

Deno.test("AckTracker ranges match the set of received packet numbers (random)", () => {
  const rnd = new SeededRandom(13_2);
  for (let run = 0; run < 50; run++) {
    const t = new AckTracker({ maxRanges: 1000 });
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const pn = rnd.u32() % 400;
      assert.equal(t.onPacketReceived(pn, rnd.u32() % 2 === 0, i), !seen.has(pn));
      seen.add(pn);
    }
    const expected: number[] = [];
    const sorted = [...seen].sort((a, b) => b - a);
    for (const pn of sorted) {
      const n = expected.length;
      if (n > 0 && expected[n - 1] === pn + 1) expected[n - 1] = pn;
      else expected.push(pn, pn);
    }
    assert.deepEqual(t.ranges(), expected);
    assert.equal(t.largest, sorted[0]);
  }
});
