/**
 * Network addresses as the sans-IO core sees them: plain values, compared by
 * content. Drivers convert to and from `Deno.NetAddr`.
 *
 * @module
 */

/** A UDP endpoint address. `hostname` is a literal IPv4 or IPv6 address. */
export interface SocketAddress {
  readonly hostname: string;
  readonly port: number;
}

/** True when both addresses name the same host and port. */
export function sameAddress(a: SocketAddress, b: SocketAddress): boolean {
  return a.port === b.port && a.hostname === b.hostname;
}

/**
 * `host:port`, with IPv6 hosts in brackets.
 *
 * @example
 * ```ts
 * import { formatAddress } from "./address.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatAddress({ hostname: "::1", port: 4443 }), "[::1]:4443");
 * ```
 */
export function formatAddress(a: SocketAddress): string {
  return a.hostname.includes(":") ? `[${a.hostname}]:${a.port}` : `${a.hostname}:${a.port}`;
}
