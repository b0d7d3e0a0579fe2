/**
 * The seam between plugin instances and a connection: what the pquic helpers
 * need from the host, in two parts.
 *
 * - {@link PluginHost}: per (plugin, connection), lives as long as the
 *   instance: field access by handle, host buffers, streams, time, logging,
 *   qlog, and the fault report.
 * - {@link PlugletInvocation}: per pluglet run: the protoop's inputs,
 *   outputs and return value, and the call-scoped operations (running
 *   another protoop, metadata, frame reservations). It is shaped as a subset
 *   of `transport/protoop`'s `PlugletCall`, so the table's call object is
 *   passed as is.
 *
 * Handles are the table's u64 handle ids (0 is null; for metadata, 0 is the
 * connection). A host method that is given a handle of the wrong kind, or a
 * stale one, throws any Error; the helper turns it into a `PluginFault` of
 * kind "helper" naming the helper, so a host needs no plugin-specific error
 * type. Keys reach the host only after the helper checked them against
 * `helper_ids.ts` (known in the family; writable for set), so a host
 * implements exactly the keys of that table.
 *
 * @module
 */

import type { PluginFault } from "../vm/mod.ts";
import type { FieldKind } from "./helper_ids.ts";

export type { FieldKind } from "./helper_ids.ts";

/** A frame booked by `reserve_frames` (the shape of `transport/protoop`'s `FrameBooking`). */
export interface HostFrameBooking {
  /** Frame type: `write_frame[type]` writes it, `notify_frame[type]` hears its fate. */
  readonly type: number;
  /** Most bytes it may take. */
  readonly size: number;
  /** Counted against the congestion window. */
  readonly congestionControlled: boolean;
  /** Makes the packet ack-eliciting. */
  readonly retransmittable: boolean;
  /** The plugin's value, handed back to write_frame and notify_frame. */
  readonly ctx: bigint;
}

/** One pluglet run, as the helpers see it (a subset of `PlugletCall`). */
export interface PlugletInvocation {
  /** Protoop name. */
  readonly name: string;
  /** Param (frame type, TP id) or 0xffff. */
  readonly param: number;
  /** The anchor the pluglet runs at. */
  readonly anchor: string;
  /** Inputs. */
  readonly args: BigUint64Array;
  /** Outputs (replace/extern write; post may overwrite). */
  readonly outputs: BigUint64Array;
  /** The body's return value (post). */
  readonly returnValue: bigint;
  /**
   * Runs another protoop.
   *
   * @param name protoop name
   * @param args inputs (≤ 16)
   * @param param param, for param protoops
   * @param outputs where outputs go
   * @returns its return value
   */
  call(name: string, args: readonly bigint[], param?: number, outputs?: BigUint64Array): bigint;
  /** This plugin's metadata slot of the object behind `handle` (0: the connection). */
  getMetadata(handle: bigint, index: number): bigint;
  /** Writes this plugin's metadata slot of the object behind `handle` (0: the connection). */
  setMetadata(handle: bigint, index: number, value: bigint): void;
  /** Books frames; returns the bytes booked (0: refused). */
  reserveFrames(frames: readonly HostFrameBooking[]): number;
}

/**
 * A post observer's run before any marshalling (the shape of
 * `transport/protoop`'s `DirectCall`): the param, the native inputs with how
 * to read each, and the full {@link PlugletInvocation}, made at the first ask.
 */
export interface DirectInvocation {
  /** Param (frame type, TP id) or 0xffff. */
  readonly param: number;
  /** The number of inputs. */
  readonly argc: number;
  /** The native inputs (read only). */
  readonly native: readonly unknown[];
  /**
   * By input, transport/protoop `DirectInput`: a number, a boolean, or
   * anything else (read through `full` only).
   */
  readonly kinds: Uint8Array;
  /** The full invocation (made at the first ask, then kept for the run). */
  full(): PlugletInvocation;
}

/** Which pluglet a fault or statistic is about. */
export interface PlugletRef {
  /** Protoop name. */
  readonly op: string;
  /** Param, when the manifest line has one. */
  readonly param?: number;
  /** Anchor. */
  readonly anchor: string;
  /** Object file as written in the manifest. */
  readonly file: string;
}

/** What the host hears when a plugin faults. */
export interface PluginFaultReport {
  /** Plugin name. */
  readonly plugin: string;
  /** The pluglet that was running. */
  readonly pluglet: PlugletRef;
  /** The fault. */
  readonly fault: PluginFault;
  /** One line for CONNECTION_CLOSE's reason, logs and qlog. */
  readonly message: string;
}

/** What the pquic helpers need from the connection (one per plugin instance). */
export interface PluginHost {
  /**
   * Reads a field of a host object.
   *
   * @param kind family of the key
   * @param key the access key (known in the family)
   * @param param the key's param (path index, TP index…), else 0
   * @param handle the object (0 for the connection itself)
   * @returns the value as a u64 (handles for object fields, UINT64_MAX for "none")
   */
  getField(kind: FieldKind, key: number, param: number, handle: bigint): bigint;
  /**
   * Writes a writable field (AK_PATH_CWIN, AK_PATH_PACING_ENABLED,
   * AK_PKTCTX_ACK_DELAY_LOCAL).
   *
   * @param kind family of the key
   * @param key the access key (known and writable)
   * @param param the key's param
   * @param handle the object
   * @param value the new value
   */
  setField(kind: FieldKind, key: number, param: number, handle: bigint, value: bigint): void;
  /**
   * The bytes behind a host buffer handle: a received packet or frame, a
   * transport parameter value, or a writer's writable window (starting at
   * its current position).
   *
   * @param handle the buffer
   * @param write whether the helper will write into it
   * @returns the bytes, or null when the handle is no buffer (or not writable)
   */
  bytes(handle: bigint, write: boolean): Uint8Array | null;
  /**
   * An open stream's handle.
   *
   * @param streamId stream id
   * @returns its handle, 0n when there is no such stream
   */
  findStream(streamId: bigint): bigint;
  /** The connection's current time, µs. */
  now(): number;
  /**
   * A log line from a pluglet (`helper_log`).
   *
   * @param plugin plugin name
   * @param line the formatted line
   */
  log(plugin: string, line: string): void;
  /**
   * A qlog event from a pluglet.
   *
   * @param plugin plugin name
   * @param name "category:event"
   * @param data field → value
   */
  qlog(plugin: string, name: string, data: Record<string, bigint>): void;
  /**
   * A pluglet of the plugin faulted: the plugin must be detached from this
   * connection and the connection closed with INTERNAL_ERROR and
   * `report.message`. Called once per instance; the instance runs nothing
   * more afterwards.
   *
   * @param report plugin, pluglet, fault and message
   */
  onFault(report: PluginFaultReport): void;
}
