/**
 * The datagram plugin (RFC 9221 in eBPF) on simulated connections: the
 * transport parameter, DATAGRAM frames both ways, sizes, refusals, loss (never
 * retransmitted), interop with the native implementation at the other end.
 * Hostile DATAGRAM frames: hostile_test.ts.
 */

import assert from "node:assert/strict";
import { loadBuiltin } from "../builtins.ts";
import { injectedPlugins } from "../inject.ts";
import { type SimPluginPair, simPluginPair } from "../_sim_testing.ts";
import { ConnectionState } from "../../transport/connection/events.ts";
import type { Connection } from "../../transport/connection/connection.ts";
import type { ConnectionEvent } from "../../transport/connection/events.ts";
import { payload } from "../../tests/_conn_sim.ts";
import { datagramCounters, DatagramExtern } from "./datagram.ts";
import { interpreter } from "../../vm/mod.ts";

const CLIENT_HOST = "10.0.0.1";
const SERVER_HOST = "10.0.0.2";

/** Datagrams seen by one side. */
interface Side {
  readonly got: Uint8Array[];
}

/**
 * Runs a pair until both sides received `expect` datagrams (or time runs
 * out), sending `fromClient`/`fromServer` once each side's handshake is
 * confirmed; returns what each side received, in order.
 */
function exchange(
  p: SimPluginPair,
  fromClient: Uint8Array[],
  fromServer: Uint8Array[],
  expect: { client: number; server: number },
  onSend?: (conn: Connection, results: boolean[]) => void,
): { client: Side; server: Side } {
  const client: Side = { got: [] };
  const server: Side = { got: [] };
  const app = (side: Side, out: Uint8Array[]) => {
    let sent = false;
    return (c: Connection, events: ConnectionEvent[]) => {
      for (const e of events) if (e.type === "datagram") side.got.push(e.data);
      if (sent || !c.isHandshakeConfirmed || c.state !== ConnectionState.Established) return;
      sent = true;
      const results = out.map((d) => c.sendDatagram(d));
      onSend?.(c, results);
    };
  };
  p.client.app = app(client, fromClient);
  p.server.app = app(server, fromServer);
  p.sim.run({
    until: () => client.got.length >= expect.client && server.got.length >= expect.server,
    maxTime: 10_000_000,
  });
  return { client, server };
}

function dg(n: number, seed: number): Uint8Array {
  return payload(n, seed);
}

const datagram = loadBuiltin("datagram");

Deno.test("datagram plugin: max_datagram_frame_size is exchanged and sizes up to the limit cross both ways", async () => {
  const p = await simPluginPair({ client: [datagram], server: [datagram] });
  const max = 1200 - 64 - 3; // path MTU less the packet overhead and the frame's type and length
  const up = [dg(0, 1), dg(1, 2), dg(100, 3), dg(max, 4)];
  const down = [dg(5, 5), dg(700, 6), dg(max, 7)];
  const r = exchange(p, up, down, { client: down.length, server: up.length });
  assert.deepEqual(r.server.got, up);
  assert.deepEqual(r.client.got, down);
  const server = p.serverConn()!;
  for (const c of [p.clientConn, server]) {
    // The plugin wrote the parameter (core has no native value configured here).
    assert.equal(c.remoteTransportParameters?.maxDatagramFrameSize, 65535);
    assert.equal(c.maxDatagramPayload, max);
    assert.equal(injectedPlugins(c)[0]!.fault, null);
  }
  const cc = datagramCounters(p.clientConn)!;
  const sc = datagramCounters(server)!;
  assert.equal(cc.Sent, up.length);
  assert.equal(cc.Received, down.length);
  assert.equal(sc.Sent, down.length);
  assert.equal(sc.Received, up.length);
  assert.equal(cc.PeerMaxFrameSize, 65535);
  // The plugin's frames are counted in the connection's statistics under the manifest's name.
  assert.equal(p.clientConn.stats().pluginFramesSent.DATAGRAM, up.length);
  assert.equal(p.clientConn.stats().pluginFramesReceived.DATAGRAM, down.length);
  assert.equal(server.stats().pluginFramesReceived.DATAGRAM, up.length);
});

Deno.test("datagram plugin: the reference interpreter runs it the same as the Wasm compiler", async () => {
  const inject = { engine: interpreter };
  const p = await simPluginPair({ client: [datagram], server: [datagram], inject });
  const up = [dg(0, 21), dg(333, 22), dg(1133, 23)];
  const down = [dg(44, 24)];
  const r = exchange(p, up, down, { client: down.length, server: up.length });
  assert.deepEqual(r.server.got, up);
  assert.deepEqual(r.client.got, down);
  assert.equal(datagramCounters(p.clientConn)!.Sent, up.length);
  assert.equal(injectedPlugins(p.clientConn)[0]!.fault, null);
});

Deno.test("datagram plugin: a payload above datagram_get_max_size is refused, not sent", async () => {
  const p = await simPluginPair({ client: [datagram], server: [datagram] });
  let results: boolean[] = [];
  let max = -1;
  const ok = dg(50, 9);
  const r = exchange(p, [dg(2000, 8), ok], [], { client: 0, server: 1 }, (c, res) => {
    results = res;
    max = c.maxDatagramPayload;
    assert.equal(c.sendDatagram(dg(max + 1, 10)), false);
    assert.equal(c.sendDatagram(dg(max, 11)), true);
  });
  assert.deepEqual(results, [false, true]);
  p.sim.run({ until: () => r.server.got.length >= 2, maxTime: 5_000_000 });
  assert.deepEqual(r.server.got.map((d) => d.length), [50, max]);
  const cc = datagramCounters(p.clientConn)!;
  assert.equal(cc.Refused, 2);
  assert.equal(cc.Sent, 2);
});

Deno.test("datagram plugin: past 1024 queued datagrams, datagram_send refuses until some are written", async () => {
  const p = await simPluginPair({ client: [datagram], server: [datagram] });
  const out = Array.from({ length: 1100 }, (_, i) => dg(1000, 1000 + i));
  let results: boolean[] = [];
  const r = exchange(p, out, [], { client: 0, server: 1024 }, (c, res) => {
    if (c === p.clientConn) results = res;
  });
  assert.equal(results.filter((x) => x).length, 1024);
  assert.deepEqual(results.slice(1020, 1030), [
    true,
    true,
    true,
    true,
    false,
    false,
    false,
    false,
    false,
    false,
  ]);
  assert.deepEqual(r.server.got, out.slice(0, 1024));
  const cc = datagramCounters(p.clientConn)!;
  assert.equal(cc.Refused, 76);
  assert.equal(cc.Held, 0);
  assert.equal(cc.QueuedBytes, 0);
  // Once written, the queue has room again.
  assert.equal(p.clientConn.sendDatagram(dg(10, 1)), true);
  const stats = injectedPlugins(p.clientConn)[0]!.stats();
  assert.ok(stats.heapHighWater >= 1024 * 1000, `heap high water ${stats.heapHighWater}`);
  assert.ok(stats.heapInUse < 64 * 1024, `heap in use ${stats.heapInUse}`);
});

Deno.test("datagram plugin: past 1 MiB of queued payload, datagram_send refuses", async () => {
  // 9,000-byte packets: datagrams of 8,000 bytes fit, and 1 MiB is reached before 1024 of them.
  const big = { maxDatagramSize: 9000 };
  const p = await simPluginPair({
    client: [datagram],
    server: [datagram],
    clientConfig: big,
    serverConfig: big,
  });
  const out = Array.from({ length: 140 }, (_, i) => dg(8000, 3000 + i));
  let results: boolean[] = [];
  const r = exchange(p, out, [], { client: 0, server: 131 }, (c, res) => {
    if (c === p.clientConn) results = res;
  });
  // 131 × 8000 ≤ 1,048,576 < 132 × 8000.
  assert.equal(results.indexOf(false), 131);
  assert.equal(results.filter((x) => x).length, 131);
  assert.deepEqual(r.server.got, out.slice(0, 131));
  assert.equal(datagramCounters(p.clientConn)!.QueuedBytes, 0);
});

Deno.test("datagram plugin: lost DATAGRAM frames are reported lost and never sent again", async () => {
  const p = await simPluginPair({ client: [datagram], server: [datagram] });
  const out = Array.from({ length: 8 }, (_, i) => dg(900, 100 + i));
  const got: Uint8Array[] = [];
  let sent = false;
  p.server.app = (_c, events) => {
    for (const e of events) if (e.type === "datagram") got.push(e.data);
  };
  p.client.app = (c) => {
    if (sent || !c.isHandshakeConfirmed) return;
    sent = true;
    // From now on the client's 2nd and 5th datagrams are dropped (one DATAGRAM per packet).
    p.sim.setLink(CLIENT_HOST, SERVER_HOST, { delay: 10_000, lossMask: 0b10010n });
    for (const d of out) assert.ok(c.sendDatagram(d));
  };
  const settled = () => {
    const cc = datagramCounters(p.clientConn);
    return cc !== null && sent && cc.Acked + cc.Lost === out.length;
  };
  assert.equal(p.sim.run({ until: settled, maxTime: 10_000_000 }), "until");
  p.sim.runFor(2_000_000); // anything resent would have arrived by now
  const cc = datagramCounters(p.clientConn)!;
  assert.equal(cc.Lost, 2);
  assert.equal(cc.Sent, out.length, "each datagram written once");
  assert.equal(got.length, out.length - cc.Lost);
  assert.equal(cc.Acked, got.length);
  assert.equal(cc.Held, 0, "every datagram freed");
  // What arrived is a subset of what was sent, each once, in order.
  const index = got.map((g) => out.findIndex((o) => o.every((b, i) => b === g[i])));
  assert.ok(index.every((i) => i >= 0));
  assert.deepEqual(index, [0, 2, 3, 5, 6, 7]);
});

Deno.test("datagram plugin client talks RFC 9221 with a native server (both ways)", async () => {
  const p = await simPluginPair({
    client: [datagram],
    serverConfig: { transportParameters: { maxDatagramFrameSize: 200 } },
  });
  const up = [dg(197, 1), dg(3, 2)];
  const down = [dg(64, 3)];
  let refused: boolean | null = null;
  const r = exchange(p, up, down, { client: 1, server: 2 }, (c, results) => {
    if (c === p.clientConn) {
      assert.deepEqual(results, [true, true]);
      // 200-byte frames: type (1) + length (2) + 197 bytes of data.
      assert.equal(c.maxDatagramPayload, 197);
      refused = !c.sendDatagram(dg(198, 4));
    }
  });
  assert.equal(refused, true);
  assert.deepEqual(r.server.got, up);
  assert.deepEqual(r.client.got, down);
  assert.equal(p.serverConn()!.remoteTransportParameters?.maxDatagramFrameSize, 65535);
});

Deno.test("a native client talks RFC 9221 with a datagram plugin server (both ways)", async () => {
  const p = await simPluginPair({
    server: [datagram],
    clientConfig: { transportParameters: { maxDatagramFrameSize: 1000 } },
  });
  const up = [dg(300, 1)];
  const down = [dg(900, 2), dg(0, 3)];
  const r = exchange(p, up, down, { client: 2, server: 1 });
  assert.deepEqual(r.server.got, up);
  assert.deepEqual(r.client.got, down);
  assert.equal(p.clientConn.remoteTransportParameters?.maxDatagramFrameSize, 65535);
});

Deno.test("datagram plugin: with a native value configured too, the plugin's parameter is sent, once", async () => {
  const p = await simPluginPair({
    client: [datagram],
    server: [datagram],
    clientConfig: { transportParameters: { maxDatagramFrameSize: 1500 } },
  });
  const r = exchange(p, [dg(10, 1)], [dg(20, 2)], { client: 1, server: 1 });
  assert.equal(r.server.got.length, 1);
  assert.equal(r.client.got.length, 1);
  assert.equal(p.serverConn()!.remoteTransportParameters?.maxDatagramFrameSize, 65535);
  // The frames went through the plugin, not the native queue.
  assert.equal(datagramCounters(p.clientConn)!.Sent, 1);
});

Deno.test("datagram plugin: a peer without datagrams gets none (max size 0, sends refused)", async () => {
  const p = await simPluginPair({ client: [datagram] });
  let results: boolean[] = [];
  let max = -1;
  exchange(p, [dg(1, 1)], [], { client: 0, server: 0 }, (c, res) => {
    if (c !== p.clientConn) return;
    results = res;
    max = c.maxDatagramPayload;
  });
  p.sim.runFor(1_000_000);
  assert.deepEqual(results, [false]);
  assert.equal(max, 0);
  assert.equal(datagramCounters(p.clientConn)!.PeerMaxFrameSize, 0);
  assert.equal(datagramCounters(p.clientConn)!.Refused, 1);
});

Deno.test("datagram plugin: the extern API is refused once the plugin is detached", async () => {
  const p = await simPluginPair({ client: [datagram], server: [datagram] });
  const r = exchange(p, [dg(10, 1)], [], { client: 0, server: 1 });
  assert.equal(r.server.got.length, 1);
  injectedPlugins(p.clientConn)[0]!.detach();
  // No plugin and no native value: the native path answers, and the peer allowed datagrams.
  assert.equal(p.clientConn.sendDatagram(dg(10, 2)), true);
  assert.equal(p.clientConn.state, ConnectionState.Established);
  assert.equal(datagramCounters(p.clientConn), null);
  assert.equal(p.clientConn.ops.idOf(DatagramExtern.Send) !== undefined, true);
});
