/**
 * UDP sockets for the drivers: binding (IPv4, IPv6 and the dual-stack `::`)
 * and the conversions between Deno's `NetAddr` and the transport's
 * {@link SocketAddress}.
 *
 * On `::` Deno binds an IPv6 socket without `IPV6_V6ONLY`, so on Linux (and
 * wherever `net.ipv6.bindv6only` is 0) one socket serves both families, like
 * picoquicdemo's default: IPv4 peers then show up as IPv4-mapped IPv6
 * addresses (`::ffff:127.0.0.1`), which {@link toSocketAddress} turns back
 * into plain IPv4 so that an address compares equal whichever socket saw it
 * (sending to a plain IPv4 address from the `::` socket works). On a host
 * without IPv6, binding `::` fails and {@link bindUdp} falls back to
 * `0.0.0.0`.
 *
 * @module
 */

import type { SocketAddress } from "../transport/address.ts";

/** Where to bind: a literal address (default `::`) and a port (default 0: any). */
export interface BindOptions {
  /** A literal IPv4 or IPv6 address, `::` (dual-stack) or `0.0.0.0`. */
  hostname?: string;
  /** A port, 0 for one chosen by the system. */
  port?: number;
}

/** A bound UDP socket and its local address. */
export interface BoundSocket {
  readonly socket: Deno.DatagramConn;
  readonly local: SocketAddress;
}

/**
 * Binds a UDP socket. `::` is tried first by default; when the host has no
 * IPv6 it falls back to `0.0.0.0`.
 *
 * @example
 * ```ts
 * import { bindUdp } from "./udp.ts";
 * import assert from "node:assert/strict";
 * const { socket, local } = bindUdp({ hostname: "127.0.0.1" });
 * assert.equal(local.hostname, "127.0.0.1");
 * assert.ok(local.port > 0);
 * socket.close();
 * ```
 */
export function bindUdp(options: BindOptions = {}): BoundSocket {
  const hostname = options.hostname ?? "::";
  const port = options.port ?? 0;
  let socket: Deno.DatagramConn;
  try {
    socket = Deno.listenDatagram({ transport: "udp", hostname, port });
  } catch (e) {
    if (options.hostname !== undefined || !isAddressFamilyError(e)) throw e;
    socket = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port });
  }
  const addr = socket.addr as Deno.NetAddr;
  return { socket, local: { hostname: addr.hostname, port: addr.port } };
}

function isAddressFamilyError(e: unknown): boolean {
  return e instanceof Error && /family|not available|not supported|EAFNOSUPPORT/i.test(e.message);
}

/**
 * The transport's address for a peer's `Deno.Addr`, IPv4-mapped IPv6
 * addresses unmapped.
 *
 * @example
 * ```ts
 * import { toSocketAddress } from "./udp.ts";
 * import assert from "node:assert/strict";
 * const a = toSocketAddress({ transport: "udp", hostname: "::ffff:127.0.0.1", port: 4433 });
 * assert.deepEqual(a, { hostname: "127.0.0.1", port: 4433 });
 * ```
 */
export function toSocketAddress(addr: Deno.Addr): SocketAddress {
  const a = addr as Deno.NetAddr;
  return { hostname: unmapIpv4(a.hostname), port: a.port };
}

/** `::ffff:a.b.c.d` → `a.b.c.d`; anything else unchanged. */
export function unmapIpv4(hostname: string): string {
  return hostname.length > 7 && hostname.startsWith("::ffff:") && hostname.includes(".")
    ? hostname.slice(7)
    : hostname;
}

/**
 * A `Deno.NetAddr` for a transport address.
 *
 * @example
 * ```ts
 * import { toNetAddr } from "./udp.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(toNetAddr({ hostname: "::1", port: 1 }), {
 *   transport: "udp",
 *   hostname: "::1",
 *   port: 1,
 * });
 * ```
 */
export function toNetAddr(a: SocketAddress): Deno.NetAddr {
  return { transport: "udp", hostname: a.hostname, port: a.port };
}

/**
 * A literal address for `hostname`: literals as they are, `localhost` as
 * `127.0.0.1` (or `::1` when `preferIpv6`), anything else through DNS
 * (A first, then AAAA).
 *
 * @example
 * ```ts
 * import { resolveHost } from "./udp.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await resolveHost("localhost"), "127.0.0.1");
 * assert.equal(await resolveHost("::1"), "::1");
 * ```
 */
export async function resolveHost(hostname: string, preferIpv6 = false): Promise<string> {
  const bare = hostname.startsWith("[") && hostname.endsWith("]")
    ? hostname.slice(1, -1)
    : hostname;
  if (isIpLiteral(bare)) return bare;
  if (bare === "localhost") return preferIpv6 ? "::1" : "127.0.0.1";
  for (const type of ["A", "AAAA"] as const) {
    try {
      const found = await Deno.resolveDns(bare, type);
      if (found.length > 0) return found[0]!;
    } catch {
      // Try the other record type.
    }
  }
  throw new Error(`Cannot resolve "${hostname}": no A or AAAA record`);
}

/** True for an IPv4 dotted quad or an IPv6 literal. */
export function isIpLiteral(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || (s.includes(":") && /^[0-9a-fA-F:.]+$/.test(s));
}
