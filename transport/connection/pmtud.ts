/**
 * Datagram Packetization Layer PMTU Discovery (RFC 8899 as RFC 9000 §14.3
 * applies it): find the largest datagram the path carries, above the 1200
 * bytes every QUIC path must carry, up to the peer's max_udp_payload_size and
 * our own limit.
 *
 * - Search: binary search between the confirmed size and the smallest size
 *   known to fail, with probes of PING + PADDING in their own datagram
 *   (RFC 9000 §14.4). A probe acknowledged raises the size (and the congestion
 *   controller's max_datagram_size, RFC 9002 §7.2); a probe lost
 *   {@link MAX_PROBES} times marks that size as too large. The search ends
 *   when the bounds are within {@link SEARCH_GRANULARITY} bytes, and starts
 *   again after {@link RAISE_INTERVAL} (RFC 8899 §5.1.1 PMTU_RAISE_TIMER).
 * - Probe loss is not congestion: probes are marked `isPmtuProbe` and the
 *   controller and persistent-congestion check ignore them (RFC 9000 §14.4).
 * - Black holes (RFC 8899 §4.3): {@link BLACK_HOLE_LOSSES} losses of packets
 *   larger than 1200 bytes sent after the last acknowledged large packet, or
 *   {@link BLACK_HOLE_PTOS} consecutive PTOs, drop back to 1200 bytes; the
 *   search starts again after {@link BLACK_HOLE_RETRY}.
 *
 * - Loopback (`pmtuLoopback` in the connection config, {@link pmtuProbeLimit}):
 *   towards a loopback peer the limit is what loopback carries
 *   ({@link loopbackPlpmtu}), and the probe may go out beyond the congestion
 *   window ({@link PmtuDiscovery.bypassesWindow}): the first probe, of the
 *   largest size, leaves as soon as the handshake is confirmed, so large
 *   datagrams carry the data from the second round trip on. Other paths
 *   probe as before.
 *
 * Pure state: the connection asks {@link PmtuDiscovery.probeSize} when it may
 * send, and reports acknowledgements and losses.
 *
 * @module
 */

import type { SocketAddress } from "../address.ts";

/** The size every QUIC path carries (RFC 9000 §14). */
export const BASE_PLPMTU = 1200;
/** Probes of one size before it counts as too large (RFC 8899 §5.1.2 MAX_PROBES). */
export const MAX_PROBES = 3;
/** The search stops when the bounds are this close, bytes (arbitrary, as quinn's 20). */
export const SEARCH_GRANULARITY = 20;
/** Time before searching again after a completed search, µs (RFC 8899: 600 s). */
export const RAISE_INTERVAL = 600_000_000;
/** Suspicious large-packet losses that declare a black hole (arbitrary). */
export const BLACK_HOLE_LOSSES = 4;
/** Consecutive PTOs that declare a black hole while above the base size (arbitrary). */
export const BLACK_HOLE_PTOS = 3;
/** Time before searching again after a black hole, µs (arbitrary, shorter than RFC 8899's). */
export const BLACK_HOLE_RETRY = 30_000_000;

/**
 * The largest UDP payload over IPv4 loopback: an IPv4 packet holds at most
 * 65,535 bytes, less 20 (IPv4 header) and 8 (UDP header). Linux's loopback
 * MTU is 65,536, so this is the IP limit, not the link's.
 */
export const LOOPBACK_PLPMTU_V4 = 65_507;
/**
 * The largest UDP payload over IPv6 loopback without fragmentation: Linux's
 * loopback MTU 65,536, less 40 (IPv6 header) and 8 (UDP header). Larger
 * datagrams pass only as IP fragments, which QUIC must not rely on
 * (RFC 9000 §14).
 */
export const LOOPBACK_PLPMTU_V6 = 65_488;

/**
 * What loopback carries to `hostname` (an IP literal): {@link LOOPBACK_PLPMTU_V4}
 * for 127.0.0.0/8 (also written IPv4-mapped, `::ffff:127.0.0.1`),
 * {@link LOOPBACK_PLPMTU_V6} for `::1`, 0 for any other address.
 *
 * @example
 * ```ts
 * import { loopbackPlpmtu } from "./pmtud.ts";
 * import assert from "node:assert/strict";
 * assert.equal(loopbackPlpmtu("127.0.0.1"), 65_507);
 * assert.equal(loopbackPlpmtu("::1"), 65_488);
 * assert.equal(loopbackPlpmtu("192.0.2.1"), 0);
 * ```
 */
export function loopbackPlpmtu(hostname: string): number {
  let h = hostname.toLowerCase();
  const zone = h.indexOf("%");
  if (zone >= 0) h = h.slice(0, zone);
  if (h.startsWith("::ffff:")) h = h.slice(7); // IPv4-mapped: IPv4 on the wire
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return LOOPBACK_PLPMTU_V4;
  if (!h.includes(":")) return 0;
  // ::1 in any spelling: seven zero groups, then 1 (`::1`, `0:0:0:0:0:0:0:1`, …).
  const halves = h.split("::");
  if (halves.length > 2) return 0;
  const groups = (part: string | undefined) =>
    part === undefined || part === "" ? [] : part.split(":");
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const all = halves.length === 2
    ? [...head, ...Array<string>(Math.max(0, 8 - head.length - tail.length)).fill("0"), ...tail]
    : head;
  if (all.length !== 8 || !all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return 0;
  const last = all.pop()!;
  return parseInt(last, 16) === 1 && all.every((g) => parseInt(g, 16) === 0)
    ? LOOPBACK_PLPMTU_V6
    : 0;
}

/**
 * The largest datagram a connection to `remote` probes for: `limit` (the
 * configured `pmtuProbeLimit`, 0 for none), or, with `loopback` set and a
 * loopback peer, what loopback carries when that is more.
 *
 * @example
 * ```ts
 * import { pmtuProbeLimit } from "./pmtud.ts";
 * import assert from "node:assert/strict";
 * assert.equal(pmtuProbeLimit(1452, true, { hostname: "::1", port: 4443 }), 65_488);
 * assert.equal(pmtuProbeLimit(1452, true, { hostname: "192.0.2.1", port: 4443 }), 1452);
 * assert.equal(pmtuProbeLimit(1452, false, { hostname: "::1", port: 4443 }), 1452);
 * ```
 */
export function pmtuProbeLimit(limit: number, loopback: boolean, remote: SocketAddress): number {
  return loopback ? Math.max(limit, loopbackPlpmtu(remote.hostname)) : limit;
}

/** What an acknowledgement or loss changed. */
export const PmtuChange = { None: 0, Raised: 1, Lowered: 2 } as const;
/** One of {@link PmtuChange}. */
export type PmtuChange = typeof PmtuChange[keyof typeof PmtuChange];

/** DPLPMTUD state for one path. */
export class PmtuDiscovery {
  /** The confirmed datagram size (PLPMTU), bytes. */
  current: number = BASE_PLPMTU;
  /** Sizes confirmed by probes, in order (for stats and tests). */
  readonly history: number[] = [];
  /** Black holes detected. */
  blackHoles = 0;
  /** The largest size this search may try, as configured (before the peer's limit). */
  readonly limit: number;
  /**
   * True when a probe may be sent beyond the congestion window (loopback):
   * RFC 8899 §3 lets probes bypass congestion control if at most one is sent
   * per round trip, and here one is in flight at a time. Without it a probe
   * far above the initial window (65 KB against 12 KB) would wait for the
   * window to grow and then for as many bytes to be acknowledged at once.
   */
  readonly bypassesWindow: boolean;
  #max: number;
  /** Smallest size known (or assumed) to fail; the search stays below it. */
  #high: number;
  #probeSize = 0;
  #probePn = -1;
  #probesAtSize = 0;
  #nextSearchAt = 0;
  #lastLargeAckedSent = -1;
  #suspicious = 0;

  /**
   * @param max The largest size to try (our limit; the peer's
   *   max_udp_payload_size comes later through {@link setMax}).
   * @param bypassesWindow See {@link PmtuDiscovery.bypassesWindow} (default false).
   */
  constructor(max: number, bypassesWindow = false) {
    this.limit = max;
    this.bypassesWindow = bypassesWindow;
    this.#max = max;
    this.#high = max + 1;
  }

  /** True while a probe is in flight. */
  get probing(): boolean {
    return this.#probePn >= 0;
  }

  /**
   * The bytes of a probe in flight that the congestion window does not hold
   * ({@link bypassesWindow}), else 0: counted in flight (RFC 9002 §2), they
   * do not keep data back, so the probe is acknowledged with the data sent
   * after it instead of after the peer's ACK delay.
   */
  get bytesOutsideWindow(): number {
    return this.bypassesWindow && this.#probePn >= 0 ? this.#probeSize : 0;
  }

  /** Changes the upper bound (e.g. once the peer's transport parameters arrive). */
  setMax(max: number): void {
    this.#max = max;
    this.#high = Math.min(this.#high, max + 1);
    if (this.current > max) this.current = Math.max(BASE_PLPMTU, max);
  }

  /** The size of the probe to send now, or 0 when none is due. */
  probeSize(now: number): number {
    if (this.#probePn >= 0 || now < this.#nextSearchAt) return 0;
    if (this.#high - this.current <= SEARCH_GRANULARITY || this.current >= this.#max) {
      // Search complete: try again later from the top.
      this.#nextSearchAt = now + RAISE_INTERVAL;
      this.#high = this.#max + 1;
      return 0;
    }
    if (this.#probeSize === 0) {
      this.#probeSize = Math.ceil((this.current + this.#high) / 2);
      if (this.#high === this.#max + 1 && this.current < this.#max) {
        // Try the top first: paths that carry it are common (loopback, LANs).
        this.#probeSize = this.#max;
      }
    }
    return this.#probeSize;
  }

  /** A probe of `size` bytes went out as packet `pn`. */
  onProbeSent(pn: number): void {
    this.#probePn = pn;
    this.#probesAtSize++;
  }

  /** A probe was acknowledged: `size` works. */
  onProbeAcked(pn: number, size: number): PmtuChange {
    if (pn !== this.#probePn) return PmtuChange.None;
    this.#probePn = -1;
    this.#probeSize = 0;
    this.#probesAtSize = 0;
    if (size <= this.current) return PmtuChange.None;
    this.current = size;
    this.history.push(size);
    return PmtuChange.Raised;
  }

  /** A probe was lost; after {@link MAX_PROBES} losses its size counts as too large. */
  onProbeLost(pn: number, size: number): void {
    if (pn !== this.#probePn) return;
    this.#probePn = -1;
    if (this.#probesAtSize >= MAX_PROBES) {
      this.#high = size;
      this.#probeSize = 0;
      this.#probesAtSize = 0;
    }
  }

  /** A non-probe packet of `size` sent at `timeSent` was acknowledged. */
  onPacketAcked(size: number, timeSent: number): void {
    if (size > BASE_PLPMTU && timeSent > this.#lastLargeAckedSent) {
      this.#lastLargeAckedSent = timeSent;
      this.#suspicious = 0;
    }
  }

  /**
   * A non-probe packet was lost. A large packet sent after the last large one
   * acknowledged is suspicious; enough of them are a black hole.
   */
  onPacketLost(size: number, timeSent: number, now: number): PmtuChange {
    if (size <= BASE_PLPMTU || this.current <= BASE_PLPMTU) return PmtuChange.None;
    if (timeSent <= this.#lastLargeAckedSent) return PmtuChange.None;
    if (++this.#suspicious < BLACK_HOLE_LOSSES) return PmtuChange.None;
    return this.#blackHole(now);
  }

  /** The PTO fired for the `ptoCount`-th time in a row. */
  onPto(ptoCount: number, now: number): PmtuChange {
    if (ptoCount < BLACK_HOLE_PTOS || this.current <= BASE_PLPMTU) return PmtuChange.None;
    return this.#blackHole(now);
  }

  #blackHole(now: number): PmtuChange {
    this.blackHoles++;
    this.#high = this.#max + 1;
    this.current = BASE_PLPMTU;
    this.#suspicious = 0;
    this.#probePn = -1;
    this.#probeSize = 0;
    this.#probesAtSize = 0;
    this.#nextSearchAt = now + BLACK_HOLE_RETRY;
    this.#lastLargeAckedSent = now;
    return PmtuChange.Lowered;
  }
}
