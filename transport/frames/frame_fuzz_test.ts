/**
 * Seeded fuzzing of parseFrame() (STYLE.md §20): random bytes and mutations of
 * valid encodings. Invariant: parsing either throws a TransportError with
 * FRAME_ENCODING_ERROR or PROTOCOL_VIOLATION, or yields frames whose encoding
 * (of the size sizeFrame() announces) parses back to equal frames.
 */
import assert from "node:assert/strict";
import { TransportError, TransportErrorCode } from "../errors.ts";
import { SeededRandom } from "../random.ts";
import { Reader } from "../wire/reader.ts";
import { Writer } from "../wire/writer.ts";
import { type Frame, parseFrame, sizeFrame, writeFrame } from "./frame.ts";
import { encode, mutate, randomFrame } from "./_testing.ts";

const INPUTS = 60_000;

function parseAll(bytes: Uint8Array): Frame[] {
  const r = new Reader(bytes);
  const out: Frame[] = [];
  while (!r.eof) out.push(parseFrame(r));
  return out;
}

function encodeAll(frames: Frame[]): Uint8Array {
  const size = frames.reduce((n, f) => n + sizeFrame(f), 0);
  const w = new Writer(new Uint8Array(size));
  for (const f of frames) writeFrame(w, f);
  assert.equal(w.pos, size);
  return w.toBytes();
}

function check(bytes: Uint8Array): boolean {
  let frames: Frame[];
  try {
    frames = parseAll(bytes);
  } catch (e) {
    if (!(e instanceof TransportError)) throw e;
    assert.ok(
      e.code === TransportErrorCode.FRAME_ENCODING_ERROR ||
        e.code === TransportErrorCode.PROTOCOL_VIOLATION,
      `unexpected code ${e.code}`,
    );
    return false;
  }
  const again = parseAll(encodeAll(frames));
  assert.deepEqual(again, frames);
  return true;
}

Deno.test("parseFrame() fuzz: random bytes and mutated frames give typed errors or round trips", () => {
  const rng = new SeededRandom(0x9000);
  let parsed = 0;
  for (let i = 0; i < INPUTS; i++) {
    let input: Uint8Array;
    if (i % 4 === 0) {
      input = new Uint8Array(rng.u32() % 48);
      rng.fill(input);
      // Bias the first byte toward known types.
      if (input.length > 0 && rng.u32() % 2 === 0) input[0] = rng.u32() % 0x32;
    } else {
      input = mutate(rng, encode(randomFrame(rng)));
    }
    if (check(input)) parsed++;
  }
  // Both outcomes must occur often enough for the test to mean something.
  assert.ok(parsed > INPUTS / 10, `only ${parsed} inputs parsed`);
  assert.ok(parsed < INPUTS * 0.9, `${parsed} inputs parsed: mutations too weak`);
});
