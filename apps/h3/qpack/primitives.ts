/**
 * QPACK's primitives (RFC 9204 §4.1): prefixed integers (RFC 7541 §5.1) and
 * string literals with an optional Huffman flag (RFC 7541 §5.2).
 *
 * ```
 *   0   1   2   3   4   5   6   7
 * +---+---+---+---+---+---+---+---+
 * | ? | ? | ? |  Value (N = 5)    |   value < 2^N - 1
 * +---+---+---+-------------------+
 * | ? | ? | ? | 1   1   1   1   1 |   otherwise, then 7 bits per byte,
 * +---+---+---+-------------------+   least significant group first,
 * | 1 |    Value - (2^N - 1) LSB  |   high bit = more follows
 * +---+---------------------------+
 * ```
 *
 * @module
 */

import { type Reader, UnexpectedEnd } from "../../../transport/wire/reader.ts";
import type { Writer } from "../../../transport/wire/writer.ts";
import { huffmanDecode, huffmanEncode, huffmanEncodedLength } from "./huffman.ts";

/** Largest integer we decode: 2^53 − 1 (QPACK values beyond that are refused). */
const MAX_INTEGER = Number.MAX_SAFE_INTEGER;

/**
 * Writes `value` as an N-bit prefixed integer; `flags` are the bits above the
 * prefix in the first byte.
 *
 * @param w Destination.
 * @param n Prefix size in bits (1..8).
 * @param flags High bits of the first byte (already shifted into place).
 * @param value A non-negative integer.
 */
export function writePrefixInt(w: Writer, n: number, flags: number, value: number): void {
  const max = (1 << n) - 1;
  if (value < max) {
    w.u8(flags | value);
    return;
  }
  w.u8(flags | max);
  let rest = value - max;
  while (rest >= 128) {
    w.u8((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  w.u8(rest);
}

/**
 * Reads an N-bit prefixed integer (the first byte's high bits are the caller's).
 *
 * @param r Source, at the first byte.
 * @param n Prefix size in bits (1..8).
 * @returns The value.
 * @throws {UnexpectedEnd} when the input ends inside the integer.
 * @throws {RangeError} when the value exceeds 2^53 − 1.
 */
export function readPrefixInt(r: Reader, n: number): number {
  const max = (1 << n) - 1;
  let value = r.u8() & max;
  if (value < max) return value;
  let scale = 1;
  for (;;) {
    const b = r.u8();
    value += (b & 0x7f) * scale;
    if (value > MAX_INTEGER) throw new RangeError("Cannot read QPACK integer: too large");
    if ((b & 0x80) === 0) return value;
    scale *= 128;
  }
}

/**
 * Writes a string literal: H flag at bit `n` of the first byte, length as an
 * N-bit prefixed integer, then the octets, Huffman-coded when that is shorter.
 *
 * @param w Destination.
 * @param n Prefix size for the length (the H bit sits just above it).
 * @param flags Bits above the H bit.
 * @param value The string's octets.
 * @param huffman Whether Huffman coding may be used (default true).
 */
export function writeStringLiteral(
  w: Writer,
  n: number,
  flags: number,
  value: Uint8Array,
  huffman = true,
): void {
  if (huffman && huffmanEncodedLength(value) < value.length) {
    const code = huffmanEncode(value);
    writePrefixInt(w, n, flags | (1 << n), code.length);
    w.bytes(code);
  } else {
    writePrefixInt(w, n, flags, value.length);
    w.bytes(value);
  }
}

/**
 * Reads a string literal whose H flag is bit `n` of the current byte.
 *
 * @param r Source.
 * @param n Prefix size for the length.
 * @param maxLength Longest string accepted (encoded length).
 * @returns The decoded octets.
 * @throws {UnexpectedEnd} on truncation; {@link RangeError} (including
 * `HuffmanError`) on a bad length or bad Huffman code.
 */
export function readStringLiteral(r: Reader, n: number, maxLength: number): Uint8Array {
  const first = r.buf[r.pos];
  if (first === undefined || r.pos >= r.end) throw new UnexpectedEnd();
  const huffman = (first & (1 << n)) !== 0;
  const length = readPrefixInt(r, n);
  if (length > maxLength) {
    throw new RangeError(`Cannot read QPACK string: ${length} bytes is over ${maxLength}`);
  }
  const raw = r.bytes(length);
  return huffman ? huffmanDecode(raw) : raw;
}
