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
 * Deno's UDP API cannot size the socket's receive buffer, and Linux's default
 * (`net.core.rmem_default`, often 208 KiB) holds about a dozen 16 KB
 * datagrams: a receiver that pauses for a millisecond (garbage collection,
 * another process on its core) loses packets, and the sender's congestion
 * window stays small. {@link setReceiveBufferSize} sets `SO_RCVBUF` through
 * libc (Deno's FFI) where it can: Linux, with FFI and read permissions
 * granted; elsewhere it does nothing. quic-go does the same (7 MB).
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
  /**
   * The socket's receive buffer, bytes (default {@link DEFAULT_RECEIVE_BUFFER_SIZE};
   * 0 keeps the system's default). Best effort, see {@link setReceiveBufferSize}.
   */
  receiveBufferSize?: number;
}

/** A bound UDP socket and its local address. */
export interface BoundSocket {
  readonly socket: Deno.DatagramConn;
  readonly local: SocketAddress;
  /** The receive buffer the system reports, bytes; -1 when unknown or left alone. */
  readonly receiveBufferSize?: number;
}

/**
 * Receive buffer asked for by default: 4 MiB (Linux grants up to
 * `net.core.rmem_max` and reports twice what it granted). At 1 Gbit/s it
 * covers a 30 ms pause of the receiver.
 */
export const DEFAULT_RECEIVE_BUFFER_SIZE = 4 * 1024 * 1024;

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
  const size = options.receiveBufferSize ?? DEFAULT_RECEIVE_BUFFER_SIZE;
  const receiveBufferSize = size > 0 ? setReceiveBufferSize(socket, size) : -1;
  return { socket, local: { hostname: addr.hostname, port: addr.port }, receiveBufferSize };
}

/** Linux's SOL_SOCKET, SO_RCVBUF, SO_RCVBUFFORCE (asm-generic/socket.h). */
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;

/**
 * Sets a UDP socket's receive buffer (`SO_RCVBUF`, or `SO_RCVBUFFORCE` when
 * the process may exceed `net.core.rmem_max`) to `bytes`, as far as the
 * system allows. Linux only, and only with FFI and read permissions already
 * granted (it never prompts): Deno gives no file descriptor, so it is found
 * through /proc (the socket's inode by its local port, then the descriptor
 * linking to that inode) and the option set with libc's `setsockopt`.
 *
 * @param socket A bound UDP socket.
 * @param bytes The size wanted.
 * @returns The size the system reports afterwards (Linux reports twice what
 *   it granted), or -1 when it could not be set.
 *
 * @example
 * ```ts
 * import { bindUdp, setReceiveBufferSize } from "./udp.ts";
 * import assert from "node:assert/strict";
 * const { socket } = bindUdp({ hostname: "127.0.0.1", receiveBufferSize: 0 });
 * const size = setReceiveBufferSize(socket, 1 << 20);
 * assert.ok(size === -1 || size >= 1 << 20);
 * socket.close();
 * ```
 */
export function setReceiveBufferSize(socket: Deno.DatagramConn, bytes: number): number {
  if (Deno.build.os !== "linux") return -1;
  try {
    if (
      Deno.permissions.querySync({ name: "ffi" }).state !== "granted" ||
      Deno.permissions.querySync({ name: "read", path: "/proc" }).state !== "granted"
    ) {
      return -1;
    }
    const fd = socketFd((socket.addr as Deno.NetAddr).port);
    if (fd < 0) return -1;
    const lib = Deno.dlopen("libc.so.6", {
      setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
      getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
    });
    try {
      const value = new Int32Array([Math.min(bytes, 0x3fff_ffff)]);
      const v = new Uint8Array(value.buffer);
      // Linux reports twice the size it granted (the doubling covers bookkeeping).
      if (lib.symbols.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, v, 4) !== 0) return -1;
      const out = new Int32Array(1);
      const len = new Uint32Array([4]);
      const read = () => {
        lib.symbols.getsockopt(
          fd,
          SOL_SOCKET,
          SO_RCVBUF,
          new Uint8Array(out.buffer),
          new Uint8Array(len.buffer),
        );
        return out[0]!;
      };
      // Capped by net.core.rmem_max: privileged processes may go past it.
      if (read() < 2 * value[0]!) lib.symbols.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, v, 4);
      return read();
    } finally {
      lib.close();
    }
  } catch {
    return -1;
  }
}

/**
 * This process's file descriptor of the UDP socket bound to `port`, found
 * through /proc (its inode in /proc/self/net/udp or udp6, then the descriptor
 * linking to `socket:[inode]`), or -1.
 */
function socketFd(port: number): number {
  const hexPort = ":" + port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const table of ["/proc/self/net/udp", "/proc/self/net/udp6"]) {
    let text: string;
    try {
      text = Deno.readTextFileSync(table);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[1]!.endsWith(hexPort)) inodes.add(`socket:[${f[9]}]`);
    }
  }
  if (inodes.size !== 1) return -1; // none, or a port shared by several sockets
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      if (inodes.has(Deno.readLinkSync(`/proc/self/fd/${entry.name}`))) return Number(entry.name);
    } catch {
      // Closed meanwhile.
    }
  }
  return -1;
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
