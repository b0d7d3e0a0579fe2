import assert from "node:assert/strict";
import { SeededRandom } from "../../../transport/random.ts";
import {
  EOS,
  HUFFMAN_CODES,
  HUFFMAN_LENGTHS,
  huffmanDecode,
  huffmanEncode,
  huffmanEncodedLength,
  HuffmanError,
} from "./huffman.ts";

const hex = (s: string) =>
  Uint8Array.from(s.replace(/\s+/g, "").match(/../g)!, (b) => parseInt(b, 16));
const text = (s: string) => new TextEncoder().encode(s);

// RFC 7541 C.4 (requests with Huffman coding) and C.6 (responses with Huffman coding).
const VECTORS: [string, string][] = [
  ["www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff"],
  ["no-cache", "a8eb 1064 9cbf"],
  ["custom-key", "25a8 49e9 5ba9 7d7f"],
  ["custom-value", "25a8 49e9 5bb8 e8b4 bf"],
  ["302", "6402"],
  ["private", "aec3 771a 4b"],
  ["Mon, 21 Oct 2013 20:13:21 GMT", "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff"],
  ["https://www.example.com", "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3"],
  ["gzip", "9bd9 ab"],
];

Deno.test("huffmanEncode() reproduces RFC 7541 C.4 and C.6", () => {
  for (const [s, h] of VECTORS) {
    assert.deepEqual(huffmanEncode(text(s)), hex(h), s);
    assert.equal(huffmanEncodedLength(text(s)), hex(h).length);
  }
});

Deno.test("huffmanDecode() reads RFC 7541 C.4 and C.6", () => {
  for (const [s, h] of VECTORS) assert.equal(new TextDecoder().decode(huffmanDecode(hex(h))), s);
});

Deno.test("HUFFMAN_CODES match RFC 7541 Appendix B's hex column", () => {
  // A sample across every length, typed from Appendix B.
  const sample: [number, number, number][] = [
    [0, 0x1ff8, 13],
    [1, 0x7fffd8, 23],
    [9, 0xffffea, 24],
    [10, 0x3ffffffc, 30],
    [22, 0x3ffffffe, 30],
    [32, 0x14, 6],
    [48, 0x0, 5],
    [58, 0x5c, 7],
    [60, 0x7ffc, 15],
    [92, 0x7fff0, 19],
    [94, 0x3ffc, 14],
    [116, 0x9, 5],
    [127, 0xffffffc, 28],
    [153, 0x1fffdc, 21],
    [199, 0x1ffffec, 25],
    [203, 0x7ffffde, 27],
    [220, 0xffffffd, 28],
    [249, 0xffffffe, 28],
    [255, 0x3ffffee, 26],
    [EOS, 0x3fffffff, 30],
  ];
  for (const [sym, code, len] of sample) {
    assert.equal(HUFFMAN_LENGTHS[sym], len, `length of ${sym}`);
    assert.equal(HUFFMAN_CODES[sym], code, `code of ${sym}`);
  }
});

Deno.test("HUFFMAN_LENGTHS form a complete prefix code (Kraft sum is exactly 1)", () => {
  let sum = 0;
  for (const l of HUFFMAN_LENGTHS) sum += 2 ** (30 - l);
  assert.equal(sum, 2 ** 30);
  assert.equal(HUFFMAN_LENGTHS.length, 257);
});

Deno.test("huffmanDecode() inverts huffmanEncode() for random octets", () => {
  const rnd = new SeededRandom(3);
  for (let t = 0; t < 300; t++) {
    const data = new Uint8Array(rnd.u32() % 64);
    rnd.fill(data);
    assert.deepEqual(huffmanDecode(huffmanEncode(data)), data);
  }
});

Deno.test("huffmanDecode() rejects EOS, long padding and padding that is not ones", () => {
  // EOS in full (30 ones) then 2 bits of padding.
  assert.throws(() => huffmanDecode(hex("ffff ffff")), HuffmanError);
  // 'a' (00011) padded with 3 ones is fine; a whole extra 0xff byte is 11 bits of padding.
  assert.deepEqual(huffmanDecode(Uint8Array.of(0x1f)), text("a"));
  assert.throws(() => huffmanDecode(Uint8Array.of(0x1f, 0xff)), HuffmanError);
  // 'a' padded with zeros.
  assert.throws(() => huffmanDecode(Uint8Array.of(0x18)), HuffmanError);
});
