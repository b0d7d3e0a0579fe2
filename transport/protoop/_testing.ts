/**
 * Test helpers: TypeScript pluglets from closures, a call log, a bare call table.
 *
 * @module
 */

import { type Attachment, attachPlugin, type PlugletLine } from "./attach.ts";
import type { CallTable } from "./call.ts";
import { HandleTable } from "./handles.ts";
import { MetadataStore } from "./metadata.ts";
import type { Anchor, Pluglet, PlugletCall } from "./pluglet.ts";
import type { ProtoopTable } from "./table.ts";

/** A call table with fresh handles and metadata, whose protoops and bookings do nothing. */
export function bareCallTable(): CallTable {
  return {
    handles: new HandleTable(),
    metadata: new MetadataStore(),
    runFromPluglet: () => 0n,
    reserveFrames: () => 0,
  };
}

/** A pluglet from a function (returns 0 when `fn` returns anything but a bigint). */
export function pluglet(fn: (c: PlugletCall) => unknown): Pluglet {
  return {
    run: (c) => {
      const r = fn(c);
      return typeof r === "bigint" ? r : 0n;
    },
  };
}

/** A pluglet line. */
export function line(
  op: string,
  anchor: Anchor,
  fn: (c: PlugletCall) => unknown,
  param?: number,
): PlugletLine {
  return param === undefined
    ? { op, anchor, pluglet: pluglet(fn) }
    : { op, anchor, pluglet: pluglet(fn), param };
}

/** Attaches a plugin made of `lines`. */
export function attach(table: ProtoopTable, name: string, ...lines: PlugletLine[]): Attachment {
  return attachPlugin(table, { name, pluglets: lines });
}
