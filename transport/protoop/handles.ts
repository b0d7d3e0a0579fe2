/**
 * Host object handles: how a host object argument (frame, packet, path,
 * stream, writer, …) becomes a u64 a pluglet can hold (DESIGN.md principle 3:
 * a pluglet reaches host state only through helpers, by handle).
 *
 * One table per connection. A call-scoped handle is registered during a
 * marshalled protoop call (when a pluglet first reads that input, see
 * call.ts, or asks `handleOf`) and is invalid once that call returns (a
 * stack: {@link HandleTable.mark} / {@link HandleTable.release}). A pinned
 * handle (a frame reservation's context, kept from `reserve_frames` until
 * `notify_frame`) lives until {@link HandleTable.unpin}. Ids are never reused
 * while the table lives (a 2^53 counter), so a stale id fails instead of
 * naming another object. Id 0 is `null`.
 *
 * Only marshalled calls (a pluglet attached to the slot) register handles;
 * the unplugged fast path never touches this table.
 *
 * @module
 */

/** What a handle can name: a host object, or a string (a reason, a qlog context). */
export type HostRef = object | string;

/** A per-connection table of handles to host objects. */
export class HandleTable {
  #next = 1;
  readonly #ids: number[] = [];
  readonly #objs: (HostRef | undefined)[] = [];
  #top = 0;
  readonly #pinned = new Map<number, HostRef>();

  /** Number of live call-scoped handles (for tests). */
  get scoped(): number {
    return this.#top;
  }

  /** Number of pinned handles (for tests). */
  get pinned(): number {
    return this.#pinned.size;
  }

  /** The current stack depth, to pass to {@link release} when the call ends. */
  mark(): number {
    return this.#top;
  }

  /** Drops every call-scoped handle registered since `mark`. */
  release(mark: number): void {
    // Not `length = mark`: setting an array's length is slow in V8. Clear the
    // references so released objects can be collected.
    for (let i = mark; i < this.#top; i++) this.#objs[i] = undefined;
    this.#top = mark;
  }

  /**
   * Registers `obj` for the current call.
   *
   * @param obj The host object, or null.
   * @returns Its handle id (0 for null).
   */
  register(obj: HostRef | null | undefined): number {
    if (obj === null || obj === undefined) return 0;
    const id = this.#next++;
    const t = this.#top++;
    this.#ids[t] = id;
    this.#objs[t] = obj;
    return id;
  }

  /**
   * Registers `obj` until {@link unpin}.
   *
   * @returns Its handle id.
   */
  pin(obj: HostRef): number {
    const id = this.#next++;
    this.#pinned.set(id, obj);
    return id;
  }

  /** Forgets a pinned handle. */
  unpin(id: number): void {
    this.#pinned.delete(id);
  }

  /**
   * The object behind `id`, or undefined when it is not (or no longer) valid.
   *
   * @example
   * ```ts
   * import { HandleTable } from "./handles.ts";
   * import assert from "node:assert/strict";
   * const t = new HandleTable();
   * const m = t.mark();
   * const frame = { type: 1 };
   * const id = t.register(frame);
   * assert.equal(t.get(id), frame);
   * t.release(m);
   * assert.equal(t.get(id), undefined);
   * ```
   */
  get(id: number): HostRef | undefined {
    if (id === 0) return undefined;
    // Scoped ids grow along the stack: search from the top (the current call's).
    const ids = this.#ids;
    for (let i = this.#top - 1; i >= 0; i--) {
      const x = ids[i]!;
      if (x === id) return this.#objs[i];
      if (x < id) break;
    }
    return this.#pinned.get(id);
  }
}
