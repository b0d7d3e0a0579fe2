/**
 * Per-plugin metadata slots (PQUIC's `get/set_{cnx,path,pkt}_metadata`,
 * pquic-reference.md §4.5): ten u64 slots per (plugin, object), on the
 * connection, paths, packets and streams, zero until written, invisible to
 * other plugins.
 *
 * Kept in a WeakMap keyed by the object, not in a property on it: adding a
 * property to a `SentPacket` or a stream after construction changes its
 * hidden class and makes core's property accesses polymorphic, which costs
 * the unplugged path (bench/protoop_bench.ts measures both). A WeakMap leaves
 * core objects alone and lets the slots die with the object.
 *
 * Plugin indices are never reused within a connection, so slots of a plugin
 * that was detached are unreachable afterwards.
 *
 * @module
 */

import { ProtoopError, ProtoopErrorKind } from "./errors.ts";

/** PQUIC's `STRUCT_METADATA_MAX`: slots per (object, plugin). */
export const METADATA_SLOTS = 10;

/** Position of the low and high 32-bit words of a u64 in a Uint32Array view. */
const LO = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;
const TWO_32 = 0x1_0000_0000;
/** High words below this make a value below 2^53. */
const HI_LIMIT = 0x20_0000;

/**
 * u64 number `i` of a Uint32Array view of a BigUint64Array, as a number
 * without making a BigInt: the value when below 2^53, NaN otherwise or past
 * the end of the view.
 *
 * @param w the 32-bit words
 * @param i the index of the u64
 * @returns the value, or NaN
 */
export function u53At(w: Uint32Array, i: number): number {
  const j = i << 1;
  if (!(Number.isInteger(i) && i >= 0 && j + 1 < w.length)) return NaN;
  const hi = w[j + HI]!;
  return hi < HI_LIMIT ? hi * TWO_32 + w[j + LO]! : NaN;
}

/** One plugin's slots on one object, as u64s and as their 32-bit words. */
interface Slots {
  readonly big: BigUint64Array;
  readonly words: Uint32Array;
}

/**
 * Metadata slots of one connection.
 *
 * @example
 * ```ts
 * import { MetadataStore } from "./metadata.ts";
 * import assert from "node:assert/strict";
 * const m = new MetadataStore();
 * const path = {};
 * m.set(0, path, 3, 42n);
 * assert.equal(m.get(0, path, 3), 42n);
 * assert.equal(m.get(1, path, 3), 0n); // another plugin's slots
 * ```
 */
export class MetadataStore {
  readonly #slots = new WeakMap<object, (Slots | undefined)[]>();
  /**
   * The last object reached and its slots: pluglets mostly reach the same
   * object (the connection) run after run, and a WeakMap lookup costs more
   * than the rest of a metadata read. Keeps that one object alive until
   * another is reached.
   */
  #lastObj: object | null = null;
  #lastPer: (Slots | undefined)[] | undefined = undefined;

  /**
   * Reads slot `index` of `plugin` on `obj` (0 when never written).
   *
   * @throws {ProtoopError} `pluginFault` for an index outside 0–9.
   */
  get(plugin: number, obj: object, index: number): bigint {
    checkIndex(index);
    const per = this.#per(obj);
    if (per === undefined) return 0n;
    const s = per[plugin];
    return s === undefined ? 0n : s.big[index]!;
  }

  /**
   * Reads slot `index` of `plugin` on `obj` as a number, without making a
   * BigInt: the value when below 2^53, NaN otherwise or for an index outside
   * 0–9 (for the getters' number form; `get` gives the exact value).
   */
  getNumber(plugin: number, obj: object, index: number): number {
    if (!(Number.isInteger(index) && index >= 0 && index < METADATA_SLOTS)) return NaN;
    const per = this.#per(obj);
    if (per === undefined) return 0;
    const s = per[plugin];
    return s === undefined ? 0 : u53At(s.words, index);
  }

  /**
   * Writes slot `index` of `plugin` on `obj`.
   *
   * @throws {ProtoopError} `pluginFault` for an index outside 0–9.
   */
  set(plugin: number, obj: object, index: number, value: bigint): void {
    checkIndex(index);
    let per = this.#per(obj);
    if (per === undefined) {
      per = [];
      this.#slots.set(obj, per);
      this.#lastPer = per;
    }
    let s = per[plugin];
    if (s === undefined) {
      const big = new BigUint64Array(METADATA_SLOTS);
      s = { big, words: new Uint32Array(big.buffer) };
      per[plugin] = s;
    }
    s.big[index] = BigInt.asUintN(64, value);
  }

  #per(obj: object): (Slots | undefined)[] | undefined {
    if (obj === this.#lastObj) return this.#lastPer;
    const per = this.#slots.get(obj);
    this.#lastObj = obj;
    this.#lastPer = per;
    return per;
  }
}

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= METADATA_SLOTS) {
    throw new ProtoopError(
      ProtoopErrorKind.PluginFault,
      `Cannot use metadata slot ${index}: slots are 0 to ${METADATA_SLOTS - 1}`,
    );
  }
}
