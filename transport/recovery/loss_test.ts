import assert from "node:assert/strict";
import { TransportError, TransportErrorCode } from "../errors.ts";
import { SeededRandom } from "../random.ts";
import { packet } from "./_testing.ts";
import { Cubic } from "./congestion/cubic.ts";
import { NewReno } from "./congestion/newreno.ts";
import { LossRecovery, PTO_PROBES } from "./loss.ts";
import type { SentPacket } from "./sent_packet.ts";
import { SpaceId } from "./space_id.ts";

const { Initial, Handshake, Application } = SpaceId;
const MAX_ACK_DELAY = 25_000;

function server(confirmed = true): { lr: LossRecovery; cc: NewReno } {
  const cc = new NewReno(1200);
  const lr = new LossRecovery({ maxAckDelay: MAX_ACK_DELAY, congestion: cc, isClient: false });
  if (confirmed) lr.setHandshakeConfirmed(0);
  return { lr, cc };
}

function pns(ps: readonly SentPacket[]): number[] {
  return ps.map((p) => p.pn);
}

Deno.test("LossRecovery.onAckReceived() declares packets kPacketThreshold below the largest lost", () => {
  const { lr } = server();
  for (let pn = 0; pn < 6; pn++) lr.onPacketSent(packet(Application, pn, pn * 1000), pn * 1000);
  const r = lr.onAckReceived(Application, [5, 5], 0, 100_000);
  assert.deepEqual(pns(r.newlyAcked), [5]);
  assert.equal(r.rttUpdated, true);
  // 0, 1, 2 are 3 or more below 5; 3 and 4 are not, and are recent.
  assert.deepEqual(pns(r.lost), [0, 1, 2]);
  // RTT 95 ms → loss delay 9/8 × 95 ms = 106.875 ms; loss_time = time_sent(3) + that.
  assert.equal(lr.lossDetectionTimeout(), 3000 + 106_875);
  assert.equal(lr.largestAcked(Application), 5);
});

Deno.test("LossRecovery.onLossDetectionTimeout() declares time-threshold losses one by one", () => {
  const { lr } = server();
  for (let pn = 0; pn < 6; pn++) lr.onPacketSent(packet(Application, pn, pn * 1000), pn * 1000);
  lr.onAckReceived(Application, [5, 5], 0, 100_000);
  // Too early: nothing happens.
  const early = lr.onLossDetectionTimeout(109_874);
  assert.equal(early.lost.length + early.probes, 0);
  const r = lr.onLossDetectionTimeout(109_875);
  assert.deepEqual(pns(r.lost), [3]);
  assert.equal(r.probes, 0);
  assert.equal(r.ptoSpace, Application);
  assert.equal(lr.lossDetectionTimeout(), 4000 + 106_875);
  const r2 = lr.onLossDetectionTimeout(110_875);
  assert.deepEqual(pns(r2.lost), [4]);
  assert.equal(lr.ptoCount, 0);
  // Nothing in flight any more at a server: no timer.
  assert.equal(lr.lossDetectionTimeout(), Infinity);
});

Deno.test("LossRecovery.onAckReceived() acknowledges every range and skips acknowledged gaps", () => {
  const { lr, cc } = server();
  for (let pn = 0; pn < 10; pn++) lr.onPacketSent(packet(Application, pn, 0), 0);
  assert.equal(cc.bytesInFlight, 12_000);
  const r1 = lr.onAckReceived(Application, [9, 8, 5, 5, 2, 1], 0, 10_000);
  assert.deepEqual(pns(r1.newlyAcked), [1, 2, 5, 8, 9]);
  // 0 (9 ≥ 0+3), 3, 4, 6 (9 ≥ 6+3) are lost by packet threshold; 7 waits.
  assert.deepEqual(pns(r1.lost), [0, 3, 4, 6]);
  assert.equal(cc.bytesInFlight, 1200);
  // A repeated ACK finds nothing new: no RTT sample, nothing lost.
  const r2 = lr.onAckReceived(Application, [9, 8, 5, 5, 2, 1], 0, 20_000);
  assert.equal(r2.newlyAcked.length, 0);
  assert.equal(r2.rttUpdated, false);
  const r3 = lr.onAckReceived(Application, [9, 0], 0, 20_000);
  assert.deepEqual(pns(r3.newlyAcked), [7]);
  assert.equal(r3.rttUpdated, false); // 9, the largest, was not newly acknowledged
  assert.equal(cc.bytesInFlight, 0);
});

Deno.test("LossRecovery.onAckReceived() takes no RTT sample from non-ack-eliciting packets", () => {
  const { lr } = server();
  lr.onPacketSent(packet(Application, 0, 0, { ackEliciting: false, inFlight: false }), 0);
  const r = lr.onAckReceived(Application, [0, 0], 0, 50_000);
  assert.deepEqual(pns(r.newlyAcked), [0]);
  assert.equal(r.rttUpdated, false);
  assert.equal(lr.rtt.hasSample, false);
});

Deno.test("LossRecovery.onAckReceived() ignores the ack delay in the Initial space", () => {
  const { lr } = server(false);
  lr.onPacketSent(packet(Initial, 0, 0), 0);
  lr.onPacketSent(packet(Initial, 1, 0), 0);
  lr.onAckReceived(Initial, [0, 0], 0, 100_000);
  lr.onAckReceived(Initial, [1, 1], 20_000, 130_000);
  assert.equal(lr.rtt.smoothed, Math.trunc((7 * 100_000 + 130_000) / 8));
  const h = server(false).lr;
  h.onPacketSent(packet(Handshake, 0, 0), 0);
  h.onPacketSent(packet(Handshake, 1, 0), 0);
  h.onAckReceived(Handshake, [0, 0], 0, 100_000);
  h.onAckReceived(Handshake, [1, 1], 20_000, 130_000);
  assert.equal(h.rtt.smoothed, Math.trunc((7 * 100_000 + 110_000) / 8));
});

Deno.test("LossRecovery.onAckReceived() rejects an ack of a packet never sent with PROTOCOL_VIOLATION", () => {
  const { lr } = server();
  for (let pn = 0; pn < 4; pn++) lr.onPacketSent(packet(Application, pn, 0), 0);
  assert.throws(
    () => lr.onAckReceived(Application, [5, 0], 0, 1000),
    (e: unknown) =>
      e instanceof TransportError && e.code === TransportErrorCode.PROTOCOL_VIOLATION &&
      e.frameType === 0x02,
  );
  // Nothing was sent in Handshake at all.
  assert.throws(
    () => lr.onAckReceived(Handshake, [0, 0], 0, 1000),
    (e: unknown) => e instanceof TransportError && e.code === TransportErrorCode.PROTOCOL_VIOLATION,
  );
  // State untouched by the rejected frame.
  assert.equal(lr.largestAcked(Application), -1);
  assert.equal(lr.bytesInFlight, 4800);
});

Deno.test("LossRecovery PTO: initial value, backoff and probe space in the Initial space", () => {
  const { lr } = server(false);
  lr.onPacketSent(packet(Initial, 0, 0), 0);
  // 333 ms + 4 × 166.5 ms, no max_ack_delay outside Application.
  assert.equal(lr.lossDetectionTimeout(), 999_000);
  const r1 = lr.onLossDetectionTimeout(999_000);
  assert.equal(r1.probes, PTO_PROBES);
  assert.equal(r1.ptoSpace, Initial);
  assert.equal(r1.lost.length, 0);
  assert.equal(lr.ptoCount, 1);
  // Backoff doubles the period from the last ack-eliciting packet sent.
  assert.equal(lr.lossDetectionTimeout(), 1_998_000);
  lr.onPacketSent(packet(Initial, 1, 999_000), 999_000);
  assert.equal(lr.lossDetectionTimeout(), 999_000 + 1_998_000);
  lr.onLossDetectionTimeout(2_997_000);
  assert.equal(lr.ptoCount, 2);
  lr.onPacketSent(packet(Initial, 2, 2_997_000), 2_997_000);
  assert.equal(lr.lossDetectionTimeout(), 2_997_000 + 4 * 999_000);
  // The PTO never declares anything lost.
  assert.equal(lr.bytesInFlight, 3600);
});

Deno.test("LossRecovery PTO: the earliest space wins and Application adds max_ack_delay with backoff", () => {
  const { lr } = server(false);
  lr.onPacketSent(packet(Initial, 0, 0), 0);
  lr.onPacketSent(packet(Handshake, 0, 5_000), 5_000);
  assert.equal(lr.lossDetectionTimeout(), 999_000);
  assert.equal(lr.onLossDetectionTimeout(999_000).ptoSpace, Initial);
  lr.discardSpace(Initial, 999_000);
  assert.equal(lr.ptoCount, 0);
  assert.equal(lr.lossDetectionTimeout(), 5_000 + 999_000);
  lr.discardSpace(Handshake, 999_000);
  lr.setHandshakeConfirmed(999_000);
  lr.onPacketSent(packet(Application, 0, 1_000_000), 1_000_000);
  assert.equal(lr.lossDetectionTimeout(), 1_000_000 + 999_000 + MAX_ACK_DELAY);
  const r = lr.onLossDetectionTimeout(2_024_000);
  assert.equal(r.ptoSpace, Application);
  assert.equal(lr.lossDetectionTimeout(), 1_000_000 + 2 * (999_000 + MAX_ACK_DELAY));
});

Deno.test("LossRecovery PTO: pto_count resets on an ACK and the timer restarts from the new RTT", () => {
  const { lr } = server();
  lr.onPacketSent(packet(Application, 0, 0), 0);
  lr.onPacketSent(packet(Application, 1, 1000), 1000);
  assert.equal(lr.lossDetectionTimeout(), 1000 + 999_000 + MAX_ACK_DELAY);
  lr.onLossDetectionTimeout(1_025_000);
  assert.equal(lr.ptoCount, 1);
  lr.onPacketSent(packet(Application, 2, 1_025_000), 1_025_000);
  assert.equal(lr.lossDetectionTimeout(), 1_025_000 + 2 * (999_000 + MAX_ACK_DELAY));
  lr.onPacketSent(packet(Application, 3, 1_100_000), 1_100_000);
  const r = lr.onAckReceived(Application, [2, 2], 0, 1_125_000);
  assert.equal(r.rttUpdated, true);
  assert.equal(lr.ptoCount, 0);
  // 0 and 1 were sent more than 9/8 × 100 ms ago.
  assert.deepEqual(pns(r.lost), [0, 1]);
  // PTO from packet 3: 100 ms + 4 × 50 ms + 25 ms.
  assert.equal(lr.lossDetectionTimeout(), 1_100_000 + 325_000);
});

Deno.test("LossRecovery arms no Application PTO before the handshake is confirmed", () => {
  const { lr } = server(false);
  lr.onPacketSent(packet(Application, 0, 0), 0);
  assert.equal(lr.lossDetectionTimeout(), Infinity);
  lr.setHandshakeConfirmed(10);
  assert.equal(lr.lossDetectionTimeout(), 999_000 + MAX_ACK_DELAY);
});

Deno.test("LossRecovery anti-deadlock: a client probes Initial, then Handshake once it has the keys", () => {
  const cc = new NewReno();
  const lr = new LossRecovery({ maxAckDelay: MAX_ACK_DELAY, congestion: cc, isClient: true });
  lr.onPacketSent(packet(Initial, 0, 0), 0);
  lr.onAckReceived(Initial, [0, 0], 0, 100_000);
  // Nothing ack-eliciting in flight, the server has not validated us yet:
  // the timer runs from now, smoothed 100 ms + 4 × 50 ms.
  assert.equal(lr.lossDetectionTimeout(), 100_000 + 300_000);
  const r = lr.onLossDetectionTimeout(400_000);
  assert.equal(r.probes, 1);
  assert.equal(r.ptoSpace, Initial);
  assert.equal(lr.ptoCount, 1);
  assert.equal(lr.lossDetectionTimeout(), 400_000 + 600_000);
  lr.setHandshakeKeysAvailable();
  const r2 = lr.onLossDetectionTimeout(1_000_000);
  assert.equal(r2.ptoSpace, Handshake);
  assert.equal(lr.ptoCount, 2);
  // The pto_count stays while the client is unsure of address validation.
  lr.onPacketSent(packet(Initial, 1, 1_000_000), 1_000_000);
  lr.onAckReceived(Initial, [1, 1], 0, 1_100_000);
  assert.equal(lr.ptoCount, 2);
  // A Handshake ACK proves it.
  lr.onPacketSent(packet(Handshake, 0, 1_100_000), 1_100_000);
  lr.onAckReceived(Handshake, [0, 0], 0, 1_200_000);
  assert.equal(lr.ptoCount, 0);
  assert.equal(lr.peerCompletedAddressValidation, true);
  assert.equal(lr.lossDetectionTimeout(), Infinity);
});

Deno.test("LossRecovery arms no PTO while a server is amplification-limited", () => {
  const { lr } = server(false);
  lr.onPacketSent(packet(Initial, 0, 0), 0);
  lr.setAmplificationLimited(true, 0);
  assert.equal(lr.lossDetectionTimeout(), Infinity);
  lr.setAmplificationLimited(false, 5000);
  assert.equal(lr.lossDetectionTimeout(), 999_000);
});

Deno.test("LossRecovery.discardSpace() removes the space's packets from bytes in flight", () => {
  const { lr, cc } = server(false);
  lr.onPacketSent(packet(Initial, 0, 0, { size: 1200 }), 0);
  lr.onPacketSent(packet(Initial, 1, 0, { size: 300, ackEliciting: false }), 0);
  lr.onPacketSent(packet(Handshake, 0, 0, { size: 1000 }), 0);
  assert.equal(cc.bytesInFlight, 2500);
  const windowBefore = cc.window;
  const dropped = lr.discardSpace(Initial, 10);
  assert.deepEqual(pns(dropped), [0, 1]);
  assert.equal(cc.bytesInFlight, 1000);
  assert.equal(lr.bytesInFlight, 1000);
  assert.equal(cc.window, windowBefore); // no congestion signal
  assert.equal(lr.ackElicitingInFlight(Initial), 0);
  assert.throws(() => lr.onPacketSent(packet(Initial, 2, 20), 20), RangeError);
  assert.throws(() => lr.discardSpace(Application), RangeError);
});

Deno.test("LossRecovery.discardZeroRtt() removes only 0-RTT packets", () => {
  const { lr, cc } = server(false);
  lr.onPacketSent(packet(Application, 0, 0, { isZeroRtt: true }), 0);
  lr.onPacketSent(packet(Application, 1, 0, { isZeroRtt: true }), 0);
  lr.onPacketSent(packet(Application, 2, 0), 0);
  assert.deepEqual(pns(lr.discardZeroRtt(5)), [0, 1]);
  assert.equal(cc.bytesInFlight, 1200);
});

Deno.test("LossRecovery detects persistent congestion and collapses the window", () => {
  const { lr, cc } = server();
  lr.onPacketSent(packet(Application, 0, 0), 0);
  lr.onAckReceived(Application, [0, 0], 0, 100_000);
  for (let pn = 1; pn <= 10; pn++) {
    const t = 100_000 + pn * 100_000;
    lr.onPacketSent(packet(Application, pn, t), t);
  }
  lr.onPacketSent(packet(Application, 11, 1_200_000), 1_200_000);
  const r = lr.onAckReceived(Application, [11, 11], 0, 1_300_000);
  assert.deepEqual(pns(r.lost), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  // Duration (100 + 4 × 37.5 + 25) × 3 = 825 ms < 900 ms between packets 1 and 10.
  assert.equal(r.persistentCongestion, true);
  // 13200 after the first ACK, halved to 6600, collapsed to kMinimumWindow 2400;
  // then (B.5 runs after B.8) packet 11, sent before recovery ended, adds 1200.
  assert.equal(cc.ssthresh, 6600);
  assert.equal(cc.window, 2400 + 1200);
});

Deno.test("LossRecovery.inPersistentCongestion() needs an unbroken run of lost packets", () => {
  const { lr, cc } = server();
  lr.onPacketSent(packet(Application, 0, 0), 0);
  lr.onAckReceived(Application, [0, 0], 0, 100_000);
  for (let pn = 1; pn <= 10; pn++) {
    const t = 100_000 + pn * 100_000;
    lr.onPacketSent(packet(Application, pn, t), t);
  }
  lr.onPacketSent(packet(Application, 11, 1_200_000), 1_200_000);
  // Packet 5 arrived: the runs 1–4 and 6–10 each span less than the duration.
  const r = lr.onAckReceived(Application, [11, 11, 5, 5], 0, 1_300_000);
  assert.equal(r.lost.length, 9);
  assert.equal(r.persistentCongestion, false);
  assert.equal(cc.window, 6600); // one halving of 13200 only
});

Deno.test("LossRecovery.inPersistentCongestion() ignores packets sent before the first RTT sample", () => {
  const { lr } = server();
  for (let pn = 0; pn <= 10; pn++) {
    lr.onPacketSent(packet(Application, pn, pn * 100_000), pn * 100_000);
  }
  lr.onPacketSent(packet(Application, 11, 1_100_000), 1_100_000);
  // The first sample comes with this very ACK: nothing lost counts.
  const r = lr.onAckReceived(Application, [11, 11], 0, 1_200_000);
  assert.equal(r.lost.length, 11);
  assert.equal(r.persistentCongestion, false);
  // Whereas the same losses after a sample would.
  const lost = r.lost.map((p) => ({ ...p, timeSent: p.timeSent + 1_200_001 }));
  assert.equal(lr.inPersistentCongestion(lost), true);
  // Non-ack-eliciting endpoints do not count.
  const ends = lost.map((p, i) =>
    i === 0 || i === lost.length - 1 ? { ...p, ackEliciting: false } : p
  );
  assert.equal(lr.inPersistentCongestion(ends), lr.rtt.smoothed < 0); // i.e. false
});

Deno.test("LossRecovery passes a growing ECN-CE count to the controller once", () => {
  const { lr, cc } = server();
  for (let pn = 0; pn < 4; pn++) lr.onPacketSent(packet(Application, pn, pn), pn);
  lr.onAckReceived(Application, [0, 0], 0, 10_000, { ce: 1 });
  assert.equal(cc.window, 6000);
  assert.equal(cc.ssthresh, 6000);
  // Same count: no new event; a higher count for a packet sent during recovery: none either.
  lr.onAckReceived(Application, [1, 0], 0, 20_000, { ce: 1 });
  lr.onAckReceived(Application, [2, 0], 0, 20_000, { ce: 2 });
  assert.equal(cc.ssthresh, 6000);
  lr.onPacketSent(packet(Application, 4, 30_000), 30_000);
  lr.onAckReceived(Application, [4, 0], 0, 40_000, { ce: 3 });
  assert.equal(cc.ssthresh, 3000);
});

Deno.test("LossRecovery keeps bytes in flight equal to the in-flight unacked packets (random)", () => {
  const rnd = new SeededRandom(9002);
  for (let run = 0; run < 20; run++) {
    const cc = new NewReno(1200);
    const lr = new LossRecovery({
      maxAckDelay: MAX_ACK_DELAY,
      congestion: cc,
      isClient: run % 2 === 0,
    });
    const model: Map<number, SentPacket>[] = [new Map(), new Map(), new Map()];
    const nextPn = [0, 0, 0];
    const lastSent = [-1, -1, -1];
    const discarded = [false, false, false];
    let now = 0;
    const forget = (ps: readonly SentPacket[]) => {
      for (const p of ps) {
        assert.ok(model[p.space]!.delete(p.pn), `packet ${p.pn} reported twice`);
      }
    };
    for (let step = 0; step < 400; step++) {
      now += rnd.u32() % 30_000;
      const op = rnd.u32() % 10;
      const space = (rnd.u32() % 3) as SpaceId;
      if (op < 5 && !discarded[space]) {
        const ackEliciting = rnd.u32() % 4 !== 0;
        const p = packet(space, nextPn[space]!, now, {
          size: 50 + (rnd.u32() % 1400),
          ackEliciting,
          inFlight: ackEliciting || rnd.u32() % 2 === 0,
        });
        lastSent[space] = p.pn;
        nextPn[space]! += 1 + (rnd.u32() % 8 === 0 ? 1 : 0);
        model[space]!.set(p.pn, p);
        lr.onPacketSent(p, now);
      } else if (op < 8 && lastSent[space]! >= 0 && !discarded[space]) {
        const ranges: number[] = [];
        let hi = Math.max(0, lastSent[space]! - (rnd.u32() % 3));
        while (hi >= 0 && ranges.length < 8) {
          const lo = Math.max(0, hi - (rnd.u32() % 5));
          ranges.push(hi, lo);
          hi = lo - 2 - (rnd.u32() % 4);
        }
        const r = lr.onAckReceived(space, ranges, rnd.u32() % 30_000, now);
        for (const p of r.newlyAcked) {
          let inRange = false;
          for (let k = 0; k < ranges.length; k += 2) {
            if (p.pn <= ranges[k]! && p.pn >= ranges[k + 1]!) inRange = true;
          }
          assert.ok(inRange, `packet ${p.pn} acknowledged outside the ranges`);
        }
        forget(r.newlyAcked);
        forget(r.lost);
      } else if (op === 8) {
        const t = lr.lossDetectionTimeout();
        if (t !== Infinity) {
          now = Math.max(now, t);
          forget(lr.onLossDetectionTimeout(now).lost);
        }
      } else if (op === 9 && space !== Application && rnd.u32() % 8 === 0) {
        discarded[space] = true;
        forget(lr.discardSpace(space, now));
      }
      let expected = 0;
      for (const m of model) for (const p of m.values()) if (p.inFlight) expected += p.size;
      assert.equal(cc.bytesInFlight, expected);
      assert.ok(cc.bytesInFlight >= 0);
      let stored = 0;
      for (let s = 0; s < 3; s++) stored += lr.sentPackets(s as SpaceId).bytesInFlight;
      assert.equal(stored, expected);
      assert.ok(lr.lossDetectionTimeout() >= 0);
    }
  }
});

Deno.test("LossRecovery reports spurious losses and lets CUBIC undo the reduction", () => {
  const cc = new Cubic(1200);
  const lr = new LossRecovery({ maxAckDelay: MAX_ACK_DELAY, congestion: cc, isClient: false });
  lr.setHandshakeConfirmed(0);
  for (let pn = 0; pn < 6; pn++) lr.onPacketSent(packet(Application, pn, pn * 1000), pn * 1000);
  const r1 = lr.onAckReceived(Application, [5, 5], 0, 100_000);
  assert.deepEqual(pns(r1.lost), [0, 1, 2]);
  assert.equal(r1.spuriouslyLost.length, 0);
  assert.equal(cc.window, 8400); // 0.7 × 12000 (losses are handled before the ACKed packets)
  // Reordered packets 0 and 1 arrive: not all of the losses were spurious yet.
  const r2 = lr.onAckReceived(Application, [5, 3, 1, 0], 0, 101_000);
  assert.deepEqual(pns(r2.newlyAcked), [3, 4]);
  assert.deepEqual(pns(r2.spuriouslyLost), [0, 1]);
  assert.equal(cc.window, 8400);
  const r3 = lr.onAckReceived(Application, [5, 0], 0, 102_000);
  assert.deepEqual(pns(r3.spuriouslyLost), [2]);
  assert.equal(cc.window, 12_000);
  assert.equal(cc.ssthresh, Infinity);
  // Reported once only.
  assert.equal(lr.onAckReceived(Application, [5, 0], 0, 103_000).spuriouslyLost.length, 0);
});

Deno.test("LossRecovery forgets lost packets after three PTO periods", () => {
  const { lr } = server();
  for (let pn = 0; pn < 6; pn++) lr.onPacketSent(packet(Application, pn, pn * 1000), pn * 1000);
  lr.onAckReceived(Application, [5, 5], 0, 100_000);
  // PTO period: 95 ms + 4 × 47.5 ms + 25 ms = 310 ms; packet 2 was sent at 2 ms.
  const late = lr.onAckReceived(Application, [5, 0], 0, 2000 + 3 * 310_000 + 1);
  assert.deepEqual(pns(late.newlyAcked), [3, 4]);
  assert.equal(late.spuriouslyLost.length, 0);
});
