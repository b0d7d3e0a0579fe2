import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { SendBuffer, type SendSegment } from "./send_buffer.ts";

Deno.test("SendBuffer.nextSegment() never crosses a chunk and keeps views", () => {
  const b = new SendBuffer();
  const a = new Uint8Array([1, 2, 3]);
  b.write(a);
  b.write(new Uint8Array([4, 5]));
  const s1 = b.nextSegment(10)!;
  assert.deepEqual([s1.offset, s1.data.length], [0, 3]);
  assert.equal(s1.data.buffer, a.buffer);
  const s2 = b.nextSegment(10)!;
  assert.deepEqual([s2.offset, s2.data.length, s2.fin], [3, 2, false]);
  assert.equal(b.nextSegment(10), null);
});

Deno.test("SendBuffer respects the flow-control limit for new data only", () => {
  const b = new SendBuffer();
  b.write(new Uint8Array(100));
  const s = b.nextSegment(100, 40)!;
  assert.equal(s.data.length, 40);
  assert.equal(b.hasData(40), false);
  assert.equal(b.nextSegment(100, 40), null);
  b.onLost(0, 40, false);
  // Retransmissions are below the limit already granted.
  assert.equal(b.nextSegment(100, 0)!.data.length, 40);
});

Deno.test("SendBuffer sends a bare FIN when everything else went out", () => {
  const b = new SendBuffer();
  b.write(new Uint8Array(5));
  assert.equal(b.nextSegment(5)!.fin, false);
  b.finish();
  assert.equal(b.finPending, true);
  const fin = b.nextSegment(5)!;
  assert.deepEqual([fin.offset, fin.data.length, fin.fin], [5, 0, true]);
  assert.equal(b.nextSegment(5), null);
  b.onLost(5, 0, true);
  assert.equal(b.nextSegment(5)!.fin, true);
  b.onAcked(0, 5, false);
  assert.equal(b.allAcked, false);
  b.onAcked(5, 0, true);
  assert.equal(b.allAcked, true);
});

Deno.test("SendBuffer does not resend acknowledged bytes of a lost segment", () => {
  const b = new SendBuffer();
  b.write(new Uint8Array(100));
  b.nextSegment(100);
  b.onAcked(20, 30, false);
  b.onLost(0, 100, false);
  const segs: [number, number][] = [];
  for (let s = b.nextSegment(1000); s !== null; s = b.nextSegment(1000)) {
    segs.push([s.offset, s.data.length]);
  }
  assert.deepEqual(segs, [[0, 20], [50, 50]]);
  assert.equal(b.unacked, 100);
  b.onAcked(0, 20, false);
  assert.equal(b.unacked, 50);
});

Deno.test("SendBuffer: random acks and losses deliver every byte exactly once, FIN last", () => {
  const rnd = new SeededRandom(2024);
  for (let round = 0; round < 40; round++) {
    const b = new SendBuffer();
    const total = 1 + (rnd.u32() % 30_000);
    const src = new Uint8Array(total);
    rnd.fill(src);
    for (let o = 0; o < total;) {
      const n = Math.min(total - o, 1 + (rnd.u32() % 3000));
      b.write(src.subarray(o, o + n));
      o += n;
    }
    b.finish();
    const received = new Uint8Array(total);
    const have = new Uint8Array(total);
    let receivedCount = 0;
    let finReceived = false;
    const inFlight: SendSegment[] = [];
    let steps = 0;
    while (!b.allAcked) {
      assert.ok(steps++ < 100_000, "no progress");
      const seg = rnd.float() < 0.6 ? b.nextSegment(1 + (rnd.u32() % 1500)) : null;
      if (seg !== null) inFlight.push(seg);
      if (inFlight.length === 0) continue;
      const i = rnd.u32() % inFlight.length;
      const s = inFlight[i]!;
      inFlight.splice(i, 1);
      const fate = rnd.float();
      if (fate < 0.6) {
        // Delivered and acknowledged.
        for (let k = 0; k < s.data.length; k++) {
          const off = s.offset + k;
          assert.equal(s.data[k], src[off]);
          if (!have[off]) {
            have[off] = 1;
            received[off] = s.data[k]!;
            receivedCount++;
          }
        }
        if (s.fin) {
          assert.equal(s.offset + s.data.length, total);
          finReceived = true;
        }
        b.onAcked(s.offset, s.data.length, s.fin);
      } else {
        // Lost (or delivered with the acknowledgement lost, then declared lost).
        if (fate > 0.9) {
          for (let k = 0; k < s.data.length; k++) have[s.offset + k] = 1;
        }
        b.onLost(s.offset, s.data.length, s.fin);
      }
    }
    assert.equal(finReceived, true);
    assert.ok(receivedCount <= total);
    assert.equal(have.every((x) => x === 1), true);
    assert.equal(b.unacked, 0);
    assert.equal(b.hasData(), false);
  }
});

Deno.test("SendBuffer.discard() stops all sending", () => {
  const b = new SendBuffer();
  b.write(new Uint8Array(10));
  b.nextSegment(4);
  b.discard();
  assert.equal(b.hasData(), false);
  assert.equal(b.nextSegment(100), null);
  assert.throws(() => b.write(new Uint8Array(1)), TypeError);
});
