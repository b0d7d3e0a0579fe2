import assert from "node:assert/strict";
import { SeededRandom } from "../../transport/random.ts";
import { Link } from "./link.ts";

const dg = (n: number) => new Uint8Array(n);

Deno.test("Link.admit() serialises at the bandwidth and adds the delay", () => {
  const link = new Link({ bandwidth: 8_000_000, delay: 1000 }, new SeededRandom(1));
  // 1000 bytes at 8 Mbit/s take 1000 µs on the wire.
  const a = link.admit(dg(1000), 0);
  const b = link.admit(dg(1000), 0);
  assert.deepEqual(a, { dropped: false, arrival: 2000, corrupted: false });
  assert.deepEqual(b, { dropped: false, arrival: 3000, corrupted: false });
});

Deno.test("Link.admit() drops past the queue limit and recovers as it drains", () => {
  const link = new Link({ bandwidth: 8_000_000, queue: 2 }, new SeededRandom(1));
  assert.equal(link.admit(dg(1000), 0).dropped, false);
  assert.equal(link.admit(dg(1000), 0).dropped, false);
  assert.deepEqual(link.admit(dg(1000), 0), { dropped: true, reason: "queue" });
  // After the first departs (t = 1000) there is room again.
  assert.equal(link.admit(dg(1000), 1000).dropped, false);
  assert.equal(link.stats.dropped.queue, 1);
});

Deno.test("Link.admit() follows the loss mask exactly", () => {
  const link = new Link({ lossMask: 0b1010n }, new SeededRandom(1));
  const dropped = Array.from({ length: 6 }, () => link.admit(dg(10), 0).dropped);
  assert.deepEqual(dropped, [false, true, false, true, false, false]);
});

Deno.test("Link.admit() random loss matches its rate and its seed", () => {
  const run = (seed: number) => {
    const link = new Link({ loss: 0.1 }, new SeededRandom(seed));
    return Array.from({ length: 20_000 }, () => link.admit(dg(10), 0).dropped);
  };
  const losses = run(3).filter((d) => d).length;
  assert.ok(losses > 1800 && losses < 2200, `lost ${losses}`);
  assert.deepEqual(run(3), run(3));
  assert.notDeepEqual(run(3), run(4));
});

Deno.test("Link.admit() Gilbert-Elliott losses come in bursts", () => {
  const link = new Link({ burstLoss: { p: 0.01, r: 0.3 } }, new SeededRandom(9));
  const dropped = Array.from({ length: 50_000 }, () => link.admit(dg(10), 0).dropped);
  let runs = 0;
  let lost = 0;
  for (let i = 0; i < dropped.length; i++) {
    if (dropped[i]) {
      lost++;
      if (i === 0 || !dropped[i - 1]) runs++;
    }
  }
  // Mean burst length is 1/r ≈ 3.3 packets; loss rate p/(p+r) ≈ 3.2 %.
  const meanBurst = lost / runs;
  assert.ok(meanBurst > 2.5 && meanBurst < 4.5, `mean burst ${meanBurst}`);
  assert.ok(lost / dropped.length > 0.02 && lost / dropped.length < 0.045);
});

Deno.test("Link.admit() drops during blackholes and above the MTU", () => {
  const link = new Link({ blackholes: [[100, 200]], mtu: 1500 }, new SeededRandom(1));
  assert.deepEqual(link.admit(dg(100), 150), { dropped: true, reason: "blackhole" });
  assert.equal(link.admit(dg(100), 200).dropped, false);
  assert.deepEqual(link.admit(dg(1501), 300), { dropped: true, reason: "mtu" });
});

Deno.test("Link.admit() corrupts exactly one bit when it corrupts", () => {
  const link = new Link({ corrupt: 1 }, new SeededRandom(5));
  const d = dg(64);
  const v = link.admit(d, 0);
  assert.equal(v.dropped, false);
  assert.equal(!v.dropped && v.corrupted, true);
  const bits = d.reduce((n, b) => n + b.toString(2).split("1").length - 1, 0);
  assert.equal(bits, 1);
});

Deno.test("Link.admit() reorders some datagrams behind later ones", () => {
  const link = new Link({ delay: 1000, reorder: 0.2 }, new SeededRandom(2));
  const arrivals = Array.from({ length: 100 }, (_, i) => {
    const v = link.admit(dg(10), i * 10);
    return v.dropped ? -1 : v.arrival;
  });
  let inversions = 0;
  for (let i = 1; i < arrivals.length; i++) if (arrivals[i]! < arrivals[i - 1]!) inversions++;
  assert.ok(inversions > 5, `only ${inversions} inversions`);
  assert.equal(link.stats.reordered > 0, true);
});
