import assert from "node:assert/strict";
import { TransportErrorCode } from "../errors.ts";
import { Reader } from "../wire/reader.ts";
import { Writer } from "../wire/writer.ts";
import { parseAck, sizeAckFrame, writeAckFrame } from "./ack.ts";
import { assertFrameError, hex, roundTrip } from "./_testing.ts";

const FEE = TransportErrorCode.FRAME_ENCODING_ERROR;

Deno.test("writeAckFrame() encodes one range byte-exactly", () => {
  roundTrip({ type: 0x02, largest: 0, delay: 0, ranges: [0, 0] }, hex("02 00 00 00 00"));
});

Deno.test("writeAckFrame() encodes gaps and lengths from flat ranges", () => {
  // Ranges 100..90, 80..80, 10..0: gaps 90-80-2=8, 80-10-2=68.
  roundTrip(
    { type: 0x02, largest: 100, delay: 63, ranges: [100, 90, 80, 80, 10, 0] },
    hex("02 4064 3f 02 0a 08 00 4044 0a"),
  );
});

Deno.test("ACK round trips at varint boundaries", () => {
  for (const v of [0, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, 2 ** 53 - 1]) {
    roundTrip({ type: 0x02, largest: v, delay: v, ranges: [v, 0] });
    roundTrip({ type: 0x02, largest: v, delay: 0, ranges: [v, v] });
  }
});

Deno.test("ACK_ECN round trips its counts", () => {
  const bytes = roundTrip(
    { type: 0x03, largest: 5, delay: 1, ranges: [5, 3], ecn: { ect0: 64, ect1: 0, ce: 16384 } },
    hex("03 05 01 00 02 4040 00 80004000"),
  );
  assert.equal(bytes[0], 0x03);
  for (const v of [0, 63, 64, 16383, 2 ** 30, 2 ** 53 - 1]) {
    roundTrip({
      type: 0x03,
      largest: 1,
      delay: 0,
      ranges: [1, 1],
      ecn: { ect0: v, ect1: v, ce: v },
    });
  }
});

Deno.test("sizeAckFrame() equals the bytes writeAckFrame() writes", () => {
  const ranges = [1_000_000, 999_000, 500_000, 400_000, 70, 3, 1, 0];
  for (const ecn of [undefined, { ect0: 1, ect1: 2, ce: 70000 }]) {
    const w = new Writer(new Uint8Array(64));
    writeAckFrame(w, ranges, 16384, ecn);
    assert.equal(w.length, sizeAckFrame(ranges, 16384, ecn));
  }
});

Deno.test("parseAck() returns flat descending pairs", () => {
  const r = new Reader(hex("0a 00 01 01 02 00"));
  const f = parseAck(r, 0x02);
  assert.deepEqual(f.ranges, [10, 9, 5, 5]); // gap 2: 8, 7 and 6 unacknowledged
  assert.equal(f.largest, 10);
  assert.equal(r.pos, 6);
});

Deno.test("parseAck() rejects a first range below packet 0", () => {
  assertFrameError(hex("02 05 00 00 06"), FEE, 0x02);
});

Deno.test("parseAck() rejects a gap below packet 0", () => {
  // 5..5, then gap 4: next largest = 5 - 4 - 2 = -1.
  assertFrameError(hex("02 05 00 01 00 04 00"), FEE, 0x02);
});

Deno.test("parseAck() rejects a range length below packet 0", () => {
  // 5..5, gap 0 → 3, length 4 → -1.
  assertFrameError(hex("03 05 00 01 00 00 04 00 00 00"), FEE, 0x03);
});

Deno.test("parseAck() rejects a range count larger than the frame", () => {
  assertFrameError(hex("02 05 00 3f 00 00 00"), FEE, 0x02);
  assertFrameError(hex("02 05 00 c0ffffffffffffff 00"), FEE, 0x02);
});

Deno.test("parseAck() rejects truncation at every byte", () => {
  const full = hex("03 4064 3f 02 0a 08 00 4044 0a 01 02 03");
  for (let n = 1; n < full.length; n++) assertFrameError(full.subarray(0, n), FEE, 0x03);
});

Deno.test("writeAckFrame() refuses an odd range array", () => {
  assert.throws(() => writeAckFrame(new Writer(new Uint8Array(16)), [3], 0), RangeError);
});
