import assert from "node:assert/strict";
import { ConnectionSchedule } from "./schedule.ts";

/** A connection stand-in whose deadline the test moves. */
class Fake {
  constructor(public deadline: number) {}
  nextTimeout(): number {
    return this.deadline;
  }
}

Deno.test("ConnectionSchedule.nextReady() gives touched connections in creation order", () => {
  const s = new ConnectionSchedule<Fake>();
  const e = [0, 1, 2, 3].map(() => s.add(new Fake(Infinity)));
  for (const x of e) {
    assert.equal(s.nextReady(), x);
    s.dropReady(x);
  }
  assert.equal(s.nextReady(), null);
  s.touch(e[3]!);
  s.touch(e[1]!);
  s.touch(e[3]!); // already ready: once
  s.touch(e[2]!);
  const got = [];
  for (let x = s.nextReady(); x !== null; x = s.nextReady()) {
    got.push(x.seq);
    s.dropReady(x);
  }
  assert.deepEqual(got, [1, 2, 3]);
});

Deno.test("ConnectionSchedule skips removed connections and keeps them out of the heap", () => {
  const s = new ConnectionSchedule<Fake>();
  const a = s.add(new Fake(100));
  const b = s.add(new Fake(50));
  assert.equal(s.nextTimeout(), 50);
  s.remove(b);
  assert.equal(s.nextTimeout(), 100);
  s.touch(b);
  assert.equal(s.nextReady(), a);
  s.dropReady(a);
  assert.equal(s.nextReady(), null);
  assert.equal(s.timed, 1);
});

Deno.test("ConnectionSchedule.nextTimeout() sees deadlines moved by touched connections", () => {
  const s = new ConnectionSchedule<Fake>();
  const fakes = [new Fake(500), new Fake(400), new Fake(300)];
  const e = fakes.map((f) => s.add(f));
  assert.equal(s.nextTimeout(), 300);
  fakes[0]!.deadline = 100; // moved without a touch: not seen yet
  assert.equal(s.nextTimeout(), 300);
  s.touch(e[0]!);
  assert.equal(s.nextTimeout(), 100);
  fakes[2]!.deadline = Infinity;
  s.refresh(e[2]!);
  fakes[0]!.deadline = Infinity;
  s.refresh(e[0]!);
  assert.equal(s.nextTimeout(), 400);
});

Deno.test("ConnectionSchedule.takeDue() takes due connections in creation order", () => {
  const s = new ConnectionSchedule<Fake>();
  const e = [30, 10, 20, 99].map((d) => s.add(new Fake(d)));
  const out: typeof e = [];
  s.takeDue(25, out);
  assert.deepEqual(out.map((x) => x.seq), [1, 2]);
  assert.equal(s.nextTimeout(), 30);
  // Taken ones are out of the heap until refreshed.
  s.refresh(e[1]!);
  assert.equal(s.nextTimeout(), 10);
  s.takeDue(1000, out);
  assert.deepEqual(out.map((x) => x.seq), [0, 1, 3]);
  assert.equal(s.nextTimeout(), Infinity);
});
