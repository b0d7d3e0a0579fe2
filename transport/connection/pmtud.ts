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
 * Pure state: the connection asks {@link PmtuDiscovery.probeSize} when it may
 * send, and reports acknowledgements and losses.
 *
 * @module
 */

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
  #max: number;
  /** Smallest size known (or assumed) to fail; the search stays below it. */
  #high: number;
  #probeSize = 0;
  #probePn = -1;
  #probesAtSize = 0;
  #nextSearchAt = 0;
  #lastLargeAckedSent = -1;
  #suspicious = 0;

  /** @param max The largest size to try (our limit and the peer's max_udp_payload_size). */
  constructor(max: number) {
    this.#max = max;
    this.#high = max + 1;
  }

  /** True while a probe is in flight. */
  get probing(): boolean {
    return this.#probePn >= 0;
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
