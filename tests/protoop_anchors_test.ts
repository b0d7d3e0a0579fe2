/**
 * TypeScript pluglets on live connections on the simulator, through every
 * anchor kind: pre and post observers (order, inputs, outputs, return
 * values), replace (return values that change what the transport does),
 * extern (with per-plugin metadata), the rollback of a refused replace, and
 * transport parameters written and read by plugins.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Connection } from "../transport/connection/connection.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import { ConnectionState } from "../transport/connection/events.ts";
import {
  CongestionNotification,
  Op,
  type PluginDefinition,
  ProtoopError,
} from "../transport/protoop/mod.ts";
import type { SendStream } from "../transport/streams/send_stream.ts";
import { CLIENT_ADDR, payload, SERVER_ADDR, simPair } from "./_conn_sim.ts";
import { hostOf, PING_PAYLOAD, PingLog, pingPlugin, pl } from "./_protoop_plugins.ts";

/** Runs until the client's handshake is confirmed. */
function establish(sim: Awaited<ReturnType<typeof simPair>>["sim"], conn: Connection): void {
  sim.run({ until: () => conn.isHandshakeConfirmed, maxTime: 5_000_000 });
  assert.ok(conn.isHandshakeConfirmed);
}

Deno.test("pre and post observers run in attach order around the body and see its effect", async () => {
  const { sim, clientConn } = await simPair({ seed: 11 });
  const order: string[] = [];
  const samples: bigint[] = [];
  const observer = (name: string): PluginDefinition => ({
    name,
    pluglets: [
      {
        op: "update_rtt",
        anchor: "pre",
        pluglet: pl((c) => {
          order.push(`${name}.pre`);
          // Observers get a copy: writing it changes nothing for the body.
          c.args[1] = 1n;
        }),
      },
      {
        op: "update_rtt",
        anchor: "post",
        pluglet: pl((c) => {
          order.push(`${name}.post`);
          if (name === "test.a") {
            samples.push(c.args[1]!);
            // The body ran before post: the estimator holds this sample.
            assert.equal(BigInt(hostOf(c).loss.rtt.latest), c.args[1]!);
          }
        }),
      },
    ],
  });
  clientConn.attachPlugin(observer("test.a"));
  clientConn.attachPlugin(observer("test.b"));
  establish(sim, clientConn);
  assert.ok(samples.length >= 1);
  assert.ok(samples.every((s) => s > 1n), "the body saw the real sample, not the observer's write");
  for (let i = 0; i < order.length; i += 4) {
    assert.deepEqual(order.slice(i, i + 4), [
      "test.a.pre",
      "test.b.pre",
      "test.a.post",
      "test.b.post",
    ]);
  }
  assert.equal(order.length, samples.length * 4);
});

Deno.test("post sees a replace body's outputs and return value (write_frame of a plugin frame)", async () => {
  const log = new PingLog();
  const seen: { ret: bigint; consumed: bigint; retrans: bigint; max: bigint }[] = [];
  const { sim, clientConn, client } = await simPair({
    seed: 12,
    client: {
      plugins: [pingPlugin(log), {
        name: "test.post",
        pluglets: [{
          op: "write_frame",
          param: PING_PAYLOAD,
          anchor: "post",
          pluglet: pl((c) =>
            void seen.push({
              ret: c.returnValue,
              consumed: c.outputs[0]!,
              retrans: c.outputs[1]!,
              max: c.args[2]!,
            })
          ),
        }],
      }],
    },
    server: { plugins: [pingPlugin(new PingLog())] },
  });
  establish(sim, clientConn);
  client.conn!.callExtern("ping_send", [5n]);
  sim.run({ until: () => log.pongs.length > 0, maxTime: 2_000_000 });
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0], { ret: 0n, consumed: 10n, retrans: 1n, max: 10n });
});

Deno.test("a replace's return value is used: process_frame refusing PING closes with PROTOCOL_VIOLATION", async () => {
  const { sim, clientConn, client, server } = await simPair({
    seed: 13,
    server: {
      plugins: [{
        name: "test.noping",
        pluglets: [{ op: "process_frame", param: 0x01, anchor: "replace", pluglet: pl(() => 1n) }],
      }],
    },
  });
  establish(sim, clientConn);
  assert.equal(clientConn.state, ConnectionState.Established);
  clientConn.ping();
  sim.run({ until: () => client.has("closed"), maxTime: 2_000_000 });
  const closed = server.events.find((e) => e.type === "closed");
  assert.ok(closed?.type === "closed" && closed.error.kind === "transportError");
  assert.equal(closed.error.code, 0x0a);
  assert.match(closed.error.reason, /refused by a plugin/);
});

Deno.test("a replace on schedule_next_stream changes the order streams are sent in", async () => {
  async function order(prioritise: boolean): Promise<number[]> {
    const { sim, clientConn } = await simPair({ seed: 14 });
    establish(sim, clientConn);
    const a = clientConn.openStream(true)!;
    const b = clientConn.openStream(true)!;
    clientConn.write(a, payload(6000, 1), true);
    clientConn.write(b, payload(6000, 2), true);
    const sentIds: number[] = [];
    const wants = (s: SendStream | null) =>
      s !== null && (s.buffer.hasLost || s.buffer.sentOffset < s.buffer.writeOffset ||
        s.buffer.finPending);
    const pluglets: PluginDefinition["pluglets"][number][] = [{
      op: "prepare_stream_frame",
      anchor: "post",
      pluglet: pl((c) => {
        if (c.returnValue !== 0n) sentIds.push((c.handle(c.args[0]!) as SendStream).id);
      }),
    }];
    if (prioritise) {
      // Strict priority to the later stream while it has data.
      pluglets.push({
        op: "schedule_next_stream",
        anchor: "replace",
        pluglet: pl((c) => {
          const st = hostOf(c).streams;
          for (const id of [b, a]) {
            const s = st.sendStream(id);
            if (wants(s)) return c.handleOf(s);
          }
          return 0n;
        }),
      });
    }
    clientConn.attachPlugin({ name: "test.sched", pluglets });
    sim.runFor(300_000);
    return sentIds;
  }
  const rr = await order(false);
  const prio = await order(true);
  const [a, b] = [rr[0]!, rr.find((x) => x !== rr[0])!];
  // Round robin alternates early on; strict priority sends all of b first.
  assert.ok(rr.slice(0, 4).includes(a) && rr.slice(0, 4).includes(b), `round robin: ${rr}`);
  const firstA = prio.indexOf(a);
  assert.ok(firstA > 0 && prio.slice(0, firstA).every((x) => x === b), `priority: ${prio}`);
  assert.ok(prio.slice(firstA).every((x) => x === a));
});

Deno.test("an extern keeps per-plugin metadata on the connection", async () => {
  const { sim, clientConn } = await simPair({ seed: 15 });
  clientConn.attachPlugin({
    name: "test.count",
    pluglets: [
      {
        op: "update_rtt",
        anchor: "post",
        pluglet: pl((c) => c.setMetadata(0n, 3, c.getMetadata(0n, 3) + 1n)),
      },
      {
        op: "rtt_samples",
        anchor: "extern",
        pluglet: pl((c) => c.getMetadata(0n, 3) * c.args[0]!),
      },
    ],
  });
  // Another plugin's slot 3 is its own.
  clientConn.attachPlugin({
    name: "test.other",
    pluglets: [{ op: "other_slot", anchor: "extern", pluglet: pl((c) => c.getMetadata(0n, 3)) }],
  });
  let samples = 0;
  clientConn.attachPlugin({
    name: "test.samples",
    pluglets: [{ op: "update_rtt", anchor: "pre", pluglet: pl(() => void samples++) }],
  });
  establish(sim, clientConn);
  assert.ok(samples > 0);
  assert.equal(clientConn.callExtern("rtt_samples", [10n]), BigInt(samples) * 10n);
  assert.equal(clientConn.callExtern("other_slot", []), 0n);
  assert.equal(clientConn.state, ConnectionState.Established);
});

Deno.test("a refused replace rolls the whole plugin back; the connection works on", async () => {
  const { sim, clientConn, client, server } = await simPair({ seed: 16 });
  clientConn.attachPlugin({
    name: "test.first",
    pluglets: [{ op: "is_ack_needed", anchor: "replace", pluglet: pl(() => 1n) }],
  });
  let calls = 0;
  assert.throws(
    () =>
      clientConn.attachPlugin({
        name: "test.second",
        pluglets: [
          { op: "update_rtt", anchor: "pre", pluglet: pl(() => void calls++) },
          { op: "stream_opened", anchor: "post", pluglet: pl(() => void calls++) },
          { op: "is_ack_needed", anchor: "replace", pluglet: pl(() => 0n) },
        ],
      }),
    (e: unknown) => e instanceof ProtoopError && e.kind === "replaceExists",
  );
  assert.ok(clientConn.ops.isDefault(Op.UPDATE_RTT));
  assert.ok(clientConn.ops.isDefault(Op.STREAM_OPENED));
  assert.ok(!clientConn.ops.isDefault(Op.IS_ACK_NEEDED));
  establish(sim, clientConn);
  const id = clientConn.openStream(true)!;
  clientConn.write(id, payload(20_000), true);
  let got = 0;
  server.app = (c: Connection, _e: ConnectionEvent[]) => {
    for (let r = c.read(id); r !== null && r.data.length > 0; r = c.read(id)) got += r.data.length;
  };
  sim.run({ until: () => got === 20_000, maxTime: 5_000_000 });
  assert.equal(got, 20_000);
  assert.equal(calls, 0);
  assert.ok(!client.has("closed"));
});

Deno.test("plugins write and read their own transport parameters", async () => {
  const TP = 0x7a5e;
  const seen: { unknown: [bigint, number[]][]; processed: number[][] } = {
    unknown: [],
    processed: [],
  };
  const { sim, clientConn } = await simPair({
    seed: 17,
    client: {
      plugins: [{
        name: "test.tp",
        pluglets: [{
          op: "write_transport_parameter",
          param: TP,
          anchor: "replace",
          pluglet: pl((c) => {
            const buf = c.handle(c.args[0]!) as Uint8Array;
            buf.set([1, 2, 3]);
            return 3n;
          }),
        }],
      }],
    },
    server: {
      plugins: [{
        name: "test.tp",
        pluglets: [
          {
            op: "unknown_tp_received",
            anchor: "pre",
            pluglet: pl((c) =>
              void seen.unknown.push([c.args[0]!, [...(c.handle(c.args[1]!) as Uint8Array)]])
            ),
          },
          {
            op: "process_transport_parameter",
            param: TP,
            anchor: "replace",
            pluglet: pl((c) => {
              const v = c.handle(c.args[0]!) as Uint8Array;
              seen.processed.push([...v.subarray(0, Number(c.args[1]!))]);
              return 0n;
            }),
          },
        ],
      }],
    },
  });
  establish(sim, clientConn);
  assert.deepEqual(seen.processed, [[1, 2, 3]]);
  assert.ok(seen.unknown.some(([id, v]) => id === BigInt(TP) && v.join() === "1,2,3"));
});

Deno.test("observers see state changes, losses, timeouts and congestion signals", async () => {
  const states: [number, number][] = [];
  const lost: bigint[] = [];
  const ptos: bigint[] = [];
  const signals = new Set<number>();
  let ackedBytes = 0n;
  const { sim, clientConn, client, server } = await simPair({ seed: 18 });
  clientConn.attachPlugin({
    name: "test.watch",
    pluglets: [
      {
        op: "connection_state_changed",
        anchor: "post",
        pluglet: pl((c) => void states.push([Number(c.args[0]!), Number(c.args[1]!)])),
      },
      {
        op: "packet_was_lost",
        anchor: "pre",
        pluglet: pl((c) => void lost.push(BigInt((c.handle(c.args[0]!) as { pn: number }).pn))),
      },
      {
        op: "retransmission_timeout",
        anchor: "pre",
        pluglet: pl((c) => void ptos.push(c.args[1]!)),
      },
      {
        op: "congestion_algorithm_notify",
        anchor: "post",
        pluglet: pl((c) => {
          signals.add(Number(c.args[1]!));
          if (Number(c.args[1]!) === CongestionNotification.Acknowledgement) {
            ackedBytes += c.args[4]!;
          }
        }),
      },
    ],
  });
  establish(sim, clientConn);
  // Lose a run of the client's datagrams: losses by packet threshold, then a PTO.
  sim.setLink(CLIENT_ADDR.hostname, SERVER_ADDR.hostname, { delay: 10_000, lossMask: 0x3cn });
  const id = clientConn.openStream(true)!;
  clientConn.write(id, payload(30_000), true);
  let got = 0;
  server.app = (c: Connection) => {
    for (let r = c.read(id); r !== null && r.data.length > 0; r = c.read(id)) got += r.data.length;
  };
  sim.run({ until: () => got === 30_000, maxTime: 10_000_000 });
  assert.equal(got, 30_000);
  client.conn!.close(0n, "bye", sim.now);
  sim.run({ until: () => client.has("drained"), maxTime: 10_000_000 });
  assert.deepEqual(states, [
    [ConnectionState.Handshake, ConnectionState.Established],
    [ConnectionState.Established, ConnectionState.Closing],
    [ConnectionState.Closing, ConnectionState.Drained],
  ]);
  assert.ok(lost.length >= 1, "losses observed");
  assert.equal(lost.length, clientConn.stats().packetsLost);
  assert.ok(signals.has(CongestionNotification.Acknowledgement));
  assert.ok(
    signals.has(CongestionNotification.Repeat) || signals.has(CongestionNotification.Timeout),
  );
  assert.ok(ackedBytes > 20_000n, `acknowledged bytes: ${ackedBytes}`);
  assert.ok(ptos.every((p) => p >= 1n));
});

Deno.test("a replace of congestion_algorithm_notify reacts; acknowledged and lost bytes still leave the flight", async () => {
  let signals = 0;
  const { sim, clientConn, server } = await simPair({ seed: 19 });
  clientConn.attachPlugin({
    name: "test.fixed_window",
    pluglets: [{
      op: "congestion_algorithm_notify",
      anchor: "replace",
      // A fixed window of 40 KB: the signal changes nothing but this.
      pluglet: pl(() => {
        signals++;
        clientConn.congestion.inner.setWindow?.(40_000);
      }),
    }],
  });
  establish(sim, clientConn);
  sim.setLink(CLIENT_ADDR.hostname, SERVER_ADDR.hostname, { delay: 10_000, lossMask: 0x3cn });
  const id = clientConn.openStream(true)!;
  clientConn.write(id, payload(300_000), true);
  let got = 0;
  server.app = (c: Connection) => {
    for (let r = c.read(id); r !== null && r.data.length > 0; r = c.read(id)) got += r.data.length;
  };
  sim.run({ until: () => got === 300_000, maxTime: 20_000_000 });
  assert.equal(got, 300_000);
  sim.run({ until: () => clientConn.congestion.bytesInFlight === 0, maxTime: 2_000_000 });
  assert.equal(clientConn.congestion.bytesInFlight, 0);
  assert.equal(clientConn.congestion.window, 40_000);
  assert.ok(signals > 10, `signals: ${signals}`);
});

Deno.test("logging anchors and stream observers fire where the catalogue says", async () => {
  const events: string[] = [];
  const contexts: string[] = [];
  let depth = 0;
  let maxDepth = 0;
  const opened: bigint[] = [];
  const closed: bigint[] = [];
  const { sim, clientConn, server } = await simPair({ seed: 19 });
  clientConn.attachPlugin({
    name: "test.log",
    pluglets: [
      {
        op: "log_event",
        anchor: "pre",
        pluglet: pl((c) => void events.push(`${c.args[0]}/${c.args[1]}`)),
      },
      {
        op: "push_log_context",
        anchor: "pre",
        pluglet: pl((c) => {
          contexts.push(c.handle(c.args[0]!) as unknown as string);
          maxDepth = Math.max(maxDepth, ++depth);
        }),
      },
      { op: "pop_log_context", anchor: "pre", pluglet: pl(() => void depth--) },
      { op: "stream_opened", anchor: "post", pluglet: pl((c) => void opened.push(c.args[0]!)) },
      { op: "stream_closed", anchor: "post", pluglet: pl((c) => void closed.push(c.args[0]!)) },
    ],
  });
  establish(sim, clientConn);
  const id = clientConn.openStream(true)!;
  clientConn.write(id, new Uint8Array([1, 2]), true);
  let back = false;
  server.app = (c: Connection) => {
    if (back) return;
    const r = c.read(id);
    if (r?.fin) {
      c.write(id, new Uint8Array([3]), true);
      back = true;
    }
  };
  let fin = false;
  sim.run({
    until: () => {
      const r = clientConn.read(id);
      if (r?.fin) fin = true;
      return fin && closed.length > 0;
    },
    maxTime: 5_000_000,
  });
  assert.deepEqual(opened, [BigInt(id)]);
  assert.deepEqual(closed, [BigInt(id)]);
  // Packets sent and received are logged; a context brackets every entry point.
  assert.ok(events.includes("1/0") && events.includes("1/1"), events.slice(0, 5).join());
  assert.ok(contexts.includes("receive") && contexts.includes("pollTransmit"));
  assert.equal(depth, 0);
  assert.equal(maxDepth, 1);
});

Deno.test("per-packet observers run once per packet once attached", async () => {
  const n: Record<string, number> = {};
  const count = (op: string) => ({
    op,
    anchor: "post" as const,
    pluglet: pl(() => void (n[op] = (n[op] ?? 0) + 1)),
  });
  const ops = [
    "received_packet",
    "get_incoming_path",
    "header_parsed",
    "received_segment",
    "select_sending_path",
    "header_prepared",
    "segment_prepared",
    "before_sending_packet",
  ];
  const { sim, clientConn } = await simPair({
    seed: 20,
    client: { plugins: [{ name: "test.count", pluglets: ops.map(count) }] },
  });
  establish(sim, clientConn);
  const id = clientConn.openStream(true)!;
  clientConn.write(id, payload(8000), true);
  sim.runFor(200_000);
  const st = clientConn.stats();
  assert.equal(n["received_packet"], st.datagramsReceived);
  assert.equal(n["header_parsed"], st.packetsReceived);
  assert.equal(n["received_segment"], st.packetsReceived);
  assert.ok(n["get_incoming_path"]! >= st.packetsReceived);
  assert.equal(n["segment_prepared"], st.packetsSent);
  assert.equal(n["header_prepared"], st.packetsSent);
  assert.equal(n["before_sending_packet"], st.datagramsSent);
  assert.ok(n["select_sending_path"]! >= st.datagramsSent);
});
