/**
 * The {@link PlugletCall} a pluglet receives: one per nesting depth, reused
 * from call to call (no allocation per call once warm), with argument and
 * output buffers cached by length.
 *
 * Inputs are marshalled and copied as 32-bit words through a `Uint32Array`
 * over each `BigUint64Array`'s buffer: a number, a boolean or a handle id
 * becomes a u64 without making a BigInt (reading or writing a BigUint64Array
 * element makes one per access). Only values outside [0, 2^53) take
 * {@link toU64}.
 *
 * Inputs are marshalled lazily ({@link CallImpl.defer}): the table hands over
 * the native arguments, and they become u64s (host objects registered as
 * handles) only when a pluglet first reads `args` or {@link CallImpl.inputNumber}
 * — always inside the call, so the handles are released with it. Each
 * pluglet's fresh copy of the inputs is likewise made at its first read. An
 * observer that never reads its inputs (monitoring's counters) then costs no
 * marshalling, no handle and no copy. Nothing a pluglet can see changes: the
 * values are those of the call's arguments, which stay as they are during
 * the call (a slot is never re-entered), and a handle is only ever obtained
 * from the inputs or `handleOf`.
 *
 * @module
 */

import { ArgKind, type ArgSpec } from "./catalogue.ts";
import { MAX_PROTOOP_ARGS, ProtoopError, ProtoopErrorKind } from "./errors.ts";
import type { HandleTable, HostRef } from "./handles.ts";
import { type MetadataStore, u53At } from "./metadata.ts";
import { Anchor, type FrameBooking, NO_PARAM, type PlugletCall, toU64 } from "./pluglet.ts";

/** Index of the low 32-bit word of a u64 in a Uint32Array over its bytes (platform order). */
const LO = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;
/** Index of the high word. */
const HI = 1 - LO;
const TWO_32 = 0x1_0000_0000;

/** The 32-bit words of a BigUint64Array. */
/** Largest handle id (handles are below 2^53). */
const MAX_HANDLE = Number.MAX_SAFE_INTEGER;

function words(a: BigUint64Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
}

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
  readonly #argWords: (Uint32Array | undefined)[] = [];
  readonly #outWords: (Uint32Array | undefined)[] = [];
  readonly #pristineWords: Uint32Array = words(this.pristine);
  readonly #bodyWords: Uint32Array = words(this.bodyOutputs);
  #args32: Uint32Array = new Uint32Array(0);
  #args: BigUint64Array = new BigUint64Array(0);
  /** Lengths of `#args` and `outputs` (read on every call: kept as plain numbers). */
  #argc = 0;
  #outc = 0;
  /** True when `#args` is not yet this pluglet's fresh copy of the inputs. */
  #argsStale = true;
  /** Native inputs still to marshal into `pristine` (see {@link defer}), or null. */
  #pending: readonly unknown[] | null = null;
  #pendingSpecs: readonly ArgSpec[] = [];
  /** Bit i set: deferred input i is already in `pristine`. */
  #marshalled = 0;
  #outputs32: Uint32Array = new Uint32Array(0);

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
    this.#pending = null;
    this.#argsStale = true;
    if (this.#argc !== argc) {
      this.#argc = argc;
      let a = this.#argBufs[argc];
      if (a === undefined) {
        a = this.#argBufs[argc] = new BigUint64Array(argc);
        this.#argWords[argc] = words(a);
      }
      this.#args = a;
      this.#args32 = this.#argWords[argc]!;
    }
    if (this.#outc !== outc) {
      this.#outc = outc;
      let o = this.#outBufs[outc];
      if (o === undefined) {
        o = this.#outBufs[outc] = new BigUint64Array(outc);
        this.#outWords[outc] = words(o);
      }
      this.outputs = o;
      this.#outputs32 = this.#outWords[outc]!;
    }
    if (outc > 0) this.#bodyWords.fill(0, 0, outc * 2);
  }

  /**
   * Inputs as u64s (each pluglet gets a fresh copy: writing it changes
   * nothing for the others), marshalled at the first read of the call.
   */
  get args(): BigUint64Array {
    if (this.#argsStale) this.#freshArgs();
    return this.#args;
  }

  /**
   * Hands over the native inputs (after {@link begin}), to be marshalled with
   * {@link setInput} at a pluglet's first read. `native` and `specs` must
   * stay unchanged until the call ends.
   */
  defer(native: readonly unknown[], specs: readonly ArgSpec[]): void {
    this.#pending = native;
    this.#pendingSpecs = specs;
    this.#marshalled = 0;
  }

  /** Marshals deferred input `i` (0 ≤ i < argc) into `pristine` unless it is there. */
  #marshal(n: readonly unknown[], i: number): void {
    const bit = 1 << i;
    if ((this.#marshalled & bit) !== 0) return;
    this.#marshalled |= bit;
    this.setInput(i, n[i], this.#pendingSpecs[i]!, this.#table.handles);
  }

  /** Marshals deferred inputs, then copies them into `args` for the running pluglet. */
  #freshArgs(): void {
    const n = this.#pending;
    if (n !== null) {
      for (let i = 0; i < this.#argc; i++) this.#marshal(n, i);
      this.#pending = null;
    }
    const a = this.#args32;
    const p = this.#pristineWords;
    for (let i = 0; i < a.length; i++) a[i] = p[i]!;
    this.#argsStale = false;
  }

  /**
   * Marshals input `i` from its native value (see {@link toU64}): numbers in
   * [0, 2^53), booleans and handles as two 32-bit words, anything else
   * through toU64.
   */
  setInput(i: number, v: unknown, spec: ArgSpec, handles: HandleTable): void {
    const w = this.#pristineWords;
    const j = i << 1;
    let n: number;
    switch (spec.kind) {
      case ArgKind.U64:
        if (typeof v !== "number" || !(v >= 0 && v <= Number.MAX_SAFE_INTEGER)) {
          this.pristine[i] = toU64(v, spec, handles);
          return;
        }
        n = Math.trunc(v);
        break;
      case ArgKind.Bool:
        n = v ? 1 : 0;
        break;
      case ArgKind.Ref:
        n = handles.register(v as HostRef | null | undefined);
        break;
      default:
        this.pristine[i] = toU64(v, spec, handles);
        return;
    }
    w[j + LO] = n >>> 0;
    w[j + HI] = (n / TWO_32) >>> 0;
  }

  /** Keeps the outputs a replace pluglet wrote as the body's (for the post observers). */
  saveBodyOutputs(): void {
    const o = this.#outputs32;
    this.#bodyWords.set(o);
  }

  /**
   * Prepares the call for the next pluglet: fresh inputs (copied at its first
   * read), outputs from `outSource` or zero.
   */
  enter(anchor: Anchor, plugin: string, pluginIndex: number, outSource: boolean): void {
    this.anchor = anchor;
    this.plugin = plugin;
    this.pluginIndex = pluginIndex;
    this.#argsStale = true;
    const o = this.#outputs32;
    if (outSource) {
      const b = this.#bodyWords;
      for (let i = 0; i < o.length; i++) o[i] = b[i]!;
    } else {
      for (let i = 0; i < o.length; i++) o[i] = 0;
    }
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

  /**
   * `getMetadata` as a number, for the getters' number form: the value when
   * below 2^53, NaN otherwise and wherever `getMetadata` would throw (a bad
   * index or handle). Makes no BigInt and never throws.
   */
  getMetadataNumber(handle: number, index: number): number {
    let o: HostRef | undefined;
    if (handle === 0) {
      o = typeof this.host === "object" && this.host !== null ? this.host : undefined;
    } else o = handle > 0 && handle <= MAX_HANDLE ? this.#table.handles.get(handle) : undefined;
    if (o === undefined || typeof o === "string") return NaN;
    return this.#table.metadata.getNumber(this.pluginIndex, o, index);
  }

  /**
   * Input `i` as a number without making a BigInt: the value when below
   * 2^53, NaN otherwise or when there is no input `i`.
   */
  inputNumber(i: number): number {
    // A pluglet that has not touched `args` reads the pristine input: no copy, and of deferred
    // inputs only this one is marshalled.
    if (!this.#argsStale) return u53At(this.#args32, i);
    const n = this.#pending;
    if (n !== null && Number.isInteger(i) && i >= 0 && i < this.#argc) this.#marshal(n, i);
    return i < this.#argc ? u53At(this.#pristineWords, i) : NaN;
  }

  /** The number of inputs (reading `args.length` would marshal them all). */
  get inputCount(): number {
    return this.#argc;
  }

  /**
   * Writes the inputs that need no marshalling as u64 words (low word first
   * in platform order, as `pristine`'s) at `dst[at + 2i]`, for i below 16:
   * the inputs already marshalled, and deferred numbers and booleans; a host
   * object not yet marshalled is left out (a handle is registered only when
   * a pluglet asks for it). Returns the mask of the inputs written.
   *
   * @param dst where the words go (an instance memory, say)
   * @param at index in `dst` of input 0's first word
   * @returns bit i set when input i was written
   */
  inputWords(dst: Uint32Array, at: number): number {
    const n = this.#pending;
    const specs = this.#pendingSpecs;
    const p = this.#pristineWords;
    const argc = this.#argc < 16 ? this.#argc : 16;
    let mask = 0;
    for (let i = 0; i < argc; i++) {
      const bit = 1 << i;
      const j = at + (i << 1);
      if (n === null || (this.#marshalled & bit) !== 0) {
        dst[j] = p[i << 1]!;
        dst[j + 1] = p[(i << 1) + 1]!;
        mask |= bit;
        continue;
      }
      const v = n[i];
      let x: number;
      switch (specs[i]!.kind) {
        case ArgKind.U64:
          if (typeof v !== "number" || !(v >= 0 && v <= Number.MAX_SAFE_INTEGER)) continue;
          x = Math.trunc(v);
          break;
        case ArgKind.Bool:
          x = v ? 1 : 0;
          break;
        default:
          continue;
      }
      dst[j + LO] = x >>> 0;
      dst[j + HI] = (x / TWO_32) >>> 0;
      mask |= bit;
    }
    return mask;
  }

  /** Output `i` as {@link inputNumber} reads an input. */
  outputNumber(i: number): number {
    return u53At(this.#outputs32, i);
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
