/**
 * picoquicdemo's client scenarios: which documents to fetch, and in which
 * order (PQUIC `picohttp/democlient.c`, `demo_client_parse_scenario_desc`).
 *
 * ```
 * scenario = entry *( ";" entry ) [";"]
 * entry    = [ "*" repeat ":" ] [ stream ":" ] [ ( previous | "-" ) ":" ] path [ ":" post-size ]
 * ```
 *
 * `stream` defaults to the previous entry's stream + 4 (0 for the first);
 * `previous` is the stream whose end starts this entry, by default the
 * previous entry's stream (so a plain list runs one after the other), and
 * `-` means "at the start". `repeat` opens the entry that many times, on
 * streams `stream + 4k`. A path containing `/` is saved under a name with
 * `/` replaced by `_`. Spaces, tabs and line breaks around fields are
 * ignored. The stream numbers only name entries here: the clients open real
 * streams in order, so a runner maps them (see {@link entriesAfter}).
 *
 * @module
 */

/** One scenario entry. */
export interface ScenarioEntry {
  /** The stream number the scenario gives this entry (its name for `previous`). */
  readonly stream: number;
  /** The entry whose end starts this one, or null for "at the start". */
  readonly previous: number | null;
  /** The document path as written (picoquicdemo adds a leading `/` when sending). */
  readonly path: string;
  /** Where to save it: the path with `/` replaced by `_`. */
  readonly fileName: string;
  /** How many times to fetch it (1 unless `*N:` says otherwise; `*0` counts as 1). */
  readonly repeat: number;
  /** Bytes to POST (0: GET). */
  readonly postSize: number;
}

/** picoquicdemo's default scenario. */
export const DEFAULT_SCENARIO =
  "0:index.html;4:test.html;8:/1234567;12:main.jpg;16:war-and-peace.txt;20:en/latest/;24:/file-123K";

/**
 * Parses a scenario.
 *
 * @param text The scenario text.
 * @returns Its entries, in order.
 * @throws {SyntaxError} on a malformed entry (with its position).
 * @example
 * ```ts
 * import { parseScenario } from "./scenario.ts";
 * import assert from "node:assert/strict";
 * const [a, b] = parseScenario("0:index.html;4:-:/1234");
 * assert.deepEqual([a!.stream, a!.previous, a!.path], [0, null, "index.html"]);
 * assert.deepEqual([b!.stream, b!.previous, b!.fileName], [4, null, "_1234"]);
 * ```
 */
export function parseScenario(text: string): ScenarioEntry[] {
  const out: ScenarioEntry[] = [];
  let pos = 0;
  let nextStream = 0;
  let previous: number | null = null;
  const fail = (what: string): never => {
    throw new SyntaxError(`Cannot parse scenario at ${pos}: ${what} in "${text}"`);
  };
  const spaces = () => {
    while (pos < text.length && " \t\r\n".includes(text[pos]!)) pos++;
  };
  const digits = (): number | null => {
    const m = /^[0-9]+/.exec(text.slice(pos));
    if (m === null) return null;
    pos += m[0].length;
    spaces();
    return Number(m[0]);
  };
  const colon = (what: string) => {
    if (text[pos] !== ":") fail(`expected ":" after ${what}`);
    pos++;
  };
  for (;;) {
    spaces();
    if (pos >= text.length) break;
    let repeat = 1;
    if (text[pos] === "*") {
      pos++;
      repeat = Math.max(1, digits() ?? 0);
      colon("repeat count");
    }
    const stream = digits();
    if (stream !== null) colon("stream number");
    const id = stream ?? nextStream;
    spaces();
    let prev = previous;
    if (text[pos] === "-") {
      pos++;
      spaces();
      colon('"-"');
      prev = null;
    } else {
      const p = digits();
      if (p !== null) {
        colon("previous stream");
        prev = p;
      }
    }
    spaces();
    const start = pos;
    while (pos < text.length && text[pos] !== ";" && text[pos] !== ":") pos++;
    const path = text.slice(start, pos).trimEnd();
    if (path.length === 0) fail("empty path");
    let postSize = 0;
    if (text[pos] === ":") {
      pos++;
      spaces();
      postSize = digits() ?? 0;
      if (pos < text.length && text[pos] !== ";") fail('expected ";" after the post size');
    }
    if (text[pos] === ";") pos++;
    out.push({
      stream: id,
      previous: prev,
      path,
      fileName: path.replaceAll("/", "_"),
      repeat,
      postSize,
    });
    nextStream = id + 4;
    previous = id;
  }
  return out;
}

/**
 * The entries to start when the entry named `finished` ends (`null`: at the
 * start of the connection).
 *
 * @param entries A parsed scenario.
 * @param finished The stream number of the entry that just ended, or null.
 * @returns The entries whose `previous` is `finished`.
 */
export function entriesAfter(
  entries: readonly ScenarioEntry[],
  finished: number | null,
): ScenarioEntry[] {
  return entries.filter((e) => e.previous === finished);
}
