/**
 * The exchange frames waiting to be sent or in flight: each reservation's
 * u64 context names a {@link Booking}, from which `write_frame` builds the
 * frame when a packet has room (so a frame always carries the latest state)
 * and `notify_frame` learns what was acknowledged or lost. Frames are
 * booked through the exchange's pluglet call in progress (its plugin
 * reserves them).
 *
 * @module
 */

import { type Pluglet, type PlugletCall, WriteFrameStatus } from "../protoop/mod.ts";
import type { Writer } from "../wire/writer.ts";
import { ExchangeFrameType, PluginStateCode } from "./codepoints.ts";
import { type ExchangeFrame, sizeExchangeFrame, writeExchangeFrame } from "./frames.ts";
import type { ExchangeEntry } from "./state.ts";
import type { IncomingTransfer, OutgoingTransfer } from "./transfer.ts";

/** What a booked frame is (the u64 context of a reservation points here). */
export type Booking =
  | { readonly kind: "request"; readonly transfer: IncomingTransfer }
  | {
    readonly kind: "data";
    readonly transfer: OutgoingTransfer;
    readonly offset: number;
    readonly data: Uint8Array;
  }
  | { readonly kind: "maxData"; readonly transfer: IncomingTransfer; readonly limit: number }
  | { readonly kind: "state"; readonly entry: ExchangeEntry; readonly code: PluginStateCode };

/**
 * The frame a booking stands for, built now.
 *
 * @param b The booking.
 */
export function frameOfBooking(b: Booking): ExchangeFrame {
  switch (b.kind) {
    case "request":
      return {
        type: ExchangeFrameType.PLUGIN_REQUEST,
        requestId: b.transfer.requestId,
        plugin: b.transfer.plugin,
        maxData: b.transfer.initialLimit,
      };
    case "data":
      return {
        type: ExchangeFrameType.PLUGIN_DATA,
        requestId: b.transfer.requestId,
        bundleSize: b.transfer.size,
        offset: b.offset,
        data: b.data,
      };
    case "maxData":
      return {
        type: ExchangeFrameType.PLUGIN_MAX_DATA,
        requestId: b.transfer.requestId,
        maxData: b.limit,
      };
    case "state":
      return {
        type: ExchangeFrameType.PLUGIN_STATE,
        plugin: b.entry.plugin,
        state: b.code,
        reason: b.code === PluginStateCode.REFUSED ? b.entry.reason ?? "" : "",
      };
  }
}

/**
 * True when a booking no longer needs sending: its transfer finished or was
 * stopped, or a newer state was announced since.
 *
 * @param b The booking.
 */
export function isStale(b: Booking): boolean {
  switch (b.kind) {
    case "request":
    case "maxData":
      return b.transfer.finished;
    case "data":
      return b.transfer.cancelled;
    case "state":
      return b.code !== b.entry.announced;
  }
}

/** The bookings of one connection's exchange. */
export class ExchangeBookings {
  readonly #map = new Map<bigint, Booking>();
  #next = 1n;
  #call: PlugletCall | null = null;

  /** Bookings not yet notified. */
  get size(): number {
    return this.#map.size;
  }

  /**
   * A pluglet that runs `fn`; what is booked while it runs goes through its call.
   *
   * @param fn The pluglet's work (its return value, 0 when none).
   * @returns The pluglet.
   */
  pluglet(fn: (c: PlugletCall) => bigint | void): Pluglet {
    return {
      run: (c) => {
        const outer = this.#call;
        this.#call = c;
        try {
          return fn(c) ?? 0n;
        } finally {
          this.#call = outer;
        }
      },
    };
  }

  /**
   * Books the frame of `b` through the pluglet call in progress.
   *
   * @param b What to send.
   * @throws {Error} Outside a call of one of {@link pluglet}'s pluglets.
   */
  book(b: Booking): void {
    const call = this.#call;
    if (call === null) throw new Error("Cannot book an exchange frame outside a protoop call");
    const ctx = this.#next++;
    this.#map.set(ctx, b);
    const f = frameOfBooking(b);
    call.reserveFrames([{
      type: f.type,
      size: sizeExchangeFrame(f),
      congestionControlled: true,
      retransmittable: true,
      ctx,
    }]);
  }

  /**
   * `write_frame`: writes the booking of context `args[0]` into the writer
   * `args[1]` (room `args[2]`).
   *
   * @param c The write_frame call.
   * @returns Its status: 0 written, 0x801 no room in this packet, 1 no longer needed.
   */
  write(c: PlugletCall): bigint {
    const b = this.#map.get(c.args[0]!);
    if (b === undefined || isStale(b)) return 1n; // not written: notified with 2
    const f = frameOfBooking(b);
    const size = sizeExchangeFrame(f);
    if (size > Number(c.args[2]!)) return BigInt(WriteFrameStatus.RetryNextPacket);
    writeExchangeFrame(c.handle(c.args[1]!) as Writer, f);
    c.outputs[0] = BigInt(size);
    c.outputs[1] = 1n;
    return BigInt(WriteFrameStatus.Ok);
  }

  /**
   * Removes and returns the booking of a context (its fate is known).
   *
   * @param ctx The reservation's context.
   */
  take(ctx: bigint): Booking | undefined {
    const b = this.#map.get(ctx);
    if (b !== undefined) this.#map.delete(ctx);
    return b;
  }
}
