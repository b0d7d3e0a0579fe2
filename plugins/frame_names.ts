/**
 * The `frames=` option of a manifest's name line (our extension): names a
 * plugin's frame types, e.g. `frames=0x30:DATAGRAM,0x31:DATAGRAM`. The
 * connection's statistics and the summary count plugin frames under these
 * names (DESIGN.md, "Observability users expect").
 *
 * One token, comma-separated `<type>:<NAME>` pairs: the type a C integer
 * (`0x30`, `48`) below 2^62 (RFC 9000 §16), the name `[A-Z0-9_]+` (an
 * arbitrary bound of 32 characters). A type given twice is an error.
 *
 * @module
 */

import { parseCInteger } from "./manifest.ts";

/** Longest frame name (an arbitrary bound). */
export const MAX_FRAME_NAME = 32;
const NAME_RE = /^[A-Z0-9_]+$/;
/** Largest frame type a varint carries, 2^62 − 1 (RFC 9000 §16); types above 2^53 are refused. */
const MAX_TYPE = Number.MAX_SAFE_INTEGER;

/**
 * Parses the value of a `frames=` option.
 *
 * @param spec what follows `frames=`
 * @returns frame type → name
 * @throws Error with what is wrong (the manifest parser adds file and line)
 * @example
 * ```ts
 * import { parseFrameNames } from "./frame_names.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...parseFrameNames("0x30:DATAGRAM,49:DATAGRAM")], [[0x30, "DATAGRAM"], [0x31, "DATAGRAM"]]);
 * assert.throws(() => parseFrameNames("0x30:datagram"));
 * ```
 */
export function parseFrameNames(spec: string): ReadonlyMap<number, string> {
  const out = new Map<number, string>();
  if (spec === "") throw new Error("no frame type is named");
  for (const pair of spec.split(",")) {
    const colon = pair.indexOf(":");
    if (colon < 0) throw new Error(`"${pair}" is not <type>:<NAME>`);
    const type = parseCInteger(pair.slice(0, colon));
    const name = pair.slice(colon + 1);
    if (type === null || type > MAX_TYPE) {
      throw new Error(`"${pair.slice(0, colon)}" is not a frame type`);
    }
    if (!NAME_RE.test(name) || name.length > MAX_FRAME_NAME) {
      throw new Error(`"${name}" is not a frame name ([A-Z0-9_]+, at most ${MAX_FRAME_NAME})`);
    }
    if (out.has(type)) throw new Error(`frame type 0x${type.toString(16)} is named twice`);
    out.set(type, name);
  }
  return out;
}
