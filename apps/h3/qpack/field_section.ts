/**
 * QPACK field sections with the static table only (RFC 9204 §4.5), as an
 * endpoint that advertises SETTINGS_QPACK_MAX_TABLE_CAPACITY 0 and
 * SETTINGS_QPACK_BLOCKED_STREAMS 0 encodes and decodes them.
 *
 * ```
 * Encoded field section prefix (§4.5.1):
 *   +---+---+---+---+---+---+---+---+
 *   |   Required Insert Count (8+)  |
 *   +---+---------------------------+
 *   | S |      Delta Base (7+)      |
 *   +---+---------------------------+
 * Field lines (§4.5.2 – §4.5.6):
 *   1 T index(6+)               Indexed Field Line
 *   0001 index(4+)              Indexed Field Line with Post-Base Index
 *   01 N T index(4+) H len(7+)  Literal Field Line with Name Reference
 *   0000 N index(3+) H len(7+)  Literal Field Line with Post-Base Name Reference
 *   001 N H len(3+) H len(7+)   Literal Field Line with Literal Name
 * ```
 *
 * The encoder always writes Required Insert Count 0 and Base 0, then for
 * each field: an Indexed Field Line when the static table has the exact pair,
 * else a literal with a static name reference when it has the name, else a
 * literal with a literal name; string literals are Huffman-coded when that
 * is shorter (optional). The decoder takes every representation and refuses
 * anything that refers to the dynamic table (T = 0, post-base forms, or a
 * non-zero Required Insert Count) with QPACK_DECOMPRESSION_FAILED: with a
 * capacity of 0 there is no dynamic table to refer to (§4.5.1.1, §2.2.3).
 *
 * @module
 */

import { Reader, UnexpectedEnd } from "../../../transport/wire/reader.ts";
import { Writer } from "../../../transport/wire/writer.ts";
import { H3Error, H3ErrorCode } from "../errors.ts";
import {
  readPrefixInt,
  readStringLiteral,
  writePrefixInt,
  writeStringLiteral,
} from "./primitives.ts";
import { STATIC_TABLE, staticIndexOf, staticNameIndexOf } from "./static_table.ts";

/** A field line: name (lowercase for HTTP/3) and value. */
export type HeaderField = readonly [name: string, value: string];

/** Options of {@link encodeFieldSection}. */
export interface EncodeOptions {
  /** Use Huffman coding when it is shorter (default true). */
  readonly huffman?: boolean;
}

/** Options of {@link decodeFieldSection}. */
export interface DecodeOptions {
  /** Longest single string literal accepted, in encoded bytes (default 64 KiB). */
  readonly maxStringLength?: number;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const DEFAULT_MAX_STRING = 64 * 1024;

/**
 * Encodes a field section with the static table only.
 *
 * @param fields The field lines, in order.
 * @param options Huffman on or off.
 * @returns The encoded field section (the payload of a HEADERS frame).
 * @example
 * ```ts
 * import { decodeFieldSection, encodeFieldSection } from "./field_section.ts";
 * import assert from "node:assert/strict";
 * const fields = [[":method", "GET"], [":path", "/x"], ["user-agent", "pquic"]] as const;
 * assert.deepEqual(decodeFieldSection(encodeFieldSection(fields)), fields);
 * ```
 */
export function encodeFieldSection(
  fields: readonly HeaderField[],
  options: EncodeOptions = {},
): Uint8Array {
  const huffman = options.huffman ?? true;
  const w = Writer.growable(64);
  w.u8(0); // Required Insert Count = 0
  w.u8(0); // S = 0, Delta Base = 0
  for (const [name, value] of fields) {
    const exact = staticIndexOf(name, value);
    if (exact >= 0) {
      writePrefixInt(w, 6, 0xc0, exact); // 1 T=1 index
      continue;
    }
    const nameIndex = staticNameIndexOf(name);
    if (nameIndex >= 0) {
      writePrefixInt(w, 4, 0x50, nameIndex); // 01 N=0 T=1 index
    } else {
      writeStringLiteral(w, 3, 0x20, utf8.encode(name), huffman); // 001 N=0 H len
    }
    writeStringLiteral(w, 7, 0x00, utf8.encode(value), huffman);
  }
  return w.toBytes();
}

function failed(message: string): H3Error {
  return new H3Error(H3ErrorCode.QPACK_DECOMPRESSION_FAILED, message);
}

/**
 * Decodes a field section that uses the static table only.
 *
 * @param data The encoded field section (a HEADERS frame's payload).
 * @param options String length limit.
 * @returns The field lines, in order.
 * @throws {H3Error} QPACK_DECOMPRESSION_FAILED on any malformed input or
 * dynamic table reference.
 */
export function decodeFieldSection(
  data: Uint8Array,
  options: DecodeOptions = {},
): HeaderField[] {
  const maxString = options.maxStringLength ?? DEFAULT_MAX_STRING;
  const r = new Reader(data);
  const fields: HeaderField[] = [];
  try {
    if (readPrefixInt(r, 8) !== 0) {
      throw failed("Cannot decode field section: it needs the dynamic table (capacity is 0)");
    }
    readPrefixInt(r, 7); // Sign and Delta Base: meaningless with Required Insert Count 0.
    while (!r.eof) {
      const b = r.buf[r.pos]!;
      if ((b & 0x80) !== 0) {
        // Indexed Field Line (§4.5.2)
        if ((b & 0x40) === 0) throw failed("Cannot decode indexed field line: dynamic reference");
        const entry = staticEntry(readPrefixInt(r, 6));
        fields.push([entry[0], entry[1]]);
      } else if ((b & 0x40) !== 0) {
        // Literal Field Line with Name Reference (§4.5.4)
        if ((b & 0x10) === 0) throw failed("Cannot decode literal field line: dynamic name");
        const entry = staticEntry(readPrefixInt(r, 4));
        fields.push([entry[0], fromUtf8.decode(readStringLiteral(r, 7, maxString))]);
      } else if ((b & 0x20) !== 0) {
        // Literal Field Line with Literal Name (§4.5.6)
        const name = fromUtf8.decode(readStringLiteral(r, 3, maxString));
        fields.push([name, fromUtf8.decode(readStringLiteral(r, 7, maxString))]);
      } else {
        // 0001xxxx Indexed with Post-Base Index (§4.5.3), 0000xxxx Literal with
        // Post-Base Name Reference (§4.5.5): both need the dynamic table.
        throw failed("Cannot decode field line: post-base reference to the dynamic table");
      }
    }
  } catch (e) {
    if (e instanceof H3Error) throw e;
    if (e instanceof RangeError || e instanceof UnexpectedEnd) {
      throw failed(`Cannot decode field section: ${e.message}`);
    }
    throw e;
  }
  return fields;
}

function staticEntry(index: number): readonly [string, string] {
  const entry = STATIC_TABLE[index];
  if (entry === undefined) {
    throw failed(`Cannot decode field line: static index ${index} is out of range`);
  }
  return entry;
}
