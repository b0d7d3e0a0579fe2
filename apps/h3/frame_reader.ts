/**
 * Splits an HTTP/3 stream into frames as its bytes arrive (RFC 9114 §7.1).
 *
 * DATA payloads are handed out piece by piece as views of what arrived (no
 * copy, no size limit); every other known frame is collected whole, up to a
 * payload limit (H3_EXCESSIVE_LOAD beyond it, §7.1: "an endpoint MAY limit");
 * frames of unknown type, grease included, are skipped without buffering
 * (§9: "implementations MUST ignore unknown or unsupported values").
 *
 * @module
 */

import { Reader, UnexpectedEnd } from "../../transport/wire/reader.ts";
import { H3Error, H3ErrorCode } from "./errors.ts";
import { FrameType, HTTP2_ONLY_FRAME_TYPES } from "./frames.ts";

/** What {@link FrameReader.next} yields. */
export type FrameEvent =
  /** A piece of a DATA frame's payload. */
  | { readonly kind: "data"; readonly data: Uint8Array }
  /** A whole frame of a known type other than DATA. */
  | { readonly kind: "frame"; readonly type: number; readonly payload: Uint8Array };

/** Default largest non-DATA frame payload (an arbitrary bound, ample for headers). */
export const DEFAULT_MAX_FRAME_PAYLOAD = 64 * 1024;

const KNOWN = new Set<number>([
  FrameType.HEADERS,
  FrameType.CANCEL_PUSH,
  FrameType.SETTINGS,
  FrameType.PUSH_PROMISE,
  FrameType.GOAWAY,
  FrameType.MAX_PUSH_ID,
  ...HTTP2_ONLY_FRAME_TYPES,
]);

const HEADER = 0;
const DATA = 1;
const SKIP = 2;
const PAYLOAD = 3;

/** The frame parser of one stream. */
export class FrameReader {
  readonly #max: number;
  readonly #queue: Uint8Array[] = [];
  #queued = 0;
  #state = HEADER;
  #type = 0;
  #remaining = 0;
  readonly #scratch = new Uint8Array(16);
  /** Frames completed so far (DATA counted once, when its header is read). */
  frames = 0;

  /**
   * Creates the object.
   * @param maxPayload Largest non-DATA frame payload accepted.
   */
  constructor(maxPayload = DEFAULT_MAX_FRAME_PAYLOAD) {
    this.#max = maxPayload;
  }

  /** Adds received bytes (kept as views: the caller must not reuse them). */
  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.#queue.push(data);
    this.#queued += data.length;
  }

  /** True when the bytes so far end exactly at a frame boundary. */
  get atBoundary(): boolean {
    return this.#state === HEADER && this.#queued === 0;
  }

  /**
   * The next frame or DATA piece, or `null` when more bytes are needed.
   *
   * @throws {H3Error} H3_EXCESSIVE_LOAD for an oversized frame, H3_FRAME_ERROR
   * for a length that is not a valid number.
   */
  next(): FrameEvent | null {
    for (;;) {
      switch (this.#state) {
        case HEADER:
          if (!this.#readHeader()) return null;
          break;
        case DATA: {
          if (this.#remaining === 0) {
            this.#state = HEADER;
            break;
          }
          if (this.#queued === 0) return null;
          const data = this.#take(this.#remaining);
          this.#remaining -= data.length;
          if (this.#remaining === 0) this.#state = HEADER;
          return { kind: "data", data };
        }
        case SKIP: {
          if (this.#remaining === 0) {
            this.#state = HEADER;
            break;
          }
          if (this.#queued === 0) return null;
          this.#remaining -= this.#take(this.#remaining).length;
          break;
        }
        default: {
          if (this.#queued < this.#remaining) return null;
          const payload = new Uint8Array(this.#remaining);
          let o = 0;
          while (o < payload.length) {
            const part = this.#take(payload.length - o);
            payload.set(part, o);
            o += part.length;
          }
          this.#state = HEADER;
          return { kind: "frame", type: this.#type, payload };
        }
      }
    }
  }

  #readHeader(): boolean {
    if (this.#queued === 0) return false;
    // Copy up to 16 bytes (two 8-byte varints) to parse the header in one piece.
    let n = 0;
    for (const chunk of this.#queue) {
      const k = Math.min(chunk.length, 16 - n);
      this.#scratch.set(chunk.subarray(0, k), n);
      n += k;
      if (n === 16) break;
    }
    const r = new Reader(this.#scratch, 0, n);
    let type: bigint;
    let length: number;
    try {
      type = r.varintBig();
      length = r.varint();
    } catch (e) {
      if (e instanceof UnexpectedEnd) return false;
      if (e instanceof RangeError) {
        throw new H3Error(H3ErrorCode.H3_FRAME_ERROR, `Cannot read frame length: ${e.message}`);
      }
      throw e;
    }
    this.#drop(r.pos);
    this.frames++;
    const t = type > 0xffffn ? -1 : Number(type);
    this.#type = t;
    this.#remaining = length;
    if (t === FrameType.DATA) this.#state = DATA;
    else if (KNOWN.has(t)) {
      if (length > this.#max) {
        throw new H3Error(
          H3ErrorCode.H3_EXCESSIVE_LOAD,
          `Cannot accept a ${length}-byte frame of type 0x${t.toString(16)}: limit ${this.#max}`,
        );
      }
      this.#state = PAYLOAD;
    } else this.#state = SKIP;
    return true;
  }

  /** Takes up to `max` bytes from the front chunk. */
  #take(max: number): Uint8Array {
    const front = this.#queue[0]!;
    if (front.length <= max) {
      this.#queue.shift();
      this.#queued -= front.length;
      return front;
    }
    this.#queue[0] = front.subarray(max);
    this.#queued -= max;
    return front.subarray(0, max);
  }

  #drop(n: number): void {
    while (n > 0) n -= this.#take(n).length;
  }
}
