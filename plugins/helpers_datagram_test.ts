/**
 * The datagram helpers called directly: what they do on a connection and a
 * reader, and the faults their argument checks raise.
 */

import assert from "node:assert/strict";
import { type HelperContext, InstanceMemory, MEMORY_BASE, PluginFault } from "../vm/mod.ts";
import { Connection } from "../transport/connection/connection.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import { SeededRandom } from "../transport/random.ts";
import { Reader } from "../transport/wire/reader.ts";
import { FakeHost } from "./_testing.ts";
import { HELPERS } from "./helper_ids.ts";
import { type HelperState, PQUIC_HELPERS } from "./helpers.ts";
import { DATAGRAM_HELPERS, MAX_DELIVERED_DATAGRAM } from "./helpers_datagram.ts";
import { PluginHeap } from "./memory.ts";

/** A protoop call as the table makes it: its connection and its handles. */
interface TableCallLike {
  host: unknown;
  handles: Map<bigint, object>;
  handle(id: bigint): object;
}

function rig(host: unknown) {
  const mem = new InstanceMemory({ maxSize: 1 << 20 });
  const heap = new PluginHeap(mem);
  const handles = new Map<bigint, object>();
  const call: TableCallLike = {
    host,
    handles,
    handle(id) {
      const o = handles.get(id);
      if (o === undefined) throw new Error(`Cannot use handle ${id}: not a live handle`);
      return o;
    },
  };
  const st = {
    plugin: "be.test.datagram",
    host: new FakeHost(),
    heap,
    call,
    faulted: false,
    cells: null,
  } as unknown as HelperState;
  const ctx: HelperContext = { memory: mem, data: st };
  return {
    st,
    handles,
    put(bytes: Uint8Array): bigint {
      const p = heap.malloc(bytes.length);
      mem.bytes().set(bytes, Number(p - MEMORY_BASE));
      return p;
    },
    h(name: string, ...args: bigint[]): bigint {
      const def = PQUIC_HELPERS.byName(name)!;
      const n = args.map((x) => Number(x));
      return BigInt(def.callNumber!(ctx, ...n));
    },
  };
}

function connection(): Connection {
  return Connection.client(
    { random: new SeededRandom(1), serverName: "localhost", trustAnchors: [] },
    { hostname: "127.0.0.1", port: 4433 },
    0,
  );
}

function datagramEvents(c: Connection): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let e: ConnectionEvent | null = c.pollEvent(); e !== null; e = c.pollEvent()) {
    if (e.type === "datagram") out.push(e.data);
  }
  return out;
}

Deno.test("datagram helpers are in the helper table with ids 150–159", () => {
  for (const name of Object.keys(DATAGRAM_HELPERS)) {
    const spec = HELPERS.find((h) => h.name === name);
    assert.ok(spec !== undefined, name);
    assert.ok(spec.id >= 150 && spec.id <= 159, `${name}: id ${spec.id}`);
    assert.equal(PQUIC_HELPERS.byName(name)?.id, spec.id);
  }
});

Deno.test("datagram_deliver() hands a copy of plugin memory to the application as a datagram event", () => {
  const c = connection();
  const r = rig(c);
  const bytes = new Uint8Array([9, 8, 7, 6, 5]);
  const p = r.put(bytes);
  assert.equal(r.h("datagram_deliver", 0n, p, 5n), 0n);
  assert.equal(r.h("datagram_deliver", 0n, 0n, 0n), 0n);
  bytes.fill(0); // the event holds a copy
  const got = datagramEvents(c);
  assert.deepEqual(got, [new Uint8Array([9, 8, 7, 6, 5]), new Uint8Array(0)]);
});

Deno.test("datagram_deliver() faults outside plugin memory, above 65527 bytes, and without a connection", () => {
  const r = rig(connection());
  assert.throws(() => r.h("datagram_deliver", 0n, 0x10n, 4n), PluginFault);
  const p = r.put(new Uint8Array(16));
  assert.throws(
    () => r.h("datagram_deliver", 0n, p, BigInt(MAX_DELIVERED_DATAGRAM + 1)),
    /datagram_deliver: len 65528 is too large/,
  );
  const noConn = rig({});
  assert.throws(
    () => noConn.h("datagram_deliver", 0n, noConn.put(new Uint8Array(1)), 1n),
    /datagram_deliver: the protoop call has no connection/,
  );
  const outside = rig(connection());
  outside.st.call = null;
  assert.throws(() => outside.h("datagram_deliver", 0n, 0n, 0n), /called outside a pluglet run/);
});

Deno.test("host_reader_skip() moves a reader on, and faults past its end or on another handle", () => {
  const r = rig(connection());
  const reader = new Reader(new Uint8Array(10), 2, 8);
  r.handles.set(5n, reader);
  r.handles.set(6n, new Uint8Array(4));
  assert.equal(r.h("host_reader_skip", 5n, 4n), 4n);
  assert.equal(reader.pos, 6);
  assert.throws(() => r.h("host_reader_skip", 5n, 3n), /cannot skip 3 bytes: 2 left/);
  assert.equal(reader.pos, 6);
  assert.throws(() => r.h("host_reader_skip", 6n, 1n), /handle 6 is not a reader/);
  assert.throws(() => r.h("host_reader_skip", 7n, 1n), /host_reader_skip: Cannot use handle 7/);
  assert.equal(r.h("host_reader_skip", 5n, 2n), 2n);
  assert.equal(reader.pos, reader.end);
});
