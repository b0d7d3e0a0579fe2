/**
 * Frame reservation (PQUIC's `reserve_frames`, pquic-reference.md §2.5): how
 * plugins send their own frames.
 *
 * A plugin books frames (type, size, congestion-controlled or not,
 * retransmittable or not, a u64 context). The packet builder asks
 * {@link FrameReservations.nextReservedFrame} for the next one that fits; it
 * calls `write_frame[type]`, and the sent packet keeps the returned
 * {@link ReservedFrame}. When that packet is acknowledged or lost, recovery
 * calls {@link FrameReservations.onAcked} / {@link FrameReservations.onLost},
 * which call `notify_frame[type]` with received = 1 / 0; a frame that could not
 * be written (write failure, bad size, connection closing) gets 2. Core never
 * retransmits plugin frames: a plugin that needs one again books it again.
 *
 * Fair share (PQUIC's `core_rate` = 500 ‰): while core has data to send,
 * congestion-controlled plugin frames in flight may take at most
 * `pluginShare` (default half) of the congestion window; with nothing from
 * core waiting they may use all of it. Plugins are served round robin, each
 * plugin's bookings in order. A `write_frame` answering "retry in the next
 * packet" (0x801) keeps that frame for the next packet ({@link startPacket}).
 *
 * @module
 */

import type { Writer } from "../wire/writer.ts";
import { FrameNotification, Op, Outputs, WriteFrameStatus } from "./catalogue.ts";
import { ProtoopError, ProtoopErrorKind } from "./errors.ts";
import type { FrameBooking } from "./pluglet.ts";
import type { ProtoopTable, ReservationSink } from "./table.ts";

/** PQUIC's core_rate: the share of the window kept for core frames (500 ‰). */
export const DEFAULT_PLUGIN_SHARE = 0.5;
/** Largest frame a plugin may book: a QUIC packet is at most 65527 bytes of payload. */
export const MAX_RESERVED_FRAME = 65527;

/** A booked frame; once written, also the record the sent packet keeps. */
export class ReservedFrame {
  /** Bytes actually written (0 until written). */
  written = 0;
  constructor(
    /** The booking plugin's index. */
    readonly pluginIndex: number,
    /** The booking plugin's name. */
    readonly plugin: string,
    /** Frame type. */
    readonly type: number,
    /** Bytes booked (the most write_frame may write). */
    readonly size: number,
    /** Counted against the congestion window and the plugins' share. */
    readonly congestionControlled: boolean,
    /** Makes its packet ack-eliciting. */
    public retransmittable: boolean,
    /** The plugin's context. */
    readonly ctx: bigint,
  ) {}
}

/** The congestion state a packet builder passes in (a CongestionController fits). */
export interface WindowState {
  /** Congestion window, bytes. */
  readonly window: number;
  /** Bytes in flight, bytes (core and plugin frames alike). */
  readonly bytesInFlight: number;
}

/** The frame reservation queues of one connection. */
export class FrameReservations implements ReservationSink {
  /** Fraction of the window plugin frames may hold while core has data. */
  readonly pluginShare: number;
  readonly #table: ProtoopTable<never>;
  readonly #queues: ReservedFrame[][] = [];
  readonly #retry: ReservedFrame[] = [];
  readonly #out = new Outputs();
  #rr = 0;
  #queued = 0;
  #queuedCc = 0;
  #ccInFlight = 0;
  /** Plugins whose frames wait for {@link release} (not counted as queued). */
  readonly #held = new Set<string>();
  readonly #heldFrames: ReservedFrame[] = [];

  /**
   * Creates the queues and registers them as the table's reservation sink.
   *
   * @param table The connection's protoop table (any host type).
   * @param pluginShare Window share for plugin frames while core has data (0–1).
   */
  constructor(table: ProtoopTable<never>, pluginShare: number = DEFAULT_PLUGIN_SHARE) {
    this.#table = table;
    this.pluginShare = pluginShare;
    table.reservations = this;
  }

  /** Frames waiting (including those kept for the next packet). */
  get queued(): number {
    return this.#queued + this.#retry.length;
  }

  /** Congestion-controlled frames waiting (not counting those kept for the next packet). */
  get queuedCongestionControlled(): number {
    return this.#queuedCc;
  }

  /** Bytes of congestion-controlled plugin frames in flight. */
  get pluginBytesInFlight(): number {
    return this.#ccInFlight;
  }

  /** Default of `has_congestion_controlled_plugin_frames_to_send`. */
  hasCongestionControlled(): boolean {
    return this.#queuedCc > 0;
  }

  /**
   * Books frames for a plugin (reached through `PlugletCall.reserveFrames`).
   *
   * @returns Total bytes booked.
   * @throws {ProtoopError} `badReservation` for a bad type or size (nothing is booked).
   */
  reserve(pluginIndex: number, plugin: string, frames: readonly FrameBooking[]): number {
    for (const f of frames) {
      if (!Number.isInteger(f.type) || f.type < 0) {
        throw new ProtoopError(
          ProtoopErrorKind.BadReservation,
          `Cannot reserve a frame of type ${f.type}: not a frame type`,
          plugin,
        );
      }
      if (!Number.isInteger(f.size) || f.size < 1 || f.size > MAX_RESERVED_FRAME) {
        throw new ProtoopError(
          ProtoopErrorKind.BadReservation,
          `Cannot reserve ${f.size} bytes for frame type 0x${
            f.type.toString(16)
          }: 1 to ${MAX_RESERVED_FRAME}`,
          plugin,
        );
      }
    }
    const q = this.#queues[pluginIndex] ??= [];
    const held = this.#held.size > 0 && this.#held.has(plugin);
    let total = 0;
    for (const f of frames) {
      const r = new ReservedFrame(
        pluginIndex,
        plugin,
        f.type,
        f.size,
        f.congestionControlled,
        f.retransmittable,
        f.ctx,
      );
      total += f.size;
      if (held) {
        this.#heldFrames.push(r);
        continue;
      }
      q.push(r);
      this.#queued++;
      if (f.congestionControlled) this.#queuedCc++;
    }
    return total;
  }

  /**
   * Holds a plugin's frames: they are booked but not sent until
   * {@link release} (plugin exchange: the peer cannot parse them yet). Frames
   * already queued are held too.
   *
   * @param plugin The plugin's name.
   */
  hold(plugin: string): void {
    this.#held.add(plugin);
    for (const q of this.#queues) {
      if (q === undefined) continue;
      for (let i = 0; i < q.length; i++) {
        const f = q[i]!;
        if (f.plugin !== plugin) continue;
        q.splice(i--, 1);
        this.#queued--;
        if (f.congestionControlled) this.#queuedCc--;
        this.#heldFrames.push(f);
      }
    }
  }

  /** Ends {@link hold}: the plugin's held frames are queued, in booking order. */
  release(plugin: string): void {
    if (!this.#held.delete(plugin)) return;
    const kept: ReservedFrame[] = [];
    for (const f of this.#heldFrames) {
      if (f.plugin !== plugin) {
        kept.push(f);
        continue;
      }
      (this.#queues[f.pluginIndex] ??= []).push(f);
      this.#queued++;
      if (f.congestionControlled) this.#queuedCc++;
    }
    this.#heldFrames.length = 0;
    this.#heldFrames.push(...kept);
  }

  /** True while {@link hold} holds the plugin's frames. */
  isHeld(plugin: string): boolean {
    return this.#held.has(plugin);
  }

  /** A new packet: frames kept by "retry in the next packet" become eligible again, first. */
  startPacket(): void {
    const r = this.#retry;
    for (let i = r.length - 1; i >= 0; i--) {
      const f = r[i]!;
      (this.#queues[f.pluginIndex] ??= []).unshift(f);
      this.#queued++;
      if (f.congestionControlled) this.#queuedCc++;
    }
    r.length = 0;
  }

  /**
   * Writes the next reserved frame that fits into `w` (at most `maxBytes`):
   * round robin over plugins, the head of each plugin's queue, within the
   * window and the plugins' share. Calls `write_frame[type]`.
   *
   * @param host The connection (passed to the protoops).
   * @param w The packet's writer, at the frame's position.
   * @param maxBytes Room left in the packet.
   * @param cc The congestion window and bytes in flight.
   * @param coreHasData Whether core frames wait (the share applies then).
   * @returns The frame written (keep it with the sent packet), or null.
   */
  nextReservedFrame(
    host: unknown,
    w: Writer,
    maxBytes: number,
    cc: WindowState,
    coreHasData: boolean,
  ): ReservedFrame | null {
    const n = this.#queues.length;
    for (let k = 0; k < n && this.#queued > 0; k++) {
      const p = (this.#rr + k) % n;
      const q = this.#queues[p];
      if (q === undefined) continue;
      // A plugin's head that fails to write is notified and the next one tried.
      while (q.length > 0) {
        const f = q[0]!;
        if (f.size > maxBytes) break;
        if (f.congestionControlled) {
          if (cc.bytesInFlight + f.size > cc.window) break;
          if (coreHasData && this.#ccInFlight + f.size > cc.window * this.pluginShare) break;
        }
        q.shift();
        this.#queued--;
        if (f.congestionControlled) this.#queuedCc--;
        const status = this.#write(host, f, w, maxBytes);
        if (status === WriteFrameStatus.Ok) {
          this.#rr = (p + 1) % n;
          if (f.congestionControlled) this.#ccInFlight += f.written;
          return f;
        }
        if (status === WriteFrameStatus.RetryNextPacket) {
          this.#retry.push(f);
          break;
        }
        this.#notify(host, f, FrameNotification.NeverWritten, null);
      }
    }
    return null;
  }

  /** The packet carrying `f` was acknowledged: `notify_frame[type](f, 1)`. */
  onAcked(host: unknown, f: ReservedFrame, packet: object | null): void {
    this.#leaveFlight(f);
    this.#notify(host, f, FrameNotification.Acked, packet);
  }

  /** The packet carrying `f` was lost: `notify_frame[type](f, 0)`. Core does not resend it. */
  onLost(host: unknown, f: ReservedFrame, packet: object | null): void {
    this.#leaveFlight(f);
    this.#notify(host, f, FrameNotification.Lost, packet);
  }

  /** Every queued frame is dropped with `notify_frame[type](f, 2)` (the connection closes). */
  discardAll(host: unknown): void {
    const all: ReservedFrame[] = [...this.#retry, ...this.#heldFrames];
    for (const q of this.#queues) if (q !== undefined) all.push(...q);
    this.#queues.length = 0;
    this.#retry.length = 0;
    this.#heldFrames.length = 0;
    this.#queued = 0;
    this.#queuedCc = 0;
    for (const f of all) this.#notify(host, f, FrameNotification.NeverWritten, null);
  }

  /** Forgets a detached plugin's queued frames (its pluglets are gone: no notification). */
  dropPlugin(pluginIndex: number): void {
    const q = this.#queues[pluginIndex];
    if (q !== undefined) {
      for (const f of q) {
        this.#queued--;
        if (f.congestionControlled) this.#queuedCc--;
      }
      this.#queues[pluginIndex] = [];
    }
    for (let i = this.#retry.length - 1; i >= 0; i--) {
      if (this.#retry[i]!.pluginIndex === pluginIndex) this.#retry.splice(i, 1);
    }
    for (let i = this.#heldFrames.length - 1; i >= 0; i--) {
      if (this.#heldFrames[i]!.pluginIndex === pluginIndex) this.#heldFrames.splice(i, 1);
    }
  }

  /** Calls write_frame; returns its status, with anything invalid as a failure (-1). */
  #write(host: unknown, f: ReservedFrame, w: Writer, maxBytes: number): number {
    const start = w.pos;
    const savedEnd = w.end;
    const room = Math.min(f.size, maxBytes);
    w.end = start + room;
    const out = this.#out;
    out.values[0] = 0;
    out.values[1] = false;
    let status: number;
    try {
      status = this.#table.fns[Op.WRITE_FRAME]!(host, f.type, f.ctx, w, room, out);
    } finally {
      w.end = savedEnd;
    }
    if (status !== WriteFrameStatus.Ok) {
      w.pos = start;
      return status === WriteFrameStatus.RetryNextPacket ? status : -1;
    }
    const consumed = out.values[0] as number;
    // The pluglet either advanced the writer by `consumed`, or wrote raw bytes at `start`.
    const moved = w.pos - start;
    if (!(consumed >= 1 && consumed <= room) || (moved !== 0 && moved !== consumed)) {
      w.pos = start;
      return -1;
    }
    w.pos = start + consumed;
    f.written = consumed;
    if ((out.values[1] as unknown) === true) f.retransmittable = true;
    return WriteFrameStatus.Ok;
  }

  #leaveFlight(f: ReservedFrame): void {
    if (f.congestionControlled && f.written > 0) {
      this.#ccInFlight = Math.max(0, this.#ccInFlight - f.written);
    }
  }

  #notify(host: unknown, f: ReservedFrame, received: number, packet: object | null): void {
    this.#table.fns[Op.NOTIFY_FRAME]!(host, f.type, f, received, packet, f.ctx);
  }
}
