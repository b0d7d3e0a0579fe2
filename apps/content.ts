/**
 * What the demo servers serve, shared by hq-interop and HTTP/3: picoquicdemo's
 * generated documents and files from a web root.
 *
 * A request path resolves, in picoquicdemo's order (`demo_server_parse_path`
 * in PQUIC's `picohttp/demoserver.c`):
 *
 * 1. with a web root (`-w`), a file under it, through an injected
 *    {@link ReadFile} (this module never touches the file system, so it runs
 *    on the simulator as well as in the CLI);
 * 2. `/` and `/index.html`: a small built-in page;
 * 3. `/<digits>`: exactly that many bytes of the size pattern (below);
 * 4. anything else: not found (`null`).
 *
 * The size pattern is picoquicdemo's (`demo_client_prepare_to_send`): text
 * lines of 74 bytes, 72 × `'Z'` (0x5A) then `"\r\n"`, cut at the requested
 * length. The byte at absolute offset `i` is `\r` when `i % 74 == 72`, `\n`
 * when `i % 74 == 73`, `Z` otherwise, so a client can check any chunk by its
 * offset alone.
 *
 * Path safety: a path must start with `/`; it is refused (not found) when it
 * has an empty segment (`//`), a `.` or `..` segment, a backslash, a NUL or a
 * control character, or when it is longer than {@link MAX_PATH_LENGTH}. A
 * query (`?…`) or fragment is dropped before the look-up. A trailing `/`
 * means `index.html` in that directory.
 *
 * @module
 */

/**
 * Reads a file below the web root: `path` is relative (no leading `/`, no
 * `..`), already checked by {@link safeRelativePath}. Returns `null` when there
 * is no such file (or it cannot be read).
 */
export type ReadFile = (path: string) => Uint8Array | null;

/** Length of one line of the size pattern: 72 × 'Z' + CR LF. */
export const PATTERN_LINE_LENGTH = 74;
const PATTERN_CR = 72;
const PATTERN_LF = 73;
const Z = 0x5a;
const CR = 0x0d;
const LF = 0x0a;

/** Longest request path we look at (an arbitrary bound against abuse). */
export const MAX_PATH_LENGTH = 1024;

/** Largest size a `/<digits>` path may ask for (2^53 − 1, exact in a number). */
export const MAX_PATTERN_SIZE = Number.MAX_SAFE_INTEGER;

/**
 * The byte of the size pattern at absolute offset `offset`.
 *
 * @param offset Offset from the start of the document.
 * @returns 0x0D, 0x0A or 0x5A.
 * @example
 * ```ts
 * import { patternByte } from "./content.ts";
 * import assert from "node:assert/strict";
 * assert.equal(patternByte(0), 0x5a);
 * assert.equal(patternByte(72), 0x0d);
 * assert.equal(patternByte(73 + 74), 0x0a);
 * ```
 */
export function patternByte(offset: number): number {
  const m = offset % PATTERN_LINE_LENGTH;
  return m === PATTERN_CR ? CR : m === PATTERN_LF ? LF : Z;
}

/**
 * Fills `out` with the size pattern starting at absolute offset `offset`.
 *
 * @param out Buffer to fill.
 * @param offset Absolute offset of `out[0]`.
 */
export function fillPattern(out: Uint8Array, offset: number): void {
  out.fill(Z);
  let r = PATTERN_CR - (offset % PATTERN_LINE_LENGTH);
  if (r < 0) r += PATTERN_LINE_LENGTH;
  for (; r < out.length; r += PATTERN_LINE_LENGTH) out[r] = CR;
  let n = PATTERN_LF - (offset % PATTERN_LINE_LENGTH);
  for (; n < out.length; n += PATTERN_LINE_LENGTH) out[n] = LF;
}

/**
 * Checks `data` against the size pattern at absolute offset `offset`.
 *
 * @param data Received bytes.
 * @param offset Absolute offset of `data[0]`.
 * @returns The absolute offset of the first wrong byte, or -1.
 */
export function findPatternMismatch(data: Uint8Array, offset: number): number {
  let m = offset % PATTERN_LINE_LENGTH;
  for (let i = 0; i < data.length; i++) {
    const want = m === PATTERN_CR ? CR : m === PATTERN_LF ? LF : Z;
    if (data[i] !== want) return offset + i;
    if (++m === PATTERN_LINE_LENGTH) m = 0;
  }
  return -1;
}

/** The number `/<digits>` asks for, or -1 when the path is not of that form. */
export function patternSizeOf(path: string): number {
  const m = /^\/([0-9]{1,16})$/.exec(path);
  if (m === null) return -1;
  const n = Number(m[1]);
  return n <= MAX_PATTERN_SIZE ? n : -1;
}

/**
 * Turns a request path into a path relative to the web root, or `null` when
 * it is unsafe (see the module doc).
 *
 * @param path The request path (`/dir/file.html?x=1`).
 * @returns The relative path (`dir/file.html`), or `null`.
 * @example
 * ```ts
 * import { safeRelativePath } from "./content.ts";
 * import assert from "node:assert/strict";
 * assert.equal(safeRelativePath("/a/b.txt"), "a/b.txt");
 * assert.equal(safeRelativePath("/a/"), "a/index.html");
 * assert.equal(safeRelativePath("/../etc/passwd"), null);
 * assert.equal(safeRelativePath("etc/passwd"), null);
 * ```
 */
export function safeRelativePath(path: string): string | null {
  if (path.length === 0 || path.length > MAX_PATH_LENGTH || path[0] !== "/") return null;
  const q = path.search(/[?#]/);
  const p = q < 0 ? path : path.slice(0, q);
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f\\]/.test(p)) return null;
  const segments = p.slice(1).split("/");
  if (segments[segments.length - 1] === "") segments[segments.length - 1] = "index.html";
  for (const s of segments) {
    if (s === "" || s === "." || s === "..") return null;
  }
  return segments.join("/");
}

/** A document to send: generated (the size pattern) or bytes in memory. */
export type Resource =
  | { readonly kind: "pattern"; readonly size: number; readonly contentType: string }
  | { readonly kind: "bytes"; readonly data: Uint8Array; readonly contentType: string };

/** The built-in page for `/` and `/index.html` (picoquicdemo has one too). */
export const INDEX_PAGE: Uint8Array = new TextEncoder().encode(
  "<!DOCTYPE html>\r\n<html><head><title>pquic</title></head><body>\r\n" +
    "<h1>pquic demo server</h1>\r\n" +
    "<p>GET / or /index.html returns this page.</p>\r\n" +
    "<p>GET /NNNN returns a text document of exactly NNNN bytes (decimal).</p>\r\n" +
    "<p>With a web root, its files are served.</p>\r\n" +
    "</body></html>\r\n",
);

/** Options of {@link resolveResource}. */
export interface ResolveOptions {
  /** Reads files below the web root; without it, only generated documents are served. */
  readonly readFile?: ReadFile | null;
}

/**
 * Finds what to serve for a request path (see the module doc for the order).
 *
 * @param path The request path, starting with `/`.
 * @param options The web root reader.
 * @returns The resource, or `null` for "not found".
 * @example
 * ```ts
 * import { resolveResource } from "./content.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(resolveResource("/10000"), {
 *   kind: "pattern", size: 10000, contentType: "text/plain",
 * });
 * assert.equal(resolveResource("/nope"), null);
 * ```
 */
export function resolveResource(path: string, options: ResolveOptions = {}): Resource | null {
  const rel = safeRelativePath(path);
  if (rel === null) return null;
  const readFile = options.readFile ?? null;
  if (readFile !== null) {
    const data = readFile(rel);
    if (data !== null) return { kind: "bytes", data, contentType: contentTypeOf(rel) };
  }
  if (path === "/" || path === "/index.html") {
    return { kind: "bytes", data: INDEX_PAGE, contentType: "text/html; charset=utf-8" };
  }
  const size = patternSizeOf(path);
  if (size >= 0) return { kind: "pattern", size, contentType: "text/plain" };
  return null;
}

/** Size of a resource in bytes. */
export function resourceSize(r: Resource): number {
  return r.kind === "pattern" ? r.size : r.data.length;
}

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  txt: "text/plain",
  css: "text/css",
  js: "application/javascript",
  json: "application/json",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
};

/** A content type from a file name's extension (`application/octet-stream` by default). */
export function contentTypeOf(path: string): string {
  const dot = path.lastIndexOf(".");
  const ext = dot < 0 ? "" : path.slice(dot + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? "application/octet-stream";
}
