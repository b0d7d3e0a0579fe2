/**
 * The real-network driver: one UDP socket around one sans-IO
 * {@link Endpoint}, serving any number of connections (DESIGN.md, principle 1).
 *
 * - Receive loops ({@link RECEIVERS}) feed every datagram to
 *   `endpoint.handle`; the datagrams that arrive in one turn of the event
 *   loop share one flush (`setImmediate`, at the latest every
 *   {@link FLUSH_EVERY} datagrams), which hands the endpoint's events to the
 *   owner and sends what `pollTransmit` has.
 * - Sends are not awaited one by one (that caps at ~125–180k datagrams/s):
 *   up to {@link MAX_SENDS_IN_FLIGHT} are in flight at once, and the flush
 *   resumes when half of them completed.
 * - One timer, re-armed to `endpoint.nextTimeout()` after every input. Deadlines
 *   under {@link SPIN_BELOW_US} away (pacing gaps on a fast path) are met by
 *   re-checking on the next turn of the event loop (`setImmediate`), because
 *   `setTimeout` has 1 ms granularity and clamps nested timers to 4 ms, which
 *   would cap a paced sender at ten packets per tick.
 * - {@link UdpDriver.close} closes the socket and clears the timer; the
 *   returned promise settles once the receive loop and every send ended.
 *
 * Application calls on a connection (writes, opening streams, close) produce
 * packets outside the driver's inputs: call {@link UdpDriver.wake} after them
 * (a microtask then flushes once for everything done in the same turn). The
 * connection has told the endpoint it has work (`Connection.onWork`), so a
 * flush polls only the connections touched since the last one, however many
 * the endpoint serves (transport/endpoint/schedule.ts).
 *
 * @module
 */

import { clearImmediate, setImmediate } from "node:timers";
import type { SocketAddress } from "../transport/address.ts";
import type { Endpoint, EndpointEvent } from "../transport/endpoint/endpoint.ts";
import { delayMs, monotonicMicros } from "./clock.ts";
import { type BindOptions, bindUdp, type BoundSocket, toNetAddr, toSocketAddress } from "./udp.ts";

/** Sends issued and not yet completed before the flush pauses. */
export const MAX_SENDS_IN_FLIGHT = 256;
/** Timer deadlines closer than this (µs) are polled with `setImmediate`. */
export const SPIN_BELOW_US = 2_000;
/** Datagrams handled before a flush at the latest. */
export const FLUSH_EVERY = 16;
/** Largest datagram we can receive (the largest UDP payload over IPv4). */
const RECEIVE_BUFFER_SIZE = 65_535;
/**
 * Bytes per receive slab. Short-header datagrams (the bulk of a connection)
 * are received straight into a slab, one after the other (8-byte aligned),
 * and handed to the endpoint as views: no copy and no allocation per
 * datagram (10–15 % of a receiver's CPU). A slab is replaced when less than
 * {@link RECEIVE_BUFFER_SIZE} is left, and freed once no view of it is
 * referenced. Long-header datagrams (the handshake) and small ones (below
 * {@link COPY_BELOW}) are copied instead: the transport keeps views of CIDs
 * and tokens for a connection's lifetime, and those travel in the handshake
 * and in small control packets (NEW_CONNECTION_ID); a view kept pins its
 * whole slab. Arbitrary size: four 64 KB datagrams, or a dozen of 16 KB.
 */
export const RECEIVE_SLAB_SIZE = 256 * 1024;
/**
 * Short-header datagrams smaller than this are copied (see
 * {@link RECEIVE_SLAB_SIZE}): they carry ACKs and control frames rather than
 * stream data, and copying them is cheap. Arbitrary.
 */
export const COPY_BELOW = 300;
/**
 * Receives outstanding at once. Two drain the socket buffer faster than one
 * (the next receive is already waiting while a datagram is handled), so more
 * datagrams arrive per turn of the event loop and share one flush (fewer
 * ACKs, fewer drops when the default 208 KiB receive buffer fills). They may
 * swap two neighbouring datagrams, which QUIC tolerates.
 */
export const RECEIVERS = 2;
/** The Header Form bit of a QUIC packet's first byte (RFC 9000 §17.2). */
const LONG_HEADER_BIT = 0x80;
/** Consecutive receive errors after which a receive loop stops. */
const MAX_RECEIVE_ERRORS = 100;
/** Datagrams kept while the driver is held (see {@link UdpDriver.hold}). */
const MAX_HELD = 256;

/** Counters of the socket side, for logs and benchmarks. */
export interface UdpDriverStats {
  datagramsReceived: number;
  datagramsSent: number;
  bytesReceived: number;
  bytesSent: number;
  /** Sends the system refused (e.g. no route); the transport sees them as losses. */
  sendErrors: number;
}

/** What the owner of a driver hears. */
export interface UdpDriverHandlers {
  /** Every endpoint event, in order. */
  onEvent(event: EndpointEvent): void;
  /** A socket error other than the socket being closed (default: ignored). */
  onError?(error: unknown): void;
}

/**
 * Drives an {@link Endpoint} on a UDP socket.
 *
 * @example A client endpoint's driver on an ephemeral port
 * ```ts
 * import { UdpDriver } from "./udp_driver.ts";
 * import { Endpoint } from "../transport/endpoint/endpoint.ts";
 * import { CryptoRandom } from "../transport/random.ts";
 * import assert from "node:assert/strict";
 * const driver = UdpDriver.bind(new Endpoint({ random: new CryptoRandom() }), {
 *   hostname: "127.0.0.1",
 * }, { onEvent: () => {} });
 * assert.ok(driver.local.port > 0);
 * await driver.close();
 * ```
 */
export class UdpDriver {
  /** The endpoint driven. */
  readonly endpoint: Endpoint;
  /** The socket's local address. */
  readonly local: SocketAddress;
  /** Socket counters. */
  readonly stats: UdpDriverStats = {
    datagramsReceived: 0,
    datagramsSent: 0,
    bytesReceived: 0,
    bytesSent: 0,
    sendErrors: 0,
  };

  readonly #socket: Deno.DatagramConn;
  readonly #handlers: UdpDriverHandlers;
  readonly #loop: Promise<void>;
  #closing: Promise<void> | null = null;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #timerAt = Infinity;
  #sendsInFlight = 0;
  #flushBlocked = false;
  #wakeScheduled = false;
  #sendsDone: (() => void) | null = null;
  #held: { data: Uint8Array; from: SocketAddress }[] | null = null;
  #unflushed = 0;
  #flushImmediate: ReturnType<typeof setImmediate> | undefined;
  #lastFrom: SocketAddress = { hostname: "", port: -1 };
  #lastFromHost = "";
  #lastTo: SocketAddress | null = null;
  #lastToAddr: Deno.NetAddr = { transport: "udp", hostname: "", port: 0 };

  /**
   * Wraps an already bound socket. Prefer {@link UdpDriver.bind}.
   *
   * @param endpoint The endpoint to drive.
   * @param bound The socket and its local address.
   * @param handlers Where endpoint events go.
   */
  constructor(endpoint: Endpoint, bound: BoundSocket, handlers: UdpDriverHandlers) {
    this.endpoint = endpoint;
    this.local = bound.local;
    this.#socket = bound.socket;
    this.#handlers = handlers;
    const loops: Promise<void>[] = [];
    for (let i = 0; i < RECEIVERS; i++) loops.push(this.#receiveLoop());
    this.#loop = Promise.all(loops).then(() => {});
    // Anything the endpoint already has (a client's first Initial).
    this.wake();
  }

  /**
   * Binds a UDP socket (default `::`, dual-stack where the system allows,
   * see `udp.ts`) and drives `endpoint` on it.
   */
  static bind(endpoint: Endpoint, options: BindOptions, handlers: UdpDriverHandlers): UdpDriver {
    return new UdpDriver(endpoint, bindUdp(options), handlers);
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The transport's clock: monotonic integer microseconds. */
  now(): number {
    return monotonicMicros();
  }

  /**
   * Asks for a flush after application calls (writes, new streams, close):
   * one flush runs in a microtask for everything done in this turn.
   */
  wake(): void {
    if (this.#wakeScheduled || this.#closed) return;
    this.#wakeScheduled = true;
    queueMicrotask(() => {
      this.#wakeScheduled = false;
      this.flush();
    });
  }

  /**
   * Queues incoming datagrams instead of handling them (up to 256; more are
   * dropped) until {@link release}: for a server whose certificate is still
   * being made.
   */
  hold(): void {
    this.#held ??= [];
  }

  /** Handles the datagrams queued since {@link hold}, and stops holding. */
  release(): void {
    const held = this.#held;
    this.#held = null;
    if (held === null || this.#closed) return;
    const now = monotonicMicros();
    for (const { data, from } of held) this.endpoint.handle(data, from, now);
    this.#dispatch();
    this.flush();
  }

  /**
   * Sends everything the endpoint has to send now (within the in-flight
   * limit unless `unlimited`), hands out its events and re-arms the timer.
   */
  flush(unlimited = false): void {
    if (this.#closed) return;
    this.#unflushed = 0;
    this.#dispatch();
    if (!unlimited && this.#sendsInFlight >= MAX_SENDS_IN_FLIGHT) {
      this.#flushBlocked = true;
      return;
    }
    const now = monotonicMicros();
    for (let t = this.endpoint.pollTransmit(now); t !== null; t = this.endpoint.pollTransmit(now)) {
      this.#send(t.datagram, t.remote);
      if (!unlimited && this.#sendsInFlight >= MAX_SENDS_IN_FLIGHT) {
        this.#flushBlocked = true;
        break;
      }
    }
    this.#dispatch();
    this.#arm(now);
  }

  /**
   * Sends what is queued (a CONNECTION_CLOSE, say), then closes the socket and
   * clears the timer. Connections still open are abandoned: close them first
   * for their peers to know. Settles once every operation on the socket ended.
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.flush(true);
    this.#closed = true;
    this.#stopTimer();
    if (this.#flushImmediate !== undefined) clearImmediate(this.#flushImmediate);
    this.#flushImmediate = undefined;
    this.#closing = (async () => {
      if (this.#sendsInFlight > 0) {
        await new Promise<void>((resolve) => this.#sendsDone = resolve);
      }
      try {
        this.#socket.close();
      } catch {
        // Already closed.
      }
      await this.#loop;
    })();
    return this.#closing;
  }

  /**
   * The transport address of a datagram's sender: the previous one when the
   * peer is the same (one connection's datagrams then cost no allocation and
   * no unmapping).
   */
  #peerAddress(addr: Deno.NetAddr): SocketAddress {
    if (addr.port !== this.#lastFrom.port || addr.hostname !== this.#lastFromHost) {
      this.#lastFromHost = addr.hostname;
      this.#lastFrom = toSocketAddress(addr);
    }
    return this.#lastFrom;
  }

  #send(datagram: Uint8Array, remote: SocketAddress): void {
    this.#sendsInFlight++;
    this.stats.datagramsSent++;
    this.stats.bytesSent += datagram.length;
    // One NetAddr per destination in a row (the transport hands the same object).
    if (remote !== this.#lastTo) {
      this.#lastTo = remote;
      this.#lastToAddr = toNetAddr(remote);
    }
    this.#socket.send(datagram, this.#lastToAddr).then(this.#onSent, this.#onSendError);
  }

  readonly #onSent = (): void => {
    this.#sendsInFlight--;
    this.#afterSend();
  };

  readonly #onSendError = (e: unknown): void => {
    this.#sendsInFlight--;
    this.stats.sendErrors++;
    if (!this.#closed) this.#handlers.onError?.(e);
    this.#afterSend();
  };

  #afterSend(): void {
    if (this.#closed) {
      if (this.#sendsInFlight === 0) this.#sendsDone?.();
      return;
    }
    if (this.#flushBlocked && this.#sendsInFlight <= MAX_SENDS_IN_FLIGHT / 2) {
      this.#flushBlocked = false;
      this.flush();
    }
  }

  async #receiveLoop(): Promise<void> {
    let slab = new Uint8Array(RECEIVE_SLAB_SIZE);
    let pos = 0;
    let errors = 0;
    while (!this.#closed) {
      let data: Uint8Array;
      let addr: Deno.Addr;
      if (slab.length - pos < RECEIVE_BUFFER_SIZE) {
        slab = new Uint8Array(RECEIVE_SLAB_SIZE);
        pos = 0;
      }
      try {
        // Deno receives into the view given and returns a view of it.
        [data, addr] = await this.#socket.receive(slab.subarray(pos, pos + RECEIVE_BUFFER_SIZE));
        errors = 0;
      } catch (e) {
        if (this.#closed || e instanceof Deno.errors.BadResource) return;
        this.#handlers.onError?.(e);
        // A socket that fails every receive would spin: give up on it.
        if (++errors >= MAX_RECEIVE_ERRORS) return;
        continue;
      }
      if (this.#closed) return;
      if ((data[0]! & LONG_HEADER_BIT) !== 0 || data.length < COPY_BELOW) {
        // A handshake or control datagram: its own copy (see RECEIVE_SLAB_SIZE);
        // the slab region is received into again.
        data = data.slice();
      } else {
        // The transport may keep views of the datagram: the slab region is its
        // own, never written again.
        pos += (data.length + 7) & ~7;
      }
      this.stats.datagramsReceived++;
      this.stats.bytesReceived += data.length;
      const from = this.#peerAddress(addr as Deno.NetAddr);
      if (this.#held !== null) {
        if (this.#held.length < MAX_HELD) this.#held.push({ data, from });
        continue;
      }
      this.endpoint.handle(data, from, monotonicMicros());
      // Flush once for the datagrams that arrive together (fewer, larger ACKs),
      // but not later than every FLUSH_EVERY datagrams.
      if (++this.#unflushed >= FLUSH_EVERY) this.flush();
      else if (this.#flushImmediate === undefined) {
        this.#flushImmediate = setImmediate(this.#deferredFlush);
      }
    }
  }

  readonly #deferredFlush = (): void => {
    this.#flushImmediate = undefined;
    this.flush();
  };

  #dispatch(): void {
    for (let e = this.endpoint.pollEvent(); e !== null; e = this.endpoint.pollEvent()) {
      this.#handlers.onEvent(e);
    }
  }

  #arm(now: number): void {
    const next = this.endpoint.nextTimeout();
    // A timer armed for no later than `next` stays: it fires a little early and
    // re-arms, which costs less than replacing a timer after every datagram
    // (the ACK-delay deadline moves with each one).
    if (next >= this.#timerAt) return;
    this.#stopTimer();
    this.#timerAt = next;
    if (next === Infinity || this.#closed) return;
    if (next - now < SPIN_BELOW_US) this.#immediate = setImmediate(this.#onTimer);
    else this.#timer = setTimeout(this.#onTimer, delayMs(now, next));
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    this.#timerAt = Infinity;
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#immediate = undefined;
    this.#timerAt = Infinity;
    if (this.#closed) return;
    const now = monotonicMicros();
    if (this.endpoint.nextTimeout() > now) {
      // Early (a pacing gap polled with setImmediate): nothing can have become
      // sendable that a datagram or wake() would not have flushed already.
      this.#arm(now);
      return;
    }
    this.endpoint.onTimeout(now);
    this.flush();
  };
}
