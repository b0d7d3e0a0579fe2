/**
 * The value of the plugin-exchange transport parameters
 * (`supported_plugins` 0x3e50, `plugins_to_inject` 0x3e51; see
 * `codepoints.ts`): a list of plugins, each named and pinned by its content
 * digest, so that a cache hit is exact.
 *
 * ```
 * Plugin List {
 *   Plugin Entry (..) ...,
 * }
 *
 * Plugin Entry {
 *   Name Length (8),
 *   Name (..),              printable ASCII, 1..100 bytes (a manifest name)
 *   Digest Length (8),
 *   Digest (..),            1..64 bytes (SHA-256 of the bundle's content: 32)
 * }
 * ```
 *
 * PQUIC sent a comma-separated list of names with a final NUL
 * (pquic-reference.md §5.1); names alone cannot tell two versions of a plugin
 * apart. Size: a 20-byte name with a SHA-256 digest takes 54 bytes; the
 * encoder refuses more than {@link MAX_PLUGIN_LIST_BYTES} (a ClientHello
 * should stay within a few Initial packets) and {@link MAX_PLUGIN_ENTRIES}.
 *
 * @module
 */

import { TransportError } from "../errors.ts";
import { Reader } from "../wire/reader.ts";
import { Writer } from "../wire/writer.ts";

/** A plugin as negotiated: its name and content digest. */
export interface PluginRef {
  /** The plugin's name (its manifest's first word, e.g. `be.mpiraux.datagram`). */
  readonly name: string;
  /** The content digest of its bundle. */
  readonly digest: Uint8Array;
}

/** Longest plugin name (the manifest's limit). */
export const MAX_PLUGIN_NAME = 100;
/** Longest digest (SHA-512 would fit). */
export const MAX_DIGEST = 64;
/** Most entries in one list (arbitrary: more plugins than any endpoint offers). */
export const MAX_PLUGIN_ENTRIES = 32;
/** Largest encoded list (arbitrary: keeps the TLS handshake within a few packets). */
export const MAX_PLUGIN_LIST_BYTES = 2048;

/** Name bytes: printable ASCII without space. */
const NAME_RE = /^[\x21-\x7e]+$/;
const enc = new TextEncoder();
const dec = new TextDecoder();
const LENGTH_BYTES = 1;

/** Encoded size of one entry. */
export function sizePluginEntry(ref: PluginRef): number {
  return LENGTH_BYTES + ref.name.length + LENGTH_BYTES + ref.digest.length;
}

/**
 * Checks a plugin reference (name and digest within their limits).
 *
 * @throws {RangeError} When it cannot be sent.
 */
export function checkPluginRef(ref: PluginRef): void {
  if (ref.name.length === 0 || ref.name.length > MAX_PLUGIN_NAME || !NAME_RE.test(ref.name)) {
    throw new RangeError(`Cannot list plugin "${ref.name}": not a plugin name`);
  }
  if (ref.digest.length === 0 || ref.digest.length > MAX_DIGEST) {
    throw new RangeError(
      `Cannot list plugin "${ref.name}": a digest of ${ref.digest.length} bytes (1 to ${MAX_DIGEST})`,
    );
  }
}

/**
 * Encodes a plugin list.
 *
 * @param refs The plugins, in order.
 * @returns The transport parameter's value.
 * @throws {RangeError} For a bad name or digest, or a list over the limits.
 * @example Round trip
 * ```ts
 * import { decodePluginList, encodePluginList } from "./plugin_list.ts";
 * import assert from "node:assert/strict";
 * const refs = [{ name: "be.example.a", digest: new Uint8Array(32).fill(7) }];
 * assert.deepEqual(decodePluginList(encodePluginList(refs)), refs);
 * ```
 */
export function encodePluginList(refs: readonly PluginRef[]): Uint8Array {
  if (refs.length > MAX_PLUGIN_ENTRIES) {
    throw new RangeError(
      `Cannot list ${refs.length} plugins: at most ${MAX_PLUGIN_ENTRIES}`,
    );
  }
  let size = 0;
  for (const r of refs) {
    checkPluginRef(r);
    size += sizePluginEntry(r);
  }
  if (size > MAX_PLUGIN_LIST_BYTES) {
    throw new RangeError(
      `Cannot list plugins in ${size} bytes: at most ${MAX_PLUGIN_LIST_BYTES}`,
    );
  }
  const w = new Writer(new Uint8Array(size));
  for (const r of refs) writePluginEntry(w, r);
  return w.toBytes();
}

/** Writes one Plugin Entry (also the reference inside exchange frames). */
export function writePluginEntry(w: Writer, ref: PluginRef): void {
  w.u8(ref.name.length);
  w.bytes(enc.encode(ref.name));
  w.u8(ref.digest.length);
  w.bytes(ref.digest);
}

/**
 * Reads one Plugin Entry (the digest is copied).
 *
 * @throws {RangeError} For a bad name or digest; the reader's error when truncated.
 */
export function readPluginEntry(r: Reader): PluginRef {
  const name = dec.decode(r.bytes(r.u8()));
  const digest = r.bytes(r.u8()).slice();
  const ref = { name, digest };
  checkPluginRef(ref);
  return ref;
}

/**
 * Decodes a plugin list from the peer's transport parameter.
 *
 * @param bytes The value.
 * @returns The plugins, in order (digests are copies).
 * @throws {TransportError} TRANSPORT_PARAMETER_ERROR when malformed or over the limits.
 */
export function decodePluginList(bytes: Uint8Array): PluginRef[] {
  if (bytes.length > MAX_PLUGIN_LIST_BYTES) throw bad(`${bytes.length} bytes`);
  const r = new Reader(bytes);
  const out: PluginRef[] = [];
  try {
    while (r.pos < r.end) {
      if (out.length === MAX_PLUGIN_ENTRIES) throw bad(`more than ${MAX_PLUGIN_ENTRIES} entries`);
      const ref = readPluginEntry(r);
      if (out.some((o) => o.name === ref.name)) throw bad(`plugin "${ref.name}" listed twice`);
      out.push(ref);
    }
  } catch (e) {
    if (e instanceof TransportError) throw e;
    throw bad(e instanceof RangeError ? e.message : "truncated entry");
  }
  return out;
}

function bad(reason: string): TransportError {
  return TransportError.transportParameter(`Invalid plugin list: ${reason}`);
}

/**
 * True when two digests are equal.
 *
 * @param a A digest.
 * @param b Another.
 */
export function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A digest as lowercase hex, shortened to its first `bytes` bytes (for messages).
 *
 * @param digest The digest.
 * @param bytes How many bytes to show (default all).
 */
export function digestText(digest: Uint8Array, bytes: number = digest.length): string {
  let s = "";
  for (let i = 0; i < Math.min(bytes, digest.length); i++) {
    s += digest[i]!.toString(16).padStart(2, "0");
  }
  return s;
}
