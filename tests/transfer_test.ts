import assert from "node:assert/strict";
import type { Connection } from "../transport/connection/connection.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import { ConnectionState } from "../transport/connection/events.ts";
import type { LinkConfig } from "../io/sim/link.ts";
import { payload, sha256, simPair } from "./_conn_sim.ts";

/** Sends `data` on one client bidi stream; the server closes with 0 once it has it all. */
async function transferOne(
  data: Uint8Array,
  link: LinkConfig,
  seed = 1,
  congestionControl: "newreno" | "cubic" = "newreno",
) {
  const maxTime = 120_000_000;
  const { sim, client, server, clientConn } = await simPair({
    link,
    seed,
    client: { congestionControl },
  });
  let id: number | null = null;
  let written = 0;
  let finished = false;
  client.app = (c: Connection) => {
    if (c.state !== ConnectionState.Established) return;
    if (id === null) id = c.openStream(true);
    if (id === null) return;
    while (written < data.length) {
      const n = c.write(id, data.subarray(written, written + 65536));
      if (n === 0) break;
      written += n;
    }
    if (written === data.length && !finished) {
      c.finish(id);
      finished = true;
    }
  };
  const chunks: Uint8Array[] = [];
  let got = 0;
  let done = false;
  let opened = false;
  server.app = (c: Connection, events: ConnectionEvent[], now: number) => {
    if (events.some((e) => e.type === "streamOpened")) opened = true;
    if (done || id === null || !opened) return;
    for (;;) {
      const r = c.read(id);
      if (r === null) break;
      if (r.data.length > 0) {
        chunks.push(r.data.slice());
        got += r.data.length;
      }
      if (r.fin) {
        done = true;
        c.close(0n, "done", now);
        break;
      }
    }
  };
  const result = sim.run({
    until: () => client.has("drained") && server.has("drained"),
    maxTime,
  });
  assert.equal(
    result,
    "until",
    `run ended with ${result} at ${sim.now}; got ${got}/${data.length}`,
  );
  const all = new Uint8Array(got);
  let o = 0;
  for (const ch of chunks) {
    all.set(ch, o);
    o += ch.length;
  }
  assert.equal(got, data.length);
  assert.equal(await sha256(all), await sha256(data));
  const closed = client.events.find((e) => e.type === "closed");
  assert.deepEqual(closed, {
    type: "closed",
    error: { kind: "applicationClosed", code: 0n, reason: "done", remote: true },
  });
  const sclosed = server.events.find((e) => e.type === "closed");
  assert.deepEqual(sclosed, {
    type: "closed",
    error: { kind: "localClose", code: 0n, reason: "done" },
  });
  return { sim, clientConn, serverConn: server.conn! };
}

Deno.test("transfer: 10 MB on one stream over 10 ms / 100 Mbit/s / queue 100, byte-exact", async () => {
  const data = payload(10 * 1024 * 1024, 3);
  const { sim, clientConn } = await transferOne(data, {
    delay: 10_000,
    bandwidth: 100_000_000,
    queue: 100,
  });
  // 10 MB at 100 Mbit/s takes at least 0.84 s of virtual time.
  assert.ok(sim.now > 800_000, `virtual time ${sim.now}`);
  assert.ok(clientConn.stats().packetsSent > 8000);
});

Deno.test("transfer: 10 MB on one stream over an unlimited link, byte-exact", async () => {
  const data = payload(10 * 1024 * 1024, 4);
  await transferOne(data, {});
});

Deno.test("transfer: 2 MB with CUBIC over a 20 Mbit/s link with 2% loss, byte-exact", async () => {
  const data = payload(2 * 1024 * 1024, 6);
  const { clientConn } = await transferOne(
    data,
    { delay: 15_000, bandwidth: 20_000_000, queue: 60, loss: 0.02 },
    12,
    "cubic",
  );
  assert.equal(clientConn.congestion.name, "cubic");
  assert.ok(clientConn.stats().packetsLost > 0);
});

Deno.test("transfer: 1 MB with 5% random loss completes byte-exact", async () => {
  const data = payload(1024 * 1024, 5);
  const { clientConn } = await transferOne(data, { delay: 10_000, loss: 0.05 }, 9);
  assert.ok(clientConn.stats().packetsLost > 0, "some packets were lost");
});

Deno.test("transfer: 1,000 small streams, each byte-exact, then a clean close", async () => {
  const { sim, client, server } = await simPair({ link: { delay: 5_000 }, seed: 11 });
  const N = 1000;
  const bodies = Array.from({ length: N }, (_, i) => payload(100 + (i % 700), 100 + i));
  let next = 0;
  const idToIndex = new Map<number, number>();
  client.app = (c: Connection, events: ConnectionEvent[]) => {
    if (c.state !== ConnectionState.Established) return;
    // Drain the server's (empty) side of each bidi stream so the stream can be freed.
    for (const e of events) if (e.type === "streamReadable") { while (c.read(e.id) !== null); }
    while (next < N) {
      const id = c.openStream(next % 2 === 0);
      if (id === null) break;
      idToIndex.set(id, next);
      const n = c.write(id, bodies[next]!, true);
      assert.equal(n, bodies[next]!.length);
      next++;
    }
  };
  const received = new Map<number, Uint8Array[]>();
  const complete = new Set<number>();
  server.app = (c: Connection, events: ConnectionEvent[], now: number) => {
    for (const e of events) {
      if (e.type !== "streamOpened" && e.type !== "streamReadable") continue;
      if (complete.has(e.id)) continue;
      for (;;) {
        const r = c.read(e.id);
        if (r === null) break;
        const parts = received.get(e.id) ?? [];
        parts.push(r.data.slice());
        received.set(e.id, parts);
        if (r.fin) {
          complete.add(e.id);
          if ((e.id & 2) === 0) c.finish(e.id); // bidi: close our side too
          break;
        }
      }
    }
    if (complete.size === N && c.state === ConnectionState.Established) c.close(0n, "", now);
  };
  const r = sim.run({
    until: () => client.has("drained") && server.has("drained"),
    maxTime: 60_000_000,
  });
  assert.equal(r, "until", `complete ${complete.size}, opened ${next}`);
  assert.equal(complete.size, N);
  for (const [id, parts] of received) {
    const idx = idToIndex.get(id)!;
    const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    assert.deepEqual(all, bodies[idx]);
  }
  const closed = client.events.find((e) => e.type === "closed");
  assert.ok(closed?.type === "closed" && closed.error.kind === "applicationClosed");
  assert.equal(closed.error.kind === "applicationClosed" && closed.error.code, 0n);
});

Deno.test("transfer: 1 MB echoed back on the same bidi stream under bursty loss and a blackhole", async () => {
  const data = payload(1024 * 1024, 13);
  const { sim, client, server } = await simPair({
    seed: 5,
    link: {
      delay: 8_000,
      bandwidth: 40_000_000,
      queue: 80,
      burstLoss: { p: 0.01, r: 0.3 },
      blackholes: [[300_000, 700_000]],
    },
  });
  let id: number | null = null;
  let written = 0;
  const back: Uint8Array[] = [];
  let backFin = false;
  client.app = (c: Connection, events: ConnectionEvent[]) => {
    if (c.state !== ConnectionState.Established) return;
    id ??= c.openStream(true);
    if (id === null) return;
    while (written < data.length) {
      const n = c.write(
        id,
        data.subarray(written, written + 32768),
        written + 32768 >= data.length,
      );
      if (n === 0) break;
      written += n;
    }
    if (events.some((e) => e.type === "streamReadable")) {
      for (let r = c.read(id); r !== null; r = c.read(id)) {
        back.push(r.data.slice());
        if (r.fin) backFin = true;
      }
    }
  };
  // The server echoes what it reads, keeping what its send buffer refuses for later.
  const pending: Uint8Array[] = [];
  let serverFin = false;
  let echoedFin = false;
  server.app = (c: Connection, events: ConnectionEvent[]) => {
    for (const e of events) {
      if (e.type !== "streamOpened" && e.type !== "streamReadable") continue;
      for (let r = c.read(e.id); r !== null; r = c.read(e.id)) {
        pending.push(r.data.slice());
        if (r.fin) serverFin = true;
      }
    }
    while (pending.length > 0 && id !== null) {
      const chunk = pending[0]!;
      const n = c.write(id, chunk);
      if (n < chunk.length) {
        pending[0] = chunk.subarray(n);
        break;
      }
      pending.shift();
    }
    if (pending.length === 0 && serverFin && !echoedFin && id !== null) {
      c.finish(id);
      echoedFin = true;
    }
  };
  const r = sim.run({ until: () => backFin, maxTime: 60_000_000 });
  assert.equal(r, "until", `echoed ${back.reduce((a, b) => a + b.length, 0)}`);
  const all = new Uint8Array(back.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const b of back) {
    all.set(b, o);
    o += b.length;
  }
  assert.equal(await sha256(all), await sha256(data));
});
