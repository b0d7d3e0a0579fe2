/**
 * HTTP/3 message heads: checking a decoded field section against RFC 9114
 * §4.2 (field names) and §4.3 (pseudo-header fields). A malformed message is
 * a stream error of type H3_MESSAGE_ERROR (§4.1.2).
 *
 * @module
 */

import { H3Error, H3ErrorCode } from "./errors.ts";
import type { HeaderField } from "./qpack/field_section.ts";

/** A request's control data and fields. */
export interface RequestHead {
  /** The request method. */
  readonly method: string;
  /** The `:scheme`. */
  readonly scheme: string;
  /** The `:authority` (host and port). */
  readonly authority: string;
  /** The request path. */
  readonly path: string;
  /** The regular (non-pseudo) fields. */
  readonly fields: HeaderField[];
}

/** A response's status and fields. */
export interface ResponseHead {
  /** The response status. */
  readonly status: number;
  /** The regular (non-pseudo) fields. */
  readonly fields: HeaderField[];
}

/** Connection-specific fields that HTTP/3 forbids (§4.2). */
const CONNECTION_SPECIFIC = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

function malformed(message: string): H3Error {
  return new H3Error(H3ErrorCode.H3_MESSAGE_ERROR, message, true);
}

/** Splits pseudo-header fields from regular ones, enforcing §4.2 and §4.3's common rules. */
function split(fields: readonly HeaderField[], allowed: ReadonlySet<string>) {
  const pseudo = new Map<string, string>();
  const regular: HeaderField[] = [];
  for (const [name, value] of fields) {
    if (name.length === 0) throw malformed("Cannot accept an empty field name");
    if (/[A-Z]/.test(name)) throw malformed(`Cannot accept field name "${name}": uppercase`);
    if (name[0] === ":") {
      if (regular.length > 0) throw malformed(`Cannot accept "${name}" after regular fields`);
      if (!allowed.has(name)) throw malformed(`Cannot accept pseudo-header "${name}"`);
      if (pseudo.has(name)) throw malformed(`Cannot accept "${name}" twice`);
      pseudo.set(name, value);
      continue;
    }
    if (CONNECTION_SPECIFIC.has(name)) {
      throw malformed(`Cannot accept connection-specific field "${name}"`);
    }
    if (name === "te" && value !== "trailers") throw malformed(`Cannot accept te "${value}"`);
    regular.push([name, value]);
  }
  return { pseudo, regular };
}

const REQUEST_PSEUDO = new Set([":method", ":scheme", ":authority", ":path", ":protocol"]);
const RESPONSE_PSEUDO = new Set([":status"]);

/**
 * Checks a request's field section.
 *
 * @param fields The decoded field section.
 * @returns The request head.
 * @throws {H3Error} H3_MESSAGE_ERROR (a stream error).
 */
export function parseRequestHead(fields: readonly HeaderField[]): RequestHead {
  const { pseudo, regular } = split(fields, REQUEST_PSEUDO);
  const method = pseudo.get(":method");
  if (method === undefined || method === "") {
    throw malformed("Cannot accept a request without :method");
  }
  const scheme = pseudo.get(":scheme") ?? "";
  const path = pseudo.get(":path") ?? "";
  const authority = pseudo.get(":authority") ?? "";
  if (method !== "CONNECT") {
    if (scheme === "") throw malformed("Cannot accept a request without :scheme");
    if (path === "") throw malformed("Cannot accept a request without :path");
  }
  return { method, scheme, authority, path, fields: regular };
}

/**
 * Checks a response's field section.
 *
 * @param fields The decoded field section.
 * @returns The response head.
 * @throws {H3Error} H3_MESSAGE_ERROR (a stream error).
 */
export function parseResponseHead(fields: readonly HeaderField[]): ResponseHead {
  const { pseudo, regular } = split(fields, RESPONSE_PSEUDO);
  const s = pseudo.get(":status");
  if (s === undefined || !/^[1-9][0-9]{2}$/.test(s)) {
    throw malformed(`Cannot accept a response with :status "${s ?? ""}"`);
  }
  return { status: Number(s), fields: regular };
}

/** The value of the first field named `name`, or null. */
export function fieldValue(fields: readonly HeaderField[], name: string): string | null {
  for (const [n, v] of fields) if (n === name) return v;
  return null;
}
