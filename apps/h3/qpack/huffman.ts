/**
 * The HPACK Huffman code (RFC 7541 §5.2 and Appendix B), which QPACK reuses
 * for string literals (RFC 9204 §4.1.2).
 *
 * Appendix B's code is canonical: within one length, codes go up with the
 * symbol, and each length starts where the shorter ones stopped (shifted).
 * So the table below holds only the 257 code lengths, typed from Appendix B;
 * the codes are rebuilt from them ({@link HUFFMAN_CODES}), and the tests
 * check the rebuilt codes against Appendix B's hex column and the C.4/C.6
 * examples. EOS (256) gets the all-ones 30-bit code, as it must.
 *
 * Decoding follows §5.2: padding longer than 7 bits, padding that is not a
 * prefix of EOS (all ones), and an EOS symbol inside the string are errors.
 *
 * https://www.rfc-editor.org/rfc/rfc7541.html#appendix-B
 *
 * @module
 */

/** Code lengths in bits, by symbol 0..255, then EOS (256). RFC 7541 Appendix B. */
// deno-fmt-ignore
const LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, //   0..15
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, //  16..31
   6, 10, 10, 12, 13,  6,  8, 11, 10, 10,  8, 11,  8,  6,  6,  6, //  ' '../
   5,  5,  5,  6,  6,  6,  6,  6,  6,  6,  7,  8, 15,  6, 12, 10, //  0..?
  13,  6,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7, //  @..O
   7,  7,  7,  7,  7,  7,  7,  7,  8,  7,  8, 13, 19, 13, 14,  6, //  P.._
  15,  5,  6,  5,  6,  5,  6,  6,  6,  5,  7,  7,  6,  6,  6,  5, //  `..o
   6,  7,  6,  5,  5,  6,  7,  7,  7,  7,  7, 15, 11, 14, 13, 28, //  p..127
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128..143
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144..159
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160..175
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176..191
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192..207
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208..223
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224..239
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240..255
  30, // EOS
];

/** The EOS symbol. */
export const EOS = 256;

/** Code lengths by symbol (0..256). */
export const HUFFMAN_LENGTHS: Uint8Array = Uint8Array.from(LENGTHS);

/** Codes by symbol (0..256), right-aligned, rebuilt canonically from the lengths. */
export const HUFFMAN_CODES: Uint32Array = canonicalCodes(HUFFMAN_LENGTHS);

function canonicalCodes(lengths: Uint8Array): Uint32Array {
  const order = Array.from(lengths.keys()).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const codes = new Uint32Array(lengths.length);
  let code = 0;
  let len = lengths[order[0]!]!;
  for (const sym of order) {
    const l = lengths[sym]!;
    code *= 2 ** (l - len);
    len = l;
    codes[sym] = code;
    code++;
  }
  return codes;
}

// The decoding tree: node n has children LEFT[n] (bit 0) and RIGHT[n] (bit 1);
// a child value >= 0 is a node, -1 - sym is a leaf for `sym`.
const NODES = 2 * 257;
const LEFT = new Int32Array(NODES);
const RIGHT = new Int32Array(NODES);
{
  let next = 1;
  for (let sym = 0; sym <= EOS; sym++) {
    const len = HUFFMAN_LENGTHS[sym]!;
    const code = HUFFMAN_CODES[sym]!;
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = Math.floor(code / 2 ** i) & 1;
      const side = bit === 0 ? LEFT : RIGHT;
      if (i === 0) side[node] = -1 - sym;
      else {
        if (side[node] === 0) side[node] = next++;
        node = side[node]!;
      }
    }
  }
}

/** A Huffman-coded string that RFC 7541 §5.2 does not allow. */
export class HuffmanError extends RangeError {
  /** Creates the object. */
  constructor(message: string) {
    super(message);
    this.name = "HuffmanError";
  }
}

/**
 * The Huffman-coded length of `data` in bytes (padding included).
 *
 * @param data Octets to encode.
 * @returns Encoded size in bytes.
 */
export function huffmanEncodedLength(data: Uint8Array): number {
  let bits = 0;
  for (let i = 0; i < data.length; i++) bits += HUFFMAN_LENGTHS[data[i]!]!;
  return Math.ceil(bits / 8);
}

/**
 * Huffman-codes `data`, padding the last byte with the most significant bits
 * of EOS (ones).
 *
 * @param data Octets to encode.
 * @returns The code.
 * @example
 * ```ts
 * import { huffmanEncode } from "./huffman.ts";
 * import assert from "node:assert/strict";
 * // RFC 7541 C.4.2: "no-cache"
 * const out = huffmanEncode(new TextEncoder().encode("no-cache"));
 * assert.deepEqual(out, new Uint8Array([0xa8, 0xeb, 0x10, 0x64, 0x9c, 0xbf]));
 * ```
 */
export function huffmanEncode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(huffmanEncodedLength(data));
  let acc = 0; // pending bits, right-aligned (at most 7 + 30, exact in a double)
  let bits = 0;
  let pos = 0;
  for (let i = 0; i < data.length; i++) {
    const sym = data[i]!;
    const len = HUFFMAN_LENGTHS[sym]!;
    acc = acc * 2 ** len + HUFFMAN_CODES[sym]!;
    bits += len;
    while (bits >= 8) {
      const scale = 2 ** (bits - 8);
      const byte = Math.floor(acc / scale);
      out[pos++] = byte;
      acc -= byte * scale;
      bits -= 8;
    }
  }
  if (bits > 0) out[pos] = (acc << (8 - bits)) | (0xff >> bits);
  return out;
}

/**
 * Decodes a Huffman-coded string.
 *
 * @param data The code.
 * @returns The octets.
 * @throws {HuffmanError} on EOS in the string or bad padding (RFC 7541 §5.2).
 */
export function huffmanDecode(data: Uint8Array): Uint8Array {
  // Every symbol is at least 5 bits long.
  const out = new Uint8Array(Math.floor((data.length * 8) / 5));
  let n = 0;
  let node = 0;
  let pendingBits = 0; // bits read since the last symbol
  let pendingOnes = true; // were they all ones?
  for (let i = 0; i < data.length; i++) {
    const byte = data[i]!;
    for (let b = 7; b >= 0; b--) {
      const bit = (byte >> b) & 1;
      const child = bit === 0 ? LEFT[node]! : RIGHT[node]!;
      pendingBits++;
      if (bit === 0) pendingOnes = false;
      if (child < 0) {
        const sym = -1 - child;
        if (sym === EOS) throw new HuffmanError("Cannot decode Huffman string: it contains EOS");
        out[n++] = sym;
        node = 0;
        pendingBits = 0;
        pendingOnes = true;
      } else node = child;
    }
  }
  if (pendingBits > 7) {
    throw new HuffmanError(`Cannot decode Huffman string: ${pendingBits} bits of padding`);
  }
  if (!pendingOnes) throw new HuffmanError("Cannot decode Huffman string: padding is not EOS");
  return out.slice(0, n);
}
