/**
 * Helpers shared by the handshake message codecs: TLS length-prefixed vectors
 * (RFC 8446 §3.4) on top of the project's Reader/Writer cursors, and one
 * wrapper that turns any read past the end into a decode_error alert.
 *
 * @module
 */

import { Reader } from "../../wire/reader.ts";
import type { Writer } from "../../wire/writer.ts";
import { decodeError } from "../alert.ts";
import { TlsAlert } from "../session.ts";

/**
 * Runs `parse` over `body` and checks that it consumed every byte. Truncation
 * (`UnexpectedEnd`, a `RangeError`) and trailing bytes become decode_error
 * (RFC 8446 §6.2); a {@link TlsAlert} thrown by `parse` passes through.
 *
 * @param body The message body.
 * @param what The message name, for error messages.
 * @param parse Reads the structure from the reader.
 * @returns What `parse` returned.
 */
export function parseBody<T>(body: Uint8Array, what: string, parse: (r: Reader) => T): T {
  const r = new Reader(body);
  let v: T;
  try {
    v = parse(r);
  } catch (e) {
    if (e instanceof TlsAlert) throw e;
    if (e instanceof RangeError) throw decodeError(`Cannot parse ${what}: truncated`);
    throw e;
  }
  if (!r.eof) throw decodeError(`Cannot parse ${what}: ${r.remaining} trailing bytes`);
  return v;
}

/** Reads an opaque vector with a 1-byte length. */
export function readVec8(r: Reader): Uint8Array {
  return r.bytes(r.u8());
}

/** Reads an opaque vector with a 2-byte length. */
export function readVec16(r: Reader): Uint8Array {
  return r.bytes(r.u16());
}

/** Reads an opaque vector with a 3-byte length. */
export function readVec24(r: Reader): Uint8Array {
  return r.bytes(r.u24());
}

/** A reader over the next 2-byte-length-prefixed vector (advances `r` past it). */
export function subReader16(r: Reader): Reader {
  const v = readVec16(r);
  return new Reader(v);
}

/** A reader over the next 1-byte-length-prefixed vector (advances `r` past it). */
export function subReader8(r: Reader): Reader {
  return new Reader(readVec8(r));
}

/** Writes an opaque vector with a 1-byte length. */
export function writeVec8(w: Writer, bytes: Uint8Array): void {
  if (bytes.length > 0xff) throw new RangeError(`Cannot write vector: ${bytes.length} > 255`);
  w.u8(bytes.length);
  w.bytes(bytes);
}

/** Writes an opaque vector with a 2-byte length. */
export function writeVec16(w: Writer, bytes: Uint8Array): void {
  if (bytes.length > 0xffff) throw new RangeError(`Cannot write vector: ${bytes.length} > 65535`);
  w.u16(bytes.length);
  w.bytes(bytes);
}

/** Writes an opaque vector with a 3-byte length. */
export function writeVec24(w: Writer, bytes: Uint8Array): void {
  if (bytes.length > 0xffffff) throw new RangeError(`Cannot write vector: ${bytes.length}`);
  w.u24(bytes.length);
  w.bytes(bytes);
}

/**
 * Writes a length-prefixed vector whose content `fill` writes; the length
 * (`size` bytes) is patched in afterwards.
 *
 * @param w The writer (growable ones are fine: the patch uses the final buffer).
 * @param size Width of the length prefix.
 * @param fill Writes the content.
 */
export function writeNested(w: Writer, size: 1 | 2 | 3, fill: () => void): void {
  const at = w.pos;
  w.zeros(size);
  fill();
  const len = w.pos - at - size;
  if (len >= 2 ** (8 * size)) throw new RangeError(`Cannot write vector: ${len} bytes too long`);
  for (let i = 0; i < size; i++) w.buf[at + i] = (len >>> (8 * (size - 1 - i))) & 0xff;
}

/** Concatenates byte arrays into a fresh one. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Constant-time-ish equality of two byte arrays (lengths are public). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, "0");
  return s;
}
