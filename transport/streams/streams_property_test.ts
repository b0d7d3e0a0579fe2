/**
 * Two `Streams` talking over a simulated channel that loses, reorders and
 * duplicates frames and loses acknowledgements: every byte must arrive exactly
 * once, in order, with the FIN last; flow control, MAX_STREAMS replenishment
 * and retransmission must keep everything moving.
 */

import assert from "node:assert/strict";
import type { Frame } from "../frames/frame.ts";
import { FrameType } from "../frames/frame_type.ts";
import { SeededRandom } from "../random.ts";
import { Streams } from "./streams.ts";
import type { StreamLimits } from "./stream_types.ts";

/** The byte at `offset` of stream `id`'s data from `sender`. */
function pattern(id: number, offset: number): number {
  return (offset * 31 + id * 7 + Math.floor(offset / 251)) & 0xff;
}

/** Hands one frame to `to`'s frame input. */
function deliver(to: Streams, f: Frame): void {
  switch (f.type) {
    case FrameType.STREAM:
      return to.onStreamFrame(f);
    case FrameType.RESET_STREAM:
      return to.onResetStream(f);
    case FrameType.STOP_SENDING:
      return to.onStopSending(f);
    case FrameType.MAX_DATA:
      return to.onMaxData(f);
    case FrameType.MAX_STREAM_DATA:
      return to.onMaxStreamData(f);
    case FrameType.MAX_STREAMS_BIDI:
    case FrameType.MAX_STREAMS_UNI:
      return to.onMaxStreams(f);
    case FrameType.DATA_BLOCKED:
      return to.onDataBlocked(f);
    case FrameType.STREAM_DATA_BLOCKED:
      return to.onStreamDataBlocked(f);
    case FrameType.STREAMS_BLOCKED_BIDI:
    case FrameType.STREAMS_BLOCKED_UNI:
      return to.onStreamsBlocked(f);
    default:
      throw new Error(`unexpected frame ${f.type}`);
  }
}

interface Packet {
  from: Endpoint;
  to: Endpoint;
  frames: Frame[];
  lost: boolean;
  ackLost: boolean;
}

interface OutStream {
  total: number;
  written: number;
  resetAt: number; // -1: never reset
  finished: boolean;
  finWritten: boolean;
  resetDone: boolean;
  stopped: boolean;
}

interface InStream {
  read: number;
  done: boolean;
  stopped: boolean;
}

class Endpoint {
  readonly name: string;
  readonly s: Streams;
  readonly out = new Map<number, OutStream>();
  readonly in = new Map<number, InStream>();
  toOpen: number;

  constructor(name: string, s: Streams, toOpen: number) {
    this.name = name;
    this.s = s;
    this.toOpen = toOpen;
  }
}

interface SimOptions {
  seed: number;
  limits: StreamLimits;
  streams: number;
  maxSize: number;
  loss: number;
  ackLoss: number;
  resetShare: number;
  stopShare: number;
  maxWindow?: number;
}

function simulate(o: SimOptions): { steps: number; bytes: number } {
  const rnd = new SeededRandom(o.seed);
  const opts = { local: o.limits, sendBufferSize: 20_000, maxWindow: o.maxWindow ?? 64 * 1024 };
  const client = new Endpoint("client", new Streams({ isClient: true, ...opts }), o.streams);
  const server = new Endpoint("server", new Streams({ isClient: false, ...opts }), o.streams);
  client.s.setPeerLimits(o.limits);
  server.s.setPeerLimits(o.limits);
  const inFlight: Packet[] = [];
  let now = 0;
  let bytes = 0;
  const planStream = (ep: Endpoint, id: number) => {
    const total = rnd.u32() % (o.maxSize + 1);
    const resetAt = rnd.float() < o.resetShare ? rnd.u32() % (total + 1) : -1;
    ep.out.set(id, {
      total,
      written: 0,
      resetAt,
      finished: false,
      finWritten: false,
      resetDone: false,
      stopped: false,
    });
  };

  const appStep = (ep: Endpoint) => {
    // Open new streams while allowed.
    while (ep.toOpen > 0 && rnd.float() < 0.5) {
      const bidi = rnd.float() < 0.5;
      const id = ep.s.open(bidi);
      if (id === null) break;
      ep.toOpen--;
      planStream(ep, id);
      if (bidi) ep.in.set(id, { read: 0, done: false, stopped: false });
    }
    for (let e = ep.s.pollEvent(); e !== null; e = ep.s.pollEvent()) {
      if (e.type === "opened") {
        ep.in.set(e.id, { read: 0, done: false, stopped: false });
        // The peer's bidirectional streams get an answer.
        if ((e.id & 2) === 0) planStream(ep, e.id);
      } else if (e.type === "finished") {
        const st = ep.out.get(e.id)!;
        assert.equal(st.resetAt, -1, "a reset stream cannot finish");
        assert.equal(st.written, st.total);
        st.finished = true;
      } else if (e.type === "stopSending") {
        const st = ep.out.get(e.id)!;
        assert.equal(st.finished, false);
        st.stopped = true;
      } else if (e.type === "reset") {
        const st = ep.in.get(e.id)!;
        assert.equal(st.done, false);
        st.done = true;
      }
    }
    for (const [id, st] of ep.out) {
      if (st.finWritten || st.resetDone || st.stopped) continue;
      if (st.resetAt >= 0 && st.written >= st.resetAt) {
        ep.s.reset(id, 77n);
        st.resetDone = true;
        continue;
      }
      const target = st.resetAt >= 0 ? st.resetAt : st.total;
      const n = Math.min(target - st.written, 1 + (rnd.u32() % 5000));
      const data = new Uint8Array(n);
      for (let i = 0; i < n; i++) data[i] = pattern(id, st.written + i);
      const fin = st.resetAt < 0 && st.written + n === st.total;
      const accepted = ep.s.write(id, data, fin);
      st.written += accepted;
      if (fin && st.written === st.total) st.finWritten = true;
    }
    for (const [id, st] of ep.in) {
      if (st.done || rnd.float() < 0.3) continue;
      if (rnd.float() < o.stopShare / 20) {
        ep.s.stopSending(id, 5n);
        st.done = st.stopped = true;
        continue;
      }
      for (let r = ep.s.read(id, 1 + (rnd.u32() % 3000), now); r !== null;) {
        for (let i = 0; i < r.data.length; i++) {
          if (r.data[i] !== pattern(id, st.read + i)) {
            assert.fail(`${ep.name} stream ${id}: wrong byte at ${st.read + i}`);
          }
        }
        st.read += r.data.length;
        bytes += r.data.length;
        if (r.fin) {
          st.done = true;
          break;
        }
        r = ep.s.read(id, 1 + (rnd.u32() % 3000), now);
      }
    }
  };

  const sendPacket = (from: Endpoint, to: Endpoint) => {
    let room = 200 + (rnd.u32() % 1300);
    const frames: Frame[] = [];
    for (let f = from.s.pollControlFrame(room); f !== null; f = from.s.pollControlFrame(room)) {
      frames.push(f);
      room -= 20;
    }
    for (let f = from.s.nextStreamFrame(room); f !== null && room > 0;) {
      frames.push(f);
      room -= f.data.length + 10;
      if (rnd.float() < 0.5) break;
      f = from.s.nextStreamFrame(room);
    }
    if (frames.length === 0) return;
    inFlight.push({
      from,
      to,
      frames,
      lost: rnd.float() < o.loss,
      ackLost: rnd.float() < o.ackLoss,
    });
  };

  const resolve = (p: Packet) => {
    if (!p.lost) {
      for (const f of p.frames) deliver(p.to.s, f);
    }
    for (const f of p.frames) {
      const acked = !p.lost && !p.ackLost;
      if (f.type === FrameType.STREAM) {
        if (acked) p.from.s.onStreamFrameAcked(f);
        else p.from.s.onStreamFrameLost(f);
      } else if (acked) {
        p.from.s.onControlFrameAcked(f);
      } else {
        p.from.s.onControlFrameLost(f);
      }
    }
  };

  const allDone = () => {
    for (const ep of [client, server]) {
      if (ep.toOpen > 0) return false;
      for (const st of ep.out.values()) {
        if (!st.stopped && (st.resetAt < 0 ? !st.finished : !st.resetDone)) return false;
      }
      for (const st of ep.in.values()) if (!st.done) return false;
    }
    return true;
  };

  let steps = 0;
  for (; steps < 200_000; steps++) {
    now += 1000;
    client.s.setRtt(20_000, now);
    server.s.setRtt(20_000, now);
    appStep(client);
    appStep(server);
    sendPacket(client, server);
    sendPacket(server, client);
    // Resolve some packets in random order (reordering).
    while (inFlight.length > 0 && rnd.float() < 0.7) {
      const i = rnd.u32() % inFlight.length;
      resolve(inFlight.splice(i, 1)[0]!);
    }
    if (allDone() && inFlight.length === 0) {
      const busy = client.s.hasPendingControl() || server.s.hasPendingControl() ||
        client.s.hasPendingData() || server.s.hasPendingData();
      if (!busy) break;
    }
  }
  if (!allDone()) {
    const dump = (ep: Endpoint) =>
      JSON.stringify({
        name: ep.name,
        toOpen: ep.toOpen,
        counts: ep.s.counts,
        out: [...ep.out].filter(([, st]) => st.resetAt < 0 && !st.finished),
        in: [...ep.in].filter(([, st]) => !st.done),
      });
    assert.fail(`not done after ${steps} steps: ${dump(client)} ${dump(server)}`);
  }
  // Every stream reached its terminal state on both sides and was forgotten.
  assert.equal(client.s.counts.active, 0, "client streams left");
  assert.equal(server.s.counts.active, 0, "server streams left");
  for (const ep of [client, server]) {
    const peer = ep === client ? server : client;
    for (const [id, st] of peer.out) {
      const got = ep.in.get(id)!;
      if (got.stopped) assert.ok(got.read <= st.total);
      else if (st.resetAt < 0) assert.equal(got.read, st.total, `stream ${id} length`);
      else assert.ok(got.read <= st.resetAt);
    }
  }
  return { steps, bytes };
}

const LIMITS: StreamLimits = {
  initialMaxData: 40_000,
  initialMaxStreamDataBidiLocal: 8_000,
  initialMaxStreamDataBidiRemote: 8_000,
  initialMaxStreamDataUni: 8_000,
  initialMaxStreamsBidi: 3,
  initialMaxStreamsUni: 3,
};

Deno.test("Streams over a lossy, reordering channel deliver every byte once, in order, FIN last", () => {
  for (let seed = 1; seed <= 12; seed++) {
    const r = simulate({
      seed,
      limits: LIMITS,
      streams: 12,
      maxSize: 30_000,
      loss: 0.15,
      ackLoss: 0.1,
      resetShare: 0,
      stopShare: 0,
    });
    assert.ok(r.bytes > 0);
  }
});

Deno.test("Streams with resets, heavy loss and tiny windows still finish every stream", () => {
  const tiny: StreamLimits = {
    ...LIMITS,
    initialMaxData: 3000,
    initialMaxStreamDataBidiLocal: 1000,
    initialMaxStreamDataBidiRemote: 1000,
    initialMaxStreamDataUni: 1000,
    initialMaxStreamsBidi: 1,
    initialMaxStreamsUni: 1,
  };
  for (let seed = 100; seed < 108; seed++) {
    simulate({
      seed,
      limits: tiny,
      streams: 8,
      maxSize: 8_000,
      loss: 0.3,
      ackLoss: 0.2,
      resetShare: 0.3,
      stopShare: 0.3,
      maxWindow: 1000,
    });
  }
});
