import assert from "node:assert/strict";
import { SeededRandom } from "../../../transport/random.ts";
import { Reader } from "../../../transport/wire/reader.ts";
import { Writer } from "../../../transport/wire/writer.ts";
import { H3Error, H3ErrorCode } from "../errors.ts";
import { decodeFieldSection, encodeFieldSection, type HeaderField } from "./field_section.ts";
import { readPrefixInt, writePrefixInt } from "./primitives.ts";
import { STATIC_TABLE } from "./static_table.ts";

const hex = (s: string) =>
  Uint8Array.from(s.replace(/\s+/g, "").match(/../g) ?? [], (b) => parseInt(b, 16));

// RFC 9204 Appendix B.1: Literal Field Line with Name Reference, static index 1.
const B1 = hex("0000 510b 2f69 6e64 6578 2e68 746d 6c");

Deno.test("decodeFieldSection() reads RFC 9204 B.1", () => {
  assert.deepEqual(decodeFieldSection(B1), [[":path", "/index.html"]]);
});

Deno.test("encodeFieldSection() without Huffman writes RFC 9204 B.1 exactly", () => {
  assert.deepEqual(encodeFieldSection([[":path", "/index.html"]], { huffman: false }), B1);
});

Deno.test("encodeFieldSection() uses the static table and Huffman when shorter", () => {
  const out = encodeFieldSection([[":method", "GET"], [":path", "/index.html"]]);
  // 0000, indexed static 17 (0xd1), then name ref 1 with an 8-byte Huffman value.
  assert.deepEqual(out.subarray(0, 5), Uint8Array.of(0, 0, 0xd1, 0x51, 0x88));
  assert.equal(out.length, 5 + 8);
  assert.deepEqual(decodeFieldSection(out), [[":method", "GET"], [":path", "/index.html"]]);
});

Deno.test("STATIC_TABLE has RFC 9204's 99 entries and every one round-trips indexed", () => {
  assert.equal(STATIC_TABLE.length, 99);
  assert.deepEqual(STATIC_TABLE[98], ["x-frame-options", "sameorigin"]);
  assert.deepEqual(STATIC_TABLE[25], [":status", "200"]);
  for (let i = 0; i < STATIC_TABLE.length; i++) {
    const [name, value] = STATIC_TABLE[i]!;
    const out = encodeFieldSection([[name, value]]);
    const first = STATIC_TABLE.findIndex(([n, v]) => n === name && v === value);
    assert.equal(out.length, first < 63 ? 3 : 4, `entry ${i}`);
    assert.deepEqual(decodeFieldSection(out), [[name, value]]);
  }
});

Deno.test("encodeFieldSection() round-trips literal names and values, with and without Huffman", () => {
  const fields: HeaderField[] = [
    [":status", "299"],
    ["content-length", "1000000"],
    ["x-custom", "value with spaces and ünïcode"],
    ["a-very-long-name-" + "x".repeat(300), "y".repeat(1000)],
    ["empty", ""],
  ];
  for (const huffman of [true, false]) {
    assert.deepEqual(decodeFieldSection(encodeFieldSection(fields, { huffman })), fields);
  }
});

Deno.test("writePrefixInt() and readPrefixInt() follow RFC 7541 C.1", () => {
  const cases: [number, number, number[]][] = [
    [5, 10, [0x0a]],
    [5, 1337, [0x1f, 0x9a, 0x0a]],
    [8, 42, [0x2a]],
  ];
  for (const [n, v, bytes] of cases) {
    const w = Writer.growable();
    writePrefixInt(w, n, 0, v);
    assert.deepEqual(w.toBytes(), Uint8Array.from(bytes));
    assert.equal(readPrefixInt(new Reader(Uint8Array.from(bytes)), n), v);
  }
  assert.throws(() => readPrefixInt(new Reader(hex("ff ffffffffffffffffff 7f")), 8), RangeError);
});

function assertDecompressionFailed(data: Uint8Array, what: string) {
  assert.throws(
    () => decodeFieldSection(data),
    (e: unknown) => e instanceof H3Error && e.code === H3ErrorCode.QPACK_DECOMPRESSION_FAILED,
    what,
  );
}

Deno.test("decodeFieldSection() refuses every dynamic table reference", () => {
  assertDecompressionFailed(hex("0200 80"), "Required Insert Count 2");
  assertDecompressionFailed(hex("0000 80"), "indexed, T=0");
  assertDecompressionFailed(hex("0000 10"), "indexed post-base");
  assertDecompressionFailed(hex("0000 4001 61"), "literal, dynamic name");
  assertDecompressionFailed(hex("0000 0001 61"), "literal, post-base name");
});

Deno.test("decodeFieldSection() refuses truncation, bad indices and bad Huffman", () => {
  assertDecompressionFailed(hex(""), "empty");
  assertDecompressionFailed(hex("00"), "no base");
  assertDecompressionFailed(hex("0000 ff24"), "static index 99");
  assertDecompressionFailed(hex("0000 5105 2f"), "value cut short");
  assertDecompressionFailed(hex("0000 2361 62"), "name cut short");
  assertDecompressionFailed(hex("0000 5181 18"), "Huffman padded with zeros");
});

Deno.test("decodeFieldSection() fuzz: only QPACK_DECOMPRESSION_FAILED escapes, results re-encode", () => {
  const rnd = new SeededRandom(20);
  const valid = [
    B1,
    encodeFieldSection([[":method", "GET"], [":scheme", "https"], [":path", "/x"], ["ua", "q"]]),
    encodeFieldSection([["x".repeat(40), "y".repeat(70)]], { huffman: false }),
  ];
  let decoded = 0;
  for (let t = 0; t < 5000; t++) {
    let input: Uint8Array;
    if (t % 2 === 0) {
      input = new Uint8Array(rnd.u32() % 40);
      rnd.fill(input);
      if (input.length >= 2 && t % 4 === 0) input[0] = input[1] = 0; // a plausible prefix
    } else {
      input = valid[t % valid.length]!.slice();
      const flips = 1 + (rnd.u32() % 3);
      for (let i = 0; i < flips && input.length > 0; i++) {
        const at = rnd.u32() % input.length;
        input[at] = input[at]! ^ (1 << (rnd.u32() % 8));
      }
      if (rnd.u32() % 4 === 0) input = input.subarray(0, rnd.u32() % (input.length + 1));
    }
    let fields: HeaderField[];
    try {
      fields = decodeFieldSection(input);
    } catch (e) {
      assert.ok(e instanceof H3Error, `untyped error ${e}`);
      assert.equal(e.code, H3ErrorCode.QPACK_DECOMPRESSION_FAILED);
      continue;
    }
    decoded++;
    // Whatever decodes re-encodes to something that decodes the same (names
    // and values that survive a UTF-8 round trip).
    const again = decodeFieldSection(encodeFieldSection(fields));
    assert.deepEqual(again, fields);
  }
  assert.ok(decoded > 100, `only ${decoded} inputs decoded`);
});
