/**
 * Readable forms of connection facts for the command's log lines.
 *
 * @module
 */

import { h3ErrorName } from "../apps/h3/errors.ts";
import type { ConnectionError } from "../transport/connection/events.ts";
import { transportErrorName } from "../transport/errors.ts";

/** Lower-case hex of bytes. */
export function hex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, "0");
  return s;
}

/**
 * How a connection ended, in one line.
 *
 * @example
 * ```ts
 * import { describeClose } from "./describe.ts";
 * import assert from "node:assert/strict";
 * assert.equal(describeClose({ kind: "timedOut" }), "Connection closed: idle timeout");
 * ```
 */
export function describeClose(e: ConnectionError): string {
  switch (e.kind) {
    case "timedOut":
      return "Connection closed: idle timeout";
    case "reset":
      return "Connection closed: stateless reset from the peer";
    case "versionMismatch":
      return "Connection closed: the server speaks none of our versions";
    case "transportError":
      return `Connection closed by ${e.remote ? "the peer" : "us"}: ` +
        `${transportErrorName(e.code)} (0x${e.code.toString(16)})` +
        (e.reason !== "" ? ` "${e.reason}"` : "");
    case "applicationClosed":
      return `Connection closed by ${e.remote ? "the peer" : "us"}: application code ` +
        `0x${e.code.toString(16)} (${h3ErrorName(e.code)})` +
        (e.reason !== "" ? ` "${e.reason}"` : "");
    case "localClose":
      return `Connection closed by us: code 0x${e.code.toString(16)}` +
        (e.reason !== "" ? ` "${e.reason}"` : "");
  }
}

/** True when the close is a normal end (no error on either side). */
export function isCleanClose(e: ConnectionError): boolean {
  if (e.kind === "localClose") return true;
  if (e.kind === "applicationClosed") return e.code === 0n || e.code === 0x100n;
  if (e.kind === "transportError") return e.code === 0;
  return false;
}
