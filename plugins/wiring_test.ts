/**
 * The seam with `transport/protoop`: a plugin instance's definition attaches
 * to a real ProtoopTable, its pluglets receive the table's PlugletCall as
 * their PlugletInvocation, externs are callable by the application, and a
 * fault is reported to the host while the table goes on.
 */

import assert from "node:assert/strict";
import { attachPlugin, Op, type PlugletCall, ProtoopTable } from "../transport/protoop/mod.ts";
import { wasmCompiler } from "../vm/mod.ts";
import { FakeHost, mapReader } from "./_testing.ts";
import type { PlugletInvocation } from "./host.ts";
import { instantiatePlugin } from "./instance.ts";
import { loadPlugin } from "./loader.ts";

/** Compile-time check: the table's call object is a PlugletInvocation. */
export const asInvocation = (c: PlugletCall): PlugletInvocation => c;

function read(p: string): Uint8Array | null {
  try {
    return Deno.readFileSync(p);
  } catch {
    return null;
  }
}

Deno.test("a VM plugin attaches to a ProtoopTable and runs through its calls", () => {
  const plugin = loadPlugin(
    new URL("./monitoring/monitoring.plugin", import.meta.url).pathname,
    read,
  );
  const table = new ProtoopTable();
  const host = new FakeHost();
  const inst = instantiatePlugin(plugin, host, { engine: wasmCompiler });
  const attachment = attachPlugin(table, inst.definition());
  const connection = {};
  table.call[Op.STREAM_OPENED](connection, 0);
  table.call[Op.STREAM_OPENED](connection, 4);
  table.call[Op.STREAM_CLOSED](connection, 0);
  assert.equal(table.callExtern(connection, "monitoring_get_counter", [9n]), 2n);
  assert.equal(table.callExtern(connection, "monitoring_get_counter", [10n]), 1n);
  assert.equal(host.faults.length, 0);
  attachment.detach();
  assert.ok(table.isDefault(Op.STREAM_OPENED));
});

Deno.test("a fault inside a table call is reported and the plugin can be detached", () => {
  const oob = read(new URL("./testdata/hostile/oob.o", import.meta.url).pathname)!;
  const plugin = loadPlugin(
    "p/bad.plugin",
    mapReader({
      "p/bad.plugin": "be.hostile.via_table\nstream_closed post oob.o\n",
      "p/oob.o": oob,
    }),
  );
  const table = new ProtoopTable();
  const host = new FakeHost();
  const inst = instantiatePlugin(plugin, host);
  const attachment = attachPlugin(table, inst.definition());
  table.call[Op.STREAM_CLOSED]({}, 8);
  assert.equal(host.faults.length, 1);
  assert.match(
    host.faults[0]!.message,
    /^plugin "be.hostile.via_table" faulted in stream_closed post \(oob.o\): out of bounds: write of 8 bytes at 0x1000/,
  );
  attachment.detach();
  assert.ok(table.isDefault(Op.STREAM_CLOSED));
  table.call[Op.STREAM_CLOSED]({}, 8); // the default again
  assert.equal(host.faults.length, 1);
});
