import assert from "node:assert/strict";
import { TransportErrorCode as Code } from "../errors.ts";
import { type Frame, sizeFrame } from "../frames/frame.ts";
import { FrameType } from "../frames/frame_type.ts";
import type { Streams } from "./streams.ts";
import { MAX_RECV_RANGES } from "./recv_stream.ts";
import {
  assertTransportError,
  drainEvents,
  makePair,
  SMALL_LIMITS,
  streamFrame,
} from "./_test_util.ts";

function controlFrames(s: Streams, maxSize = 1000): Frame[] {
  const out: Frame[] = [];
  for (let f = s.pollControlFrame(maxSize); f !== null; f = s.pollControlFrame(maxSize)) {
    out.push(f);
  }
  return out;
}

Deno.test("onStreamFrame() opens lower-numbered peer streams implicitly (RFC 9000 §3.2)", () => {
  const { server } = makePair();
  server.onStreamFrame(streamFrame(8, 0, 3));
  assert.deepEqual(drainEvents(server), [
    { type: "opened", id: 0 },
    { type: "opened", id: 4 },
    { type: "opened", id: 8 },
    { type: "readable", id: 8 },
  ]);
  assert.equal(server.read(0), null);
  assert.equal(server.read(8)!.data.length, 3);
  assert.deepEqual(server.counts.peerOpened, [3, 0]);
});

Deno.test("onStreamFrame() past our MAX_STREAMS is STREAM_LIMIT_ERROR", () => {
  const { server, client } = makePair();
  server.onStreamFrame(streamFrame(12, 0, 1)); // index 3 of 4
  assertTransportError(
    () => server.onStreamFrame(streamFrame(16, 0, 1)),
    Code.STREAM_LIMIT_ERROR,
    FrameType.STREAM,
  );
  assertTransportError(
    () => client.onStreamFrame(streamFrame(4 * 4 + 3, 0, 1)),
    Code.STREAM_LIMIT_ERROR,
  );
  assertTransportError(
    () => server.onResetStream({ type: 0x04, id: 18, errorCode: 0n, finalSize: 0 }),
    Code.STREAM_LIMIT_ERROR,
    FrameType.RESET_STREAM,
  );
});

Deno.test("STREAM or RESET_STREAM on a local stream not yet opened is STREAM_STATE_ERROR", () => {
  const { server, client } = makePair();
  assertTransportError(
    () => server.onStreamFrame(streamFrame(1, 0, 1)),
    Code.STREAM_STATE_ERROR,
    FrameType.STREAM,
  );
  assertTransportError(
    () => client.onResetStream({ type: 0x04, id: 4, errorCode: 1n, finalSize: 0 }),
    Code.STREAM_STATE_ERROR,
    FrameType.RESET_STREAM,
  );
  assertTransportError(
    () => client.onMaxStreamData({ type: 0x11, id: 0, max: 100 }),
    Code.STREAM_STATE_ERROR,
    FrameType.MAX_STREAM_DATA,
  );
  assertTransportError(
    () => client.onStopSending({ type: 0x05, id: 0, errorCode: 1n }),
    Code.STREAM_STATE_ERROR,
    FrameType.STOP_SENDING,
  );
});

Deno.test("STREAM, RESET_STREAM, STREAM_DATA_BLOCKED on a send-only stream are STREAM_STATE_ERROR", () => {
  const { client } = makePair();
  const id = client.open(false)!;
  assert.equal(id, 2);
  assertTransportError(() => client.onStreamFrame(streamFrame(id, 0, 1)), Code.STREAM_STATE_ERROR);
  assertTransportError(
    () => client.onResetStream({ type: 0x04, id, errorCode: 0n, finalSize: 0 }),
    Code.STREAM_STATE_ERROR,
  );
  assertTransportError(
    () => client.onStreamDataBlocked({ type: 0x15, id, limit: 0 }),
    Code.STREAM_STATE_ERROR,
    FrameType.STREAM_DATA_BLOCKED,
  );
});

Deno.test("STOP_SENDING and MAX_STREAM_DATA on a receive-only stream are STREAM_STATE_ERROR", () => {
  const { server } = makePair();
  server.onStreamFrame(streamFrame(2, 0, 1)); // the client's unidirectional stream 0
  assertTransportError(
    () => server.onStopSending({ type: 0x05, id: 2, errorCode: 0n }),
    Code.STREAM_STATE_ERROR,
    FrameType.STOP_SENDING,
  );
  assertTransportError(
    () => server.onMaxStreamData({ type: 0x11, id: 6, max: 10 }),
    Code.STREAM_STATE_ERROR,
    FrameType.MAX_STREAM_DATA,
  );
});

Deno.test("STOP_SENDING and MAX_STREAM_DATA open a peer's bidirectional stream", () => {
  const { server } = makePair();
  server.onMaxStreamData({ type: 0x11, id: 4, max: 5000 });
  assert.equal(server.has(0), true);
  assert.equal(server.has(4), true);
  server.onStopSending({ type: 0x05, id: 0, errorCode: 3n });
  const events = drainEvents(server);
  assert.deepEqual(events, [
    { type: "opened", id: 0 },
    { type: "opened", id: 4 },
    { type: "stopSending", id: 0, code: 3n },
  ]);
});

Deno.test("stream data past the stream's limit is FLOW_CONTROL_ERROR", () => {
  const { server } = makePair();
  server.onStreamFrame(streamFrame(0, 0, 1000));
  assertTransportError(
    () => server.onStreamFrame(streamFrame(0, 1000, 1)),
    Code.FLOW_CONTROL_ERROR,
    FrameType.STREAM,
  );
  assertTransportError(
    () => server.onResetStream({ type: 0x04, id: 4, errorCode: 0n, finalSize: 1001 }),
    Code.FLOW_CONTROL_ERROR,
    FrameType.RESET_STREAM,
  );
});

Deno.test("data past the connection's limit across streams is FLOW_CONTROL_ERROR", () => {
  const limits = { ...SMALL_LIMITS, initialMaxData: 2500 };
  const { server } = makePair(limits);
  server.onStreamFrame(streamFrame(0, 0, 1000));
  server.onStreamFrame(streamFrame(4, 0, 1000));
  // Retransmitted data does not count twice.
  server.onStreamFrame(streamFrame(4, 0, 1000));
  server.onResetStream({ type: 0x04, id: 8, errorCode: 0n, finalSize: 500 });
  assertTransportError(
    () => server.onStreamFrame(streamFrame(12, 0, 1)),
    Code.FLOW_CONTROL_ERROR,
    FrameType.STREAM,
  );
});

Deno.test("final size rules (RFC 9000 §4.5) raise FINAL_SIZE_ERROR", () => {
  const { server } = makePair();
  server.onStreamFrame(streamFrame(0, 0, 10, true));
  // Data past the final size.
  assertTransportError(() => server.onStreamFrame(streamFrame(0, 5, 6)), Code.FINAL_SIZE_ERROR);
  // A different final size.
  assertTransportError(
    () => server.onStreamFrame(streamFrame(0, 0, 9, true)),
    Code.FINAL_SIZE_ERROR,
  );
  assertTransportError(
    () => server.onResetStream({ type: 0x04, id: 0, errorCode: 0n, finalSize: 11 }),
    Code.FINAL_SIZE_ERROR,
    FrameType.RESET_STREAM,
  );
  // Same final size: fine, including duplicates.
  server.onStreamFrame(streamFrame(0, 5, 5, true));
  // A final size below data already received.
  server.onStreamFrame(streamFrame(4, 0, 20));
  assertTransportError(
    () => server.onStreamFrame(streamFrame(4, 0, 10, true)),
    Code.FINAL_SIZE_ERROR,
    FrameType.STREAM,
  );
  assertTransportError(
    () => server.onResetStream({ type: 0x04, id: 4, errorCode: 0n, finalSize: 19 }),
    Code.FINAL_SIZE_ERROR,
  );
  // After a reset, later data must stay within the final size.
  server.onResetStream({ type: 0x04, id: 8, errorCode: 7n, finalSize: 30 });
  server.onStreamFrame(streamFrame(8, 0, 30));
  assertTransportError(() => server.onStreamFrame(streamFrame(8, 25, 10)), Code.FINAL_SIZE_ERROR);
});

Deno.test("MAX_STREAMS above 2^60 is FRAME_ENCODING_ERROR", () => {
  const { client } = makePair();
  assertTransportError(
    () => client.onMaxStreams({ type: 0x12, max: 2 ** 60 + 2 ** 40 }),
    Code.FRAME_ENCODING_ERROR,
    0x12,
  );
  assertTransportError(
    () => client.onStreamsBlocked({ type: 0x17, limit: 2 ** 61 }),
    Code.FRAME_ENCODING_ERROR,
    0x17,
  );
});

Deno.test("STOP_SENDING is answered with RESET_STREAM carrying its code and the final size", () => {
  const { client } = makePair();
  const id = client.open(true)!;
  client.write(id, new Uint8Array(300));
  const f = client.nextStreamFrame(200)!;
  client.onStopSending({ type: 0x05, id, errorCode: 42n });
  assert.deepEqual(drainEvents(client), [{ type: "stopSending", id, code: 42n }]);
  const frames = controlFrames(client);
  assert.deepEqual(frames, [
    { type: FrameType.RESET_STREAM, id, errorCode: 42n, finalSize: f.data.length },
  ]);
  assert.equal(client.nextStreamFrame(1200), null);
  assert.throws(() => client.write(id, new Uint8Array(1)), TypeError);
});

Deno.test("reset(): RESET_STREAM is re-sent when lost and completes the stream when acked", () => {
  const { client, server } = makePair();
  const id = client.open(false)!;
  client.write(id, new Uint8Array(50));
  server.onStreamFrame(client.nextStreamFrame(1200)!);
  client.reset(id, 9n);
  const [rs] = controlFrames(client);
  assert.deepEqual(rs, { type: FrameType.RESET_STREAM, id, errorCode: 9n, finalSize: 50 });
  client.onControlFrameLost(rs!);
  assert.deepEqual(controlFrames(client), [rs]);
  client.onControlFrameAcked(rs!);
  assert.equal(client.has(id), false);
  server.onResetStream(rs as never);
  assert.deepEqual(drainEvents(server).at(-1), { type: "reset", id, code: 9n });
  assert.equal(server.has(id), false);
});

Deno.test("stopSending() sends STOP_SENDING, discards data and returns its credit", () => {
  const limits = { ...SMALL_LIMITS, initialMaxData: 1000 };
  const { server } = makePair(limits);
  server.onStreamFrame(streamFrame(0, 0, 800));
  server.stopSending(0, 5n);
  const frames = controlFrames(server);
  assert.deepEqual(frames[0], { type: FrameType.MAX_DATA, max: 1800 });
  assert.deepEqual(frames[1], { type: FrameType.STOP_SENDING, id: 0, errorCode: 5n });
  assert.equal(server.read(0), null);
  // A lost STOP_SENDING is re-sent while the final size is unknown.
  server.onControlFrameLost(frames[1]!);
  assert.deepEqual(controlFrames(server), [frames[1]]);
  server.onResetStream({ type: 0x04, id: 0, errorCode: 5n, finalSize: 900 });
  server.onControlFrameLost(frames[1]!);
  assert.deepEqual(controlFrames(server), []);
});

Deno.test("MAX_STREAM_DATA and MAX_DATA go out once half a window is read", () => {
  const { client, server } = makePair({ ...SMALL_LIMITS, initialMaxData: 2000 }, {
    maxWindow: 1000,
  });
  const id = client.open(true)!;
  client.write(id, new Uint8Array(1000));
  for (let f = client.nextStreamFrame(300); f !== null; f = client.nextStreamFrame(300)) {
    server.onStreamFrame(f);
  }
  let read = 0;
  while (read < 499) read += server.read(id, 499 - read)!.data.length;
  assert.deepEqual(controlFrames(server), []);
  assert.equal(server.read(id, 1)!.data.length, 1);
  assert.deepEqual(controlFrames(server), [{ type: FrameType.MAX_STREAM_DATA, id, max: 1500 }]);
  while (server.read(id) !== null);
  const frames = controlFrames(server);
  assert.deepEqual(frames, [
    { type: FrameType.MAX_DATA, max: 3000 },
    { type: FrameType.MAX_STREAM_DATA, id, max: 2000 },
  ]);
  // A lost limit is re-sent only while it is current.
  server.onControlFrameLost(frames[0]!);
  server.onControlFrameLost({ type: FrameType.MAX_STREAM_DATA, id, max: 1500 });
  assert.deepEqual(controlFrames(server), [frames[0]]);
});

Deno.test("DATA_BLOCKED and STREAM_DATA_BLOCKED are sent once per limit", () => {
  const limits = { ...SMALL_LIMITS, initialMaxData: 1500 };
  const { client } = makePair(limits);
  const a = client.open(true)!;
  const b = client.open(true)!;
  client.write(a, new Uint8Array(2000));
  client.write(b, new Uint8Array(2000));
  let sent = 0;
  for (let f = client.nextStreamFrame(1200); f !== null; f = client.nextStreamFrame(1200)) {
    sent += f.data.length;
  }
  assert.equal(sent, 1500);
  assert.equal(client.hasPendingData(), false);
  const frames = controlFrames(client);
  assert.deepEqual(frames, [
    { type: FrameType.STREAM_DATA_BLOCKED, id: a, limit: 1000 },
    { type: FrameType.DATA_BLOCKED, limit: 1500 },
  ]);
  assert.equal(client.nextStreamFrame(1200), null);
  assert.deepEqual(controlFrames(client), []);
  // Lost while still blocked at the same limit: sent again.
  client.onControlFrameLost(frames[1]!);
  assert.deepEqual(controlFrames(client), [frames[1]]);
  client.onMaxData({ type: 0x10, max: 5000 });
  assert.equal(client.nextStreamFrame(1200)!.id, b);
  assert.equal(client.nextStreamFrame(1200), null);
  client.onControlFrameLost(frames[1]!);
  assert.deepEqual(controlFrames(client), [
    { type: FrameType.STREAM_DATA_BLOCKED, id: b, limit: 1000 },
  ]);
  client.onMaxStreamData({ type: 0x11, id: a, max: 3000 });
  assert.equal(client.nextStreamFrame(1200)!.id, a);
});

Deno.test("open() returns null past the peer's MAX_STREAMS, sends STREAMS_BLOCKED once", () => {
  const { client } = makePair();
  for (let i = 0; i < 4; i++) assert.equal(client.open(false), 2 + 4 * i);
  assert.equal(client.open(false), null);
  assert.equal(client.open(false), null);
  const frames = controlFrames(client);
  assert.deepEqual(frames, [{ type: FrameType.STREAMS_BLOCKED_UNI, limit: 4 }]);
  client.onControlFrameLost(frames[0]!);
  assert.deepEqual(controlFrames(client), frames);
  client.onMaxStreams({ type: 0x13, max: 5 });
  assert.deepEqual(drainEvents(client), [{ type: "available", bidi: false }]);
  client.onControlFrameLost(frames[0]!);
  assert.deepEqual(controlFrames(client), []);
  assert.equal(client.open(false), 18);
});

Deno.test("nextStreamFrame() takes streams in round-robin order", () => {
  const { client } = makePair();
  const ids = [client.open(true)!, client.open(true)!, client.open(false)!];
  for (const id of ids) client.write(id, new Uint8Array(500));
  const order: number[] = [];
  for (let f = client.nextStreamFrame(120); f !== null; f = client.nextStreamFrame(120)) {
    order.push(f.id);
  }
  assert.deepEqual(order.slice(0, 6), [ids[0], ids[1], ids[2], ids[0], ids[1], ids[2]]);
  assert.equal(order.filter((x) => x === ids[2]).length, order.length / 3);
});

Deno.test("nextStreamFrame() fills but never exceeds maxFrameSize", () => {
  const { client } = makePair(
    { ...SMALL_LIMITS, initialMaxData: 1e9, initialMaxStreamDataBidiRemote: 1e9 },
    { sendBufferSize: 1e9 },
  );
  const id = client.open(true)!;
  client.write(id, new Uint8Array(200_000));
  for (const max of [5, 6, 64, 65, 66, 67, 68, 69, 70, 1000, 16_383, 16_384, 16_390, 20_000]) {
    const f = client.nextStreamFrame(max);
    assert.ok(f !== null, `size ${max}`);
    const size = sizeFrame(f);
    assert.ok(size <= max, `size ${size} > ${max}`);
    assert.ok(size >= max - 2, `size ${size} wastes room in ${max}`);
  }
  assert.equal(client.nextStreamFrame(3), null);
});

Deno.test("lost STREAM data is re-sent before new data, acked data never again", () => {
  const { client } = makePair();
  const id = client.open(true)!;
  client.write(id, new Uint8Array(900), true);
  const f1 = client.nextStreamFrame(300)!;
  const f2 = client.nextStreamFrame(300)!;
  client.onStreamFrameAcked(f2);
  client.onStreamFrameLost(f1);
  client.onStreamFrameLost(f2);
  const f3 = client.nextStreamFrame(1200)!;
  assert.deepEqual([f3.offset, f3.data.length, f3.fin], [0, f1.data.length, false]);
  const f4 = client.nextStreamFrame(1200)!;
  assert.deepEqual([f4.offset, f4.offset + f4.data.length, f4.fin], [
    f2.offset + f2.data.length,
    900,
    true,
  ]);
  assert.equal(client.nextStreamFrame(1200), null);
  client.onStreamFrameAcked(f3);
  assert.deepEqual(drainEvents(client), []);
  client.onStreamFrameAcked(f4);
  assert.deepEqual(drainEvents(client), [{ type: "finished", id }]);
});

Deno.test("write() accepts up to the send buffer size and signals writable after acks", () => {
  const { client } = makePair(SMALL_LIMITS, { sendBufferSize: 600 });
  const id = client.open(true)!;
  assert.equal(client.write(id, new Uint8Array(1000), true), 600);
  assert.equal(client.write(id, new Uint8Array(10)), 0);
  const frames = [];
  for (let f = client.nextStreamFrame(200); f !== null; f = client.nextStreamFrame(200)) {
    frames.push(f);
  }
  assert.equal(frames.at(-1)!.fin, false);
  for (const f of frames) client.onStreamFrameAcked(f);
  assert.deepEqual(drainEvents(client), [{ type: "writable", id }]);
  assert.equal(client.write(id, new Uint8Array(400), true), 400);
  assert.equal(client.nextStreamFrame(1200)!.fin, true);
});

Deno.test("read() reports FIN once all data is read, then the stream is forgotten", () => {
  const { server } = makePair();
  server.onStreamFrame(streamFrame(2, 5, 5, true));
  assert.equal(server.read(2), null);
  server.onStreamFrame(streamFrame(2, 0, 5));
  assert.deepEqual(server.read(2, 3), { data: new Uint8Array([0, 1, 2]), fin: false });
  assert.deepEqual(server.read(2), { data: new Uint8Array([3, 4]), fin: false });
  assert.equal(server.has(2), true);
  assert.deepEqual(server.read(2), { data: new Uint8Array([5, 6, 7, 8, 9]), fin: true });
  assert.equal(server.has(2), false);
  assert.deepEqual(server.counts.localMaxStreams, [4, 5]);
  assert.deepEqual(controlFrames(server), [{ type: FrameType.MAX_STREAMS_UNI, max: 5 }]);
  // Retransmissions for a forgotten stream are ignored.
  server.onStreamFrame(streamFrame(2, 0, 10, true));
  assert.equal(server.has(2), false);
});

Deno.test("a pending STREAM_DATA_BLOCKED or DATA_BLOCKED made stale by new credit is dropped", () => {
  const { client } = makePair({ ...SMALL_LIMITS, initialMaxData: 1000 });
  const a = client.open(true)!;
  const b = client.open(true)!;
  client.write(a, new Uint8Array(1500));
  client.write(b, new Uint8Array(10));
  while (client.nextStreamFrame(1200) !== null);
  assert.equal(client.hasPendingControl(), true);
  client.onMaxStreamData({ type: 0x11, id: a, max: 5000 });
  client.onMaxData({ type: 0x10, max: 5000 });
  assert.deepEqual(controlFrames(client), []);
  assert.equal(client.hasPendingData(), true);
});

Deno.test("too many disjoint out-of-order ranges on one stream is PROTOCOL_VIOLATION", () => {
  const big = { ...SMALL_LIMITS, initialMaxData: 1e9, initialMaxStreamDataBidiRemote: 1e9 };
  const { server } = makePair(big);
  const one = new Uint8Array(1);
  for (let i = 0; i < MAX_RECV_RANGES; i++) {
    server.onStreamFrame({ type: 0x08, id: 0, offset: 1 + 2 * i, data: one, fin: false });
  }
  assertTransportError(
    () =>
      server.onStreamFrame({
        type: 0x08,
        id: 0,
        offset: 1 + 2 * MAX_RECV_RANGES,
        data: one,
        fin: false,
      }),
    Code.PROTOCOL_VIOLATION,
    FrameType.STREAM,
  );
});
