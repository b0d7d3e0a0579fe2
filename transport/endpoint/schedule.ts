/**
 * Which of an endpoint's connections need attention, without scanning them
 * all (quinn keeps the same split between its endpoint and connections):
 *
 * - a **ready list**: connections that may have something to send. A
 *   connection joins it when it was touched — a datagram or a timer was
 *   handed to it, or the application called it (`Connection.onWork`) — and
 *   leaves it once its `pollTransmit` returned nothing. Connections are
 *   polled in creation order, as a scan of all of them would;
 * - a **timer heap** ({@link TimerHeap}) keyed by each connection's
 *   `nextTimeout()`, re-keyed after every operation on the connection; the
 *   connections touched since the last look (a **dirty list**) are re-keyed
 *   before the heap is read, since an application call may move a deadline
 *   (a close arms the closing timer).
 *
 * Every operation is O(1) or O(log n) in the number of connections, plus
 * O(k) in the k connections touched.
 *
 * @module
 */

import { type HeapItem, TimerHeap } from "./timer_heap.ts";

/** What the schedule needs of a connection. */
export interface Schedulable {
  /** The earliest time (µs) the connection wants `onTimeout`, `Infinity` when none. */
  nextTimeout(): number;
}

/** The endpoint's record of one connection. */
export class ScheduleEntry<C extends Schedulable> implements HeapItem {
  /** The connection. */
  readonly conn: C;
  /** Creation order: the order in which connections are polled and their timers fired. */
  readonly seq: number;
  /** Route keys (CIDs) of this connection, for the endpoint. */
  readonly routes: string[] = [];
  /** Deadline in the heap (µs), `Infinity` when not in it. */
  deadline = Infinity;
  /** Position in the heap, -1 when not in it. */
  heapIndex = -1;
  /** On the ready list. */
  ready = false;
  /** On the dirty list (its deadline may have moved). */
  dirty = false;
  /** False once removed. */
  alive = true;

  /**
   * @param conn The connection.
   * @param seq Its creation order.
   */
  constructor(conn: C, seq: number) {
    this.conn = conn;
    this.seq = seq;
  }
}

/**
 * The ready list and the timer heap of an endpoint's connections.
 *
 * @example Only touched connections are polled
 * ```ts
 * import { ConnectionSchedule } from "./schedule.ts";
 * import assert from "node:assert/strict";
 * const s = new ConnectionSchedule<{ nextTimeout(): number }>();
 * const a = s.add({ nextTimeout: () => 300 });
 * const b = s.add({ nextTimeout: () => 100 });
 * assert.equal(s.nextReady(), a);
 * s.dropReady(a);
 * s.dropReady(b);
 * assert.equal(s.nextReady(), null);
 * assert.equal(s.nextTimeout(), 100);
 * s.touch(b);
 * assert.equal(s.nextReady(), b);
 * ```
 */
export class ConnectionSchedule<C extends Schedulable> {
  readonly #heap = new TimerHeap<ScheduleEntry<C>>();
  #ready: ScheduleEntry<C>[] = [];
  #readyHead = 0;
  #readySorted = true;
  #dirty: ScheduleEntry<C>[] = [];
  #seq = 0;

  /** Connections in the timer heap (with a finite deadline), for tests. */
  get timed(): number {
    return this.#heap.size;
  }

  /** Records a new connection; it starts ready and dirty. */
  add(conn: C): ScheduleEntry<C> {
    const entry = new ScheduleEntry(conn, this.#seq++);
    this.touch(entry);
    return entry;
  }

  /** Forgets a connection (it may still sit on the lists: it is skipped there). */
  remove(entry: ScheduleEntry<C>): void {
    entry.alive = false;
    this.#heap.remove(entry);
  }

  /** The connection may have something to send, and its deadline may have moved. */
  touch(entry: ScheduleEntry<C>): void {
    if (!entry.alive) return;
    if (!entry.ready) {
      entry.ready = true;
      const ready = this.#ready;
      if (ready.length > this.#readyHead && ready[ready.length - 1]!.seq > entry.seq) {
        this.#readySorted = false;
      }
      ready.push(entry);
    }
    if (!entry.dirty) {
      entry.dirty = true;
      this.#dirty.push(entry);
    }
  }

  /** Re-keys the connection in the heap from its `nextTimeout()`. */
  refresh(entry: ScheduleEntry<C>): void {
    if (entry.alive) this.#heap.update(entry, entry.conn.nextTimeout());
  }

  /**
   * The ready connection created first, or `null` when none is ready. It stays
   * ready until {@link dropReady}.
   */
  nextReady(): ScheduleEntry<C> | null {
    if (!this.#readySorted) this.#sortReady();
    const ready = this.#ready;
    while (this.#readyHead < ready.length) {
      const e = ready[this.#readyHead]!;
      if (e.alive) return e;
      e.ready = false;
      this.#readyHead++;
    }
    ready.length = 0;
    this.#readyHead = 0;
    return null;
  }

  /** `entry`, the one {@link nextReady} returned, has nothing more to send. */
  dropReady(entry: ScheduleEntry<C>): void {
    const ready = this.#ready;
    if (ready[this.#readyHead] !== entry) return;
    entry.ready = false;
    ready[this.#readyHead++] = undefined!;
    if (this.#readyHead === ready.length) {
      ready.length = 0;
      this.#readyHead = 0;
    }
  }

  /** The earliest deadline of any connection (µs), `Infinity` when none. */
  nextTimeout(): number {
    this.#refreshDirty();
    return this.#heap.peekDeadline();
  }

  /**
   * Takes the connections whose deadline is at or before `now` out of the heap,
   * in creation order. The caller fires them and {@link refresh}es each.
   *
   * @param now Current time (µs).
   * @param out Where they go (emptied first).
   */
  takeDue(now: number, out: ScheduleEntry<C>[]): void {
    out.length = 0;
    this.#refreshDirty();
    const heap = this.#heap;
    while (heap.peekDeadline() <= now) out.push(heap.pop()!);
    if (out.length > 1) out.sort(bySeq);
  }

  #refreshDirty(): void {
    const dirty = this.#dirty;
    if (dirty.length === 0) return;
    for (let i = 0; i < dirty.length; i++) {
      const e = dirty[i]!;
      e.dirty = false;
      this.refresh(e);
    }
    dirty.length = 0;
  }

  #sortReady(): void {
    const rest = this.#ready.slice(this.#readyHead).sort(bySeq);
    this.#ready = rest;
    this.#readyHead = 0;
    this.#readySorted = true;
  }
}

function bySeq(a: { seq: number }, b: { seq: number }): number {
  return a.seq - b.seq;
}
