/**
 * A plugin-defined frame type end to end on the simulator: both sides attach
 * the ping plugin (tests/_protoop_plugins.ts); the client books PINGs through
 * an extern, the server parses and processes them and books PONGs, and
 * notify_frame reports acknowledgements and losses.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Connection } from "../transport/connection/connection.ts";
import { ConnectionState } from "../transport/connection/events.ts";
import { FrameNotification } from "../transport/protoop/mod.ts";
import { CLIENT_ADDR, SERVER_ADDR, simPair } from "./_conn_sim.ts";
import { PING_PAYLOAD, PingLog, pingPlugin, PONG_PAYLOAD } from "./_protoop_plugins.ts";

const COUNT = 40;

async function pingRun(loss: number, seed: number) {
  const clientLog = new PingLog();
  const serverLog = new PingLog();
  const { sim, client, server } = await simPair({
    seed,
    link: { delay: 10_000 },
    client: { plugins: [pingPlugin(clientLog)] },
    server: { plugins: [pingPlugin(serverLog)] },
  });
  let sent = 0;
  let results: (bigint | null)[] = [];
  client.app = (c: Connection) => {
    if (c.state !== ConnectionState.Established || sent >= COUNT) return;
    // From the first 1-RTT moment on, the path loses datagrams: every third
    // one from the client (an exact mask, so that PINGs are lost), `loss` of
    // the server's.
    if (sent === 0 && loss > 0) {
      sim.setLink(CLIENT_ADDR.hostname, SERVER_ADDR.hostname, {
        delay: 10_000,
        lossMask: 0x9249_2492_4924_9249n,
      });
      sim.setLink(SERVER_ADDR.hostname, CLIENT_ADDR.hostname, { delay: 10_000, loss });
    }
    // Four PINGs per round trip, so that they spread over many packets.
    if (sent - new Set(clientLog.pongs).size >= 4) return;
    for (let i = 0; i < 4 && sent < COUNT; i++, sent++) {
      results.push(c.callExtern("ping_send", [BigInt(1000 + sent)]));
    }
  };
  const distinct = (xs: bigint[]) => new Set(xs).size;
  sim.run({
    until: () => distinct(clientLog.pongs) === COUNT && distinct(serverLog.pings) === COUNT,
    maxTime: 30_000_000,
  });
  // Let the last acknowledgements arrive.
  sim.runFor(500_000);
  const conn = client.conn!;
  results = results.slice();
  return { clientLog, serverLog, conn, server, results, sim };
}

Deno.test("a plugin frame type flows both ways: PINGs parsed and processed, PONGs back", async () => {
  const { clientLog, serverLog, conn, server, results } = await pingRun(0, 3);
  assert.deepEqual(results, new Array(COUNT).fill(0n), "extern returns the pluglet's value");
  const want = Array.from({ length: COUNT }, (_, i) => BigInt(1000 + i));
  assert.deepEqual([...new Set(serverLog.pings)].sort(), want);
  assert.deepEqual([...new Set(clientLog.pongs)].sort(), want);
  assert.equal(conn.state, ConnectionState.Established);
  assert.equal(server.conn!.state, ConnectionState.Established);
  // Without loss every PING is acknowledged once, never lost.
  const acked = clientLog.notified.filter(([t, , r]) =>
    t === PING_PAYLOAD && r === FrameNotification.Acked
  );
  assert.equal(acked.length, COUNT);
  assert.equal(clientLog.notified.filter(([, , r]) => r === FrameNotification.Lost).length, 0);
  // The server's PONGs are acknowledged too (notify on the server side).
  const pongAcked = serverLog.notified.filter(([t, , r]) =>
    t === PONG_PAYLOAD && r === FrameNotification.Acked
  );
  assert.equal(pongAcked.length, COUNT);
  assert.equal(clientLog.written, COUNT);
});

Deno.test("plugin frames under loss: losses are notified, rebooked, and all arrive", async () => {
  const { clientLog, serverLog, conn } = await pingRun(0.2, 5);
  const want = Array.from({ length: COUNT }, (_, i) => BigInt(1000 + i));
  assert.deepEqual([...new Set(serverLog.pings)].sort(), want);
  assert.deepEqual([...new Set(clientLog.pongs)].sort(), want);
  const lost = clientLog.notified.filter(([t, , r]) =>
    t === PING_PAYLOAD && r === FrameNotification.Lost
  );
  assert.ok(lost.length > 0, "some PINGs were lost");
  // Every loss was booked and written again.
  assert.equal(clientLog.written, COUNT + lost.length);
  const ackedSeqs = new Set(
    clientLog.notified.filter(([t, , r]) => t === PING_PAYLOAD && r === FrameNotification.Acked)
      .map(([, s]) => s),
  );
  assert.ok(ackedSeqs.size >= COUNT - 3, `acked PINGs: ${ackedSeqs.size}`);
  assert.ok(conn.state < ConnectionState.Closing);
});

Deno.test("an unregistered frame type still fails with FRAME_ENCODING_ERROR", async () => {
  // The server has the plugin, the client does not: the client cannot parse a PONG.
  const serverLog = new PingLog();
  const { sim, client, server } = await simPair({
    seed: 9,
    server: { plugins: [pingPlugin(serverLog)] },
  });
  server.app = (c: Connection) => {
    if (c.state === ConnectionState.Established && serverLog.notified.length === 0) {
      c.callExtern("ping_send", [7n]);
      serverLog.notified.push([0, 0n, -1]);
    }
  };
  sim.run({ until: () => client.has("closed"), maxTime: 10_000_000 });
  const closed = client.events.find((e) => e.type === "closed");
  assert.ok(closed !== undefined && closed.type === "closed");
  assert.equal(closed.error.kind, "transportError");
  if (closed.error.kind === "transportError") assert.equal(closed.error.code, 0x07);
});
