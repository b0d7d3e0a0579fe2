/**
 * Attaching a plugin to a connection's protoop table: a transaction
 * (PQUIC's `plugin_insert_plugin`, pquic-reference.md §2.3). Either every
 * pluglet of the plugin is attached, or — when one is refused (a second
 * `replace`, an unknown protoop, a bad param or anchor) — the ones already
 * attached are removed in reverse order and nothing of the plugin stays.
 *
 * TypeScript pluglets (tests, applications embedding pquic) and VM pluglets
 * (through `plugins/`) use this same function.
 *
 * @module
 */

import { FrameReservations } from "./reservations.ts";
import type { Anchor, Pluglet } from "./pluglet.ts";
import type { PlugletToken, ProtoopTable } from "./table.ts";

/** One pluglet line of a plugin (a `.plugin` manifest line, once loaded). */
export interface PlugletLine {
  /** Protoop name (catalogue name, or the extern's name). */
  readonly op: string;
  /** Frame type or TP id, for param protoops. */
  readonly param?: number;
  /** Where it hooks in. */
  readonly anchor: Anchor;
  /** The code. */
  readonly pluglet: Pluglet;
}

/** A plugin as the table sees it. */
export interface PluginDefinition {
  /** Its name (PQUIC: `be.mpiraux.qlog`); used in errors and metadata keys. */
  readonly name: string;
  /** Its pluglets, attached in this order. */
  readonly pluglets: readonly PlugletLine[];
}

/** What {@link attachPlugin} returns. */
export interface Attachment {
  /** The plugin's name. */
  readonly name: string;
  /** Its index in the table (its metadata key; never reused). */
  readonly index: number;
  /** True until {@link detach} ran. */
  readonly attached: boolean;
  /**
   * Removes every pluglet of the plugin (the slots it touched are rebuilt,
   * back to the bare default when nothing else is attached), and drops its
   * queued frame reservations. Idempotent.
   */
  detach(): void;
}

/**
 * Attaches all pluglets of `plugin`, or none.
 *
 * @param table The connection's protoop table.
 * @param plugin The plugin.
 * @returns A handle to detach it.
 * @throws {ProtoopError} The first refusal (nothing of the plugin stays attached).
 * @example
 * ```ts
 * import { attachPlugin } from "./attach.ts";
 * import { Op } from "./catalogue.ts";
 * import { ProtoopTable } from "./table.ts";
 * import assert from "node:assert/strict";
 * const table = new ProtoopTable();
 * const seen: bigint[] = [];
 * const a = attachPlugin(table, {
 *   name: "example.observer",
 *   pluglets: [{ op: "stream_opened", anchor: "pre", pluglet: { run: (c) => (seen.push(c.args[0]!), 0n) } }],
 * });
 * table.fns[Op.STREAM_OPENED]!(null, 4);
 * assert.deepEqual(seen, [4n]);
 * a.detach();
 * assert.ok(table.isDefault(Op.STREAM_OPENED));
 * ```
 */
export function attachPlugin<H>(table: ProtoopTable<H>, plugin: PluginDefinition): Attachment {
  const index = table.newPluginIndex();
  const tokens: PlugletToken[] = [];
  try {
    for (const line of plugin.pluglets) {
      tokens.push(
        table.insertPluglet(plugin.name, index, line.op, line.param, line.anchor, line.pluglet),
      );
    }
  } catch (e) {
    for (let i = tokens.length - 1; i >= 0; i--) table.removePluglet(tokens[i]!);
    throw e;
  }
  let attached = true;
  return {
    name: plugin.name,
    index,
    get attached() {
      return attached;
    },
    detach() {
      if (!attached) return;
      attached = false;
      for (let i = tokens.length - 1; i >= 0; i--) table.removePluglet(tokens[i]!);
      if (table.reservations instanceof FrameReservations) {
        table.reservations.dropPlugin(index);
      }
    },
  };
}
