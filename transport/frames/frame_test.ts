import assert from "node:assert/strict";
import { TransportError, TransportErrorCode } from "../errors.ts";
import { SeededRandom } from "../random.ts";
import { Reader } from "../wire/reader.ts";
import { Writer } from "../wire/writer.ts";
import { type Frame, parseFrame, sizeFrame, writeFrame } from "./frame.ts";
import { FRAME_TYPES } from "./frame_type.ts";
import { assertFrameError, encode, hex, randomFrame, roundTrip } from "./_testing.ts";

const FEE = TransportErrorCode.FRAME_ENCODING_ERROR;

Deno.test("parseFrame() round trips a random frame of every type in the table", () => {
  const rng = new SeededRandom(1);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const f = randomFrame(rng);
    seen.add(f.type);
    roundTrip(f);
  }
  // Every row except the lengthless DATAGRAM (covered in datagram_test.ts).
  for (const row of FRAME_TYPES) {
    if (row.type !== 0x30) assert.ok(seen.has(row.type), row.name);
  }
});

Deno.test("parseFrame() reads a packet payload of many frames in order", () => {
  const rng = new SeededRandom(2);
  const frames: Frame[] = [];
  for (let i = 0; i < 50; i++) {
    const f = randomFrame(rng);
    // Adjacent PADDING runs merge; keep one.
    if (f.type === 0x00 && frames.at(-1)?.type === 0x00) continue;
    frames.push(f);
  }
  const size = frames.reduce((n, f) => n + sizeFrame(f), 0);
  const w = new Writer(new Uint8Array(size));
  for (const f of frames) writeFrame(w, f);
  assert.equal(w.pos, size);
  const r = new Reader(w.toBytes());
  const back: Frame[] = [];
  while (!r.eof) back.push(parseFrame(r));
  assert.deepEqual(back, frames);
});

Deno.test("parseFrame() rejects unknown frame types with FRAME_ENCODING_ERROR", () => {
  for (const t of [0x1f, 0x20, 0x2f, 0x32, 0x3f]) assertFrameError(new Uint8Array([t]), FEE, t);
  assertFrameError(hex("4040"), FEE, 0x40);
  assertFrameError(hex("80abcdef"), FEE, 0xabcdef);
});

Deno.test("parseFrame() rejects a known type in a longer encoding with PROTOCOL_VIOLATION", () => {
  assertFrameError(hex("4001"), TransportErrorCode.PROTOCOL_VIOLATION, 0x01);
  assertFrameError(hex("80000008 00 00"), TransportErrorCode.PROTOCOL_VIOLATION, 0x08);
});

Deno.test("parseFrame() rejects an empty input and a truncated type", () => {
  assertFrameError(new Uint8Array(0), FEE, 0);
  assert.throws(() => parseFrame(new Reader(hex("40"))), TransportError);
});

Deno.test("parseFrame() stops at the reader's end, not the buffer's", () => {
  const bytes = hex("0a 00 02 aabb ff");
  const r = new Reader(bytes, 0, 4);
  assertFrameError(bytes.subarray(0, 4), FEE, 0x0a);
  assert.throws(() => parseFrame(r), TransportError);
});

Deno.test("sizeFrame() is exact for every generated frame", () => {
  const rng = new SeededRandom(3);
  for (let i = 0; i < 500; i++) {
    const f = randomFrame(rng);
    assert.equal(encode(f).length, sizeFrame(f));
  }
});
