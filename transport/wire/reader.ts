/**
 * A read cursor over a byte array, the one used by every wire codec.
 *
 * Reads advance `pos`; reading past `end` throws {@link UnexpectedEnd}, which
 * the frame loop turns into FRAME_ENCODING_ERROR (RFC 9000 §12.4) and the
 * packet parser into a dropped packet. `bytes(n)` returns a `subarray` view,
 * never a copy, so the per-packet path does not allocate buffers.
 *
 * @module
 */

import { VarintRangeError } from "./varint.ts";

/** Thrown when a read would go past the end of the input. */
export class UnexpectedEnd extends RangeError {
  constructor(message = "Cannot read past the end of the input") {
    super(message);
    this.name = "UnexpectedEnd";
  }
}

const TWO_POW_32 = 0x1_0000_0000;

/**
 * Cursor over a `Uint8Array`.
 *
 * @example Reading a varint and a view
 * ```ts
 * import { Reader } from "./reader.ts";
 * import assert from "node:assert/strict";
 * const r = new Reader(new Uint8Array([0x40, 0x25, 1, 2, 3]));
 * assert.equal(r.varint(), 37);
 * assert.deepEqual(r.bytes(2), new Uint8Array([1, 2]));
 * assert.equal(r.remaining, 1);
 * ```
 */
export class Reader {
  /** The bytes read; `pos` and `end` index into it. */
  buf: Uint8Array;
  /** Next byte to read. */
  pos: number;
  /** One past the last readable byte. */
  end: number;
  #view: DataView;

  /**
   * @param buf Bytes to read.
   * @param start First byte to read (default 0).
   * @param end One past the last byte to read (default `buf.length`).
   */
  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** True when nothing is left. */
  get eof(): boolean {
    return this.pos >= this.end;
  }

  #need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new UnexpectedEnd();
  }

  /** Reads one byte. */
  u8(): number {
    this.#need(1);
    return this.buf[this.pos++]!;
  }

  /** Reads a big-endian 16-bit unsigned integer. */
  u16(): number {
    this.#need(2);
    const v = this.#view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  /** Reads a big-endian 24-bit unsigned integer. */
  u24(): number {
    this.#need(3);
    const b = this.buf;
    const p = this.pos;
    this.pos += 3;
    return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
  }

  /** Reads a big-endian 32-bit unsigned integer. */
  u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  /** Reads a big-endian 64-bit unsigned integer as a bigint. */
  u64(): bigint {
    this.#need(8);
    const v = this.#view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * Reads a QUIC varint as a `number` (RFC 9000 §16).
   *
   * @throws {VarintRangeError} when the value exceeds 2^53 - 1 (see varint.ts).
   */
  varint(): number {
    this.#need(1);
    const b = this.buf;
    const first = b[this.pos]!;
    switch (first >> 6) {
      case 0:
        this.pos += 1;
        return first;
      case 1:
        this.#need(2);
        this.pos += 2;
        return ((first & 0x3f) << 8) | b[this.pos - 1]!;
      case 2: {
        this.#need(4);
        const v = this.#view.getUint32(this.pos) & 0x3fffffff;
        this.pos += 4;
        return v;
      }
      default: {
        this.#need(8);
        const hi = this.#view.getUint32(this.pos) & 0x3fffffff;
        const lo = this.#view.getUint32(this.pos + 4);
        if (hi > 0x1fffff) {
          throw new VarintRangeError("Cannot read varint: value exceeds 2^53-1");
        }
        this.pos += 8;
        return hi * TWO_POW_32 + lo;
      }
    }
  }

  /** Reads a QUIC varint of any size as a bigint (the slow path for opaque 62-bit values). */
  varintBig(): bigint {
    this.#need(1);
    const first = this.buf[this.pos]!;
    const len = 1 << (first >> 6);
    this.#need(len);
    let v = BigInt(first & 0x3f);
    for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(this.buf[this.pos + i]!);
    this.pos += len;
    return v;
  }

  /** Returns a view of the next `n` bytes and advances past them. */
  bytes(n: number): Uint8Array {
    this.#need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Returns a view of the rest and advances to the end. */
  rest(): Uint8Array {
    const v = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    this.#need(n);
    this.pos += n;
  }
}
