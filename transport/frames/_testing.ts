/**
 * Test helpers for the frame codecs (private; imported by `_test.ts` files only).
 *
 * @module
 */

import assert from "node:assert/strict";
import { Reader } from "../wire/reader.ts";
import { Writer } from "../wire/writer.ts";
import { TransportError } from "../errors.ts";
import { type Frame, parseFrame, sizeFrame, writeFrame } from "./frame.ts";
export { mutate } from "../_fuzz.ts";

/** Bytes from a hex string (spaces ignored). */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Encodes `f` with writeFrame, checking sizeFrame agrees. */
export function encode(f: Frame): Uint8Array {
  const size = sizeFrame(f);
  const w = new Writer(new Uint8Array(size));
  writeFrame(w, f);
  assert.equal(w.length, size, "sizeFrame() must equal the bytes written");
  return w.toBytes();
}

/** Parses exactly one frame from `bytes`, asserting all bytes were consumed. */
export function decode(bytes: Uint8Array): Frame {
  const r = new Reader(bytes);
  const f = parseFrame(r);
  assert.equal(r.pos, bytes.length, "parseFrame() must consume the whole frame");
  return f;
}

/**
 * Byte-exact round trip: encode `f` (to `expected` when given), parse it back to
 * an equal frame, re-encode to the same bytes.
 */
export function roundTrip(f: Frame, expected?: Uint8Array): Uint8Array {
  const bytes = encode(f);
  if (expected !== undefined) assert.deepEqual(bytes, expected);
  const g = decode(bytes);
  assert.deepEqual(g, f);
  assert.deepEqual(encode(g), bytes);
  return bytes;
}

/** Asserts that parsing `bytes` throws a TransportError with this code and frame type. */
export function assertFrameError(bytes: Uint8Array, code: number, frameType: number): void {
  assert.throws(
    () => parseFrame(new Reader(bytes)),
    (e: unknown) => {
      assert.ok(e instanceof TransportError, `expected a TransportError, got ${e}`);
      assert.equal(e.code, code);
      assert.equal(e.frameType, frameType);
      return true;
    },
  );
}

/** A small deterministic source for generators (the project's SeededRandom). */
export interface Rng {
  u32(): number;
  fill(b: Uint8Array): void;
}

const EDGE_VALUES = [0, 1, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, 2 ** 53 - 1];

/** A varint-sized number biased toward the encoding boundaries. */
export function randomVarint(rng: Rng, max = Number.MAX_SAFE_INTEGER): number {
  const pick = rng.u32() % 4;
  const v = pick === 0
    ? EDGE_VALUES[rng.u32() % EDGE_VALUES.length]!
    : pick === 1
    ? rng.u32() % 64
    : pick === 2
    ? rng.u32() % 20000
    : rng.u32() * 2048 + (rng.u32() % 2048);
  return Math.min(v, max);
}

/** A bigint varint biased toward boundaries, up to 2^62-1. */
export function randomVarintBig(rng: Rng): bigint {
  return rng.u32() % 3 === 0 ? 2n ** 62n - 1n - BigInt(rng.u32() % 3) : BigInt(randomVarint(rng));
}

function bytes(rng: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  rng.fill(b);
  return b;
}

/** A random valid frame of any known type. */
export function randomFrame(rng: Rng): Frame {
  const len = rng.u32() % 40;
  switch (rng.u32() % 21) {
    case 0:
      return { type: 0x00, length: 1 + (rng.u32() % 30) };
    case 1:
      return { type: 0x01 };
    case 2: {
      const ranges: number[] = [];
      let hi = randomVarint(rng);
      const n = 1 + (rng.u32() % 6);
      for (let i = 0; i < n && hi >= 0; i++) {
        const lo = hi - Math.min(hi, rng.u32() % 100);
        ranges.push(hi, lo);
        hi = lo - 2 - (rng.u32() % 100);
      }
      const delay = randomVarint(rng);
      if (rng.u32() % 2 === 0) return { type: 0x02, largest: ranges[0]!, delay, ranges };
      const ecn = { ect0: randomVarint(rng), ect1: randomVarint(rng), ce: randomVarint(rng) };
      return { type: 0x03, largest: ranges[0]!, delay, ranges, ecn };
    }
    case 3:
      return {
        type: 0x04,
        id: randomVarint(rng),
        errorCode: randomVarintBig(rng),
        finalSize: randomVarint(rng),
      };
    case 4:
      return { type: 0x05, id: randomVarint(rng), errorCode: randomVarintBig(rng) };
    case 5:
      return { type: 0x06, offset: randomVarint(rng, 2 ** 53 - 1 - len), data: bytes(rng, len) };
    case 6:
      return { type: 0x07, token: bytes(rng, 1 + len) };
    case 7:
      return {
        type: 0x08,
        id: randomVarint(rng),
        offset: randomVarint(rng, 2 ** 53 - 1 - len),
        data: bytes(rng, len),
        fin: rng.u32() % 2 === 0,
      };
    case 8:
      return { type: 0x10, max: randomVarint(rng) };
    case 9:
      return { type: 0x11, id: randomVarint(rng), max: randomVarint(rng) };
    case 10:
      return { type: rng.u32() % 2 === 0 ? 0x12 : 0x13, max: randomVarint(rng) };
    case 11:
      return { type: 0x14, limit: randomVarint(rng) };
    case 12:
      return { type: 0x15, id: randomVarint(rng), limit: randomVarint(rng) };
    case 13:
      return { type: rng.u32() % 2 === 0 ? 0x16 : 0x17, limit: randomVarint(rng) };
    case 14: {
      const seq = randomVarint(rng);
      return {
        type: 0x18,
        seq,
        retirePriorTo: Math.min(seq, randomVarint(rng)),
        cid: bytes(rng, 1 + (rng.u32() % 20)),
        resetToken: bytes(rng, 16),
      };
    }
    case 15:
      return { type: 0x19, seq: randomVarint(rng) };
    case 16:
      return { type: rng.u32() % 2 === 0 ? 0x1a : 0x1b, data: bytes(rng, 8) };
    case 17:
      return {
        type: 0x1c,
        errorCode: randomVarintBig(rng),
        frameType: randomVarintBig(rng),
        reason: bytes(rng, len),
      };
    case 18:
      return {
        type: 0x1d,
        errorCode: randomVarintBig(rng),
        frameType: 0n,
        reason: bytes(rng, len),
      };
    case 19:
      return { type: 0x1e };
    default:
      return { type: 0x31, data: bytes(rng, len) };
  }
}
