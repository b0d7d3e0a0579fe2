import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { packet } from "./_testing.ts";
import { SentPacketStore } from "./sent_packet.ts";
import { SpaceId } from "./space_id.ts";

const APP = SpaceId.Application;

Deno.test("SentPacketStore.add() refuses a packet number that does not increase", () => {
  const s = new SentPacketStore();
  s.add(packet(APP, 5, 0));
  assert.throws(() => s.add(packet(APP, 5, 1)), RangeError);
  assert.throws(() => s.add(packet(APP, 4, 1)), RangeError);
  s.add(packet(APP, 9, 2));
  assert.equal(s.largestSent, 9);
  assert.equal(s.get(7), undefined);
  assert.equal(s.get(9)?.timeSent, 2);
});

Deno.test("SentPacketStore counts bytes and ack-eliciting packets in flight", () => {
  const s = new SentPacketStore();
  s.add(packet(APP, 0, 0, { size: 100 }));
  s.add(packet(APP, 1, 0, { size: 50, ackEliciting: false, inFlight: false }));
  s.add(packet(APP, 2, 0, { size: 70, ackEliciting: false }));
  assert.equal(s.bytesInFlight, 170);
  assert.equal(s.ackElicitingInFlight, 1);
  s.removeAt(s.seek(0));
  assert.equal(s.bytesInFlight, 70);
  assert.equal(s.ackElicitingInFlight, 0);
  assert.equal(s.size, 2);
});

Deno.test("SentPacketStore cursors skip removed entries and survive compaction", () => {
  const s = new SentPacketStore();
  const n = 5000;
  for (let pn = 0; pn < n; pn++) s.add(packet(APP, pn * 2, pn));
  // Remove every packet but the first, walking a range as an ACK would.
  for (let i = s.seek(2); i < s.end; i = s.next(i)) s.removeAt(i);
  assert.equal(s.size, 1);
  assert.equal(s.packetAt(s.first()).pn, 0);
  assert.equal(s.seek(1), s.end);
  s.removeAt(s.first());
  assert.equal(s.first(), s.end);
  // Adding compacts the dead prefix; lookups still work.
  s.add(packet(APP, 2 * n, 0));
  s.add(packet(APP, 2 * n + 1, 0));
  assert.equal(s.end, 2);
  assert.equal(s.get(2 * n + 1)?.pn, 2 * n + 1);
  assert.deepEqual(s.toArray().map((p) => p.pn), [2 * n, 2 * n + 1]);
});

Deno.test("SentPacketStore.seek() finds the first live packet at or above a number", () => {
  const s = new SentPacketStore();
  for (const pn of [1, 3, 4, 8]) s.add(packet(APP, pn, pn));
  s.removeAt(s.seek(3));
  assert.equal(s.packetAt(s.seek(2)).pn, 4);
  assert.equal(s.packetAt(s.seek(5)).pn, 8);
  assert.equal(s.seek(9), s.end);
  assert.throws(() => s.packetAt(1), RangeError);
});

Deno.test("SentPacketStore matches a map of live packets under random adds and removals", () => {
  const rnd = new SeededRandom(2);
  const s = new SentPacketStore();
  const model = new Map<number, number>(); // pn → size
  let pn = 0;
  for (let step = 0; step < 20_000; step++) {
    if (rnd.u32() % 3 !== 0) {
      pn += 1 + (rnd.u32() % 3);
      const size = 1 + (rnd.u32() % 1500);
      s.add(packet(APP, pn, step, { size }));
      model.set(pn, size);
    } else {
      // Remove a random range, as an ACK would.
      const hi = rnd.u32() % (pn + 1);
      const lo = Math.max(0, hi - (rnd.u32() % 40));
      for (let i = s.seek(lo); i < s.end && s.packetAt(i).pn <= hi; i = s.next(i)) {
        assert.ok(model.delete(s.removeAt(i).pn));
      }
    }
    if (step % 500 === 0) {
      const live = s.toArray().map((p) => p.pn);
      assert.deepEqual(live, [...model.keys()]);
      let bytes = 0;
      for (const v of model.values()) bytes += v;
      assert.equal(s.bytesInFlight, bytes);
      assert.equal(s.size, model.size);
      const probe = rnd.u32() % (pn + 1);
      assert.equal(s.get(probe) !== undefined, model.has(probe));
    }
  }
});
