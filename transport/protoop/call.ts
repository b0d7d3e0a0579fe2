/**
 * The {@link PlugletCall} a pluglet receives: one per nesting depth, reused
 * from call to call (no allocation per call once warm), with argument and
 * output buffers cached by length.
 *
 * @module
 */

import { MAX_PROTOOP_ARGS, ProtoopError, ProtoopErrorKind } from "./errors.ts";
import type { HandleTable, HostRef } from "./handles.ts";
import type { MetadataStore } from "./metadata.ts";
import { Anchor, type FrameBooking, NO_PARAM, type PlugletCall } from "./pluglet.ts";

/** What a call needs from its table. */
export interface CallTable {
  readonly handles: HandleTable;
  readonly metadata: MetadataStore;
  /** Runs a protoop for a pluglet (u64 in, u64 out). */
  runFromPluglet(
    host: unknown,
    name: string,
    param: number | undefined,
    args: readonly bigint[],
    outputs: BigUint64Array | undefined,
  ): bigint;
  /** Books frames for a plugin. */
  reserveFrames(pluginIndex: number, plugin: string, frames: readonly FrameBooking[]): number;
}

/** The pluglet's view of one protoop call; see {@link PlugletCall}. */
export class CallImpl implements PlugletCall {
  op = 0;
  name = "";
  param: number = NO_PARAM;
  anchor: Anchor = Anchor.Pre;
  plugin = "";
  /** Index of the plugin, for its metadata slots. */
  pluginIndex = -1;
  args: BigUint64Array = new BigUint64Array(0);
  outputs: BigUint64Array = new BigUint64Array(0);
  returnValue = 0n;
  host: unknown = null;
  /** The marshalled inputs; each pluglet gets a fresh copy in `args`. */
  readonly pristine: BigUint64Array = new BigUint64Array(MAX_PROTOOP_ARGS);
  /** The body's outputs; each post observer gets a fresh copy in `outputs`. */
  readonly bodyOutputs: BigUint64Array = new BigUint64Array(MAX_PROTOOP_ARGS);
  readonly #table: CallTable;
  readonly #argBufs: (BigUint64Array | undefined)[] = [];
  readonly #outBufs: (BigUint64Array | undefined)[] = [];

  constructor(table: CallTable) {
    this.#table = table;
  }

  /** Starts a call with `argc` inputs and `outc` outputs. */
  begin(op: number, name: string, param: number, host: unknown, argc: number, outc: number): void {
    this.op = op;
    this.name = name;
    this.param = param;
    this.host = host;
    this.returnValue = 0n;
    this.args = this.#argBufs[argc] ??= new BigUint64Array(argc);
    this.outputs = this.#outBufs[outc] ??= new BigUint64Array(outc);
    for (let i = 0; i < outc; i++) this.bodyOutputs[i] = 0n;
  }

  /** Prepares the call for the next pluglet: fresh inputs, outputs from `outSource` or zero. */
  enter(anchor: Anchor, plugin: string, pluginIndex: number, outSource: boolean): void {
    this.anchor = anchor;
    this.plugin = plugin;
    this.pluginIndex = pluginIndex;
    const a = this.args;
    for (let i = 0; i < a.length; i++) a[i] = this.pristine[i]!;
    const o = this.outputs;
    for (let i = 0; i < o.length; i++) o[i] = outSource ? this.bodyOutputs[i]! : 0n;
  }

  handle(id: bigint): HostRef {
    const o = id > 0n && id <= 0x1f_ffff_ffff_ffffn
      ? this.#table.handles.get(Number(id))
      : undefined;
    if (o === undefined) {
      throw new ProtoopError(
        ProtoopErrorKind.BadHandle,
        `Cannot use handle ${id} in "${this.name}": not a live handle`,
        this.plugin,
      );
    }
    return o;
  }

  handleOf(obj: HostRef | null): bigint {
    return BigInt(this.#table.handles.register(obj));
  }

  call(name: string, args: readonly bigint[], param?: number, outputs?: BigUint64Array): bigint {
    return this.#table.runFromPluglet(this.host, name, param, args, outputs);
  }

  getMetadata(handle: bigint, index: number): bigint {
    return this.#table.metadata.get(this.pluginIndex, this.#metaObject(handle), index);
  }

  setMetadata(handle: bigint, index: number, value: bigint): void {
    this.#table.metadata.set(this.pluginIndex, this.#metaObject(handle), index, value);
  }

  reserveFrames(frames: readonly FrameBooking[]): number {
    return this.#table.reserveFrames(this.pluginIndex, this.plugin, frames);
  }

  #metaObject(handle: bigint): object {
    if (handle === 0n) {
      if (typeof this.host !== "object" || this.host === null) {
        throw new ProtoopError(
          ProtoopErrorKind.BadHandle,
          `Cannot use connection metadata in "${this.name}": no connection`,
          this.plugin,
        );
      }
      return this.host;
    }
    const o = this.handle(handle);
    if (typeof o === "string") {
      throw new ProtoopError(
        ProtoopErrorKind.BadHandle,
        `Cannot use handle ${handle} for metadata in "${this.name}": not an object`,
        this.plugin,
      );
    }
    return o;
  }
}
