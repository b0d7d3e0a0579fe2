/**
 * One bundle transfer of plugin exchange, each side of it: the sender's
 * {@link OutgoingTransfer} (chunks within the receiver's limit, lost chunks
 * first) and the receiver's {@link IncomingTransfer} (reassembly, the size
 * limit, flow control). Built on the stream machinery: a `SendBuffer` for
 * retransmission bookkeeping, a `RangeSet` for received ranges and a
 * `RecvWindow` for the limit (RFC 9000 §4.1 rules, applied per transfer).
 *
 * No frames here: `exchange.ts` turns chunks into PLUGIN_DATA frames and
 * limits into PLUGIN_MAX_DATA.
 *
 * @module
 */

import { TransportError } from "../errors.ts";
import { RangeSet } from "../streams/range_set.ts";
import { SendBuffer, type SendSegment } from "../streams/send_buffer.ts";
import { RecvWindow } from "../streams/flow_control.ts";
import { ExchangeFrameType } from "./codepoints.ts";
import type { PluginRef } from "./plugin_list.ts";

/** The sending side of a transfer (the end that has the bundle). */
export class OutgoingTransfer {
  /** The total size, bytes. */
  readonly size: number;
  readonly #buf = new SendBuffer();
  #limit: number;

  /**
   * @param requestId The requester's id for it.
   * @param plugin The plugin sent.
   * @param bundle The bundle's bytes.
   * @param maxData The requester's initial limit.
   */
  constructor(
    readonly requestId: number,
    readonly plugin: PluginRef,
    bundle: Uint8Array,
    maxData: number,
  ) {
    this.size = bundle.length;
    this.#buf.write(bundle);
    this.#buf.finish();
    this.#limit = maxData;
  }

  /** The receiver's current limit. */
  get limit(): number {
    return this.#limit;
  }

  /** Raises the limit (PLUGIN_MAX_DATA; a lower value changes nothing). */
  raiseLimit(maxData: number): void {
    if (maxData > this.#limit) this.#limit = maxData;
  }

  /**
   * The next chunk to send: lost bytes first, then new bytes within the limit.
   *
   * @param maxLength Most bytes in the chunk.
   * @returns A view of the bundle and its offset, or null.
   */
  nextChunk(maxLength: number): SendSegment | null {
    const s = this.#buf.nextSegment(maxLength, this.#limit);
    return s === null || s.data.length === 0 ? null : s;
  }

  /** A chunk was acknowledged. */
  onAcked(offset: number, length: number): void {
    this.#buf.onAcked(offset, length, offset + length === this.size);
  }

  /** A chunk was lost: it goes again, before new data. */
  onLost(offset: number, length: number): void {
    this.#buf.onLost(offset, length, offset + length === this.size);
  }

  /** Every byte was acknowledged. */
  get done(): boolean {
    return this.#buf.allAcked;
  }

  /** True once {@link cancel} ran. */
  cancelled = false;

  /** Forgets everything (the peer refused the plugin). */
  cancel(): void {
    this.cancelled = true;
    this.#buf.discard();
  }
}

/** What {@link IncomingTransfer.onData} found. */
export type IncomingResult =
  | { readonly kind: "partial" }
  | { readonly kind: "complete"; readonly bytes: Uint8Array }
  | { readonly kind: "oversized"; readonly size: number };

/** The receiving side of a transfer (the end that asked). */
export class IncomingTransfer {
  /** The bundle size, once the first chunk told it. */
  size = -1;
  /** Bytes received (without duplicates). */
  received = 0;
  readonly #ranges = new RangeSet();
  readonly #window: RecvWindow;
  readonly #maxSize: number;
  #bytes: Uint8Array | null = null;
  #finished = false;
  readonly #fresh: number[] = [];

  /**
   * @param requestId Our id for it.
   * @param plugin The plugin asked for.
   * @param maxSize Largest bundle accepted, bytes.
   * @param window Flow-control window, bytes.
   * @param startedAt When it was requested (µs).
   */
  constructor(
    readonly requestId: number,
    readonly plugin: PluginRef,
    maxSize: number,
    window: number,
    readonly startedAt: number,
  ) {
    this.#maxSize = maxSize;
    this.#window = new RecvWindow(Math.min(window, maxSize));
  }

  /** The limit to put in PLUGIN_REQUEST. */
  get initialLimit(): number {
    return this.#window.limit;
  }

  /** True once complete, refused or cancelled: later chunks are ignored. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Stops accepting chunks (the plugin was refused). */
  cancel(): void {
    this.#finished = true;
    this.#bytes = null;
  }

  /**
   * Takes a PLUGIN_DATA chunk.
   *
   * @param bundleSize The size the chunk announces.
   * @param offset Its offset.
   * @param data Its bytes.
   * @param now Current time (µs), for window auto-tuning.
   * @param rtt Smoothed RTT (µs).
   * @throws {TransportError} FLOW_CONTROL_ERROR beyond the limit; PROTOCOL_VIOLATION when
   *   the bundle size changes between chunks.
   */
  onData(
    bundleSize: number,
    offset: number,
    data: Uint8Array,
    now: number,
    rtt: number,
  ): IncomingResult {
    const type = ExchangeFrameType.PLUGIN_DATA;
    if (this.#finished) return { kind: "partial" };
    this.#window.onData(offset + data.length);
    if (this.size < 0) {
      if (bundleSize > this.#maxSize) {
        this.cancel();
        return { kind: "oversized", size: bundleSize };
      }
      this.size = bundleSize;
      this.#bytes = new Uint8Array(bundleSize);
    } else if (bundleSize !== this.size) {
      throw TransportError.protocolViolation(
        `Cannot take PLUGIN_DATA for request ${this.requestId}: bundle size ${bundleSize}, was ${this.size}`,
        type,
      );
    }
    const fresh = this.#fresh;
    fresh.length = 0;
    this.#ranges.add(offset, offset + data.length, fresh);
    for (let i = 0; i < fresh.length; i += 2) {
      const s = fresh[i]!;
      const e = fresh[i + 1]!;
      this.#bytes!.set(data.subarray(s - offset, e - offset), s);
      this.received += e - s;
      this.#window.onConsumed(e - s, now, rtt);
    }
    if (this.received === this.size) {
      const bytes = this.#bytes!;
      this.#finished = true;
      this.#bytes = null;
      return { kind: "complete", bytes };
    }
    return { kind: "partial" };
  }

  /** A new limit to announce in PLUGIN_MAX_DATA, or null. */
  pollLimit(): number | null {
    if (this.#finished) return null;
    return this.#window.pollUpdate();
  }
}
