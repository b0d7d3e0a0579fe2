/**
 * The bundle transfers of one connection's plugin exchange, both ways
 * (EXCHANGE.md): the requests this end made (bundles coming in) and those it
 * serves (bundles going out), the frames they book, and what the
 * acknowledgement or loss of those frames means for them.
 *
 * Which plugin to request or serve, and what a received bundle leads to, is
 * the exchange's business (`exchange.ts`); one transfer's flow control and
 * reassembly are `transfer.ts`'s.
 *
 * @module
 */

import type { Connection } from "../connection/connection.ts";
import { TransportError } from "../errors.ts";
import { varintSize } from "../wire/varint.ts";
import type { Booking } from "./bookings.ts";
import { ExchangeFrameType } from "./codepoints.ts";
import type { ExchangeEvent } from "./delegate.ts";
import {
  type PluginDataFrame,
  type PluginMaxDataFrame,
  type PluginRequestFrame,
  sizePluginDataHeader,
} from "./frames.ts";
import type { PluginRef } from "./plugin_list.ts";
import { IncomingTransfer, OutgoingTransfer } from "./transfer.ts";

/** Transfers a peer may have open towards us at once (arbitrary). */
export const MAX_OUTGOING_TRANSFERS = 16;

/** What the transfers need from their exchange. */
export interface TransferHost {
  /** The connection (its clock, RTT and datagram size). */
  readonly conn: Connection;
  /** Books a frame through the pluglet call in progress. */
  book(b: Booking): void;
  /** Reports an event. */
  emit(e: ExchangeEvent): void;
}

/** What a PLUGIN_DATA frame led to. */
export type DataOutcome =
  /** Nothing for the exchange: more to come, or a transfer that ended already. */
  | { readonly kind: "pending" }
  /** The peer's bundle is larger than we take; the transfer is stopped. */
  | { readonly kind: "oversized"; readonly plugin: PluginRef; readonly size: number }
  /** The whole bundle is here. */
  | { readonly kind: "complete"; readonly plugin: PluginRef; readonly bytes: Uint8Array };

const PENDING: DataOutcome = { kind: "pending" };

/** The transfers of one connection's exchange (see the module documentation). */
export class ExchangeTransfers {
  /** Largest bundle accepted, bytes. */
  readonly maxBundle: number;
  readonly #host: TransferHost;
  readonly #window: number;
  readonly #incoming = new Map<number, IncomingTransfer>();
  readonly #outgoing = new Map<number, OutgoingTransfer>();
  #nextRequest = 0;

  /**
   * @param host The exchange.
   * @param maxBundle Largest bundle accepted, bytes.
   * @param window Flow-control window per transfer, bytes.
   */
  constructor(host: TransferHost, maxBundle: number, window: number) {
    this.#host = host;
    this.maxBundle = maxBundle;
    this.#window = window;
  }

  get #now(): number {
    return this.#host.conn.loss.now;
  }

  /**
   * Asks the peer for `plugin`: books a PLUGIN_REQUEST and reports `requested`.
   *
   * @param plugin The plugin.
   */
  request(plugin: PluginRef): void {
    const t = new IncomingTransfer(
      this.#nextRequest++,
      plugin,
      this.maxBundle,
      this.#window,
      this.#now,
    );
    this.#incoming.set(t.requestId, t);
    this.#host.book({ kind: "request", transfer: t });
    this.#host.emit({ type: "requested", plugin, requestId: t.requestId, now: this.#now });
  }

  /**
   * True when the peer's request `requestId` is served already (a repeated PLUGIN_REQUEST).
   *
   * @param requestId The request.
   */
  isServing(requestId: number): boolean {
    return this.#outgoing.has(requestId);
  }

  /**
   * Serves a PLUGIN_REQUEST with `bundle`: reports `serving` and books the first chunks.
   *
   * @param f The request.
   * @param bundle The bundle's bytes.
   * @throws {TransportError} PROTOCOL_VIOLATION when the peer has too many transfers open.
   */
  serve(f: PluginRequestFrame, bundle: Uint8Array): void {
    if (this.#outgoing.size >= MAX_OUTGOING_TRANSFERS) {
      throw TransportError.protocolViolation(
        `Cannot serve plugin "${f.plugin.name}": more than ${MAX_OUTGOING_TRANSFERS} transfers open`,
        f.type,
      );
    }
    const t = new OutgoingTransfer(f.requestId, f.plugin, bundle, f.maxData);
    this.#outgoing.set(f.requestId, t);
    this.#host.emit({ type: "serving", plugin: f.plugin, bytes: bundle.length, now: this.#now });
    this.#pump(t);
  }

  /**
   * PLUGIN_MAX_DATA: the peer lets more of a bundle we serve come.
   *
   * @param f The frame.
   */
  onMaxData(f: PluginMaxDataFrame): void {
    const t = this.#outgoing.get(f.requestId);
    if (t !== undefined) {
      t.raiseLimit(f.maxData);
      this.#pump(t);
    }
  }

  /**
   * PLUGIN_DATA: a chunk of a bundle we asked for. A complete bundle is
   * reported (`received`) and returned.
   *
   * @param f The frame.
   * @returns What it led to.
   * @throws {TransportError} PROTOCOL_VIOLATION for a request we never made.
   */
  onData(f: PluginDataFrame): DataOutcome {
    const t = this.#incoming.get(f.requestId);
    if (t === undefined) {
      if (f.requestId >= this.#nextRequest) {
        throw TransportError.protocolViolation(
          `Cannot take PLUGIN_DATA for request ${f.requestId}: never requested`,
          f.type,
        );
      }
      return PENDING; // a transfer that finished or was stopped
    }
    const rtt = this.#host.conn.loss.rtt.smoothed;
    const r = t.onData(f.bundleSize, f.offset, f.data, this.#now, rtt);
    if (r.kind === "oversized") {
      this.#incoming.delete(t.requestId);
      return { kind: "oversized", plugin: t.plugin, size: r.size };
    }
    if (r.kind === "partial") {
      const limit = t.pollLimit();
      if (limit !== null) this.#host.book({ kind: "maxData", transfer: t, limit });
      return PENDING;
    }
    this.#incoming.delete(t.requestId);
    this.#host.emit({
      type: "received",
      plugin: t.plugin,
      bytes: r.bytes.length,
      durationUs: this.#now - t.startedAt,
      now: this.#now,
    });
    return { kind: "complete", plugin: t.plugin, bytes: r.bytes };
  }

  /**
   * Stops every transfer of the plugin named `name`, both ways.
   *
   * @param name The plugin's name.
   */
  stop(name: string): void {
    for (const [id, t] of this.#incoming) {
      if (t.plugin.name === name) {
        t.cancel();
        this.#incoming.delete(id);
      }
    }
    for (const [id, t] of this.#outgoing) {
      if (t.plugin.name === name) {
        t.cancel();
        this.#outgoing.delete(id);
      }
    }
  }

  /**
   * A transfer's frame was acknowledged or lost: a lost request or limit is
   * sent again while still needed, a lost chunk is sent again.
   *
   * @param b The frame's booking.
   * @param acked True when acknowledged, false when lost.
   */
  onNotified(b: Exclude<Booking, { kind: "state" }>, acked: boolean): void {
    switch (b.kind) {
      case "request":
        if (!acked && !b.transfer.finished && b.transfer.received === 0) this.#host.book(b);
        return;
      case "maxData":
        if (!acked && !b.transfer.finished) this.#host.book(b);
        return;
      case "data": {
        const t = b.transfer;
        if (!this.#outgoing.has(t.requestId)) return;
        if (acked) {
          t.onAcked(b.offset, b.data.length);
          if (t.done) this.#outgoing.delete(t.requestId);
        } else {
          t.onLost(b.offset, b.data.length);
          this.#pump(t);
        }
        return;
      }
    }
  }

  /** Books the next chunks of an outgoing transfer, within its limit. */
  #pump(t: OutgoingTransfer): void {
    const room = this.#chunkRoom();
    for (;;) {
      const header = varintSize(ExchangeFrameType.PLUGIN_DATA) +
        sizePluginDataHeader(t.requestId, t.size, t.size, room);
      const s = t.nextChunk(room - header);
      if (s === null) return;
      this.#host.book({ kind: "data", transfer: t, offset: s.offset, data: s.data });
    }
  }

  /** Bytes a PLUGIN_DATA frame may take: a packet's payload less header, tag and an ACK (arbitrary margin). */
  #chunkRoom(): number {
    return Math.max(512, this.#host.conn.maxDatagramSize - 240);
  }
}
