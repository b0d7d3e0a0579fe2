/**
 * Seeded fuzzing of `Streams` frame input: valid-shaped frames with random
 * stream IDs, offsets, lengths and limits, interleaved with application calls
 * and recovery feedback, for both perspectives. Only `TransportError` may
 * escape a frame handler, with a stream-related code and the frame's type;
 * frames produced must respect the size asked for.
 */

import assert from "node:assert/strict";
import { TransportError, TransportErrorCode as Code } from "../errors.ts";
import { type Frame, sizeFrame, type StreamFrame } from "../frames/frame.ts";
import { FrameType } from "../frames/frame_type.ts";
import { SeededRandom } from "../random.ts";
import { Streams } from "./streams.ts";

const ALLOWED = new Set<number>([
  Code.FLOW_CONTROL_ERROR,
  Code.STREAM_LIMIT_ERROR,
  Code.STREAM_STATE_ERROR,
  Code.FINAL_SIZE_ERROR,
  Code.FRAME_ENCODING_ERROR,
  Code.PROTOCOL_VIOLATION,
]);

class Gen {
  readonly rnd: SeededRandom;
  constructor(seed: number) {
    this.rnd = new SeededRandom(seed);
  }
  int(n: number): number {
    return this.rnd.u32() % n;
  }
  chance(p: number): boolean {
    return this.rnd.float() < p;
  }
  /** A varint-range value biased to edges. */
  value(): number {
    switch (this.int(8)) {
      case 0:
        return 0;
      case 1:
        return this.int(64);
      case 2:
        return this.int(2000);
      case 3:
        return this.int(70_000);
      case 4:
        return 2 ** 20 + this.int(16);
      case 5:
        return Number.MAX_SAFE_INTEGER;
      case 6:
        return Math.floor(this.rnd.float() * 2 ** 53);
      default:
        return this.int(500);
    }
  }
  /** Mostly IDs the peer may legitimately use (its streams within limits, ours opened). */
  streamId(): number {
    if (this.chance(0.05)) return this.value();
    if (this.chance(0.3)) return this.int(48);
    if (this.known.length > 0 && this.chance(0.5)) return this.known[this.int(this.known.length)]!;
    // One of the peer's first streams.
    return this.int(7) * 4 + (this.peerBit) + (this.chance(0.5) ? 2 : 0);
  }
  /** IDs opened so far (set by the test loop). */
  known: number[] = [];
  /** 0 when the peer is the client, 1 when it is the server. */
  peerBit = 0;
  bigCode(): bigint {
    return this.chance(0.9) ? BigInt(this.int(100)) : (1n << 62n) - 1n;
  }
  frame(): Frame {
    const id = this.streamId();
    switch (this.int(10)) {
      case 0:
      case 1:
      case 2: {
        const offset = this.chance(0.7) ? this.int(3000) : this.value();
        const len = this.chance(0.8) ? this.int(1500) : this.int(70_000);
        return {
          type: FrameType.STREAM,
          id,
          offset,
          data: new Uint8Array(len),
          fin: this.chance(0.2),
        };
      }
      case 3:
        return {
          type: FrameType.RESET_STREAM,
          id,
          errorCode: this.bigCode(),
          finalSize: this.chance(0.7) ? this.int(3000) : this.value(),
        };
      case 4:
        return { type: FrameType.STOP_SENDING, id, errorCode: this.bigCode() };
      case 5:
        return { type: FrameType.MAX_DATA, max: this.value() };
      case 6:
        return { type: FrameType.MAX_STREAM_DATA, id, max: this.value() };
      case 7:
        return {
          type: this.chance(0.5) ? FrameType.MAX_STREAMS_BIDI : FrameType.MAX_STREAMS_UNI,
          max: this.chance(0.9) ? this.int(64) : this.value(),
        };
      case 8:
        return this.chance(0.5)
          ? { type: FrameType.DATA_BLOCKED, limit: this.value() }
          : { type: FrameType.STREAM_DATA_BLOCKED, id, limit: this.value() };
      default:
        return {
          type: this.chance(0.5) ? FrameType.STREAMS_BLOCKED_BIDI : FrameType.STREAMS_BLOCKED_UNI,
          limit: this.value(),
        };
    }
  }
}

function feed(s: Streams, f: Frame): void {
  switch (f.type) {
    case FrameType.STREAM:
      return s.onStreamFrame(f);
    case FrameType.RESET_STREAM:
      return s.onResetStream(f);
    case FrameType.STOP_SENDING:
      return s.onStopSending(f);
    case FrameType.MAX_DATA:
      return s.onMaxData(f);
    case FrameType.MAX_STREAM_DATA:
      return s.onMaxStreamData(f);
    case FrameType.MAX_STREAMS_BIDI:
    case FrameType.MAX_STREAMS_UNI:
      return s.onMaxStreams(f);
    case FrameType.DATA_BLOCKED:
      return s.onDataBlocked(f);
    case FrameType.STREAM_DATA_BLOCKED:
      return s.onStreamDataBlocked(f);
    case FrameType.STREAMS_BLOCKED_BIDI:
    case FrameType.STREAMS_BLOCKED_UNI:
      return s.onStreamsBlocked(f);
  }
}

const LIMITS = {
  initialMaxData: 50_000,
  initialMaxStreamDataBidiLocal: 4000,
  initialMaxStreamDataBidiRemote: 4000,
  initialMaxStreamDataUni: 4000,
  initialMaxStreamsBidi: 6,
  initialMaxStreamsUni: 6,
};

function fresh(isClient: boolean): Streams {
  const s = new Streams({ isClient, local: LIMITS, maxWindow: 16_000, sendBufferSize: 8000 });
  s.setPeerLimits(LIMITS);
  return s;
}

function runFuzz(seed: number, isClient: boolean, steps: number): Record<string, number> {
  const g = new Gen(seed);
  g.peerBit = isClient ? 1 : 0;
  let s = fresh(isClient);
  const sent: Frame[] = [];
  const stats: Record<string, number> = { frames: 0, errors: 0, appMisuse: 0, produced: 0 };
  const ids: number[] = [];
  g.known = ids;
  for (let step = 0; step < steps; step++) {
    const action = g.int(10);
    if (action < 5) {
      const f = g.frame();
      stats.frames!++;
      try {
        feed(s, f);
      } catch (e) {
        if (!(e instanceof TransportError)) throw e;
        assert.ok(ALLOWED.has(e.code), `unexpected code ${e.code}: ${e.message}`);
        assert.equal(e.frameType, f.type, e.message);
        stats.errors!++;
        stats[e.code]! = (stats[e.code] ?? 0) + 1;
        s = fresh(isClient);
        sent.length = 0;
        ids.length = 0;
      }
    } else if (action === 5) {
      // Application calls; misuse throws TypeError, anything else is a bug.
      try {
        const id = g.chance(0.3) || ids.length === 0
          ? s.open(g.chance(0.5))
          : ids[g.int(ids.length)]!;
        if (id === null) continue;
        ids.push(id);
        switch (g.int(5)) {
          case 0:
            s.write(id, new Uint8Array(g.int(6000)), g.chance(0.3));
            break;
          case 1:
            s.read(id, g.int(3000) + 1, step);
            break;
          case 2:
            s.reset(id, 3n);
            break;
          case 3:
            s.stopSending(id, 4n);
            break;
          default:
            s.finish(id);
        }
      } catch (e) {
        if (!(e instanceof TypeError)) throw e;
        stats.appMisuse!++;
      }
    } else if (action < 8) {
      const max = 1 + g.int(1400);
      const f = g.chance(0.5) ? s.pollControlFrame(max) : s.nextStreamFrame(max);
      if (f !== null) {
        assert.ok(sizeFrame(f) <= max, `frame of ${sizeFrame(f)} bytes in ${max}`);
        sent.push(f);
        stats.produced!++;
      }
    } else if (sent.length > 0) {
      const i = g.int(sent.length);
      const f = sent[i]!;
      sent.splice(i, 1);
      const acked = g.chance(0.6);
      if (f.type === FrameType.STREAM) {
        if (acked) s.onStreamFrameAcked(f as StreamFrame);
        else s.onStreamFrameLost(f as StreamFrame);
      } else if (acked) {
        s.onControlFrameAcked(f);
      } else {
        s.onControlFrameLost(f);
      }
    }
    for (let e = s.pollEvent(); e !== null; e = s.pollEvent()) {
      if (e.type === "opened") ids.push(e.id);
    }
  }
  return stats;
}

for (const isClient of [true, false]) {
  Deno.test(`Streams (${isClient ? "client" : "server"}) fuzzed with random frames throws only TransportError`, () => {
    const totals: Record<string, number> = {};
    for (let seed = 1; seed <= 40; seed++) {
      const stats = runFuzz(seed * 7919 + (isClient ? 1 : 0), isClient, 3000);
      for (const [k, v] of Object.entries(stats)) totals[k] = (totals[k] ?? 0) + v;
    }
    // The fuzzer reaches both accepted frames and every stream-related error.
    assert.ok(totals.errors! > 100);
    assert.ok(totals.produced! > 1000);
    for (const code of ALLOWED) {
      if (code === Code.FRAME_ENCODING_ERROR || code === Code.PROTOCOL_VIOLATION) continue;
      assert.ok((totals[code] ?? 0) > 0, `no error ${code} reached`);
    }
  });
}
