import assert from "node:assert/strict";
import { TransportErrorCode } from "../errors.ts";
import { Writer } from "../wire/writer.ts";
import { sizeStreamFrameHeader, writeStreamFrame } from "./stream.ts";
import { assertFrameError, decode, encode, hex, roundTrip } from "./_testing.ts";

const FEE = TransportErrorCode.FRAME_ENCODING_ERROR;
const data = new Uint8Array([1, 2, 3]);

Deno.test("writeStreamFrame() sets OFF, LEN and FIN bits byte-exactly", () => {
  roundTrip({ type: 0x08, id: 0, offset: 0, data, fin: false }, hex("0a 00 03 010203"));
  roundTrip({ type: 0x08, id: 4, offset: 0, data, fin: true }, hex("0b 04 03 010203"));
  roundTrip({ type: 0x08, id: 4, offset: 64, data, fin: false }, hex("0e 04 4040 03 010203"));
  roundTrip(
    { type: 0x08, id: 4, offset: 64, data: new Uint8Array(0), fin: true },
    hex("0f 04 4040 00"),
  );
});

Deno.test("STREAM without LEN runs to the end and round trips lengthless", () => {
  const f = {
    type: 0x08,
    id: 8,
    offset: 16384,
    data,
    fin: true,
    lengthless: true,
  } as const;
  const bytes = encode(f);
  assert.deepEqual(bytes, hex("0d 08 80004000 010203"));
  const g = decode(bytes);
  assert.deepEqual(g, { type: 0x08, id: 8, offset: 16384, data, fin: true });
});

Deno.test("STREAM round trips at varint boundaries", () => {
  for (const v of [0, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, 2 ** 53 - 1]) {
    roundTrip({ type: 0x08, id: v, offset: 0, data, fin: false });
    roundTrip({ type: 0x08, id: 0, offset: v === 0 ? 0 : v - 3, data, fin: true });
  }
});

Deno.test("parseStream() keeps the type bits of all eight STREAM types", () => {
  for (let t = 0x08; t <= 0x0f; t++) {
    const bytes = new Uint8Array([t, 4, ...(t & 4 ? [7] : []), ...(t & 2 ? [1] : []), 9]);
    const f = decode(bytes);
    assert.equal(f.type, 0x08);
    if (f.type !== 0x08) continue;
    assert.equal(f.offset, t & 4 ? 7 : 0);
    assert.equal(f.fin, (t & 1) === 1);
    assert.deepEqual(f.data, new Uint8Array([9]));
  }
});

Deno.test("parseStream() returns the data as a view, not a copy", () => {
  const bytes = hex("0a 00 03 010203");
  const f = decode(bytes);
  if (f.type !== 0x08) throw new Error("not STREAM");
  assert.equal(f.data.buffer, bytes.buffer);
});

Deno.test("parseStream() rejects offset + length above 2^62-1", () => {
  // Offset 2^62-1 with 1 byte of data.
  assertFrameError(hex("0e 00 ffffffffffffffff 01 aa"), FEE, 0x0e);
  // Offset 2^62-2 with 2 bytes, lengthless, FIN.
  assertFrameError(hex("0d 00 fffffffffffffffe aabb"), FEE, 0x0d);
});

Deno.test("parseStream() accepts offset + length equal to 2^62-1 and saturates the offset", () => {
  const f = decode(hex("0e 00 fffffffffffffffe 01 aa"));
  if (f.type !== 0x08) throw new Error("not STREAM");
  assert.equal(f.offset, Number.MAX_SAFE_INTEGER);
});

Deno.test("parseStream() rejects a length past the end", () => {
  assertFrameError(hex("0a 00 04 010203"), FEE, 0x0a);
  assertFrameError(hex("0e 00"), FEE, 0x0e);
});

Deno.test("sizeStreamFrameHeader() matches writeStreamFrame()", () => {
  for (const [id, off, len] of [[0, 0, 0], [64, 16383, 16384], [2 ** 30, 2 ** 30, 70]]) {
    const d = new Uint8Array(len!);
    for (const lengthless of [false, true]) {
      const w = new Writer(new Uint8Array(100_000));
      writeStreamFrame(w, id!, off!, d, false, lengthless);
      assert.equal(w.length, sizeStreamFrameHeader(id!, off!, len!, lengthless) + len!);
    }
  }
});
