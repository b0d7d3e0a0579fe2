/**
 * printf-style formatting for `helper_log` (PQUIC's `PROTOOP_PRINTF`): the
 * conversions a plugin uses for logging, over 64-bit arguments. `%s`
 * arguments are resolved by a callback (they point into plugin memory).
 *
 * Supported: `%d %i %u %x %X %c %s %p %%`, flags `-` and `0`, a width, and
 * the length modifiers `h hh l ll z j t` (accepted and ignored: every
 * argument is 64 bits; `%d`/`%i` read it as signed). Anything else is copied
 * literally. A missing argument prints `(missing)`. Output is cut at
 * {@link MAX_LOG_LINE} characters.
 *
 * @module
 */

/** Longest formatted line (an arbitrary bound). */
export const MAX_LOG_LINE = 1024;

const SPEC = /%([-0]*)(\d*)(hh|h|ll|l|z|j|t)?([diuxXcsp%])/g;

/**
 * Formats like C's printf over u64 arguments.
 *
 * @param fmt the format
 * @param args the arguments
 * @param str reads a `%s` argument (a pointer) as a string
 * @returns the line
 * @example
 * ```ts
 * import { formatLog } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatLog("%d|%5u|%-4x|%05d|%%", [2n ** 64n - 3n, 7n, 255n, 42n], () => ""), "-3|    7|ff  |00042|%");
 * ```
 */
export function formatLog(
  fmt: string,
  args: readonly bigint[],
  str: (p: bigint) => string,
): string {
  let i = 0;
  const out = fmt.replace(SPEC, (_m, flags: string, width: string, _len, conv: string) => {
    if (conv === "%") return "%";
    const v = args[i++];
    if (v === undefined) return "(missing)";
    let s: string;
    switch (conv) {
      case "d":
      case "i":
        s = BigInt.asIntN(64, v).toString();
        break;
      case "u":
        s = v.toString();
        break;
      case "x":
        s = v.toString(16);
        break;
      case "X":
        s = v.toString(16).toUpperCase();
        break;
      case "p":
        s = "0x" + v.toString(16);
        break;
      case "c":
        s = String.fromCharCode(Number(v & 0xffn));
        break;
      default:
        s = str(v);
    }
    const w = width === "" ? 0 : Math.min(Number(width), MAX_LOG_LINE);
    if (s.length >= w) return s;
    if (flags.includes("-")) return s.padEnd(w);
    if (flags.includes("0") && conv !== "s" && conv !== "c") {
      return s.startsWith("-") ? "-" + s.slice(1).padStart(w - 1, "0") : s.padStart(w, "0");
    }
    return s.padStart(w);
  });
  return out.length > MAX_LOG_LINE ? out.slice(0, MAX_LOG_LINE) : out;
}
