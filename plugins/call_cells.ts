/**
 * The call cells: a block of u64 cells in each plugin instance's memory
 * where the host puts what pluglets read on nearly every run — the protoop
 * param, the input count, the inputs that are numbers (with a mask of
 * which), and the plugin's connection metadata (`get_cnx_metadata` slots
 * 0–9) — so that the Wasm engine reads and writes them inline through the
 * helpers' cell rules (vm/helpers.ts `CellRule`) instead of calling into the
 * host. A `get_cnx(cnx, AK_CNX_INPUT, 3)` or a `get_cnx_metadata(cnx, 0)`
 * then costs a load, not a crossing into JavaScript.
 *
 * | cell     | holds                                                     |
 * |----------|-----------------------------------------------------------|
 * | 0        | mask: bit i set when input i is in its cell               |
 * | 1        | the protoop param (`AK_CNX_PROTOOP_PARAM`)                |
 * | 2        | the input count (`AK_CNX_INPUT_COUNT`)                    |
 * | 3 … 18   | inputs 0 … 15 (`AK_CNX_INPUT`), where the mask says so    |
 * | 19 … 28  | connection metadata slots 0 … 9                           |
 *
 * Before each run the instance writes cells 0–18 from the protoop call:
 * every input that is a number or a boolean, and every input already
 * marshalled; a host object (a handle) not yet marshalled is left to the
 * helper, which marshals it when the pluglet asks (transport/protoop/call.ts
 * keeps inputs lazy). A post observer the table runs directly
 * (transport/protoop/direct_call.ts) has no call yet: its cells are written
 * from the call's native inputs ({@link CallCells.fillDirect}), and the
 * helper that needs a host object makes the call. A nested run saves and
 * restores cells 0–18 around it.
 * The metadata cells are the plugin's connection metadata itself: the
 * helpers read and write them in both forms, so the interpreter, the Wasm
 * engine's inline path and its helper calls see the same values — the
 * contract of cell rules. The cells are in the plugin's own memory: a
 * pluglet that writes over them changes only what it reads itself, as with
 * any of its data.
 *
 * @module
 */

import { DirectInput } from "../transport/protoop/pluglet.ts";
import type { CellRule } from "../vm/mod.ts";
import type { DirectInvocation } from "./host.ts";

/** Cell of the input mask. */
export const CELL_MASK = 0;
/** Cell of the protoop param. */
export const CELL_PARAM = 1;
/** Cell of the input count. */
export const CELL_ARGC = 2;
/** First input cell. */
export const CELL_INPUT = 3;
/** Inputs that have a cell (PQUIC's PROTOOPARGS_MAX). */
export const CELL_INPUTS = 16;
/** First metadata cell. */
export const CELL_META = CELL_INPUT + CELL_INPUTS;
/** Connection metadata slots (pquic.h METADATA_SLOTS). */
export const CELL_META_SLOTS = 10;
/** Cells in all. */
export const CELL_COUNT = CELL_META + CELL_META_SLOTS;
/** Cells a run writes (mask, param, count and inputs): what a nested run saves. */
export const CALL_CELLS = CELL_META;

/** `AK_CNX_INPUT`, `AK_CNX_PROTOOP_PARAM`, `AK_CNX_INPUT_COUNT` (pquic.h). */
const AK_CNX_INPUT = 0x00;
const AK_CNX_PROTOOP_PARAM = 0x80;
const AK_CNX_INPUT_COUNT = 0x82;

/** The cell rules of the helpers that read or write cells, by helper name. */
export const CELL_RULES: Readonly<Record<string, readonly CellRule[]>> = {
  // get_cnx(cnx, ak, p)
  "get_cnx": [
    {
      when: { arg: 2, equals: AK_CNX_INPUT },
      index: { arg: 3, limit: CELL_INPUTS },
      cell: CELL_INPUT,
      mask: CELL_MASK,
    },
    { when: { arg: 2, equals: AK_CNX_PROTOOP_PARAM }, cell: CELL_PARAM },
    { when: { arg: 2, equals: AK_CNX_INPUT_COUNT }, cell: CELL_ARGC },
  ],
  // get_cnx_metadata(cnx, idx), set_cnx_metadata(cnx, idx, value)
  "get_cnx_metadata": [{ index: { arg: 2, limit: CELL_META_SLOTS }, cell: CELL_META }],
  "set_cnx_metadata": [
    { index: { arg: 2, limit: CELL_META_SLOTS }, cell: CELL_META, store: { arg: 3 } },
  ],
};

/** Index of the low 32-bit word of a u64 in a Uint32Array over its bytes (platform order). */
const LO = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;
const TWO_32 = 0x1_0000_0000;

/** What a call offers to fill the input cells (transport/protoop/call.ts `CallImpl`). */
export interface InputWords {
  /**
   * Writes the inputs that are numbers (or already marshalled) as u64 words
   * at `dst[at + 2i]`, for i below 16; returns the mask of those written.
   */
  inputWords?(dst: Uint32Array, at: number): number;
  /** The number of inputs, without marshalling them. */
  readonly inputCount?: number;
  readonly param: number;
  readonly args: BigUint64Array;
}

/** The cells of one instance memory, at a fixed offset. */
export class CallCells {
  /** Byte offset of cell 0 in the instance memory. */
  readonly offset: number;
  readonly #memory: WebAssembly.Memory;
  #words: Uint32Array;
  /** Cells 0–18 of the outer runs, one block per nesting depth. */
  readonly #saved: Uint32Array[] = [];

  /**
   * @param memory the instance's WebAssembly memory
   * @param offset byte offset of cell 0 (a multiple of 8, the block inside the memory)
   */
  constructor(memory: WebAssembly.Memory, offset: number) {
    if (offset % 8 !== 0 || offset + CELL_COUNT * 8 > memory.buffer.byteLength) {
      throw new RangeError(`Cannot place the call cells at ${offset}`);
    }
    this.#memory = memory;
    this.offset = offset;
    this.#words = new Uint32Array(memory.buffer);
  }

  /** The memory as 32-bit words (a new view after growth). */
  words(): Uint32Array {
    // Growth detaches the old buffer, which empties its views: no need to ask the memory for
    // its buffer (a slow accessor) on every call.
    if (this.#words.length === 0) this.#words = new Uint32Array(this.#memory.buffer);
    return this.#words;
  }

  /** Word index of cell `k`'s low word. */
  #at(k: number): number {
    return (this.offset >> 2) + k * 2;
  }

  /** Cell `k` as a number: exact below 2^53, NaN from there. */
  number(k: number): number {
    const w = this.words();
    const i = this.#at(k);
    const hi = w[i + HI]!;
    return hi < 0x20_0000 ? hi * TWO_32 + w[i + LO]! : NaN;
  }

  /** Cell `k` as a u64. */
  big(k: number): bigint {
    const w = this.words();
    const i = this.#at(k);
    return (BigInt(w[i + HI]!) << 32n) | BigInt(w[i + LO]!);
  }

  /** Sets cell `k` to a u64. */
  setBig(k: number, v: bigint): void {
    const w = this.words();
    const i = this.#at(k);
    w[i + LO] = Number(v & 0xffff_ffffn);
    w[i + HI] = Number((v >> 32n) & 0xffff_ffffn);
  }

  /** Sets cell `k` to a number in [0, 2^53). */
  #setNumber(w: Uint32Array, k: number, n: number): void {
    const i = this.#at(k);
    w[i + LO] = n >>> 0;
    w[i + HI] = (n / TWO_32) >>> 0;
  }

  /** Whether input `i` is in its cell for this run (then the cell rule reads it inline). */
  hasInput(i: number): boolean {
    return i < CELL_INPUTS && (this.number(CELL_MASK) & (1 << i)) !== 0;
  }

  /** Input `i`'s cell as a number (see {@link number}); check {@link hasInput} first. */
  inputNumber(i: number): number {
    return this.number(CELL_INPUT + i);
  }

  /** Input `i`'s cell as a u64; check {@link hasInput} first. */
  inputBig(i: number): bigint {
    return this.big(CELL_INPUT + i);
  }

  /** Connection metadata slot `i` (0–9) as a number (see {@link number}). */
  metaNumber(i: number): number {
    return this.number(CELL_META + i);
  }

  /** Connection metadata slot `i` (0–9). */
  metaBig(i: number): bigint {
    return this.big(CELL_META + i);
  }

  /** Sets connection metadata slot `i` (0–9). */
  setMeta(i: number, v: bigint): void {
    this.setBig(CELL_META + i, v);
  }

  /** Writes cells 0–18 for a run of `call`. */
  fill(call: InputWords): void {
    const w = this.words();
    let mask = 0;
    let count: number;
    if (call.inputWords !== undefined && call.inputCount !== undefined) {
      mask = call.inputWords(w, this.#at(CELL_INPUT));
      count = call.inputCount;
    } else {
      // Any other call (a test's): every input, from its u64s.
      const a = call.args;
      for (let i = 0; i < a.length && i < CELL_INPUTS; i++) {
        const v = a[i]!;
        const j = this.#at(CELL_INPUT + i);
        w[j + LO] = Number(v & 0xffff_ffffn);
        w[j + HI] = Number(v >> 32n);
        mask |= 1 << i;
      }
      count = a.length;
    }
    this.#writeHead(w, mask, call.param, count);
  }

  /** Cells 0–2: the input mask, the param and the input count. */
  #writeHead(w: Uint32Array, mask: number, param: number, count: number): void {
    // Mask and param (16 bits) fit in the low word.
    const i = this.#at(0);
    w[i + LO] = mask >>> 0;
    w[i + HI] = 0;
    w[i + 2 + LO] = param >>> 0;
    w[i + 2 + HI] = 0;
    this.#setNumber(w, CELL_ARGC, count);
  }

  /**
   * Writes cells 0–18 for a direct observer run (transport/protoop
   * direct_call.ts): its number and boolean inputs from their native
   * values; any other input is left to the helpers, through the full call.
   */
  fillDirect(call: DirectInvocation): void {
    const w = this.words();
    const native = call.native;
    const kinds = call.kinds;
    const argc = call.argc;
    const n = argc < CELL_INPUTS ? argc : CELL_INPUTS;
    let mask = 0;
    for (let i = 0; i < n; i++) {
      const kind = kinds[i];
      let x: number;
      if (kind === DirectInput.Number) {
        const v = native[i];
        if (typeof v !== "number" || !(v >= 0 && v <= Number.MAX_SAFE_INTEGER)) continue;
        x = Math.trunc(v);
      } else if (kind === DirectInput.Bool) x = native[i] ? 1 : 0;
      else continue;
      this.#setNumber(w, CELL_INPUT + i, x);
      mask |= 1 << i;
    }
    this.#writeHead(w, mask, call.param, argc);
  }

  /** Saves cells 0–18 before a nested run. */
  save(depth: number): void {
    const w = this.words();
    const s = this.#saved[depth] ??= new Uint32Array(CALL_CELLS * 2);
    const i = this.#at(0);
    s.set(w.subarray(i, i + CALL_CELLS * 2));
  }

  /** Restores what {@link save} saved at `depth`. */
  restore(depth: number): void {
    this.words().set(this.#saved[depth]!, this.#at(0));
  }
}
