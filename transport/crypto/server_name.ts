/**
 * Matching a TLS server name against a certificate's subjectAltName entries
 * (RFC 6125 §6.4 for DNS names, RFC 5280 §4.2.1.6 for IP addresses).
 *
 * A wildcard is honoured only as the whole left-most label (`*.example.com`
 * matches `a.example.com`, not `example.com` nor `a.b.example.com`), as
 * browsers and rustls do. IP addresses compare as bytes, so `::1` and
 * `0:0:0:0:0:0:0:1` are the same address.
 *
 * @module
 */

/**
 * Parse a dotted IPv4 or an IPv6 address (with `::` and an optional trailing
 * dotted quad) into 4 or 16 bytes; null when `text` is not an IP address.
 */
export function parseIpAddress(text: string): Uint8Array | null {
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  if (text.includes(":")) return parseIpv6(text);
  return parseIpv4(text);
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | null {
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIpv4(p);
        if (v4 === null) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i]! >>> 8;
    out[2 * i + 1] = all[i]! & 0xff;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when DNS name `pattern` (from a certificate) covers `name` (RFC 6125 §6.4.3). */
export function dnsNameMatches(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, "");
  const n = name.toLowerCase().replace(/\.$/, "");
  if (!p.startsWith("*.")) return p === n;
  const suffix = p.slice(1); // ".example.com"
  // The wildcard stands for exactly one non-empty label, and never for a public suffix alone.
  if (suffix.split(".").length < 3) return false;
  if (!n.endsWith(suffix)) return false;
  const label = n.slice(0, n.length - suffix.length);
  return label.length > 0 && !label.includes(".");
}

/** One subjectAltName entry: a DNS name or an IP address. */
export interface AltName {
  /** "dns" or "ip" (other GeneralName types are ignored). */
  readonly type: string;
  /** The DNS name or the IP address as text. */
  readonly value: string;
}

/**
 * True when one of `names` covers `serverName` (a DNS name or an IP address
 * literal).
 *
 * @example
 * ```ts
 * import { serverNameMatches } from "./server_name.ts";
 * import assert from "node:assert/strict";
 * const names = [{ type: "dns", value: "*.example.com" }, { type: "ip", value: "::1" }];
 * assert.ok(serverNameMatches(names, "www.example.com"));
 * assert.ok(serverNameMatches(names, "0:0::1"));
 * assert.ok(!serverNameMatches(names, "example.com"));
 * ```
 */
export function serverNameMatches(names: readonly AltName[], serverName: string): boolean {
  const ip = parseIpAddress(serverName);
  for (const n of names) {
    if (ip !== null) {
      if (n.type !== "ip") continue;
      const other = parseIpAddress(n.value);
      if (other !== null && sameBytes(ip, other)) return true;
    } else if (n.type === "dns" && dnsNameMatches(n.value, serverName)) {
      return true;
    }
  }
  return false;
}
