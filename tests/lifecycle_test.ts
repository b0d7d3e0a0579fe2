import assert from "node:assert/strict";
import type { Connection } from "../transport/connection/connection.ts";
import { ConnectionState } from "../transport/connection/events.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import { writeStatelessReset } from "../transport/packet/stateless_reset.ts";
import { SeededRandom } from "../transport/random.ts";
import { payload, sha256, simPair } from "./_conn_sim.ts";

Deno.test("lifecycle: key updates by both sides during a 2 MB transfer keep data byte-exact", async () => {
  const data = payload(2 * 1024 * 1024, 21);
  const p = await simPair({ link: { delay: 5_000, bandwidth: 50_000_000, queue: 100 } });
  let id: number | null = null;
  let written = 0;
  let clientUpdates = 0;
  let serverUpdates = 0;
  p.client.app = (c: Connection) => {
    if (c.state !== ConnectionState.Established) return;
    id ??= c.openStream(true);
    if (id === null) return;
    while (written < data.length) {
      const n = c.write(
        id,
        data.subarray(written, written + 65536),
        written + 65536 >= data.length,
      );
      if (n === 0) break;
      written += n;
    }
    // Every ~256 KB received by the peer, try a key update.
    if (c.stats().packetsSent > (clientUpdates + 1) * 300 && c.initiateKeyUpdate()) {
      clientUpdates++;
    }
  };
  const parts: Uint8Array[] = [];
  let fin = false;
  p.server.app = (c: Connection, events: ConnectionEvent[], now: number) => {
    for (const e of events) {
      if (e.type !== "streamOpened" && e.type !== "streamReadable") continue;
      for (let r = c.read(e.id); r !== null; r = c.read(e.id)) {
        parts.push(r.data.slice());
        if (r.fin) fin = true;
      }
    }
    if (c.stats().packetsReceived > (serverUpdates + 1) * 450 + 150 && c.initiateKeyUpdate()) {
      serverUpdates++;
    }
    if (fin && c.state === ConnectionState.Established) c.close(0n, "", now);
  };
  const r = p.sim.run({
    until: () => p.client.has("drained") && p.server.has("drained"),
    maxTime: 30_000_000,
  });
  assert.equal(r, "until");
  const got = new Uint8Array(parts.reduce((a, x) => a + x.length, 0));
  let o = 0;
  for (const x of parts) {
    got.set(x, o);
    o += x.length;
  }
  assert.equal(await sha256(got), await sha256(data));
  assert.ok(clientUpdates >= 2, `client initiated ${clientUpdates}`);
  assert.ok(serverUpdates >= 2, `server initiated ${serverUpdates}`);
  // Each completed update moves both sides once; the last one may still be in progress at close.
  const total = p.clientConn.stats().keyUpdates;
  const initiated = clientUpdates + serverUpdates;
  assert.ok(total >= initiated - 1 && total <= initiated, `completed ${total} of ${initiated}`);
  assert.ok(Math.abs(p.server.conn!.stats().keyUpdates - total) <= 1);
  for (const n of [p.client, p.server]) {
    const closed = n.events.find((e) => e.type === "closed");
    assert.ok(closed?.type === "closed");
    assert.ok(closed.error.kind === "applicationClosed" || closed.error.kind === "localClose");
  }
});

Deno.test("lifecycle: initiateKeyUpdate() is refused before the handshake is confirmed", async () => {
  const p = await simPair();
  assert.equal(p.clientConn.initiateKeyUpdate(), false);
  p.sim.run({ until: () => p.clientConn.isHandshakeConfirmed, maxTime: 5_000_000 });
  // Allowed once a 1-RTT packet of ours was acknowledged.
  p.clientConn.ping();
  p.sim.run({ maxTime: p.sim.now + 200_000 });
  assert.equal(p.clientConn.initiateKeyUpdate(), true);
  assert.equal(
    p.clientConn.initiateKeyUpdate(),
    false,
    "no second update before the first is acked",
  );
});

Deno.test("lifecycle: idle timeout closes both sides silently with timedOut", async () => {
  const p = await simPair({
    client: { transportParameters: { maxIdleTimeout: 5_000 } },
    server: { transportParameters: { maxIdleTimeout: 10_000 } },
  });
  let sent = 0;
  p.sim.run({ until: () => p.clientConn.isHandshakeConfirmed, maxTime: 5_000_000 });
  const start = p.sim.now;
  p.sim.onSend = () => sent++;
  const r = p.sim.run({
    until: () => p.client.has("drained") && p.server.has("drained"),
    maxTime: 60_000_000,
  });
  assert.equal(r, "until");
  for (const n of [p.client, p.server]) {
    assert.deepEqual(n.events.find((e) => e.type === "closed"), {
      type: "closed",
      error: { kind: "timedOut" },
    });
  }
  // The negotiated timeout is the smaller one: 5 s (§10.1), not 10 s.
  assert.ok(
    p.sim.now - start >= 4_900_000 && p.sim.now - start < 6_000_000,
    `${p.sim.now - start}`,
  );
  assert.ok(sent <= 4, `only acks of HANDSHAKE_DONE may follow, not a CONNECTION_CLOSE (${sent})`);
});

Deno.test("lifecycle: a stateless reset closes the client with reset", async () => {
  const p = await simPair();
  p.sim.run({ until: () => p.clientConn.isHandshakeConfirmed, maxTime: 5_000_000 });
  const token = p.server.conn!.localParams.statelessResetToken!;
  const rnd = new SeededRandom(3);
  // The server "loses its state": answer anything with a stateless reset.
  p.server.gate = () => writeStatelessReset(token, 43, rnd);
  p.clientConn.ping();
  const r = p.sim.run({ until: () => p.client.has("drained"), maxTime: 10_000_000 });
  assert.equal(r, "until");
  assert.deepEqual(p.client.events.find((e) => e.type === "closed"), {
    type: "closed",
    error: { kind: "reset" },
  });
});

Deno.test("lifecycle: an application close reaches the peer with its code and reason", async () => {
  const p = await simPair();
  p.sim.run({ until: () => p.clientConn.isHandshakeConfirmed, maxTime: 5_000_000 });
  p.clientConn.close(42n, "bye", p.sim.now);
  const r = p.sim.run({
    until: () => p.client.has("drained") && p.server.has("drained"),
    maxTime: 10_000_000,
  });
  assert.equal(r, "until");
  assert.deepEqual(p.server.events.find((e) => e.type === "closed"), {
    type: "closed",
    error: { kind: "applicationClosed", code: 42n, reason: "bye", remote: true },
  });
  assert.equal(p.server.conn!.state, ConnectionState.Drained);
});

Deno.test("lifecycle: closing during the handshake sends APPLICATION_ERROR in long headers", async () => {
  const p = await simPair();
  // Deliver the client's Initial to the server, then close the client at once.
  p.sim.run({ until: () => p.server.conn !== null, maxTime: 5_000_000 });
  p.server.conn!.close(7n, "go away", p.sim.now);
  const r = p.sim.run({ until: () => p.client.has("closed"), maxTime: 5_000_000 });
  assert.equal(r, "until");
  const closed = p.client.events.find((e) => e.type === "closed");
  assert.ok(closed?.type === "closed");
  assert.ok(
    closed.error.kind === "transportError" && closed.error.code === 0x0c && closed.error.remote,
    JSON.stringify(closed.error, (_k, v) => typeof v === "bigint" ? v.toString() : v),
  );
});

Deno.test("lifecycle: the server follows a client behind a NAT rebinding", async () => {
  const p = await simPair();
  p.sim.run({ until: () => p.clientConn.isHandshakeConfirmed, maxTime: 5_000_000 });
  p.sim.rebind({ hostname: "10.0.0.1", port: 5000 }, { hostname: "10.0.0.9", port: 6000 });
  const data = payload(200_000, 31);
  const id = p.clientConn.openStream(true)!;
  assert.equal(p.clientConn.write(id, data, true), data.length);
  let got = 0;
  let fin = false;
  p.server.app = (c: Connection, events: ConnectionEvent[]) => {
    for (const e of events) {
      if (e.type !== "streamOpened" && e.type !== "streamReadable") continue;
      for (let r = c.read(e.id); r !== null; r = c.read(e.id)) {
        got += r.data.length;
        if (r.fin) fin = true;
      }
    }
  };
  const r = p.sim.run({
    until: () => fin && p.clientConn.stats().bytesInFlight === 0,
    maxTime: 10_000_000,
  });
  assert.equal(r, "until");
  assert.equal(got, data.length);
  assert.deepEqual(p.server.conn!.remote, { hostname: "10.0.0.9", port: 6000 });
  assert.equal(p.server.conn!.stats().framesSent.PATH_CHALLENGE, 1);
});

Deno.test("lifecycle: DATAGRAM frames when both sides allow them (RFC 9221)", async () => {
  const p = await simPair({
    client: { transportParameters: { maxDatagramFrameSize: 1200 } },
    server: { transportParameters: { maxDatagramFrameSize: 1200 } },
  });
  p.sim.run({ until: () => p.clientConn.isHandshakeConfirmed, maxTime: 5_000_000 });
  assert.equal(p.clientConn.sendDatagram(new TextEncoder().encode("hello")), true);
  assert.equal(p.clientConn.sendDatagram(new Uint8Array(5000)), false, "too large");
  p.sim.run({ until: () => p.server.has("datagram"), maxTime: p.sim.now + 1_000_000 });
  const e = p.server.events.find((e) => e.type === "datagram");
  assert.ok(e?.type === "datagram");
  assert.equal(new TextDecoder().decode(e.data), "hello");
});

Deno.test("lifecycle: sendDatagram() is refused when the peer did not allow DATAGRAM", async () => {
  const p = await simPair();
  p.sim.run({ until: () => p.clientConn.isHandshakeConfirmed, maxTime: 5_000_000 });
  assert.equal(p.clientConn.sendDatagram(new Uint8Array(10)), false);
});
