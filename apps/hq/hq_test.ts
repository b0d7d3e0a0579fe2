/** hq-interop end to end on the simulated network. */

import assert from "node:assert/strict";
import type { LinkConfig } from "../../io/sim/link.ts";
import type { Connection } from "../../transport/connection/connection.ts";
import { ConnectionState } from "../../transport/connection/events.ts";
import { fillPattern } from "../content.ts";
import { simPair } from "../_sim.ts";
import { HqClient, type HqRequest } from "./client.ts";
import { BAD_REQUEST_PAGE, HqErrorCode, HqServer } from "./server.ts";

async function hqPair(
  files: Record<string, Uint8Array> = {},
  link: LinkConfig = { delay: 10_000 },
) {
  const server = new HqServer({ readFile: (p) => files[p] ?? null });
  const client = new HqClient({ keepBodies: true });
  const pair = await simPair({
    alpn: ["hq-interop"],
    server: (c, e, now) => server.onEvent(c, e, now),
    client: (c, e, now) => client.onEvent(c, e, now),
    link,
  });
  return { ...pair, server, client };
}

function runUntilDone(
  sim: { run(o: { until: () => boolean; maxTime: number }): unknown; now: number },
  client: HqClient,
  conn: Connection,
  maxTime = 60e6,
) {
  sim.run({ until: () => client.isIdle(conn), maxTime: sim.now + maxTime });
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

Deno.test("HqClient GET /10000 receives exactly 10000 bytes of the size pattern", async () => {
  const { sim, conn, client } = await hqPair();
  const req = client.request(conn, "/10000", 0);
  assert.equal(req.state, "queued");
  runUntilDone(sim, client, conn);
  assert.equal(req.state, "done");
  assert.equal(req.bytes, 10000);
  assert.equal(req.mismatchAt, -1);
  const want = new Uint8Array(10000);
  fillPattern(want, 0);
  assert.deepEqual(concat(req.body), want);
  // picoquicdemo's lines: 72 × 'Z' then CR LF.
  assert.equal(new TextDecoder().decode(concat(req.body).subarray(0, 74)), "Z".repeat(72) + "\r\n");
  assert.ok(req.finishedAt > req.startedAt && req.startedAt > 0);
});

Deno.test("HqServer serves a 1 MB file from the web root byte-exact", async () => {
  const file = new Uint8Array(1_000_000);
  for (let i = 0; i < file.length; i++) file[i] = (i * 7 + (i >> 11)) & 0xff;
  const { sim, conn, client, server } = await hqPair({ "data/big.bin": file }, {
    delay: 5_000,
    bandwidth: 100e6,
    loss: 0.01,
  });
  const req = client.request(conn, "/data/big.bin", 0);
  runUntilDone(sim, client, conn);
  assert.equal(req.state, "done");
  assert.equal(req.expected, null);
  assert.equal(req.bytes, file.length);
  assert.deepEqual(concat(req.body), file);
  assert.equal(server.stats.requests, 1);
});

Deno.test("HqClient GET of 1 MB pattern arrives byte-exact", async () => {
  const { sim, conn, client } = await hqPair();
  const req = client.request(conn, "1000000", 0);
  assert.equal(req.path, "/1000000");
  runUntilDone(sim, client, conn);
  assert.equal(req.state, "done");
  assert.equal(req.bytes, 1_000_000);
  assert.equal(req.mismatchAt, -1);
});

Deno.test("HqClient runs 100 concurrent requests past the stream limit", async () => {
  const { sim, conn, client } = await hqPair();
  const reqs: HqRequest[] = [];
  for (let i = 0; i < 100; i++) reqs.push(client.request(conn, `/${1000 + i * 37}`, 0));
  // Queue 50 more than the server's initial limit of 100 bidi streams.
  for (let i = 0; i < 50; i++) reqs.push(client.request(conn, `/${i}`, 0));
  runUntilDone(sim, client, conn);
  for (const [i, r] of reqs.entries()) {
    assert.equal(r.state, "done", `request ${i} ${r.path}`);
    assert.equal(r.bytes, r.expected);
    assert.equal(r.mismatchAt, -1);
  }
  const ids = new Set(reqs.map((r) => r.streamId));
  assert.equal(ids.size, 150);
  assert.equal(client.requestsOf(conn).length, 150);
});

Deno.test("HqServer resets with NotFound for unknown and traversal paths", async () => {
  const files = { "ok.txt": new TextEncoder().encode("fine") };
  const { sim, conn, client, server } = await hqPair(files);
  const missing = client.request(conn, "/missing.html", 0);
  const traversal = client.request(conn, "/../ok.txt", 0);
  const dotted = client.request(conn, "/a/./ok.txt", 0);
  const ok = client.request(conn, "/ok.txt", 0);
  const index = client.request(conn, "/", 0);
  runUntilDone(sim, client, conn);
  for (const r of [missing, traversal, dotted]) {
    assert.equal(r.state, "reset", r.path);
    assert.equal(r.resetCode, HqErrorCode.NotFound);
    assert.equal(r.bytes, 0);
  }
  assert.equal(ok.state, "done");
  assert.equal(new TextDecoder().decode(concat(ok.body)), "fine");
  assert.equal(index.state, "done");
  assert.match(new TextDecoder().decode(concat(index.body)), /pquic demo server/);
  assert.equal(server.stats.refused, 3);
});

Deno.test("HqServer answers a request that is not GET with BadRequest", async () => {
  const { sim, conn, clientEvents } = await hqPair();
  sim.run({ until: () => conn.state === ConnectionState.Established, maxTime: 5e6 });
  const id = conn.openStream(true)!;
  conn.write(id, new TextEncoder().encode("PUT /x\r\n"), true);
  const reset = () => clientEvents.find((e) => e.type === "streamReset" && e.id === id);
  sim.run({ until: () => reset() !== undefined, maxTime: sim.now + 5e6 });
  assert.deepEqual(reset(), { type: "streamReset", id, code: HqErrorCode.BadRequest });
});

Deno.test("HqServer reads a request line split across many stream frames", async () => {
  const { sim, conn, clientEvents } = await hqPair();
  sim.run({ until: () => conn.state === ConnectionState.Established, maxTime: 5e6 });
  const id = conn.openStream(true)!;
  const line = new TextEncoder().encode("GET   /200 \r\n");
  let got = 0;
  for (let i = 0; i < line.length; i++) {
    conn.write(id, line.subarray(i, i + 1), i === line.length - 1);
    sim.runFor(1_000);
  }
  sim.run({
    until: () => {
      for (let r = conn.read(id); r !== null; r = conn.read(id)) got += r.data.length;
      return got >= 200;
    },
    maxTime: sim.now + 5e6,
  });
  assert.equal(got, 200);
  assert.equal(clientEvents.some((e) => e.type === "streamReset"), false);
});

Deno.test("HqClient marks open and queued requests failed when the connection closes", async () => {
  const { sim, conn, client } = await hqPair();
  const big = client.request(conn, "/50000000", 0);
  sim.run({ until: () => big.bytes > 100_000, maxTime: 30e6 });
  conn.close(0n, "bye", sim.now);
  runUntilDone(sim, client, conn, 5e6);
  assert.equal(big.state, "failed");
  assert.ok(big.bytes > 100_000 && big.bytes < 50_000_000);
  assert.equal(big.mismatchAt, -1);
});

Deno.test("HqServer with errorPages answers like picoquicdemo, HTTP/1 status line included", async () => {
  const server = new HqServer({ errorPages: true });
  const pair = await simPair({
    alpn: ["hq-interop"],
    server: (c, e, now) => server.onEvent(c, e, now),
    client: () => {},
  });
  const { sim, conn } = pair;
  sim.run({ until: () => conn.state === ConnectionState.Established, maxTime: 5e6 });
  const ask = (line: string) => {
    const id = conn.openStream(true)!;
    conn.write(id, new TextEncoder().encode(line), true);
    return id;
  };
  const ids = [
    ask("GET /missing\r\n"),
    ask("GET /missing HTTP/1.0\r\n"),
    ask("GET /5 HTTP/1.1\r\n"),
  ];
  const got = ids.map(() => "");
  const done = ids.map(() => false);
  sim.run({
    until: () => {
      ids.forEach((id, i) => {
        for (let r = conn.read(id); r !== null; r = conn.read(id)) {
          got[i] += new TextDecoder().decode(r.data);
          if (r.fin) done[i] = true;
        }
      });
      return done.every((d) => d);
    },
    maxTime: sim.now + 5e6,
  });
  assert.equal(got[0], new TextDecoder().decode(BAD_REQUEST_PAGE));
  assert.equal(got[1], "404 Not Found\r\n\r\n" + new TextDecoder().decode(BAD_REQUEST_PAGE));
  assert.equal(got[2], "200 OK\r\nContent-Type: text/plain\r\n\r\nZZZZZ");
  assert.equal(server.stats.refused, 2);
});
