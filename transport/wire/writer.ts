/**
 * A write cursor over a byte array, the one used by every wire codec.
 *
 * Writes go in place at `pos`. A writer has a fixed capacity: callers ask a
 * structure's `size*()` before writing it, so running out of room is a bug and
 * throws a `RangeError`. `Writer.growable()` makes a writer that doubles its
 * buffer instead, for the non-hot paths (TLS messages, transport parameters).
 *
 * @module
 */

import { VARINT_MAX, VarintRangeError } from "./varint.ts";

const TWO_POW_32 = 0x1_0000_0000;

/**
 * Cursor that writes into a `Uint8Array`.
 *
 * @example Writing a varint
 * ```ts
 * import { Writer } from "./writer.ts";
 * import assert from "node:assert/strict";
 * const w = new Writer(new Uint8Array(8));
 * w.varint(15293);
 * assert.deepEqual(w.toBytes(), new Uint8Array([0x7b, 0xbd]));
 * ```
 */
export class Writer {
  /** The buffer written into; valid bytes are `[start, pos)`. */
  buf: Uint8Array;
  /** Next byte to write. */
  pos: number;
  /** Capacity limit (exclusive). */
  end: number;
  #view: DataView;
  #growable: boolean;
  #start: number;

  /**
   * @param buf Buffer to write into.
   * @param start First byte to write (default 0).
   * @param end One past the last writable byte (default `buf.length`).
   */
  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.#start = start;
    this.#growable = false;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** A writer whose buffer grows as needed. */
  static growable(initial = 256): Writer {
    const w = new Writer(new Uint8Array(initial));
    w.#growable = true;
    return w;
  }

  /** Bytes of room left. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Bytes written since the start. */
  get length(): number {
    return this.pos - this.#start;
  }

  #need(n: number): void {
    if (this.pos + n <= this.end) return;
    if (!this.#growable) {
      throw new RangeError(`Cannot write ${n} bytes: only ${this.end - this.pos} left`);
    }
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.end = cap;
    this.#view = new DataView(next.buffer);
  }

  /** Writes one byte. */
  u8(v: number): void {
    this.#need(1);
    this.buf[this.pos++] = v;
  }

  /** Writes a big-endian 16-bit integer. */
  u16(v: number): void {
    this.#need(2);
    this.#view.setUint16(this.pos, v);
    this.pos += 2;
  }

  /** Writes a big-endian 24-bit integer. */
  u24(v: number): void {
    this.#need(3);
    this.buf[this.pos] = v >>> 16;
    this.buf[this.pos + 1] = v >>> 8;
    this.buf[this.pos + 2] = v;
    this.pos += 3;
  }

  /** Writes a big-endian 32-bit integer. */
  u32(v: number): void {
    this.#need(4);
    this.#view.setUint32(this.pos, v);
    this.pos += 4;
  }

  /** Writes a big-endian 64-bit integer. */
  u64(v: bigint): void {
    this.#need(8);
    this.#view.setBigUint64(this.pos, v);
    this.pos += 8;
  }

  /**
   * Writes `v` as a QUIC varint, in its shortest encoding unless `size` forces
   * a longer one (used when a length field is reserved before its value is known).
   */
  varint(v: number, size?: 1 | 2 | 4 | 8): void {
    if (!(v >= 0) || v > Number.MAX_SAFE_INTEGER || !Number.isInteger(v)) {
      throw new VarintRangeError(`Cannot encode varint: ${v} is not an integer in 0..2^53-1`);
    }
    const n = size ?? (v < 0x40 ? 1 : v < 0x4000 ? 2 : v < 0x40000000 ? 4 : 8);
    this.#need(n);
    const b = this.buf;
    const p = this.pos;
    switch (n) {
      case 1:
        if (v >= 0x40) throw new VarintRangeError(`Cannot encode ${v} in 1 byte`);
        b[p] = v;
        break;
      case 2:
        if (v >= 0x4000) throw new VarintRangeError(`Cannot encode ${v} in 2 bytes`);
        b[p] = 0x40 | (v >>> 8);
        b[p + 1] = v;
        break;
      case 4:
        if (v >= 0x40000000) throw new VarintRangeError(`Cannot encode ${v} in 4 bytes`);
        this.#view.setUint32(p, (v | 0x80000000) >>> 0);
        break;
      case 8:
        this.#view.setUint32(p, (Math.floor(v / TWO_POW_32) | 0xc0000000) >>> 0);
        this.#view.setUint32(p + 4, v >>> 0);
        break;
    }
    this.pos += n;
  }

  /** Writes a bigint as a QUIC varint (the slow path for opaque 62-bit values). */
  varintBig(v: bigint): void {
    if (v < 0n || v > VARINT_MAX) {
      throw new VarintRangeError(`Cannot encode varint: ${v} is outside 0..2^62-1`);
    }
    if (v <= BigInt(Number.MAX_SAFE_INTEGER)) return this.varint(Number(v));
    this.#need(8);
    this.#view.setBigUint64(this.pos, v | (3n << 62n));
    this.pos += 8;
  }

  /** Copies `bytes` in. */
  bytes(bytes: Uint8Array): void {
    this.#need(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Writes `n` zero bytes. */
  zeros(n: number): void {
    this.#need(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
  }

  /** A view of what was written (no copy). */
  toBytes(): Uint8Array {
    return this.buf.subarray(this.#start, this.pos);
  }
}
