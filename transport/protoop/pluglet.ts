/**
 * What a pluglet is and what it sees (DESIGN.md principles 2–3): a function
 * of 64-bit values. TypeScript pluglets (tests, applications embedding pquic)
 * and VM pluglets (eBPF, adapted by `plugins/`) implement the same
 * {@link Pluglet} interface and go through the same table.
 *
 * Marshalling (paid only when a pluglet is attached to the slot being called):
 * each native argument becomes a u64 by its {@link ArgKind} — see
 * {@link toU64} and {@link fromU64}; host objects become handle ids of the
 * connection's {@link HandleTable}, valid for the call.
 *
 * @module
 */

import { ArgKind, type ArgSpec } from "./catalogue.ts";
import { ProtoopError, ProtoopErrorKind } from "./errors.ts";
import type { HandleTable, HostRef } from "./handles.ts";

/** Where a pluglet hooks into a protoop (PQUIC's anchors). */
export const Anchor = {
  /** Runs instead of the core default (at most one per protoop and param). */
  Replace: "replace",
  /** Observes the inputs before the body. */
  Pre: "pre",
  /** Observes inputs, outputs and return value after the body. */
  Post: "post",
  /** A new protoop the plugin exports (no core default, no observers). */
  Extern: "extern",
} as const;

/** One of {@link Anchor}. */
export type Anchor = typeof Anchor[keyof typeof Anchor];

/** PQUIC's `NO_PARAM`: the param of a call to a non-param protoop. */
export const NO_PARAM = 0xffff;

/** 2^64 − 1: `Infinity` travels as this, and comes back as `Infinity`. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** What a pluglet implements. */
export interface Pluglet {
  /**
   * Runs the pluglet. Observers' (pre/post) return values are ignored; a
   * replace or extern pluglet's is the protoop's return value.
   *
   * @param ctx The call: arguments, outputs, helpers. Valid only during `run`.
   * @returns The return value as a u64.
   */
  run(ctx: PlugletCall): bigint;
  /**
   * Optional: runs the pluglet as a post observer straight from the call's
   * native inputs (see {@link DirectCall}), with no {@link PlugletCall}
   * made unless it asks for one. The table uses it for a (protoop, param)
   * with post observers only and no outputs, when every observer has it.
   *
   * @returns true when it ran (or ran nothing, as a faulted plugin does);
   *   false when it cannot run this way now: the table then calls
   *   {@link run} with a full call, as for any observer.
   */
  observe?(call: DirectCall): boolean;
}

/** How a {@link DirectCall} input is read without marshalling it. */
export const DirectInput = {
  /** A host object or a bigint: only through the full call. */
  Other: 0,
  /** A number (u64 argument): its value, when an integer in [0, 2^53). */
  Number: 1,
  /** A boolean: 0 or 1. */
  Bool: 2,
} as const;

/** One of {@link DirectInput}. */
export type DirectInput = typeof DirectInput[keyof typeof DirectInput];

/**
 * A post observer's view of a call before anything is marshalled: the
 * param, the native inputs and how to read each, and the full
 * {@link PlugletCall}, made at the first ask and kept for the rest of the
 * call (then the same as a {@link Pluglet.run} would have seen). Valid only
 * during {@link Pluglet.observe}.
 */
export interface DirectCall {
  /** The param (frame type, TP id) or {@link NO_PARAM}. */
  readonly param: number;
  /** The number of inputs. */
  readonly argc: number;
  /** The native inputs, by index below `argc` (read only). */
  readonly native: readonly unknown[];
  /** By input index: a {@link DirectInput}. */
  readonly kinds: Uint8Array;
  /** The full call, for this observer (made at the first ask). */
  full(): PlugletCall;
}

/** Arguments of {@link PlugletCall.reserveFrames}: one frame booked by a plugin. */
export interface FrameBooking {
  /** Frame type: `write_frame[type]` writes it, `notify_frame[type]` hears its fate. */
  readonly type: number;
  /** Bytes it needs (the most `write_frame` may write). */
  readonly size: number;
  /** Counted against the congestion window (and the plugins' share of it). */
  readonly congestionControlled: boolean;
  /** Makes the packet ack-eliciting (in flight); core never retransmits plugin frames. */
  readonly retransmittable: boolean;
  /** The plugin's context, handed to `write_frame` and `notify_frame`. */
  readonly ctx: bigint;
}

/** One marshalled protoop call, as a pluglet sees it (valid only during `run`). */
export interface PlugletCall {
  /** Protoop id. */
  readonly op: number;
  /** Protoop name. */
  readonly name: string;
  /** The param (frame type, TP id) or {@link NO_PARAM}. */
  readonly param: number;
  /** The anchor this pluglet runs at. */
  readonly anchor: Anchor;
  /** The plugin this pluglet belongs to. */
  readonly plugin: string;
  /** Inputs as u64 (observers get a fresh copy: writing it changes nothing). */
  readonly args: BigUint64Array;
  /** Outputs as u64: a replace/extern writes them; a post sees the body's. */
  readonly outputs: BigUint64Array;
  /** The body's return value (post only; 0 before). */
  readonly returnValue: bigint;
  /** The connection (for TypeScript pluglets; VM pluglets use helpers). */
  readonly host: unknown;
  /**
   * The host object behind a handle id.
   *
   * @throws {ProtoopError} `badHandle` when the id is not valid in this call.
   */
  handle(id: bigint): HostRef;
  /** Registers a host object for this call and returns its handle (0 for null). */
  handleOf(obj: HostRef | null): bigint;
  /**
   * Runs another protoop (PQUIC helper 0, `plugin_run_protoop`): catalogue
   * protoops and externs alike, with u64 arguments.
   *
   * @param name Protoop name.
   * @param args Inputs (at most 16).
   * @param param Frame type or TP id, for param protoops.
   * @param outputs Where outputs go, when the protoop has some.
   */
  call(name: string, args: readonly bigint[], param?: number, outputs?: BigUint64Array): bigint;
  /** Reads this plugin's metadata slot `index` (0–9) of the object behind `handle` (0: the connection). */
  getMetadata(handle: bigint, index: number): bigint;
  /** Writes this plugin's metadata slot `index` of the object behind `handle` (0: the connection). */
  setMetadata(handle: bigint, index: number, value: bigint): void;
  /**
   * Books frames for sending (PQUIC's `reserve_frames`).
   *
   * @returns Total bytes booked.
   */
  reserveFrames(frames: readonly FrameBooking[]): number;
}

/**
 * A native value as a u64, by kind.
 *
 * - u64: integer numbers; `Infinity` → 2^64 − 1, negatives in two's complement,
 *   NaN → 0, fractions truncated.
 * - big: two's complement to 64 bits. bool: 0/1. ref: a call-scoped handle id.
 *
 * @example
 * ```ts
 * import { ArgKind } from "./catalogue.ts";
 * import { HandleTable } from "./handles.ts";
 * import { fromU64, toU64 } from "./pluglet.ts";
 * import assert from "node:assert/strict";
 * const h = new HandleTable();
 * const spec = { name: "now", kind: ArgKind.U64 };
 * assert.equal(fromU64(toU64(Infinity, spec, h), spec, h, "x"), Infinity);
 * ```
 */
export function toU64(v: unknown, spec: ArgSpec, handles: HandleTable): bigint {
  switch (spec.kind) {
    case ArgKind.U64: {
      const n = v as number;
      if (n >= 0 && n <= Number.MAX_SAFE_INTEGER) return BigInt(Math.trunc(n));
      if (n === Infinity) return U64_MAX;
      if (typeof n !== "number" || n !== n) return 0n; // NaN, or a missing argument
      return BigInt.asUintN(64, BigInt(Math.trunc(Math.max(n, -Number.MAX_SAFE_INTEGER))));
    }
    case ArgKind.Big:
      return BigInt.asUintN(64, v as bigint);
    case ArgKind.Bool:
      return v ? 1n : 0n;
    case ArgKind.Ref:
      return BigInt(handles.register(v as HostRef | null | undefined));
  }
}

/**
 * A u64 back as a native value, by kind (the inverse of {@link toU64}): u64 →
 * number (2^64 − 1 → `Infinity`, ≥ 2^63 → negative), big → bigint, bool →
 * boolean, ref → the object behind the handle (0 → null).
 *
 * @param what Names the protoop in the error message.
 * @throws {ProtoopError} `badHandle` for a ref that is not a valid handle.
 */
export function fromU64(v: bigint, spec: ArgSpec, handles: HandleTable, what: string): unknown {
  switch (spec.kind) {
    case ArgKind.U64:
      if (v === U64_MAX) return Infinity;
      return Number(BigInt.asIntN(64, v));
    case ArgKind.Big:
      return v;
    case ArgKind.Bool:
      return v !== 0n;
    case ArgKind.Ref: {
      if (v === 0n) return null;
      const o = v <= 0x1f_ffff_ffff_ffffn ? handles.get(Number(v)) : undefined;
      if (o === undefined) {
        throw new ProtoopError(
          ProtoopErrorKind.BadHandle,
          `Cannot use handle ${v} as "${spec.name}" of ${what}: not a live handle`,
        );
      }
      return o;
    }
  }
}
