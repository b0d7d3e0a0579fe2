/**
 * QUIC streams as Web streams: a stream's receiving part is a
 * `ReadableStream<Uint8Array>`, its sending part a `WritableStream<Uint8Array>`
 * (Deno's `QuicReceiveStream` / `QuicSendStream`).
 *
 * - Reading maps the connection's `streamReadable` events to the
 *   ReadableStream's `pull`; the peer's FIN closes it, the peer's RESET_STREAM
 *   errors it with a {@link QuicStreamError}; `cancel(reason)` sends
 *   STOP_SENDING with the reason's code (see `errorCodeOf`).
 * - Writing has backpressure: a `write` resolves once the transport accepted
 *   every byte of the chunk (the connection's `write` returns how much it
 *   took; the rest waits for `streamWritable`). `close()` sends FIN;
 *   `abort(reason)` sends RESET_STREAM; the peer's STOP_SENDING errors the
 *   stream with a {@link QuicStreamError}.
 *
 * @module
 */

import type { Connection } from "../transport/connection/connection.ts";
import { errorCodeOf, type QuicConnectionError, QuicStreamError } from "./quic_errors.ts";

/**
 * What a stream needs from its connection's owner (`QuicConn`): the
 * connection, a way to get packets out, and its end.
 */
export interface StreamHost {
  /** The sans-IO connection. */
  readonly connection: Connection;
  /** Flushes what the application just queued. */
  wake(): void;
  /**
   * Flushes on the next turn of the event loop: for writes taken whole, so
   * that the writes an application makes in a row fill packets before any
   * go out.
   */
  wakeSoon(): void;
  /** The error once the connection is closed, else null. */
  readonly closeError: QuicConnectionError | null;
  /** A part of stream `id` ended here: its state may go once the transport forgot it. */
  streamPartDone(id: number): void;
}

/**
 * The per-stream state the connection's events update: pending waiters and
 * what the peer did.
 */
export class StreamSlot {
  /** The stream ID. */
  readonly id: number;
  /** The peer's RESET_STREAM code, once received. */
  resetCode: bigint | undefined;
  /** The peer's STOP_SENDING code, once received. */
  stopCode: bigint | undefined;
  #readWaiter: (() => void) | null = null;
  #writeWaiter: (() => void) | null = null;

  /** @param id The stream ID. */
  constructor(id: number) {
    this.id = id;
  }

  /** Resolves at the next read-side event (data, FIN, reset, connection end). */
  readable(): Promise<void> {
    return new Promise((resolve) => this.#readWaiter = resolve);
  }

  /** Resolves at the next write-side event (room, stop, connection end). */
  writable(): Promise<void> {
    return new Promise((resolve) => this.#writeWaiter = resolve);
  }

  /** Wakes a reader. */
  notifyReadable(): void {
    const w = this.#readWaiter;
    this.#readWaiter = null;
    w?.();
  }

  /** Wakes a writer. */
  notifyWritable(): void {
    const w = this.#writeWaiter;
    this.#writeWaiter = null;
    w?.();
  }
}

/**
 * The receiving part of a QUIC stream (Deno's `QuicReceiveStream`).
 *
 * @example Reading a whole stream
 * ```ts ignore
 * const { readable } = await conn.createBidirectionalStream();
 * for await (const chunk of readable) console.log(chunk.length);
 * ```
 */
export class QuicReceiveStream extends ReadableStream<Uint8Array> {
  /** The 62-bit stream ID. */
  readonly id: bigint;

  /**
   * @param host The connection's owner.
   * @param slot The stream's event state.
   */
  constructor(host: StreamHost, slot: StreamSlot) {
    const id = slot.id;
    super({
      async pull(controller) {
        const conn = host.connection;
        for (;;) {
          if (slot.resetCode !== undefined) {
            controller.error(new QuicStreamError("reset", slot.resetCode));
            host.streamPartDone(id);
            return;
          }
          let got = false;
          for (let r = conn.read(id); r !== null; r = conn.read(id)) {
            got = true;
            if (r.data.length > 0) controller.enqueue(r.data);
            if (r.fin) {
              controller.close();
              host.wake();
              host.streamPartDone(id);
              return;
            }
          }
          if (got) {
            // Reading freed flow-control credit: MAX_STREAM_DATA may be due.
            host.wake();
            return;
          }
          if (host.closeError !== null) {
            controller.error(host.closeError);
            return;
          }
          await slot.readable();
        }
      },
      cancel(reason) {
        if (host.closeError !== null) return;
        try {
          host.connection.stopSending(id, errorCodeOf(reason));
        } catch {
          // Already finished or reset: nothing to stop.
        }
        host.wake();
      },
    }, { highWaterMark: 0 });
    this.id = BigInt(id);
  }
}

/**
 * The sending part of a QUIC stream (Deno's `QuicSendStream`).
 *
 * @example Writing and finishing
 * ```ts ignore
 * const writable = await conn.createUnidirectionalStream();
 * const writer = writable.getWriter();
 * await writer.write(new TextEncoder().encode("hello"));
 * await writer.close();
 * ```
 */
export class QuicSendStream extends WritableStream<Uint8Array> {
  /** The 62-bit stream ID. */
  readonly id: bigint;

  /**
   * @param host The connection's owner.
   * @param slot The stream's event state.
   */
  constructor(host: StreamHost, slot: StreamSlot) {
    const id = slot.id;
    const check = () => {
      if (slot.stopCode !== undefined) throw new QuicStreamError("stopSending", slot.stopCode);
      if (host.closeError !== null) throw host.closeError;
    };
    super({
      async write(chunk) {
        const conn = host.connection;
        let offset = 0;
        for (;;) {
          check();
          const rest = offset === 0 ? chunk : chunk.subarray(offset);
          offset += conn.write(id, rest);
          if (offset >= chunk.length) {
            // The application's next write usually follows within this turn:
            // flushing now would send its tail in a part-filled packet (a
            // fifth packet per 256 KB write at 65,000-byte datagrams).
            host.wakeSoon();
            return;
          }
          host.wake();
          await slot.writable();
        }
      },
      close() {
        check();
        host.connection.finish(id);
        host.wake();
      },
      abort(reason) {
        if (host.closeError !== null || slot.stopCode !== undefined) return;
        try {
          host.connection.resetStream(id, errorCodeOf(reason));
        } catch {
          // Already finished and acknowledged.
        }
        host.wake();
      },
    });
    this.id = BigInt(id);
  }
}

/** A bidirectional stream: both parts (Deno's `QuicBidirectionalStream`). */
export interface QuicBidirectionalStream {
  /** Data from the peer. */
  readonly readable: QuicReceiveStream;
  /** Data to the peer. */
  readonly writable: QuicSendStream;
}
