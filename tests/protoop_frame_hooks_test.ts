/**
 * The frame loop with pluglets on some frame types of `process_frame`
 * (transport/connection/receive.ts): only those types take the marshalled
 * call, with the wire type as param; the others go to the default directly.
 */

import assert from "node:assert/strict";
import type { Connection } from "../transport/connection/connection.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import { Op } from "../transport/protoop/mod.ts";
import { payload, simPair } from "./_conn_sim.ts";
import { pl } from "./_protoop_plugins.ts";

const STREAM_TYPES = [0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f];

Deno.test("process_frame pluglets on STREAM types see every STREAM frame and nothing else", async () => {
  const seen: number[] = [];
  const { sim, clientConn, server } = await simPair({
    seed: 21,
    server: {
      plugins: [{
        name: "test.stream_hooks",
        pluglets: STREAM_TYPES.map((param) => ({
          op: "process_frame",
          param,
          anchor: "post" as const,
          pluglet: pl((c) => void seen.push(c.param)),
        })),
      }],
    },
  });
  sim.run({ until: () => clientConn.isHandshakeConfirmed, maxTime: 5_000_000 });
  const id = clientConn.openStream(true)!;
  clientConn.write(id, payload(30_000), true);
  let got = 0;
  server.app = (c: Connection, _e: ConnectionEvent[]) => {
    for (let r = c.read(id); r !== null && r.data.length > 0; r = c.read(id)) got += r.data.length;
  };
  sim.run({ until: () => got === 30_000, maxTime: 5_000_000 });
  assert.equal(got, 30_000);
  const conn = server.conn!;
  assert.equal(conn.ops.plugged[Op.PROCESS_FRAME], 1);
  const counts = conn.counters.framesReceived;
  const streams = STREAM_TYPES.reduce((n, t) => n + counts[t]!, 0);
  assert.ok(streams > 0);
  // Every STREAM frame reached its pluglet, with its wire type as param.
  assert.equal(seen.length, streams);
  assert.ok(seen.every((p) => STREAM_TYPES.includes(p)));
  // Frames with the OFF and LEN bits set (RFC 9000 §19.8) arrive under their own wire type.
  assert.ok(seen.some((p) => p !== 0x08), `params ${[...new Set(seen)]}`);
  // ACK and the rest were processed (the transfer completed) without a pluglet.
  assert.ok(counts[0x02]! + counts[0x03]! > 0);
});

Deno.test("process_frame pluglet on PING only: the transfer's frames stay on the direct path", async () => {
  const seen: number[] = [];
  const { sim, clientConn, server } = await simPair({
    seed: 22,
    server: {
      plugins: [{
        name: "test.ping_hook",
        pluglets: [{
          op: "process_frame",
          param: 0x01,
          anchor: "pre",
          pluglet: pl((c) => void seen.push(c.param)),
        }],
      }],
    },
  });
  sim.run({ until: () => clientConn.isHandshakeConfirmed, maxTime: 5_000_000 });
  const id = clientConn.openStream(true)!;
  clientConn.write(id, payload(10_000), true);
  clientConn.ping();
  let got = 0;
  server.app = (c: Connection, _e: ConnectionEvent[]) => {
    for (let r = c.read(id); r !== null && r.data.length > 0; r = c.read(id)) got += r.data.length;
  };
  sim.run({ until: () => got === 10_000 && seen.length > 0, maxTime: 5_000_000 });
  assert.equal(got, 10_000);
  const pings = server.conn!.counters.framesReceived[0x01]!;
  assert.ok(pings >= 1);
  assert.deepEqual(seen, new Array(pings).fill(0x01));
});
