/**
 * Stream-count replenishment and window auto-tuning through `Streams`, over
 * a lossless channel with immediate acknowledgements.
 */

import assert from "node:assert/strict";
import type { Frame } from "../frames/frame.ts";
import { FrameType } from "../frames/frame_type.ts";
import type { Streams } from "./streams.ts";
import { drainEvents, makePair, SMALL_LIMITS } from "./_test_util.ts";

/** Moves every pending frame from `a` to `b` (delivered and acknowledged at once). */
function flush(a: Streams, b: Streams): number {
  let n = 0;
  for (let f = a.pollControlFrame(1200); f !== null; f = a.pollControlFrame(1200)) {
    deliverControl(b, f);
    a.onControlFrameAcked(f);
    n++;
  }
  for (let f = a.nextStreamFrame(1200); f !== null; f = a.nextStreamFrame(1200)) {
    b.onStreamFrame(f);
    a.onStreamFrameAcked(f);
    n++;
  }
  return n;
}

function deliverControl(to: Streams, f: Frame): void {
  switch (f.type) {
    case FrameType.MAX_DATA:
      return to.onMaxData(f);
    case FrameType.MAX_STREAM_DATA:
      return to.onMaxStreamData(f);
    case FrameType.MAX_STREAMS_BIDI:
    case FrameType.MAX_STREAMS_UNI:
      return to.onMaxStreams(f);
    case FrameType.STREAMS_BLOCKED_BIDI:
    case FrameType.STREAMS_BLOCKED_UNI:
      return to.onStreamsBlocked(f);
    case FrameType.DATA_BLOCKED:
      return to.onDataBlocked(f);
    case FrameType.STREAM_DATA_BLOCKED:
      return to.onStreamDataBlocked(f);
    case FrameType.RESET_STREAM:
      return to.onResetStream(f);
    case FrameType.STOP_SENDING:
      return to.onStopSending(f);
    default:
      throw new Error(`unexpected frame ${f.type}`);
  }
}

Deno.test("2,000 streams opened and closed: MAX_STREAMS keeps the peer's allowance constant", () => {
  const limits = { ...SMALL_LIMITS, initialMaxData: 1 << 20, initialMaxStreamsBidi: 10 };
  const { client, server } = makePair(limits);
  const total = 2000;
  let opened = 0;
  let completed = 0;
  let blockedOpens = 0;
  let maxActive = 0;
  const request = new TextEncoder().encode("request");
  for (let round = 0; completed < total; round++) {
    assert.ok(round < 10_000, "no progress");
    while (opened < total) {
      const id = client.open(true);
      if (id === null) {
        blockedOpens++;
        break;
      }
      opened++;
      client.write(id, request, true);
    }
    flush(client, server);
    maxActive = Math.max(maxActive, server.counts.active);
    for (const e of drainEvents(server)) {
      if (e.type !== "readable") continue;
      const r = server.read(e.id)!;
      assert.deepEqual(r, { data: request, fin: true });
      server.write(e.id, new Uint8Array([e.id & 0xff]), true);
    }
    flush(server, client);
    for (const e of drainEvents(client)) {
      if (e.type !== "readable") continue;
      const r = client.read(e.id)!;
      assert.deepEqual(r, { data: new Uint8Array([e.id & 0xff]), fin: true });
      completed++;
    }
  }
  flush(client, server);
  flush(server, client);
  assert.ok(blockedOpens > 0, "the client should have hit the limit");
  assert.ok(maxActive <= 10, `at most 10 concurrent streams, saw ${maxActive}`);
  assert.equal(server.counts.active, 0);
  assert.equal(client.counts.active, 0);
  assert.deepEqual(server.counts.localMaxStreams, [10 + total, 4]);
  assert.deepEqual(client.counts.peerMaxStreams, [10 + total, 4]);
  assert.deepEqual(server.counts.peerOpened, [total, 0]);
});

Deno.test("2,000 unidirectional streams with resets replenish MAX_STREAMS too", () => {
  const limits = { ...SMALL_LIMITS, initialMaxData: 1 << 20, initialMaxStreamsUni: 3 };
  const { client, server } = makePair(limits);
  let opened = 0;
  let closed = 0;
  for (let round = 0; closed < 2000; round++) {
    assert.ok(round < 10_000, "no progress");
    for (let id = client.open(false); id !== null; id = client.open(false)) {
      opened++;
      client.write(id, new Uint8Array(10));
      if (opened % 2 === 0) client.finish(id);
      else client.reset(id, 1n);
    }
    flush(client, server);
    for (const e of drainEvents(server)) {
      if (e.type === "reset") closed++;
      if (e.type === "readable") {
        for (let r = server.read(e.id); r !== null; r = server.read(e.id)) {
          if (r.fin) closed++;
        }
        assert.equal(server.has(e.id), false);
      }
    }
    flush(server, client);
  }
  assert.equal(server.counts.active, 0);
  assert.ok(server.counts.localMaxStreams[1] >= 2003);
  assert.equal(server.counts.localMaxStreams[1], 3 + closed);
});

Deno.test("Streams auto-tunes stream and connection windows for a fast reader", () => {
  const limits = {
    ...SMALL_LIMITS,
    initialMaxData: 20_000,
    initialMaxStreamDataBidiLocal: 10_000,
    initialMaxStreamDataBidiRemote: 10_000,
  };
  const increments = (xs: number[]) => xs.slice(1).map((v, i) => v - xs[i]!);
  const run = (stepMicros: number): { stream: number[]; conn: number[] } => {
    const { client, server } = makePair(limits, { maxWindow: 160_000, sendBufferSize: 1 << 22 });
    const rtt = 10_000;
    client.setRtt(rtt);
    server.setRtt(rtt);
    const id = client.open(true)!;
    client.write(id, new Uint8Array(1_000_000), true);
    let now = 0;
    const limitsSeen: number[] = [];
    const connSeen: number[] = [];
    for (let done = false; !done;) {
      now += stepMicros;
      server.setTime(now);
      flush(client, server);
      for (let r = server.read(id); r !== null; r = server.read(id)) done ||= r.fin;
      for (let f = server.pollControlFrame(1200); f !== null; f = server.pollControlFrame(1200)) {
        if (f.type === FrameType.MAX_STREAM_DATA) limitsSeen.push(f.max);
        if (f.type === FrameType.MAX_DATA) connSeen.push(f.max);
        deliverControl(client, f);
      }
    }
    return { stream: increments(limitsSeen), conn: increments(connSeen) };
  };
  // Updates every 1 ms with a 10 ms RTT: the window doubles up to the maximum.
  const { stream: fast, conn: fastConn } = run(1_000);
  assert.ok(Math.max(...fast) >= 80_000, `window grew to ${Math.max(...fast)}`);
  assert.ok(Math.max(...fast) <= 160_000);
  assert.ok(Math.max(...fastConn) >= 80_000, `connection window grew to ${Math.max(...fastConn)}`);
  assert.ok(Math.max(...fastConn) <= 240_000);
  // Updates every 50 ms (slower than 2 RTT): the window stays at its initial size.
  const { stream: slow, conn: slowConn } = run(50_000);
  assert.ok(Math.max(...slow) <= 10_000, `window grew to ${Math.max(...slow)}`);
  assert.ok(Math.max(...slowConn) <= 20_000, `connection window grew to ${Math.max(...slowConn)}`);
  assert.ok(fast.length < slow.length, "fewer updates with a larger window");
});
