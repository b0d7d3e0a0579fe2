import assert from "node:assert/strict";
import type { Connection } from "../connection/connection.ts";
import { TransportError } from "../errors.ts";
import type { Booking } from "./bookings.ts";
import { ExchangeFrameType } from "./codepoints.ts";
import type { ExchangeEvent } from "./delegate.ts";
import type { PluginDataFrame } from "./frames.ts";
import { ExchangeTransfers, MAX_OUTGOING_TRANSFERS } from "./transfers.ts";

const plugin = { name: "be.example.p", digest: new Uint8Array(32).fill(3) };

/** Transfers over a connection stub that records what they book and report. */
function setup(maxBundle = 1 << 20, window = 4096) {
  const conn = { loss: { now: 1000, rtt: { smoothed: 20_000 } }, maxDatagramSize: 1252 };
  const booked: Booking[] = [];
  const events: ExchangeEvent[] = [];
  const host = {
    conn: conn as unknown as Connection,
    book: (b: Booking) => void booked.push(b),
    emit: (e: ExchangeEvent) => void events.push(e),
  };
  return { conn, booked, events, transfers: new ExchangeTransfers(host, maxBundle, window) };
}

function data(requestId: number, bundleSize: number, offset: number, d: Uint8Array) {
  return {
    type: ExchangeFrameType.PLUGIN_DATA,
    requestId,
    bundleSize,
    offset,
    data: d,
  } satisfies PluginDataFrame;
}

Deno.test("ExchangeTransfers.serve() books chunks that cover the bundle within the peer's limit", () => {
  const t = setup();
  const bundle = new Uint8Array(3000).map((_, i) => i & 0xff);
  t.transfers.serve(
    { type: ExchangeFrameType.PLUGIN_REQUEST, requestId: 0, plugin, maxData: 2000 },
    bundle,
  );
  assert.deepEqual(t.events.map((e) => e.type), ["serving"]);
  const chunks = t.booked.filter((b) => b.kind === "data");
  const sent = chunks.reduce((n, b) => n + b.data.length, 0);
  assert.equal(sent, 2000, "up to the limit");
  assert.ok(chunks.every((b) => b.data.length <= t.conn.maxDatagramSize - 240));
  assert.ok(t.transfers.isServing(0));
  t.transfers.onMaxData({ type: ExchangeFrameType.PLUGIN_MAX_DATA, requestId: 0, maxData: 3000 });
  const all = t.booked.filter((b) => b.kind === "data");
  assert.equal(all.reduce((n, b) => n + b.data.length, 0), 3000, "the rest once allowed");
});

Deno.test("ExchangeTransfers.serve() refuses more transfers than a peer may open", () => {
  const t = setup();
  for (let i = 0; i < MAX_OUTGOING_TRANSFERS; i++) {
    t.transfers.serve(
      { type: ExchangeFrameType.PLUGIN_REQUEST, requestId: i, plugin, maxData: 100 },
      new Uint8Array(10),
    );
  }
  assert.throws(
    () =>
      t.transfers.serve(
        {
          type: ExchangeFrameType.PLUGIN_REQUEST,
          requestId: MAX_OUTGOING_TRANSFERS,
          plugin,
          maxData: 100,
        },
        new Uint8Array(10),
      ),
    (e) => e instanceof TransportError && /more than 16 transfers open/.test(e.message),
  );
});

Deno.test("ExchangeTransfers.onData() completes a requested bundle and rejects one never requested", () => {
  const t = setup();
  t.transfers.request(plugin);
  assert.deepEqual(t.booked.map((b) => b.kind), ["request"]);
  assert.deepEqual(t.events.map((e) => e.type), ["requested"]);
  const bytes = new Uint8Array(1500).fill(7);
  assert.deepEqual(t.transfers.onData(data(0, 1500, 0, bytes.subarray(0, 1000))), {
    kind: "pending",
  });
  t.conn.loss.now = 9000;
  const r = t.transfers.onData(data(0, 1500, 1000, bytes.subarray(1000)));
  assert.equal(r.kind, "complete");
  if (r.kind === "complete") assert.deepEqual(r.bytes, bytes);
  const received = t.events.at(-1)!;
  assert.ok(received.type === "received");
  assert.equal(received.durationUs, 8000);
  // A late duplicate of a finished transfer is ignored; a request id never used is a violation.
  assert.deepEqual(t.transfers.onData(data(0, 1500, 0, bytes.subarray(0, 10))), {
    kind: "pending",
  });
  assert.throws(
    () => t.transfers.onData(data(5, 1500, 0, bytes)),
    (e) => e instanceof TransportError && /request 5: never requested/.test(e.message),
  );
});

Deno.test("ExchangeTransfers.onData() reports an oversized bundle and stop() ends a serve", () => {
  const t = setup(1024);
  t.transfers.request(plugin);
  const r = t.transfers.onData(data(0, 5000, 0, new Uint8Array(100)));
  assert.deepEqual(r, { kind: "oversized", plugin, size: 5000 });
  t.transfers.serve(
    { type: ExchangeFrameType.PLUGIN_REQUEST, requestId: 3, plugin, maxData: 100 },
    new Uint8Array(50),
  );
  t.transfers.stop(plugin.name);
  assert.equal(t.transfers.isServing(3), false);
});
