/**
 * The {@link DirectCall} of a slot whose only pluglets are post observers
 * that can run straight from native inputs ({@link Pluglet.observe}): one
 * per slot (a slot is never re-entered), reset for each call.
 *
 * Per packet, core calls such slots (`header_parsed`, `segment_prepared`)
 * most of all, and most observers read only numbers: a VM pluglet finds
 * them in its call cells. The full {@link CallImpl} — taken from the
 * table's pool, begun, its inputs deferred, the body's result as a u64,
 * entered for the observer — is then made only when an observer asks for
 * it: a helper that reads a host object, the return value, or runs a
 * protoop. What that observer sees is what {@link Pluglet.run} would have
 * seen.
 *
 * @module
 */

import { ArgKind, type ProtoopSpec } from "./catalogue.ts";
import type { CallImpl } from "./call.ts";
import type { HandleTable } from "./handles.ts";
import { Anchor, type DirectCall, DirectInput, type Pluglet, toU64 } from "./pluglet.ts";

/** The observer being run, as the table attached it. */
export interface DirectEntry {
  readonly plugin: string;
  readonly pluginIndex: number;
  readonly pluglet: Pluglet;
}

/** What a direct call needs from its table: a call object from its pool, and back. */
export interface CallPool {
  /** Takes the call object of the next nesting depth. */
  acquire(): CallImpl;
  /** Gives the last one taken back. */
  release(): void;
}

/** See the module doc. */
export class DirectCallImpl implements DirectCall {
  readonly param: number;
  readonly argc: number;
  readonly kinds: Uint8Array;
  /** The observer running now (set by the table before each). */
  entry: DirectEntry | null = null;
  #host: unknown = null;
  #ret: unknown = undefined;
  #call: CallImpl | null = null;
  #entered: DirectEntry | null = null;
  /** The handles' mark when the full call was made (released with it). */
  #mark = 0;

  /**
   * @param spec the slot's protoop (no outputs)
   * @param param the slot's param
   * @param native the slot's native arguments (filled by its wrapper)
   * @param pool the table's call objects
   * @param handles the table's handles (for the body's result, when a ref)
   */
  constructor(
    readonly spec: ProtoopSpec,
    param: number,
    readonly native: unknown[],
    readonly pool: CallPool,
    readonly handles: HandleTable,
  ) {
    this.param = param;
    this.argc = spec.args.length;
    this.kinds = Uint8Array.from(
      spec.args,
      (a) =>
        a.kind === ArgKind.U64
          ? DirectInput.Number
          : a.kind === ArgKind.Bool
          ? DirectInput.Bool
          : DirectInput.Other,
    );
  }

  /** Starts a call: its host, and the body's native result. */
  start(host: unknown, ret: unknown): void {
    this.#host = host;
    this.#ret = ret;
    this.#entered = null;
  }

  /**
   * Ends the call: the full call, if one was made, goes back to the pool,
   * and the handles it registered are released.
   */
  end(): void {
    this.entry = null;
    this.#host = null;
    this.#ret = undefined;
    if (this.#call !== null) {
      this.#call = null;
      this.pool.release();
      this.handles.release(this.#mark);
    }
  }

  full(): CallImpl {
    let c = this.#call;
    if (c === null) {
      const spec = this.spec;
      this.#mark = this.handles.mark();
      c = this.#call = this.pool.acquire();
      c.begin(spec.id, spec.name, this.param, this.#host, this.argc, 0);
      c.defer(this.native, spec.args);
      const ret = this.#ret;
      c.returnValue = spec.returns === null || ret === 0
        ? 0n
        : toU64(ret, spec.returns, this.handles);
    }
    const e = this.entry;
    if (e !== null && this.#entered !== e) {
      // Each observer gets its own fresh inputs, as `invoke` gives them.
      c.enter(Anchor.Post, e.plugin, e.pluginIndex, true);
      this.#entered = e;
    }
    return c;
  }
}

/**
 * True when a slot with these pluglets can run its observers directly: post
 * observers only, each with {@link Pluglet.observe}, and a protoop without
 * outputs (whose body's outputs observers would otherwise see).
 */
export function canObserveDirectly(
  spec: ProtoopSpec,
  replace: unknown,
  pre: readonly unknown[],
  post: readonly DirectEntry[],
): boolean {
  // An extern has a replace pluglet: never direct.
  return replace === null && pre.length === 0 && post.length > 0 &&
    spec.outputs.length === 0 && post.every((e) => typeof e.pluglet.observe === "function");
}
