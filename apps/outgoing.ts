/**
 * A response (or request) queued on one stream and pushed into the
 * connection's send buffer as room frees up.
 *
 * `Connection.write` takes as much as the stream's send buffer has room for
 * and reports a `streamWritable` event when more fits; an {@link Outgoing}
 * remembers where it stopped. Generated documents are produced chunk by chunk
 * ({@link fillPattern}), so a 200 MB response costs no 200 MB buffer.
 *
 * @module
 */

import type { Connection } from "../transport/connection/connection.ts";
import { ConnectionState } from "../transport/connection/events.ts";
import type { StreamId } from "../transport/streams/stream_id.ts";
import { fillPattern } from "./content.ts";

/** A piece of a stream's content: bytes, or `size` bytes of the size pattern from offset 0. */
export type Segment = Uint8Array | { readonly patternSize: number };

/** Largest chunk handed to `Connection.write` at once (the connection copies it). */
const CHUNK = 64 * 1024;
/** One scratch buffer for generated chunks; safe because `write` copies what it accepts. */
const scratch = new Uint8Array(CHUNK);

/** What {@link Outgoing.pump} achieved. */
export type PumpResult = "done" | "blocked" | "failed";

/** Stream content waiting to be written. */
export class Outgoing {
  readonly #segments: Segment[];
  readonly #fin: boolean;
  #index = 0;
  #offset = 0;
  /** Bytes accepted by the connection so far. */
  written = 0;

  /**
   * Creates the object.
   * @param segments The content, in order.
   * @param fin Whether to end the stream after the last segment.
   */
  constructor(segments: Segment[], fin: boolean) {
    this.#segments = segments;
    this.#fin = fin;
  }

  /** Total bytes of content. */
  get total(): number {
    let n = 0;
    for (const s of this.#segments) n += s instanceof Uint8Array ? s.length : s.patternSize;
    return n;
  }

  /**
   * Writes as much as the stream accepts.
   *
   * @param conn The connection.
   * @param id The stream.
   * @returns `"done"` when everything (and the FIN) was queued, `"blocked"`
   * when the send buffer is full (call again on `streamWritable`), `"failed"`
   * when the stream can no longer be written (reset, or the connection closed).
   */
  pump(conn: Connection, id: StreamId): PumpResult {
    try {
      while (this.#index < this.#segments.length) {
        const seg = this.#segments[this.#index]!;
        const size = seg instanceof Uint8Array ? seg.length : seg.patternSize;
        const last = this.#index === this.#segments.length - 1;
        while (this.#offset < size) {
          const n = Math.min(CHUNK, size - this.#offset);
          let chunk: Uint8Array;
          if (seg instanceof Uint8Array) chunk = seg.subarray(this.#offset, this.#offset + n);
          else {
            chunk = scratch.subarray(0, n);
            fillPattern(chunk, this.#offset);
          }
          const fin = this.#fin && last && this.#offset + n === size;
          const accepted = conn.write(id, chunk, fin);
          this.#offset += accepted;
          this.written += accepted;
          if (accepted < n) {
            return accepted === 0 && conn.state >= ConnectionState.Closing ? "failed" : "blocked";
          }
          if (fin) {
            this.#index = this.#segments.length;
            return "done";
          }
        }
        this.#index++;
        this.#offset = 0;
      }
      if (this.#fin) conn.finish(id);
      return "done";
    } catch (e) {
      if (e instanceof TypeError) return "failed";
      throw e;
    }
  }
}
