/**
 * ConnectionHost on live connections: every access key of helper_ids.ts,
 * read by a VM pluglet through the real get_* helpers while a transfer runs
 * on the simulator, equals the connection's own value; the writable keys act
 * on the connection.
 */

import assert from "node:assert/strict";
import type { Connection } from "../transport/connection/connection.ts";
import type { PacketHeader } from "../transport/packet/header.ts";
import { PacketType } from "../transport/packet/packet_type.ts";
import type { PluginDefinition, PlugletCall } from "../transport/protoop/mod.ts";
import type { SentPacket } from "../transport/recovery/sent_packet.ts";
import { assembleBytes } from "../vm/assembler.ts";
import { mapReader } from "./_testing.ts";
import { runDownload, simPluginPair } from "./_sim_testing.ts";
import { SendStream } from "../transport/streams/send_stream.ts";
import { CidRef, ConnectionHost, PathRef, SpaceRef } from "./connection_host.ts";
import { ACCESS_KEYS, type FieldKind } from "./helper_ids.ts";
import { injectPlugin } from "./inject.ts";
import { loadPlugin } from "./loader.ts";

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const FAMILIES: readonly FieldKind[] = ["cnx", "path", "pkt_ctx", "pkt", "cnxid", "stream", "ph"];
/** Helper ids of get_cnx, get_path, get_pkt_ctx, get_pkt, get_cnxid, get_stream_head, get_ph. */
const GETTERS = [2, 6, 10, 14, 20, 22, 27];

/**
 * The probe extern: inputs (family, handle, key, param) → the get_* helper
 * of that family on (handle, key, param). Hand-assembled eBPF.
 */
const PROBE_ASM = [
  "mov r6, r1",
  ...[7, 8, 9].flatMap((r, i) => [
    "mov r1, r6",
    "mov r2, 0",
    `mov r3, ${i}`,
    "call 2",
    `mov r${r}, r0`,
  ]),
  "mov r1, r6",
  "mov r2, 0",
  "mov r3, 3",
  "call 2",
  "stxdw [r10-8], r0",
  ...GETTERS.map((_, f) => `jeq r7, ${f}, f${f}`),
  "mov r0, 0xdead",
  "exit",
  ...GETTERS.flatMap((id, f) => [
    `f${f}:`,
    f === 0 ? "mov r1, r6" : "mov r1, r8",
    "mov r2, r9",
    "ldxdw r3, [r10-8]",
    `call ${id}`,
    "exit",
  ]),
].join("\n");

const PROBE = loadPlugin(
  "probe/probe.plugin",
  mapReader({
    "probe/probe.plugin": "be.test.probe\nprobe extern probe.o\n",
    "probe/probe.o": assembleBytes(PROBE_ASM),
  }),
);

function u(v: number | boolean): bigint {
  if (typeof v === "boolean") return v ? 1n : 0n;
  return v === Infinity || v < 0 ? U64_MAX : BigInt(v);
}

/** What a check sees. */
interface Ctx {
  readonly c: Connection;
  readonly host: ConnectionHost;
  readonly call: PlugletCall;
  /** Runs the probe: the helper's value of (family, handle, key, param). */
  probe(kind: FieldKind, handle: bigint, key: number, param?: number): bigint;
  readonly pkt: SentPacket | null;
  readonly header: { h: PacketHeader; pn: number; length: number } | null;
}

/** How to check one key: its handle and param, and the expected value (or a custom check). */
interface KeyCheck {
  /** The object to read (default: the connection, 0). */
  handle?: (x: Ctx) => bigint | null;
  param?: number;
  /** Expected value; or a function of the helper's value that asserts itself. */
  expect: (x: Ctx, got: bigint) => bigint | void;
}

function cidBytes(x: Ctx, handle: bigint): Uint8Array {
  const o = x.call.handle(handle);
  assert.ok(o instanceof CidRef);
  // AK_CNXID_ID through the helper gives a host buffer with the same bytes.
  const buf = x.probe("cnxid", handle, 0x00);
  assert.deepEqual(x.host.bytes(buf, false), o.bytes);
  assert.equal(x.host.bytes(buf, true), null, "connection ID bytes are read-only");
  return o.bytes;
}

const path = (x: Ctx) => x.host.pathHandle;
const stats = (x: Ctx) => x.c.stats();
const space = (s: number) => (x: Ctx) => x.host.spaceHandle(s);
const pkt = (x: Ctx) => (x.pkt === null ? null : x.call.args[0]!);
const ph = (x: Ctx) => (x.header === null ? null : x.call.args[0]!);
const stream0 = (x: Ctx) => (x.c.streams.has(0 as never) ? x.host.findStream(0n) : null);
const EPOCH: Record<number, number> = { [PacketType.Initial]: 0, [PacketType.Handshake]: 1 };

/** One row per access key of helper_ids.ts (a test checks the two lists agree). */
const CHECKS: Record<string, KeyCheck> = {
  AK_CNX_INPUT: { param: 3, expect: () => 3n }, // the probe's own 4th input
  AK_CNX_OUTPUT: { expect: () => 0n },
  AK_CNX_PROPOSED_VERSION: { expect: (x) => u(x.c.version) },
  AK_CNX_IS_0RTT_ACCEPTED: { expect: () => 0n },
  AK_CNX_REMOTE_PARAMETERS_RECEIVED: { expect: (x) => u(x.c.remoteTransportParameters !== null) },
  AK_CNX_CLIENT_MODE: { expect: (x) => u(x.c.isClient) },
  AK_CNX_LOCAL_PARAMETER: { param: 0x01, expect: (x) => u(x.c.localParams.initialMaxData) },
  AK_CNX_REMOTE_PARAMETER: {
    param: 0x80,
    expect: (x) => u(x.c.remoteTransportParameters?.maxAckDelay ?? 0),
  },
  AK_CNX_STATE: { expect: (x) => u(x.c.state) },
  AK_CNX_INITIAL_CID: {
    expect: (x, got) => assert.deepEqual(cidBytes(x, got), x.c.originalDcid),
  },
  AK_CNX_START_TIME: { expect: (x) => u(x.c.startTime) },
  AK_CNX_NEXT_WAKE_TIME: { expect: (x) => u(x.c.nextTimeout()) },
  AK_CNX_NB_RETRANSMISSION_TOTAL: { expect: (x) => u(stats(x).packetsLost) },
  AK_CNX_NB_SPURIOUS: { expect: (x) => u(x.c.counters.spuriousLosses) },
  AK_CNX_DATA_SENT: { expect: (x) => u(stats(x).bytesSent) },
  AK_CNX_DATA_RECEIVED: { expect: (x) => u(stats(x).bytesReceived) },
  AK_CNX_MAXDATA_LOCAL: { expect: (x) => u(x.c.streams.connectionFlow.recvWindow.limit) },
  AK_CNX_MAXDATA_REMOTE: {
    expect: (x) =>
      u(x.c.remoteTransportParameters === null ? 0 : x.c.streams.connectionFlow.sendCredit.limit),
  },
  AK_CNX_KEEP_ALIVE_INTERVAL: { expect: () => 5_000_000n },
  AK_CNX_NB_PATHS: { expect: () => 1n },
  AK_CNX_PATH: {
    param: 0,
    expect: (x, got) => {
      assert.ok(x.call.handle(got) instanceof PathRef);
      assert.equal(x.probe("cnx", 0n, 0x2e, 1), 0n, "no second path");
      return x.host.pathHandle;
    },
  },
  AK_CNX_RETURN_VALUE: { expect: () => 0n },
  AK_CNX_HANDSHAKE_DONE: { expect: (x) => u(x.c.handshakeComplete) },
  AK_CNX_PROTOOP_PARAM: { expect: () => 0xffffn },
  AK_CNX_HANDSHAKE_CONFIRMED: { expect: (x) => u(x.c.isHandshakeConfirmed) },
  AK_CNX_INPUT_COUNT: { expect: () => 4n },
  AK_CNX_NB_PACKETS_SENT: { expect: (x) => u(stats(x).packetsSent) },
  AK_CNX_NB_PACKETS_RECEIVED: { expect: (x) => u(stats(x).packetsReceived) },

  AK_PATH_CHALLENGE_VERIFIED: { handle: path, expect: (x) => u(x.c.pathChallenge === null) },
  AK_PATH_MAX_ACK_DELAY: {
    handle: path,
    expect: (x) => u((x.c.remoteTransportParameters?.maxAckDelay ?? 0) * 1000),
  },
  AK_PATH_SMOOTHED_RTT: { handle: path, expect: (x) => u(stats(x).rtt.smoothed) },
  AK_PATH_RTT_VARIANT: { handle: path, expect: (x) => u(stats(x).rtt.variance) },
  AK_PATH_RETRANSMIT_TIMER: { handle: path, expect: (x) => u(x.c.loss.ptoPeriod()) },
  AK_PATH_RTT_MIN: { handle: path, expect: (x) => u(stats(x).rtt.min) },
  AK_PATH_SEND_MTU: { handle: path, expect: (x) => u(x.c.maxDatagramSize) },
  AK_PATH_CWIN: { handle: path, expect: (x) => u(stats(x).cwnd) },
  AK_PATH_BYTES_IN_TRANSIT: { handle: path, expect: (x) => u(stats(x).bytesInFlight) },
  AK_PATH_LOCAL_CID: {
    handle: path,
    expect: (x, got) => assert.deepEqual(cidBytes(x, got), x.c.localCid),
  },
  AK_PATH_REMOTE_CID: {
    handle: path,
    expect: (x, got) => assert.deepEqual(cidBytes(x, got), x.c.cids.remoteCid),
  },
  AK_PATH_PKT_CTX: {
    handle: path,
    param: 2,
    expect: (x, got) => {
      const o = x.call.handle(got);
      assert.ok(o instanceof SpaceRef && o.space === 2);
      return x.host.spaceHandle(2);
    },
  },
  AK_PATH_NB_PKT_SENT: { handle: path, expect: (x) => u(stats(x).packetsSent) },
  AK_PATH_RTT_LATEST: { handle: path, expect: (x) => u(stats(x).rtt.latest) },
  AK_PATH_SSTHRESH: { handle: path, expect: (x) => u(x.c.congestion.ssthresh) },
  AK_PATH_PACING_ENABLED: { handle: path, expect: () => 1n },

  AK_PKTCTX_SEND_SEQUENCE: { handle: space(2), expect: (x) => u(x.c.spaces[2].nextPn) },
  AK_PKTCTX_ACK_DELAY_LOCAL: {
    handle: space(2),
    expect: (x) => u(x.c.localParams.maxAckDelay * 1000),
  },
  AK_PKTCTX_HIGHEST_ACKNOWLEDGED: { handle: space(2), expect: (x) => u(x.c.loss.largestAcked(2)) },
  AK_PKTCTX_LATEST_TIME_ACKNOWLEDGED: {
    handle: space(2),
    expect: (x) => u(x.c.counters.largestAckedSentTime[2]!),
  },
  AK_PKTCTX_ACK_NEEDED: { handle: space(2), expect: (x) => u(x.c.spaces[2].ackTracker.pending) },
  AK_PKTCTX_ACK_ELICITING_THRESHOLD: { handle: space(2), expect: () => 2n },
  AK_PKTCTX_LARGEST_RECEIVED: {
    handle: space(2),
    expect: (x) => u(x.c.spaces[2].ackTracker.largest),
  },

  AK_PKT_SEQUENCE_NUMBER: { handle: pkt, expect: (x) => u(x.pkt!.pn) },
  AK_PKT_SEND_TIME: { handle: pkt, expect: (x) => u(x.pkt!.timeSent) },
  AK_PKT_LENGTH: { handle: pkt, expect: (x) => u(x.pkt!.size) },
  AK_PKT_CONTEXT: { handle: pkt, expect: (x) => u(x.pkt!.space) },
  AK_PKT_IS_PURE_ACK: { handle: pkt, expect: (x) => u(!x.pkt!.ackEliciting) },
  AK_PKT_IS_CONGESTION_CONTROLLED: { handle: pkt, expect: (x) => u(x.pkt!.inFlight) },
  AK_PKT_IS_MTU_PROBE: { handle: pkt, expect: (x) => u(x.pkt!.isPmtuProbe === true) },
  AK_PKT_NB_FRAMES: {
    handle: pkt,
    expect: (x) => u(x.pkt!.frames.length + (x.pkt!.pluginFrames?.length ?? 0)),
  },

  // Read through AK_CNX_INITIAL_CID / AK_PATH_*_CID above (cidBytes).
  AK_CNXID_ID: {
    handle: (x) => x.probe("path", x.host.pathHandle, 0x1f),
    expect: (x, got) => assert.deepEqual(x.host.bytes(got, false), x.c.cids.remoteCid),
  },
  AK_CNXID_LEN: {
    handle: (x) => x.probe("path", x.host.pathHandle, 0x1f),
    expect: (x) => u(x.c.cids.remoteCid.length),
  },

  // One stream per side: it has something to send exactly when the schedule would serve it.
  AK_STREAMHEAD_SEND_QUEUE: {
    handle: stream0,
    expect: (x) => u(x.c.streams.nextStream()?.id === 0),
  },
  AK_STREAMHEAD_CONSUMED_OFFSET: {
    handle: stream0,
    expect: (x) => u(x.c.streams.recvStream(0 as never)?.buffer.readOffset ?? 0),
  },
  AK_STREAMHEAD_STREAM_ID: {
    handle: stream0,
    expect: (x, got) => {
      assert.ok(x.call.handle(x.host.findStream(0n)) instanceof SendStream);
      assert.equal(x.host.findStream(4n), 0n, "no stream 4");
      assert.equal(got, 0n);
    },
  },
  AK_STREAMHEAD_SENT_OFFSET: {
    handle: stream0,
    expect: (x) => u(x.c.streams.sendStream(0 as never)?.buffer.sentOffset ?? 0),
  },
  AK_STREAMHEAD_SENDING_OFFSET: {
    handle: stream0,
    expect: (x) => u(x.c.streams.sendStream(0 as never)?.buffer.writeOffset ?? 0),
  },
  AK_STREAMHEAD_MAX_DATA_LOCAL: {
    handle: stream0,
    expect: (x) => u(x.c.streams.recvStream(0 as never)?.window.limit ?? 0),
  },
  AK_STREAMHEAD_MAX_DATA_REMOTE: {
    handle: stream0,
    expect: (x) => u(x.c.streams.sendStream(0 as never)?.credit.limit ?? 0),
  },
  // The client's request is one write with FIN: sent in its first packet. The server's
  // response ends with FIN: sent once everything was.
  AK_STREAMHEAD_FIN_SENT: {
    handle: stream0,
    expect: (x) => {
      const b = x.c.streams.sendStream(0 as never)!.buffer;
      return u(
        x.c.isClient
          ? b.sentOffset > 0
          : b.finished && b.sentOffset === b.writeOffset && !b.finPending,
      );
    },
  },
  AK_STREAMHEAD_FIN_RECEIVED: {
    handle: stream0,
    expect: (x) => u((x.c.streams.recvStream(0 as never)?.finalSize ?? -1) >= 0),
  },

  AK_PH_DESTINATION_CNXID: {
    handle: ph,
    expect: (x, got) => assert.deepEqual(cidBytes(x, got), x.header!.h.dcid),
  },
  AK_PH_OFFSET: {
    handle: ph,
    // Header + payload + 16-byte AEAD tag = the packet's length (header_parsed's input 3).
    expect: (x, got) => {
      const payloadLength = x.probe("ph", x.call.args[0]!, 0x02);
      assert.equal(got + payloadLength + 16n, BigInt(x.header!.length));
      assert.ok(got > 0n);
    },
  },
  AK_PH_PAYLOAD_LENGTH: { handle: ph, expect: (_x, got) => assert.ok(got > 0n) },
  AK_PH_SEQUENCE_NUMBER: { handle: ph, expect: (x) => u(x.header!.pn) },
  AK_PH_EPOCH: { handle: ph, expect: (x) => u(EPOCH[x.header!.h.type] ?? 2) },
  AK_PH_PTYPE: {
    handle: ph,
    expect: (x) => u(x.header!.h.type === PacketType.OneRtt ? 4 : x.header!.h.type),
  },
};

Deno.test("ConnectionHost: the key table covers every access key of helper_ids.ts", () => {
  assert.deepEqual(Object.keys(CHECKS).sort(), ACCESS_KEYS.map((k) => k.name).sort());
});

/** Runs every check whose handle exists now; returns the names checked. */
function checkAll(x: Ctx, only: FieldKind[]): string[] {
  const done: string[] = [];
  for (const k of ACCESS_KEYS) {
    if (!only.includes(k.kind)) continue;
    const check = CHECKS[k.name]!;
    const handle = check.handle?.(x) ?? (k.kind === "cnx" ? 0n : null);
    if (handle === null || (handle === 0n && k.kind !== "cnx")) continue;
    const got = x.probe(k.kind, handle, k.value, check.param ?? 0);
    const want = check.expect(x, got);
    if (want !== undefined) {
      assert.equal(got, want, `${k.name} on the ${x.c.isClient ? "client" : "server"}`);
    }
    done.push(k.name);
  }
  return done;
}

/**
 * Injects the probe into `conn` and returns a TypeScript plugin whose
 * pluglets check every key they can reach (names into `checked`).
 */
function keyChecker(conn: Connection, checked: Set<string>): PluginDefinition {
  const host = new ConnectionHost(conn);
  injectPlugin(conn, PROBE);
  const make = (call: PlugletCall, extra: Partial<Pick<Ctx, "pkt" | "header">>): Ctx => ({
    c: conn,
    host,
    call,
    pkt: extra.pkt ?? null,
    header: extra.header ?? null,
    probe: (kind, handle, key, param = 0) =>
      call.call(
        "probe",
        [BigInt(FAMILIES.indexOf(kind)), handle, BigInt(key), BigInt(param)],
        undefined,
        new BigUint64Array(1),
      ),
  });
  return {
    name: "test.keys",
    pluglets: [
      {
        op: "segment_prepared",
        anchor: "post",
        pluglet: {
          run: (call) => {
            const x = make(call, { pkt: call.handle(call.args[0]!) as SentPacket });
            for (const n of checkAll(x, ["cnx", "path", "pkt_ctx", "pkt", "cnxid", "stream"])) {
              checked.add(n);
            }
            return 0n;
          },
        },
      },
      {
        op: "header_parsed",
        anchor: "post",
        pluglet: {
          run: (call) => {
            const h = call.handle(call.args[0]!) as PacketHeader;
            const x = make(call, {
              header: { h, pn: Number(call.args[2]!), length: Number(call.args[3]!) },
            });
            for (const n of checkAll(x, ["ph", "stream"])) checked.add(n);
            return 0n;
          },
        },
      },
    ],
  };
}

Deno.test("ConnectionHost: every access key reads the connection's own value during a transfer", async () => {
  const checked = new Set<string>();
  const serverChecked = new Set<string>();
  const pair = await simPluginPair({
    seed: 3,
    link: { delay: 10_000, bandwidth: 20_000_000, loss: 0.02 },
    clientConfig: { keepAliveInterval: 5_000_000 },
    serverConfig: {
      keepAliveInterval: 5_000_000,
      plugins: [(c) => keyChecker(c, serverChecked)],
    },
  });
  pair.clientConn.attachPlugin(keyChecker(pair.clientConn, checked));
  const r = runDownload(pair, 150_000);
  const closed = pair.client.events.find((e) => e.type === "closed");
  assert.ok(
    r.sha256ok,
    `download: ${r.bytes} bytes, ${r.result}, ${
      JSON.stringify(closed)
    } ${r.client.closeFrame?.reason} / ${r.server?.closeFrame?.reason}`,
  );
  assert.deepEqual([...checked].sort(), ACCESS_KEYS.map((k) => k.name).sort());
  assert.deepEqual([...serverChecked].sort(), ACCESS_KEYS.map((k) => k.name).sort());
  assert.ok(r.client.stats().packetsLost > 0, "the lossy link lost packets");
});
