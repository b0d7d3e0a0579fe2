/**
 * The `.plugin` manifest (pquic-reference.md §3): PQUIC's format, parsed
 * strictly. The parser is pure: files are read through an injected
 * {@link ManifestReader}, so it runs the same on disk, on embedded built-ins
 * and on bundles received over a connection.
 *
 * ```
 * # comment                                  (a line whose first non-blank is '#')
 * be.mpiraux.monitoring [option ...]         (name line: first line of the top manifest)
 * <protoop> [param <N>] <anchor> <file.o>    (pluglet line)
 * <file.plugin> include                      (inline another manifest's lines)
 * -                                          (negotiate plugins: later lines wait for negotiation)
 * ```
 *
 * Decisions where PQUIC is loose (§11 of the reference):
 * - Tokens are separated by runs of spaces or tabs (PQUIC splits on single
 *   spaces, so a double space made an empty token and a confusing error).
 * - Options: `rate_unlimited`, `dynamic_memory`, `negotiate` and ours,
 *   `memory=<bytes>` (one token, so that option parsing stays token-by-token;
 *   `<bytes>` is a C integer as below, optionally followed by `K` or `M` for
 *   KiB/MiB; from {@link MIN_PLUGIN_MEMORY} to {@link MAX_PLUGIN_MEMORY},
 *   default {@link DEFAULT_PLUGIN_MEMORY}, PQUIC's 16 MiB). An unknown or
 *   repeated option is an error, as in PQUIC. `dynamic_memory` is accepted
 *   and recorded; our one allocator serves both kinds. `frames=<type>:<NAME>,…`
 *   (ours, frame_names.ts) names the plugin's frame types for statistics.
 *   `max_packet=<bytes>` (ours, {@link MIN_MAX_PACKET}–{@link MAX_MAX_PACKET})
 *   says the plugin handles UDP payloads of at most that size (FEC sizes its
 *   symbols so): an endpoint that loads it keeps path MTU discovery at or
 *   below it.
 * - The plugin name must be reverse-DNS-like: letters, digits, `_`, `-`,
 *   separated by at least one `.` (PQUIC meant to require a `.`, but its
 *   check could never fire).
 * - Anchors match exactly (`replace`, `pre`, `post`, `extern`). PQUIC
 *   prefix-matches, so a typo such as `posts` or `prefix` silently became an
 *   anchor; an exact match turns it into an error at load time.
 * - `param` is read as C's `strtoul(s, 0)` (decimal, `0x` hex, leading-0
 *   octal) but must be consumed entirely, and must be below `0xffff`
 *   (PQUIC's `NO_PARAM`).
 * - `include` must be spelt exactly; includes nest, are relative to the top
 *   manifest's directory (as in PQUIC), and a cycle is an error naming the
 *   chain (PQUIC recursed forever). Paths are relative, with no `..`, no
 *   leading `/` and no `\`: manifests travel inside bundles.
 * - Inside one plugin, a second `replace` or `extern` of the same
 *   (protoop, param), an `extern` with a param, or observers on a protoop the
 *   same plugin declares `extern`, are refused here, naming both lines
 *   (PQUIC found them only while inserting).
 * - A manifest with no pluglet line is an error.
 *
 * @module
 */

import { posix } from "node:path";
import { parseFrameNames } from "./frame_names.ts";

/** Reads a file by path; null when it does not exist or cannot be read. */
export type ManifestReader = (path: string) => Uint8Array | null;

/** Where a pluglet hooks in (PQUIC's anchors). */
export type ManifestAnchor = "replace" | "pre" | "post" | "extern";

/** PQUIC's `PLUGIN_MEMORY`: 16 MiB per (plugin, connection). */
export const DEFAULT_PLUGIN_MEMORY = 16 * 1024 * 1024;
/** Smallest `max_packet=`: QUIC's smallest datagram (RFC 9000 §14). */
export const MIN_MAX_PACKET = 1200;
/** Largest `max_packet=`: the largest max_udp_payload_size (RFC 9000 §18.2). */
export const MAX_MAX_PACKET = 65527;
/** Smallest `memory=` (one 64 KiB page: data, stack and a little heap). */
export const MIN_PLUGIN_MEMORY = 64 * 1024;
/** Largest `memory=` (an arbitrary bound: 256 MiB). */
export const MAX_PLUGIN_MEMORY = 256 * 1024 * 1024;
/** Longest plugin or protoop name (PQUIC's `PROTOOPPLUGINNAME_MAX`, `PROTOOPNAME_MAX`). */
export const MAX_NAME_LENGTH = 100;
/** Deepest include nesting (an arbitrary bound; cycles are caught before it). */
export const MAX_INCLUDE_DEPTH = 16;
/** Most pluglet lines in one plugin (an arbitrary bound). */
export const MAX_PLUGLETS = 1024;
/** Largest manifest file (an arbitrary bound). */
export const MAX_MANIFEST_SIZE = 64 * 1024;
/** PQUIC's `NO_PARAM`: not a valid explicit param. */
const NO_PARAM = 0xffff;

/** The options of the name line. */
export interface PluginOptions {
  /** `rate_unlimited`: its frames are not held to the plugins' share of the window. */
  readonly rateUnlimited: boolean;
  /** `dynamic_memory`: recorded for PQUIC compatibility; one allocator serves both. */
  readonly dynamicMemory: boolean;
  /** `negotiate`: lines after `-` are injected only once negotiation succeeded. */
  readonly negotiate: boolean;
  /** Memory limit of one (plugin, connection) instance, bytes (`memory=`). */
  readonly memory: number;
  /** Names of its frame types (`frames=0x30:DATAGRAM,…`, ours; see frame_names.ts). */
  readonly frames?: ReadonlyMap<number, string>;
  /** Largest UDP payload the plugin handles, bytes (`max_packet=`, ours); none when absent. */
  readonly maxPacket?: number;
}

/** Where a line came from, for messages. */
export interface ManifestSource {
  /** The manifest file (as given or resolved). */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
}

/** One pluglet line. */
export interface ManifestPluglet {
  /** Protoop name (catalogue or extern). */
  readonly op: string;
  /** Frame type or TP id, when the line has `param N`. */
  readonly param?: number;
  /** The anchor. */
  readonly anchor: ManifestAnchor;
  /** The object file as written in the manifest. */
  readonly file: string;
  /** The object file relative to the reader's root (top manifest dir joined). */
  readonly path: string;
  /** True for lines after `-` in a negotiate plugin: injected after negotiation. */
  readonly negotiated: boolean;
  /** Where the line is. */
  readonly source: ManifestSource;
}

/** A parsed manifest. */
export interface Manifest {
  /** The plugin name (`be.mpiraux.monitoring`). */
  readonly name: string;
  /** Options of the name line. */
  readonly options: PluginOptions;
  /** Pluglet lines in file order (includes inlined). */
  readonly pluglets: readonly ManifestPluglet[];
  /** Every manifest file read, top first (for caches and bundles). */
  readonly manifests: readonly string[];
  /** Directory object paths are relative to (the top manifest's). */
  readonly dir: string;
}

const NAME_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/;
const OP_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ANCHORS: readonly string[] = ["replace", "pre", "post", "extern"];

function fail(src: ManifestSource, what: string): never {
  throw new SyntaxError(`Cannot parse plugin manifest ${src.file}:${src.line}: ${what}`);
}

/**
 * C's `strtoul(s, &end, 0)` on a whole token: decimal, `0x` hex or
 * leading-zero octal; null when the token is not entirely such a number.
 *
 * @param s the token
 * @returns the value (a safe integer) or null
 * @example
 * ```ts
 * import { parseCInteger } from "./manifest.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseCInteger("0x2c"), 44);
 * assert.equal(parseCInteger("054"), 44);
 * assert.equal(parseCInteger("44"), 44);
 * assert.equal(parseCInteger("44x"), null);
 * ```
 */
export function parseCInteger(s: string): number | null {
  let m: RegExpExecArray | null;
  let v: number;
  if ((m = /^0[xX]([0-9a-fA-F]+)$/.exec(s)) !== null) v = parseInt(m[1]!, 16);
  else if (/^0[0-7]*$/.test(s)) v = s.length === 1 ? 0 : parseInt(s.slice(1), 8);
  else if (/^[1-9][0-9]*$/.test(s)) v = parseInt(s, 10);
  else return null;
  return Number.isSafeInteger(v) ? v : null;
}

function parseMemory(token: string, src: ManifestSource): number {
  const spec = token.slice("memory=".length);
  const m = /^(.*?)([KM]?)$/.exec(spec)!;
  const n = parseCInteger(m[1]!);
  if (n === null) fail(src, `option "${token}": "${spec}" is not a byte count`);
  const bytes = n * (m[2] === "K" ? 1024 : m[2] === "M" ? 1024 * 1024 : 1);
  if (bytes < MIN_PLUGIN_MEMORY || bytes > MAX_PLUGIN_MEMORY) {
    fail(
      src,
      `option "${token}": ${bytes} bytes is outside ${MIN_PLUGIN_MEMORY}–${MAX_PLUGIN_MEMORY}`,
    );
  }
  return bytes;
}

function parseMaxPacket(token: string, src: ManifestSource): number {
  const spec = token.slice("max_packet=".length);
  const n = parseCInteger(spec);
  if (n === null) fail(src, `option "${token}": "${spec}" is not a byte count`);
  if (n < MIN_MAX_PACKET || n > MAX_MAX_PACKET) {
    fail(src, `option "${token}": ${n} bytes is outside ${MIN_MAX_PACKET}–${MAX_MAX_PACKET}`);
  }
  return n;
}

/** The option a name-line token sets (`key=value` tokens by their key). */
function optionKey(t: string): string {
  for (const k of ["memory", "frames", "max_packet"]) if (t.startsWith(`${k}=`)) return k;
  return t;
}

function parseNameLine(tokens: string[], src: ManifestSource): [string, PluginOptions] {
  const name = tokens[0]!;
  if (name.length > MAX_NAME_LENGTH) {
    fail(src, `plugin name is longer than ${MAX_NAME_LENGTH} characters`);
  }
  if (!NAME_RE.test(name)) {
    fail(
      src,
      `plugin name "${name}" is not reverse-DNS (letters, digits, '_', '-' in at least two '.'-separated parts)`,
    );
  }
  const seen = new Set<string>();
  let rateUnlimited = false;
  let dynamicMemory = false;
  let negotiate = false;
  let memory = DEFAULT_PLUGIN_MEMORY;
  let frames: ReadonlyMap<number, string> | null = null;
  let maxPacket: number | null = null;
  for (const t of tokens.slice(1)) {
    const key = optionKey(t);
    if (seen.has(key)) fail(src, `option "${key}" is given twice`);
    seen.add(key);
    if (t === "rate_unlimited") rateUnlimited = true;
    else if (t === "dynamic_memory") dynamicMemory = true;
    else if (t === "negotiate") negotiate = true;
    else if (key === "memory") memory = parseMemory(t, src);
    else if (key === "max_packet") maxPacket = parseMaxPacket(t, src);
    else if (key === "frames") {
      try {
        frames = parseFrameNames(t.slice("frames=".length));
      } catch (e) {
        fail(src, `option "${t}": ${(e as Error).message}`);
      }
    } else {
      fail(
        src,
        `unknown option "${t}" (expected rate_unlimited, dynamic_memory, negotiate, memory=<bytes>, frames=<type>:<NAME>,… or max_packet=<bytes>)`,
      );
    }
  }
  return [name, {
    rateUnlimited,
    dynamicMemory,
    negotiate,
    memory,
    ...(frames === null ? {} : { frames }),
    ...(maxPacket === null ? {} : { maxPacket }),
  }];
}

function checkRelativePath(p: string, src: ManifestSource, what: string): void {
  if (p.startsWith("/") || p.includes("\\") || p.split("/").includes("..")) {
    fail(src, `${what} "${p}" must be a relative path without ".." or "\\"`);
  }
}

interface ParseState {
  readonly dir: string;
  readonly read: ManifestReader;
  readonly pluglets: ManifestPluglet[];
  readonly manifests: string[];
  readonly stack: string[];
  negotiate: boolean | null;
  markerSeen: ManifestSource | null;
  name: string | null;
  options: PluginOptions | null;
}

function decode(bytes: Uint8Array, src: ManifestSource): string {
  if (bytes.length > MAX_MANIFEST_SIZE) {
    fail(src, `file is larger than ${MAX_MANIFEST_SIZE} bytes`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    fail(src, "file is not UTF-8 text");
  }
}

function parseFile(st: ParseState, file: string, text: string, top: boolean): void {
  st.stack.push(file);
  st.manifests.push(file);
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const src = { file, line: i + 1 };
    const raw = lines[i]!.replace(/\r$/, "");
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const tokens = trimmed.split(/[ \t]+/);
    if (top && st.name === null) {
      [st.name, st.options] = parseNameLine(tokens, src);
      st.negotiate = st.options.negotiate;
      continue;
    }
    if (tokens[0]!.startsWith("-")) {
      if (tokens.length !== 1 || tokens[0] !== "-") fail(src, `the marker line must be "-" alone`);
      if (!st.negotiate) fail(src, `"-" marker in a plugin without the negotiate option`);
      if (st.markerSeen !== null) {
        fail(src, `second "-" marker (first at ${st.markerSeen.file}:${st.markerSeen.line})`);
      }
      st.markerSeen = src;
      continue;
    }
    if (tokens.length === 2 && tokens[1] === "include") {
      include(st, tokens[0]!, src);
      continue;
    }
    if (tokens.length === 2 && tokens[1]!.startsWith("incl")) {
      fail(src, `"${tokens[1]}" is not "include"`);
    }
    pluglet(st, tokens, src);
  }
  st.stack.pop();
}

function include(st: ParseState, rel: string, src: ManifestSource): void {
  checkRelativePath(rel, src, "included file");
  const path = posix.join(st.dir, rel);
  if (st.stack.includes(path)) {
    fail(src, `include cycle: ${[...st.stack, path].join(" -> ")}`);
  }
  if (st.stack.length >= MAX_INCLUDE_DEPTH) {
    fail(src, `includes nest deeper than ${MAX_INCLUDE_DEPTH}`);
  }
  const bytes = st.read(path);
  if (bytes === null) fail(src, `cannot read included file "${rel}" (${path})`);
  parseFile(st, path, decode(bytes, { file: path, line: 1 }), false);
}

function pluglet(st: ParseState, tokens: string[], src: ManifestSource): void {
  let param: number | undefined;
  let rest: string[];
  if (tokens.length === 5 && tokens[1] === "param") {
    const v = parseCInteger(tokens[2]!);
    if (v === null) {
      fail(src, `param "${tokens[2]}" is not an integer (decimal, 0x hex or 0 octal)`);
    }
    if (v >= NO_PARAM) fail(src, `param ${tokens[2]} is out of range (0–0xfffe)`);
    param = v;
    rest = [tokens[0]!, tokens[3]!, tokens[4]!];
  } else if (tokens.length === 3) {
    rest = tokens;
  } else {
    fail(
      src,
      `expected "<protoop> [param N] <anchor> <file.o>" or "<file.plugin> include", got ${tokens.length} tokens`,
    );
  }
  const [op, anchor, file] = rest as [string, string, string];
  if (op.length > MAX_NAME_LENGTH || !OP_RE.test(op)) fail(src, `"${op}" is not a protoop name`);
  if (!ANCHORS.includes(anchor)) {
    fail(src, `unknown anchor "${anchor}" (expected replace, pre, post or extern)`);
  }
  checkRelativePath(file, src, "object file");
  if (st.pluglets.length >= MAX_PLUGLETS) fail(src, `more than ${MAX_PLUGLETS} pluglet lines`);
  const a = anchor as ManifestAnchor;
  if (a === "extern" && param !== undefined) fail(src, `extern "${op}" cannot take a param`);
  for (const o of st.pluglets) {
    if (o.op !== op || o.param !== param) continue;
    const where = `${o.source.file}:${o.source.line}`;
    const what = param === undefined ? `"${op}"` : `"${op}" param 0x${param.toString(16)}`;
    if ((a === "replace" || a === "extern") && (o.anchor === "replace" || o.anchor === "extern")) {
      fail(src, `second ${a} of ${what} in one plugin (first ${o.anchor} at ${where})`);
    }
    if ((a === "extern" && o.anchor !== "extern") || (o.anchor === "extern" && a !== "extern")) {
      fail(src, `${what} is extern and cannot have observers (other line at ${where})`);
    }
  }
  st.pluglets.push({
    op,
    ...(param === undefined ? {} : { param }),
    anchor: a,
    file,
    path: posix.join(st.dir, file),
    negotiated: st.markerSeen !== null,
    source: src,
  });
}

/**
 * Parses a manifest and everything it includes.
 *
 * @param path path of the top manifest, as the reader understands it
 * @param read the file reader (also used for included manifests)
 * @returns the manifest
 * @throws SyntaxError naming file, line and what is wrong
 * @example
 * ```ts
 * import { parseManifest } from "./manifest.ts";
 * import assert from "node:assert/strict";
 * const files: Record<string, string> = {
 *   "p/x.plugin": "be.example.x memory=1M\nupdate_rtt post rtt.o\n",
 * };
 * const m = parseManifest("p/x.plugin", (f) => files[f] === undefined ? null : new TextEncoder().encode(files[f]));
 * assert.equal(m.name, "be.example.x");
 * assert.equal(m.options.memory, 1024 * 1024);
 * assert.equal(m.pluglets[0]!.path, "p/rtt.o");
 * ```
 */
export function parseManifest(path: string, read: ManifestReader): Manifest {
  const bytes = read(path);
  if (bytes === null) {
    throw new SyntaxError(`Cannot parse plugin manifest ${path}: file cannot be read`);
  }
  return parseManifestText(decode(bytes, { file: path, line: 1 }), path, read);
}

/**
 * Parses manifest text whose file is `path` (includes are read with `read`).
 *
 * @param text the top manifest's text
 * @param path its path (for the directory and messages)
 * @param read reader for included manifests
 * @returns the manifest
 * @throws SyntaxError naming file, line and what is wrong
 */
export function parseManifestText(text: string, path: string, read: ManifestReader): Manifest {
  const st: ParseState = {
    dir: posix.dirname(path),
    read,
    pluglets: [],
    manifests: [],
    stack: [],
    negotiate: null,
    markerSeen: null,
    name: null,
    options: null,
  };
  parseFile(st, posix.normalize(path), text, true);
  if (st.name === null || st.options === null) {
    throw new SyntaxError(`Cannot parse plugin manifest ${path}: no name line`);
  }
  if (st.pluglets.length === 0) {
    throw new SyntaxError(`Cannot parse plugin manifest ${path}: "${st.name}" has no pluglet line`);
  }
  return {
    name: st.name,
    options: st.options,
    pluglets: st.pluglets,
    manifests: st.manifests,
    dir: st.dir,
  };
}
