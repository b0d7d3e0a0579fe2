/** HTTP/3 end to end on the simulated network. */

import assert from "node:assert/strict";
import type { Connection } from "../../transport/connection/connection.ts";
import type { ConnectionEvent } from "../../transport/connection/events.ts";
import { ConnectionState } from "../../transport/connection/events.ts";
import { fillPattern } from "../content.ts";
import { simPair } from "../_sim.ts";
import { H3Client } from "./client.ts";
import { H3ErrorCode } from "./errors.ts";
import {
  encodeFrame,
  encodeGoawayFrame,
  encodeSettingsFrame,
  FrameType,
  SettingId,
} from "./frames.ts";
import { encodeFieldSection } from "./qpack/field_section.ts";
import { H3Server } from "./server.ts";

async function h3Pair(files: Record<string, Uint8Array> = {}) {
  const server = new H3Server({ readFile: (p) => files[p] ?? null });
  const client = new H3Client({ keepBodies: true, authority: "localhost:4443" });
  const pair = await simPair({
    alpn: ["h3"],
    server: (c, e, now) => server.onEvent(c, e, now),
    client: (c, e, now) => client.onEvent(c, e, now),
    link: { delay: 5_000, bandwidth: 200e6 },
  });
  return { ...pair, server, client };
}

/** A pair whose client is raw QUIC: the test writes HTTP/3 bytes itself. */
async function rawPair() {
  const server = new H3Server();
  const pair = await simPair({
    alpn: ["h3"],
    server: (c, e, now) => server.onEvent(c, e, now),
    client: () => {},
    link: { delay: 5_000 },
  });
  pair.sim.run({ until: () => pair.conn.state === ConnectionState.Established, maxTime: 5e6 });
  return { ...pair, server };
}

function closedEvent(events: ConnectionEvent[]) {
  const e = events.find((x) => x.type === "closed");
  return e?.type === "closed" ? e.error : undefined;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function runIdle(
  sim: { run(o: object): unknown; now: number },
  client: H3Client,
  conn: Connection,
) {
  sim.run({ until: () => client.isIdle(conn), maxTime: sim.now + 60e6 });
}

Deno.test("H3Client GET of a 1 MB resource gets 200, content-length and every byte", async () => {
  const { sim, conn, client, server } = await h3Pair();
  const req = client.request(conn, "/1000000", 0);
  runIdle(sim, client, conn);
  assert.equal(req.state, "done");
  assert.equal(req.status, 200);
  assert.equal(req.expected, 1_000_000);
  assert.equal(req.bytes, 1_000_000);
  assert.equal(req.mismatchAt, -1);
  const want = new Uint8Array(1_000_000);
  fillPattern(want, 0);
  assert.deepEqual(concat(req.body), want);
  assert.deepEqual(req.headers.find(([n]) => n === "content-type"), ["content-type", "text/plain"]);
  assert.equal(server.stats.requests, 1);
  assert.ok(req.finishedAt > req.startedAt);
});

Deno.test("H3Server serves a 1 MB web-root file byte-exact and 404 for a missing one", async () => {
  const file = new Uint8Array(1 << 20);
  for (let i = 0; i < file.length; i++) file[i] = (i * 13 + (i >> 9)) & 0xff;
  const { sim, conn, client, server, serverConns } = await h3Pair({ "f/big.bin": file });
  const ok = client.request(conn, "/f/big.bin", 0);
  const missing = client.request(conn, "/nothing-here", 0);
  const traversal = client.request(conn, "/f/../f/big.bin", 0);
  runIdle(sim, client, conn);
  assert.equal(ok.status, 200);
  assert.deepEqual(concat(ok.body), file);
  assert.equal(missing.state, "done");
  assert.equal(missing.status, 404);
  assert.equal(new TextDecoder().decode(concat(missing.body)), "Not found\r\n");
  assert.equal(traversal.status, 404);
  assert.equal(server.stats.notFound, 2);
  const session = server.sessionOf(serverConns[0]!)!;
  assert.deepEqual(
    session.peerSettings,
    new Map([[SettingId.QPACK_MAX_TABLE_CAPACITY, 0], [SettingId.QPACK_BLOCKED_STREAMS, 0]]),
  );
});

Deno.test("H3Client HEAD gets the size without a body", async () => {
  const { sim, conn, client } = await h3Pair();
  const req = client.request(conn, "/5000", 0, { method: "HEAD" });
  runIdle(sim, client, conn);
  assert.equal(req.state, "done");
  assert.equal(req.status, 200);
  assert.equal(req.expected, 5000);
  assert.equal(req.bytes, 0);
});

Deno.test("H3Client runs 50 concurrent GETs", async () => {
  const { sim, conn, client } = await h3Pair();
  const reqs = Array.from({ length: 50 }, (_, i) => client.request(conn, `/${i * 101}`, 0));
  runIdle(sim, client, conn);
  for (const r of reqs) {
    assert.equal(r.state, "done");
    assert.equal(r.bytes, Number(r.path.slice(1)));
    assert.equal(r.mismatchAt, -1);
  }
});

Deno.test("H3Server ignores a unidirectional stream of unknown type", async () => {
  const { sim, conn, client, clientEvents } = await h3Pair();
  sim.run({ until: () => conn.state === ConnectionState.Established, maxTime: 5e6 });
  const grease = conn.openStream(false)!;
  // Type 0x21 (reserved, 0x1f × 0 + 0x21), then junk.
  conn.write(grease, Uint8Array.of(0x21, 1, 2, 3, 4));
  const req = client.request(conn, "/100", sim.now);
  runIdle(sim, client, conn);
  assert.equal(req.state, "done");
  assert.equal(req.bytes, 100);
  const stop = clientEvents.find((e) => e.type === "stopSending" && e.id === grease);
  assert.deepEqual(stop, {
    type: "stopSending",
    id: grease,
    code: BigInt(H3ErrorCode.H3_STREAM_CREATION_ERROR),
  });
  assert.equal(conn.state, ConnectionState.Established);
});

Deno.test("H3Server closes with H3_MISSING_SETTINGS when the control stream starts with GOAWAY", async () => {
  const { sim, conn, clientEvents } = await rawPair();
  const control = conn.openStream(false)!;
  const goaway = encodeGoawayFrame(0);
  conn.write(control, Uint8Array.of(0x00, ...goaway));
  sim.run({ until: () => closedEvent(clientEvents) !== undefined, maxTime: sim.now + 5e6 });
  assert.deepEqual(closedEvent(clientEvents), {
    kind: "applicationClosed",
    code: BigInt(H3ErrorCode.H3_MISSING_SETTINGS),
    reason: "Cannot accept control frames before SETTINGS",
    remote: true,
  });
});

Deno.test("H3Server closes with H3_FRAME_UNEXPECTED for a second SETTINGS", async () => {
  const { sim, conn, clientEvents } = await rawPair();
  const control = conn.openStream(false)!;
  const settings = encodeSettingsFrame(new Map([[SettingId.QPACK_BLOCKED_STREAMS, 0]]));
  conn.write(control, Uint8Array.of(0x00, ...settings, ...settings));
  sim.run({ until: () => closedEvent(clientEvents) !== undefined, maxTime: sim.now + 5e6 });
  const e = closedEvent(clientEvents);
  assert.ok(e?.kind === "applicationClosed");
  assert.equal(e.code, BigInt(H3ErrorCode.H3_FRAME_UNEXPECTED));
});

Deno.test("H3Server closes with H3_STREAM_CREATION_ERROR for a second control stream", async () => {
  const { sim, conn, clientEvents } = await rawPair();
  const settings = encodeSettingsFrame(new Map());
  for (let i = 0; i < 2; i++) conn.write(conn.openStream(false)!, Uint8Array.of(0x00, ...settings));
  sim.run({ until: () => closedEvent(clientEvents) !== undefined, maxTime: sim.now + 5e6 });
  const e = closedEvent(clientEvents);
  assert.ok(e?.kind === "applicationClosed");
  assert.equal(e.code, BigInt(H3ErrorCode.H3_STREAM_CREATION_ERROR));
});

Deno.test("H3Server closes with H3_CLOSED_CRITICAL_STREAM when the control stream ends", async () => {
  const { sim, conn, clientEvents } = await rawPair();
  const control = conn.openStream(false)!;
  conn.write(control, Uint8Array.of(0x00, ...encodeSettingsFrame(new Map())), true);
  sim.run({ until: () => closedEvent(clientEvents) !== undefined, maxTime: sim.now + 5e6 });
  const e = closedEvent(clientEvents);
  assert.ok(e?.kind === "applicationClosed");
  assert.equal(e.code, BigInt(H3ErrorCode.H3_CLOSED_CRITICAL_STREAM));
});

Deno.test("H3Server closes with H3_FRAME_UNEXPECTED for DATA before HEADERS", async () => {
  const { sim, conn, clientEvents } = await rawPair();
  const id = conn.openStream(true)!;
  conn.write(id, encodeFrame(FrameType.DATA, new Uint8Array(3)), true);
  sim.run({ until: () => closedEvent(clientEvents) !== undefined, maxTime: sim.now + 5e6 });
  const e = closedEvent(clientEvents);
  assert.ok(e?.kind === "applicationClosed");
  assert.equal(e.code, BigInt(H3ErrorCode.H3_FRAME_UNEXPECTED));
});

Deno.test("H3Server resets a request without :path with H3_MESSAGE_ERROR", async () => {
  const { sim, conn, clientEvents } = await rawPair();
  const id = conn.openStream(true)!;
  const fields = encodeFieldSection([[":method", "GET"], [":scheme", "https"]]);
  // A grease frame first: unknown frame types are skipped on request streams.
  conn.write(id, Uint8Array.of(0x21, 2, 0, 0, ...encodeFrame(FrameType.HEADERS, fields)), true);
  const reset = () => clientEvents.find((e) => e.type === "streamReset" && e.id === id);
  sim.run({ until: () => reset() !== undefined, maxTime: sim.now + 5e6 });
  assert.deepEqual(reset(), {
    type: "streamReset",
    id,
    code: BigInt(H3ErrorCode.H3_MESSAGE_ERROR),
  });
  assert.equal(conn.state, ConnectionState.Established);
});

Deno.test("H3Client.close sends GOAWAY and closes with H3_NO_ERROR", async () => {
  const { sim, conn, client, serverConns, server, serverEvents } = await h3Pair();
  const req = client.request(conn, "/10", 0);
  runIdle(sim, client, conn);
  assert.equal(req.state, "done");
  const session = server.sessionOf(serverConns[0]!)!;
  client.close(conn, sim.now);
  sim.run({ until: () => closedEvent(serverEvents) !== undefined, maxTime: sim.now + 5e6 });
  assert.equal(session.peerGoaway, 0);
  assert.deepEqual(closedEvent(serverEvents), {
    kind: "applicationClosed",
    code: BigInt(H3ErrorCode.H3_NO_ERROR),
    reason: "",
    remote: true,
  });
  // Requests after close fail at once.
  assert.equal(client.request(conn, "/1", sim.now).state, "failed");
});

Deno.test("H3Server closes with QPACK_ENCODER_STREAM_ERROR when the client inserts", async () => {
  const { sim, conn, clientEvents } = await rawPair();
  const encoder = conn.openStream(false)!;
  // Encoder stream type, then Insert with Name Reference (static 1, value "/a").
  conn.write(encoder, Uint8Array.of(0x02, 0xc1, 0x02, 0x2f, 0x61));
  sim.run({ until: () => closedEvent(clientEvents) !== undefined, maxTime: sim.now + 5e6 });
  const e = closedEvent(clientEvents);
  assert.ok(e?.kind === "applicationClosed");
  assert.equal(e.code, BigInt(H3ErrorCode.QPACK_ENCODER_STREAM_ERROR));
});

Deno.test("H3 GETs survive 2 % loss with reordering", async () => {
  const server = new H3Server();
  const client = new H3Client({ keepBodies: false });
  const { sim, conn } = await simPair({
    alpn: ["h3"],
    server: (c, e, now) => server.onEvent(c, e, now),
    client: (c, e, now) => client.onEvent(c, e, now),
    link: { delay: 10_000, bandwidth: 50e6, loss: 0.02, jitter: 2_000 },
    seed: 5,
  });
  const reqs = [client.request(conn, "/300000", 0), client.request(conn, "/1", 0)];
  for (let i = 0; i < 10; i++) reqs.push(client.request(conn, `/${5000 + i}`, 0));
  runIdle(sim, client, conn);
  for (const r of reqs) {
    assert.equal(r.state, "done", r.path);
    assert.equal(r.bytes, Number(r.path.slice(1)));
    assert.equal(r.mismatchAt, -1);
  }
});
