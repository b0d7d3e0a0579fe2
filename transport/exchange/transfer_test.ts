import assert from "node:assert/strict";
import { TransportError } from "../errors.ts";
import { IncomingTransfer, OutgoingTransfer } from "./transfer.ts";

const plugin = { name: "be.example.p", digest: new Uint8Array(32) };

function bundle(n: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 7) & 0xff);
}

Deno.test("OutgoingTransfer stays within the limit and resends lost chunks first", () => {
  const t = new OutgoingTransfer(0, plugin, bundle(5000), 2500);
  const a = t.nextChunk(1000)!;
  const b = t.nextChunk(1000)!;
  const c = t.nextChunk(1000)!;
  assert.deepEqual([a.offset, b.offset, c.offset, c.data.length], [0, 1000, 2000, 500]);
  assert.equal(t.nextChunk(1000), null, "blocked at the limit");
  t.onLost(1000, 1000);
  const again = t.nextChunk(1000)!;
  assert.equal(again.offset, 1000);
  t.raiseLimit(1000); // lower: ignored
  assert.equal(t.limit, 2500);
  t.raiseLimit(5000);
  const d = t.nextChunk(4000)!;
  assert.deepEqual([d.offset, d.data.length], [2500, 2500]);
  assert.equal(t.done, false);
  for (const [o, n] of [[0, 1000], [1000, 1000], [2000, 500], [2500, 2500]] as const) {
    t.onAcked(o, n);
  }
  assert.equal(t.done, true);
});

Deno.test("IncomingTransfer reassembles out of order and duplicate chunks", () => {
  const src = bundle(3000);
  const t = new IncomingTransfer(0, plugin, 10_000, 2000, 0);
  assert.equal(t.initialLimit, 2000);
  assert.equal(t.onData(3000, 1000, src.subarray(1000, 2000), 1, 0).kind, "partial");
  assert.equal(t.onData(3000, 1000, src.subarray(1000, 2000), 2, 0).kind, "partial");
  assert.equal(t.onData(3000, 0, src.subarray(0, 1000), 3, 0).kind, "partial");
  const limit = t.pollLimit();
  assert.ok(limit !== null && limit >= 3000, `limit ${limit}`);
  const r = t.onData(3000, 2000, src.subarray(2000), 4, 0);
  assert.equal(r.kind, "complete");
  if (r.kind === "complete") assert.deepEqual(r.bytes, src);
  assert.equal(t.finished, true);
  assert.equal(t.onData(3000, 0, src.subarray(0, 10), 5, 0).kind, "partial", "ignored after");
});

Deno.test("IncomingTransfer refuses an oversized bundle at its first chunk", () => {
  const t = new IncomingTransfer(0, plugin, 4096, 2000, 0);
  const r = t.onData(1_000_000, 0, new Uint8Array(100), 1, 0);
  assert.deepEqual(r, { kind: "oversized", size: 1_000_000 });
  assert.equal(t.finished, true);
});

Deno.test("IncomingTransfer enforces its flow-control limit and a fixed bundle size", () => {
  const t = new IncomingTransfer(0, plugin, 1 << 20, 1000, 0);
  assert.throws(() => t.onData(5000, 500, new Uint8Array(600), 1, 0), (e) => {
    assert.ok(e instanceof TransportError);
    assert.equal(e.code, 0x03);
    return true;
  });
  const u = new IncomingTransfer(1, plugin, 1 << 20, 1000, 0);
  u.onData(5000, 0, new Uint8Array(100), 1, 0);
  assert.throws(() => u.onData(6000, 100, new Uint8Array(100), 1, 0), /bundle size 6000/);
});
