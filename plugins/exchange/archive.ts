/**
 * The canonical tar archive under plugin bundles (bundle.ts), written and
 * read with `nanotar` (synchronous), plus the archive-level sanity checks
 * that must hold before any entry is looked at.
 *
 * Canonical form (one list of entries, one byte string):
 * - POSIX.1-1988 ustar headers, regular files only, mode 0644, uid/gid 0,
 *   empty owner names, mtime 0, the path in the 100-byte `name` field (the
 *   `prefix` field stays empty), no extended (PAX/GNU) header;
 * - the entries in the order given, then the two zero blocks that end an
 *   archive, and nothing after them (no padding to a 10 KiB record).
 *
 * {@link readArchive} checks, in order: total size, whole blocks, entry
 * count, per-entry type (regular files only: no link, device, directory or
 * FIFO), raw path (not absolute, no `.`/`..`, plain characters), file size,
 * duplicates; then it re-writes the entries and compares the bytes, which
 * catches everything else (other modes or mtimes, checksums, trailing data,
 * headers nanotar would silently fold or normalise). Every refusal is a
 * {@link BundleError}; nothing else escapes.
 *
 * @module
 */

import { Buffer } from "node:buffer";
// deno-lint-ignore no-import-prefix
import { createTar, parseTar } from "npm:nanotar@0.3.0";

/** Bounds checked before anything else is looked at. */
export interface BundleLimits {
  /** Largest archive, bytes. */
  readonly maxBytes: number;
  /** Most entries (content files and signatures). */
  readonly maxFiles: number;
  /** Largest single file, bytes. */
  readonly maxFileBytes: number;
}

/**
 * Default limits: 1 MiB per bundle (PQUIC's exchange buffer was 1,024,000
 * bytes), 256 entries, 256 KiB per file. Arbitrary bounds, well above the
 * built-in plugins (a few KiB each) and PQUIC's FEC plugin (≈60 objects).
 */
export const DEFAULT_BUNDLE_LIMITS: BundleLimits = Object.freeze({
  maxBytes: 1024 * 1024,
  maxFiles: 256,
  maxFileBytes: 256 * 1024,
});

/** A bundle that is refused; `reason` is one line saying what was wrong. */
export class BundleError extends Error {
  /** What was wrong, one line. */
  readonly reason: string;

  /**
   * Makes the refusal.
   *
   * @param reason what was wrong, one line
   * @param options the underlying error, if any
   */
  constructor(reason: string, options?: ErrorOptions) {
    super(`Cannot accept plugin bundle: ${reason}`, options);
    this.name = "BundleError";
    this.reason = reason;
  }
}

/** One file of an archive. */
export interface ArchiveEntry {
  /** Path inside the archive. */
  readonly name: string;
  /** Contents. */
  readonly data: Uint8Array;
}

/** Size of a tar block. */
const BLOCK = 512;
/** Size of the ustar `name` field: the longest path (the `prefix` field is unused). */
export const MAX_PATH_BYTES = 100;
/** Offset of the ustar `typeflag` field in a header block. */
const TYPEFLAG_OFFSET = 156;
/** The end of an archive: two zero blocks. */
const END_BYTES = 2 * BLOCK;
/** Typeflags of the extended headers nanotar folds into the next entry. */
const EXTENDED_FLAGS = "xgLKN";
const PATH_RE = /^[A-Za-z0-9._+-]+(\/[A-Za-z0-9._+-]+)*$/;
/** Fixed attributes of every entry (mtime in ms, as nanotar takes it). */
const ATTRS = { mode: "644", uid: 0, gid: 0, mtime: 0, user: "", group: "" };
const TYPE_NAMES: Readonly<Record<string, string>> = {
  hardLink: "a hard link",
  symbolicLink: "a symbolic link",
  characterDevice: "a device",
  blockDevice: "a device",
  directory: "a directory",
  fifo: "a FIFO",
};

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/**
 * Bytes as lowercase hex (digests, public keys).
 *
 * @param bytes the bytes
 * @returns hex text
 */
export function digestHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/**
 * True when two byte strings are equal.
 *
 * @param a bytes
 * @param b bytes
 * @returns equality
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * Why a path cannot be an archive entry, or null when it can: not empty, at
 * most {@link MAX_PATH_BYTES}, relative, without `.` or `..` parts, made of
 * letters, digits, `.`, `_`, `+`, `-` and `/` between parts.
 *
 * @param path the path
 * @returns the problem, as the end of a sentence starting with the path
 */
export function pathProblem(path: string): string | null {
  if (path.length === 0) return "has an empty path";
  if (path.length > MAX_PATH_BYTES) return `has a path longer than ${MAX_PATH_BYTES} bytes`;
  const parts = path.split("/");
  if (path.startsWith("/") || parts.includes("..")) return "escapes the bundle";
  if (!PATH_RE.test(path) || parts.includes(".")) {
    return "has a path that is not plain (parts of letters, digits, '.', '_', '+', '-')";
  }
  return null;
}

/**
 * Writes entries as a canonical archive, in the order given.
 *
 * @param entries the files (paths as {@link pathProblem} accepts)
 * @returns the archive
 * @example
 * ```ts
 * import { readArchive, writeArchive } from "./archive.ts";
 * import assert from "node:assert/strict";
 * const bytes = writeArchive([{ name: "a/b.o", data: new Uint8Array([1, 2]) }]);
 * assert.equal(bytes.length, 512 + 512 + 1024);
 * assert.deepEqual(readArchive(bytes)[0]!.data, new Uint8Array([1, 2]));
 * ```
 */
export function writeArchive(entries: readonly ArchiveEntry[]): Uint8Array {
  let dataBytes = 0;
  for (const e of entries) dataBytes += BLOCK + padded(e.data.length);
  const out = new Uint8Array(dataBytes + END_BYTES);
  if (entries.length > 0) {
    // nanotar pads to a 10 KiB record, and leaves out the end blocks when the
    // entries fill records exactly: keep the entries, add the end ourselves.
    const made = createTar(entries.map((e) => ({ name: e.name, data: e.data, attrs: ATTRS })));
    out.set(made.subarray(0, dataBytes));
  }
  return out;
}

/**
 * Checks the archive size against `limits`.
 *
 * @param bytes the archive
 * @param limits the bounds
 * @throws BundleError when it is too large
 */
export function checkArchiveSize(bytes: Uint8Array, limits: BundleLimits): void {
  if (bytes.length > limits.maxBytes) {
    throw new BundleError(
      `the bundle is ${bytes.length} bytes, more than the limit of ${limits.maxBytes}`,
    );
  }
}

/** Runs nanotar's parser on a private copy (it reads `data.buffer` from offset 0). */
function parseEntries(bytes: Uint8Array) {
  try {
    return parseTar(bytes.slice());
  } catch (e) {
    throw new BundleError(`not a tar archive (${e instanceof Error ? e.message : e})`, {
      cause: e,
    });
  }
}

/** A name from a header, quoted for a one-line message (control characters escaped). */
function quoted(name: string): string {
  return JSON.stringify(name);
}

function rawName(bytes: Uint8Array, offset: number): string {
  const field = bytes.subarray(offset, offset + MAX_PATH_BYTES);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end === -1 ? field : field.subarray(0, end));
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/**
 * Reads a canonical archive (see the module doc for the checks).
 *
 * @param bytes the archive
 * @param limits bounds (default {@link DEFAULT_BUNDLE_LIMITS})
 * @returns the entries in archive order (data are views of a private copy)
 * @throws BundleError naming the first rule broken; nothing else
 */
export function readArchive(
  bytes: Uint8Array,
  limits: BundleLimits = DEFAULT_BUNDLE_LIMITS,
): ArchiveEntry[] {
  checkArchiveSize(bytes, limits);
  if (bytes.length < END_BYTES || bytes.length % BLOCK !== 0) {
    throw new BundleError(`not a tar archive (${bytes.length} bytes is not whole blocks)`);
  }
  const parsed = parseEntries(bytes);
  if (parsed.length === 0) throw new BundleError("the archive is empty");
  if (parsed.length > limits.maxFiles) {
    throw new BundleError(`the bundle has ${parsed.length} entries, more than ${limits.maxFiles}`);
  }
  const entries: ArchiveEntry[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const item of parsed) {
    if (offset + BLOCK > bytes.length) throw new BundleError("the archive is truncated");
    // nanotar folds extended headers into the next entry and normalises
    // names (it turns "../x" into "x"): look at the header block itself.
    const name = rawName(bytes, offset);
    if (EXTENDED_FLAGS.includes(String.fromCharCode(bytes[offset + TYPEFLAG_OFFSET]!))) {
      throw new BundleError(`entry ${quoted(name)} is an extended (PAX or GNU) header`);
    }
    if (item.type !== "file") {
      const what = TYPE_NAMES[item.type ?? ""] ?? `of type "${item.type}"`;
      throw new BundleError(`entry ${quoted(name)} is ${what}, not a regular file`);
    }
    const problem = pathProblem(name);
    if (problem !== null) throw new BundleError(`entry ${quoted(name)} ${problem}`);
    const data = item.data ?? new Uint8Array(0);
    if (!Number.isSafeInteger(item.size) || data.length !== item.size || name !== item.name) {
      throw new BundleError(`entry ${quoted(name)} has a malformed header`);
    }
    if (item.size > limits.maxFileBytes) {
      throw new BundleError(
        `file "${name}" is ${item.size} bytes, more than the limit of ${limits.maxFileBytes}`,
      );
    }
    if (seen.has(name)) throw new BundleError(`file "${name}" appears twice`);
    seen.add(name);
    entries.push({ name, data });
    offset += BLOCK + padded(item.size);
  }
  const canonical = writeArchive(entries);
  if (!sameBytes(canonical, bytes)) {
    const at = firstDifference(canonical, bytes);
    throw new BundleError(`the archive is not canonical (it differs from a re-pack at byte ${at})`);
  }
  return entries;
}
