import assert from "node:assert/strict";
import type { Connection } from "../transport/connection/connection.ts";
import type { ConnectionEvent } from "../transport/connection/events.ts";
import { PacketType, parsePacketHeader } from "../transport/packet/header.ts";
import type { SessionTicket } from "../transport/tls/session.ts";
import { payload, simPair } from "./_conn_sim.ts";

const TICKET_KEY = new Uint8Array(32).fill(0x42);

async function firstConnection(enableEarlyData: boolean): Promise<SessionTicket> {
  const p = await simPair({ server: { ticketKey: TICKET_KEY, enableEarlyData } });
  const r = p.sim.run({ until: () => p.client.has("sessionTicket"), maxTime: 5_000_000 });
  assert.equal(r, "until");
  const e = p.client.events.find((e) => e.type === "sessionTicket");
  assert.ok(e?.type === "sessionTicket");
  return e.ticket;
}

function connected(es: ConnectionEvent[]) {
  const e = es.find((e) => e.type === "connected");
  assert.ok(e !== undefined && e.type === "connected");
  return e;
}

/** A second connection that writes `data` on a stream right away (0-RTT when possible). */
async function resume(ticket: SessionTicket, serverEarlyData: boolean, data: Uint8Array) {
  const p = await simPair({
    seed: 2,
    clockOffsetMs: 10_000,
    client: { sessionTicket: ticket, enableEarlyData: true },
    server: { ticketKey: TICKET_KEY, enableEarlyData: serverEarlyData },
  });
  const id = p.clientConn.openStream(true);
  assert.notEqual(id, null, "0-RTT stream opened with the remembered limits");
  assert.equal(p.clientConn.write(id!, data, true), data.length);
  let zeroRttPackets = 0;
  p.sim.onSend = (dg) => {
    if (dg.from.port !== 5000) return;
    let off = 0;
    while (off < dg.data.length && (dg.data[off]! & 0x80) !== 0) {
      const h = parsePacketHeader(dg.data, off, 8);
      if (h.type === PacketType.ZeroRtt) zeroRttPackets++;
      off = h.end;
    }
  };
  const parts: Uint8Array[] = [];
  let fin = false;
  p.server.app = (c: Connection, events: ConnectionEvent[]) => {
    for (const e of events) {
      if (e.type !== "streamOpened" && e.type !== "streamReadable") continue;
      for (let r = c.read(e.id); r !== null; r = c.read(e.id)) {
        parts.push(r.data.slice());
        if (r.fin) fin = true;
      }
    }
  };
  const r = p.sim.run({
    until: () => fin && p.client.has("connected") && p.clientConn.isHandshakeConfirmed,
    maxTime: 5_000_000,
  });
  assert.equal(r, "until");
  const got = new Uint8Array(parts.reduce((a, x) => a + x.length, 0));
  let o = 0;
  for (const x of parts) {
    got.set(x, o);
    o += x.length;
  }
  assert.deepEqual(got, data);
  return { p, zeroRttPackets };
}

Deno.test("resumption: a session ticket resumes and 0-RTT stream data is accepted", async () => {
  const ticket = await firstConnection(true);
  assert.ok(ticket.maxEarlyData > 0);
  const { p, zeroRttPackets } = await resume(ticket, true, payload(3000, 7));
  assert.ok(zeroRttPackets > 0, "data went out in 0-RTT packets");
  const c = connected(p.client.events);
  assert.equal(c.resumed, true);
  assert.equal(c.earlyDataAccepted, true);
  const s = connected(p.server.events);
  assert.equal(s.resumed, true);
  assert.equal(s.earlyDataAccepted, true);
});

Deno.test("resumption: refused 0-RTT data is sent again in 1-RTT, byte-exact", async () => {
  const ticket = await firstConnection(true);
  const { p, zeroRttPackets } = await resume(ticket, false, payload(5000, 8));
  assert.ok(zeroRttPackets > 0);
  const c = connected(p.client.events);
  assert.equal(c.resumed, true);
  assert.equal(c.earlyDataAccepted, false);
});

Deno.test("resumption: a ticket without early data resumes without 0-RTT", async () => {
  const ticket = await firstConnection(false);
  assert.equal(ticket.maxEarlyData, 0);
  const p = await simPair({
    seed: 3,
    clockOffsetMs: 10_000,
    client: { sessionTicket: ticket, enableEarlyData: true },
    server: { ticketKey: TICKET_KEY },
  });
  p.sim.run({ until: () => p.client.has("connected"), maxTime: 5_000_000 });
  const c = connected(p.client.events);
  assert.equal(c.resumed, true);
  assert.equal(c.earlyDataAccepted, false);
});
