import assert from "node:assert/strict";
import { Fifo } from "./fifo.ts";

Deno.test("Fifo.shift() returns items in push order across compactions", () => {
  const q = new Fifo<number>();
  let next = 0;
  let expect = 0;
  // Keep a backlog of ~1500 so that the consumed prefix is compacted many times.
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 1000; i++) q.push(next++);
    for (let i = 0; i < (round === 19 ? 1000 + 20 * 1000 : 950); i++) {
      const v = q.shift();
      if (v === undefined) break;
      assert.equal(v, expect++);
    }
  }
  assert.equal(expect, next);
  assert.equal(q.length, 0);
  assert.equal(q.shift(), undefined);
});

Deno.test("Fifo.length counts what is queued", () => {
  const q = new Fifo<string>();
  assert.equal(q.length, 0);
  q.push("a");
  q.push("b");
  q.shift();
  assert.equal(q.length, 1);
  q.push("c");
  assert.equal(q.length, 2);
  assert.equal(q.shift(), "b");
  assert.equal(q.shift(), "c");
  assert.equal(q.length, 0);
});
