import assert from "node:assert/strict";
import { SeededRandom } from "../../transport/random.ts";
import { H3Error, H3ErrorCode } from "./errors.ts";
import { type FrameEvent, FrameReader } from "./frame_reader.ts";
import {
  dataFrameHeader,
  encodeFrame,
  encodeGoawayFrame,
  encodeSettingsFrame,
  FrameType,
  isGreaseCodepoint,
  parseIdPayload,
  parseSettings,
  SettingId,
} from "./frames.ts";

function h3Code(code: number) {
  return (e: unknown) => e instanceof H3Error && e.code === code;
}

Deno.test("parseSettings() round-trips encodeSettingsFrame()", () => {
  const settings = new Map([[SettingId.QPACK_MAX_TABLE_CAPACITY, 0], [
    SettingId.QPACK_BLOCKED_STREAMS,
    0,
  ], [
    0x21,
    12345,
  ]]);
  const frame = encodeSettingsFrame(settings);
  assert.deepEqual(frame, Uint8Array.of(0x04, 7, 0x01, 0x00, 0x07, 0x00, 0x21, 0x70, 0x39));
  assert.deepEqual(parseSettings(frame.subarray(2)), settings);
});

Deno.test("parseSettings() rejects duplicates, HTTP/2 settings and truncation", () => {
  assert.throws(
    () => parseSettings(Uint8Array.of(1, 0, 1, 0)),
    h3Code(H3ErrorCode.H3_SETTINGS_ERROR),
  );
  for (const h2 of [0, 2, 3, 4, 5]) {
    assert.throws(() => parseSettings(Uint8Array.of(h2, 0)), h3Code(H3ErrorCode.H3_SETTINGS_ERROR));
  }
  assert.throws(() => parseSettings(Uint8Array.of(6)), h3Code(H3ErrorCode.H3_FRAME_ERROR));
});

Deno.test("parseIdPayload() wants exactly one varint", () => {
  assert.equal(parseIdPayload(encodeGoawayFrame(1000).subarray(2), "GOAWAY"), 1000);
  assert.throws(
    () => parseIdPayload(Uint8Array.of(1, 2), "GOAWAY"),
    h3Code(H3ErrorCode.H3_FRAME_ERROR),
  );
  assert.throws(
    () => parseIdPayload(Uint8Array.of(0x40), "GOAWAY"),
    h3Code(H3ErrorCode.H3_FRAME_ERROR),
  );
});

Deno.test("isGreaseCodepoint() recognises 0x1f * N + 0x21", () => {
  assert.ok(isGreaseCodepoint(0x21));
  assert.ok(isGreaseCodepoint(0x40));
  assert.ok(isGreaseCodepoint(0x1fn * 1000n + 0x21n));
  assert.ok(!isGreaseCodepoint(0x20));
  assert.ok(!isGreaseCodepoint(0x04));
});

function drain(r: FrameReader): FrameEvent[] {
  const out: FrameEvent[] = [];
  for (let e = r.next(); e !== null; e = r.next()) out.push(e);
  return out;
}

/** Merges adjacent DATA pieces so results compare independently of chunking. */
function normalise(events: FrameEvent[]): (string | number[])[] {
  const out: (string | number[])[] = [];
  let data: number[] | null = null;
  for (const e of events) {
    if (e.kind === "data") {
      data ??= [];
      data.push(...e.data);
      continue;
    }
    if (data !== null) out.push("data", data);
    data = null;
    out.push(`frame ${e.type}`, [...e.payload]);
  }
  if (data !== null) out.push("data", data);
  return out;
}

const STREAM = Uint8Array.from([
  ...encodeFrame(FrameType.HEADERS, Uint8Array.of(0, 0, 0xd1)),
  ...encodeFrame(0x21, Uint8Array.of(9, 9, 9)), // grease: skipped
  ...dataFrameHeader(5),
  1,
  2,
  3,
  4,
  5,
  ...encodeFrame(FrameType.DATA, new Uint8Array(0)),
  ...encodeFrame(0x1f * 7 + 0x21, new Uint8Array(300)), // two-byte grease type, skipped
  ...encodeFrame(FrameType.HEADERS, Uint8Array.of(0, 0)),
]);

Deno.test("FrameReader splits frames the same however the bytes are cut", () => {
  const whole = new FrameReader();
  whole.push(STREAM);
  const want = normalise(drain(whole));
  assert.deepEqual(want, [
    "frame 1",
    [0, 0, 0xd1],
    "data",
    [1, 2, 3, 4, 5],
    "frame 1",
    [0, 0],
  ]);
  assert.ok(whole.atBoundary);
  for (let cut = 1; cut < STREAM.length; cut++) {
    const r = new FrameReader();
    const events: FrameEvent[] = [];
    for (let o = 0; o < STREAM.length; o += cut) {
      r.push(STREAM.slice(o, o + cut));
      events.push(...drain(r));
    }
    assert.deepEqual(normalise(events), want, `cut ${cut}`);
    assert.ok(r.atBoundary);
  }
});

Deno.test("FrameReader reports a stream cut inside a frame and refuses huge frames", () => {
  const r = new FrameReader();
  r.push(STREAM.subarray(0, 4));
  drain(r);
  assert.equal(r.atBoundary, false);
  const big = new FrameReader(100);
  big.push(Uint8Array.of(FrameType.HEADERS, 0x40, 101));
  assert.throws(() => big.next(), h3Code(H3ErrorCode.H3_EXCESSIVE_LOAD));
  // DATA has no limit and is not buffered.
  const data = new FrameReader(100);
  data.push(dataFrameHeader(1_000_000));
  data.push(new Uint8Array(1000));
  assert.equal(normalise(drain(data))[1]!.length, 1000);
});

Deno.test("FrameReader and frame payload parsers fuzz: only H3Error escapes", () => {
  const rnd = new SeededRandom(99);
  let frames = 0;
  for (let t = 0; t < 3000; t++) {
    let input: Uint8Array;
    if (t % 2 === 0) {
      input = new Uint8Array(rnd.u32() % 64);
      rnd.fill(input);
    } else {
      input = STREAM.slice();
      for (let i = 0; i < 3; i++) {
        const at = rnd.u32() % input.length;
        input[at] = input[at]! ^ (1 << (rnd.u32() % 8));
      }
    }
    const r = new FrameReader(1024);
    try {
      for (let o = 0; o < input.length;) {
        const n = 1 + (rnd.u32() % 16);
        r.push(input.slice(o, o + n));
        o += n;
        for (let e = r.next(); e !== null; e = r.next()) {
          if (e.kind !== "frame") continue;
          frames++;
          if (e.type === FrameType.SETTINGS) parseSettings(e.payload);
          if (e.type === FrameType.GOAWAY) parseIdPayload(e.payload, "GOAWAY");
          if (e.type === FrameType.MAX_PUSH_ID) parseIdPayload(e.payload, "MAX_PUSH_ID");
          if (e.type === FrameType.CANCEL_PUSH) parseIdPayload(e.payload, "CANCEL_PUSH");
        }
      }
    } catch (e) {
      assert.ok(e instanceof H3Error, `untyped error ${e}`);
    }
  }
  assert.ok(frames > 1000, `only ${frames} frames parsed`);
});
