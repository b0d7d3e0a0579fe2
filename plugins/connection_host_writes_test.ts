/**
 * ConnectionHost on live connections: refused handles, the writable keys and
 * their effect (ACK frequency), host buffers, and the clock.
 */

import assert from "node:assert/strict";
import { Reader } from "../transport/wire/reader.ts";
import { Writer } from "../transport/wire/writer.ts";
import { runDownload, simPluginPair } from "./_sim_testing.ts";
import { ConnectionHost } from "./connection_host.ts";

const U64_MAX = 0xffff_ffff_ffff_ffffn;

Deno.test("ConnectionHost: a handle of the wrong kind or a stale one is refused", async () => {
  const pair = await simPluginPair();
  const conn = pair.clientConn;
  const host = new ConnectionHost(conn);
  assert.throws(() => host.getField("path", 0x0e, 0, host.spaceHandle(0)), /is not a path/);
  assert.throws(() => host.getField("pkt_ctx", 0x00, 0, host.pathHandle), /not a packet number/);
  assert.throws(() => host.getField("pkt", 0x03, 0, 999_999n), /is not a sent packet/);
  assert.throws(() => host.getField("cnx", 0x00, 0, 0n), /belongs to the running call/);
  assert.throws(() => host.setField("path", 0x0e, 0, host.pathHandle, 1n), /not writable/);
  assert.equal(host.bytes(host.pathHandle, false), null);
  // Pinned handles are the same for every host on the connection.
  assert.equal(new ConnectionHost(conn).pathHandle, host.pathHandle);
});

Deno.test("ConnectionHost: the writable keys act on the connection", async () => {
  const pair = await simPluginPair();
  runDownload(pair, 10_000);
  const conn = pair.clientConn;
  const host = new ConnectionHost(conn);
  const p = host.pathHandle;
  host.setField("path", 0x17, 0, p, 50_000n);
  assert.equal(conn.stats().cwnd, 50_000);
  host.setField("path", 0x17, 0, p, U64_MAX);
  assert.equal(conn.stats().cwnd, Infinity);
  assert.equal(host.getField("path", 0x17, 0, p), U64_MAX);
  host.setField("path", 0x82, 0, p, 0n);
  assert.equal(host.getField("path", 0x82, 0, p), 0n);
  assert.equal(conn.plugins.pacingEnabled, false);
  const app = host.spaceHandle(2);
  host.setField("pkt_ctx", 0x05, 0, app, 5_000n);
  assert.equal(conn.spaces[2].ackTracker.maxAckDelay, 5_000);
  // max_ack_delay (25 ms) still bounds it (RFC 9000 §13.2.1); Initial acknowledges at once.
  host.setField("pkt_ctx", 0x05, 0, app, 1_000_000n);
  assert.equal(host.getField("pkt_ctx", 0x05, 0, app), 25_000n);
  host.setField("pkt_ctx", 0x05, 0, host.spaceHandle(0), 10_000n);
  assert.equal(conn.spaces[0].ackTracker.maxAckDelay, 0);
  host.setField("pkt_ctx", 0x81, 0, app, 10n);
  assert.equal(conn.spaces[2].ackTracker.ackElicitingThreshold, 10);
  host.setField("pkt_ctx", 0x81, 0, app, 0n);
  assert.equal(host.getField("pkt_ctx", 0x81, 0, app), 1n);
});

Deno.test("ConnectionHost.now() is the time of the input being processed", async () => {
  const pair = await simPluginPair({ link: { delay: 7_000 } });
  const conn = pair.clientConn;
  const host = new ConnectionHost(conn);
  const seen: [number, number][] = [];
  const record = { run: () => (seen.push([host.now(), pair.sim.now]), 0n) };
  conn.attachPlugin({
    name: "test.clock",
    pluglets: [
      { op: "header_parsed", anchor: "post", pluglet: record },
      { op: "segment_prepared", anchor: "post", pluglet: record },
      { op: "set_next_wake_time", anchor: "pre", pluglet: record },
    ],
  });
  assert.ok(runDownload(pair, 20_000).sha256ok);
  assert.ok(seen.length > 20);
  for (const [got, want] of seen) assert.equal(got, want);
});

Deno.test("AK_PKTCTX_ACK_DELAY_LOCAL = 0 makes the receiver acknowledge every packet at once", async () => {
  const ackRatio = async (delay: bigint | null) => {
    const pair = await simPluginPair({ seed: 4, link: { delay: 10_000, bandwidth: 20_000_000 } });
    runDownload(pair, 5_000); // the handshake and a first exchange
    const conn = pair.clientConn;
    if (delay !== null) {
      const host = new ConnectionHost(conn);
      host.setField("pkt_ctx", 0x05, 0, host.spaceHandle(2), delay);
    }
    const before = conn.stats();
    assert.ok(runDownload(pair, 300_000, { seed: 2 }).sha256ok);
    const after = conn.stats();
    const acks = after.framesSent["ACK"]! - before.framesSent["ACK"]!;
    return acks / (after.packetsReceived - before.packetsReceived);
  };
  const usual = await ackRatio(null);
  const immediate = await ackRatio(0n);
  assert.ok(usual < 0.7, `by default about every second packet is acknowledged (${usual})`);
  assert.ok(immediate > 0.9, `with no delay, nearly every packet (${immediate})`);
});

Deno.test("ConnectionHost.bytes() gives a writer's window, a reader's rest, and plain buffers", async () => {
  const pair = await simPluginPair();
  const conn = pair.clientConn;
  const host = new ConnectionHost(conn);
  const h = conn.ops.handles;
  const mark = h.mark();
  const w = new Writer(new Uint8Array(10), 2, 8);
  w.u8(0xaa); // the window starts at the writer's position
  const wh = BigInt(h.register(w));
  const window = host.bytes(wh, true)!;
  assert.equal(window.length, 5);
  window[0] = 0x42;
  assert.equal(w.buf[3], 0x42);
  const r = new Reader(Uint8Array.of(1, 2, 3, 4, 5), 3);
  const rh = BigInt(h.register(r));
  assert.deepEqual(host.bytes(rh, false), Uint8Array.of(4, 5));
  assert.equal(host.bytes(rh, true), null, "received bytes are read-only");
  const tp = new Uint8Array(4);
  const th = BigInt(h.register(tp));
  assert.equal(host.bytes(th, true), tp);
  h.release(mark);
  assert.equal(host.bytes(wh, true), null, "stale once the call returned");
});
