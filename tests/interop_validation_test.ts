/**
 * quic-interop-runner scenarios, part 3: address validation and resumption —
 * retry, resumption, zerortt, amplificationlimit — with Endpoints on the
 * runner's link (15 ms one way, 10 Mbit/s, 25-packet queue).
 */

import assert from "node:assert/strict";
import type { SimDatagram } from "../io/sim/network.ts";
import { PacketType, parsePacketHeader } from "../transport/packet/header.ts";
import type { SessionTicket } from "../transport/tls/session.ts";
import { files, InteropPair, RUNNER_LINK } from "./_interop.ts";

const TICKET_KEY = new Uint8Array(32).fill(0x42);

/** Bytes of each packet type in a datagram (short header: the rest of it). */
function packetBytes(d: Uint8Array, into: Map<number, number>): void {
  let off = 0;
  while (off < d.length) {
    if ((d[off]! & 0x80) === 0) {
      into.set(PacketType.OneRtt, (into.get(PacketType.OneRtt) ?? 0) + d.length - off);
      return;
    }
    const h = parsePacketHeader(d, off, 8);
    into.set(h.type, (into.get(h.type) ?? 0) + h.end - off);
    off = h.end;
  }
}

Deno.test("interop retry: the server validates the address with a Retry first", async () => {
  const p = await InteropPair.create({ seed: 21, server: { retry: true } });
  const types = new Map<number, number>();
  p.sim.onSend = (d: SimDatagram) => {
    if (d.from.port === 443) packetBytes(d.data, types);
  };
  const { conn, download } = p.connect(files(1, 64 * 1024));
  p.finish(conn, download);
  assert.equal(p.server.endpoint.stats.retriesSent, 1);
  assert.ok((types.get(PacketType.Retry) ?? 0) > 0);
});

async function ticketFrom(p: InteropPair): Promise<SessionTicket> {
  const { conn, download } = p.connect(files(1, 1024));
  p.finish(conn, download);
  const e = p.client.eventsOf(conn).find((e) => e.type === "sessionTicket");
  assert.ok(e?.type === "sessionTicket", "a session ticket arrived");
  return await Promise.resolve(e.ticket);
}

Deno.test("interop resumption: the second connection resumes with the first one's ticket", async () => {
  const p = await InteropPair.create({ seed: 22, serverConnection: { ticketKey: TICKET_KEY } });
  const ticket = await ticketFrom(p);
  const { conn, download } = p.connect(files(1, 100 * 1024), { sessionTicket: ticket });
  p.finish(conn, download);
  const c = p.client.eventsOf(conn).find((e) => e.type === "connected");
  assert.ok(c?.type === "connected" && c.resumed && !c.earlyDataAccepted);
  // PSK resumption: no certificate in the second handshake, so fewer handshake bytes.
  const s = p.server.accepted[1]!.stats();
  assert.ok(s.handshakeDuration > 0);
});

Deno.test("interop zerortt: 40 requests in 0-RTT, 0-RTT bytes dominate", async () => {
  const p = await InteropPair.create({
    seed: 23,
    serverConnection: { ticketKey: TICKET_KEY, enableEarlyData: true },
  });
  const ticket = await ticketFrom(p);
  assert.ok(ticket.maxEarlyData > 0);
  const types = new Map<number, number>();
  p.sim.onSend = (d: SimDatagram) => {
    if (d.from.port === 5000) packetBytes(d.data, types);
  };
  const { conn, download } = p.connect(files(40, 1024, 500), {
    sessionTicket: ticket,
    enableEarlyData: true,
  });
  p.finish(conn, download);
  const c = p.client.eventsOf(conn).find((e) => e.type === "connected");
  assert.ok(c?.type === "connected" && c.resumed && c.earlyDataAccepted);
  const zero = types.get(PacketType.ZeroRtt) ?? 0;
  const one = types.get(PacketType.OneRtt) ?? 0;
  assert.ok(zero > one, `0-RTT ${zero} bytes, 1-RTT ${one} bytes`);
});

Deno.test("interop amplificationlimit: the server sends at most 3x before validation", async () => {
  const p = await InteropPair.create({ seed: 24 });
  // Everything the client sends after its first Initial is lost for 2 s.
  p.sim.setLink("10.0.0.1", "10.0.0.2", { ...RUNNER_LINK, blackholes: [[1, 2_000_000]] });
  let serverBytes = 0;
  let clientBytes = 0;
  p.sim.onSend = (d: SimDatagram) => {
    if (p.sim.now >= 2_000_000) return;
    if (d.from.port === 443) serverBytes += d.data.length;
    else if (p.sim.now < 1) clientBytes += d.data.length;
  };
  const { conn, download } = p.connect(files(1, 10 * 1024));
  p.finish(conn, download);
  assert.equal(clientBytes, 1200);
  assert.ok(serverBytes <= 3 * clientBytes, `server sent ${serverBytes} for ${clientBytes}`);
  // The server's PTO retransmissions used up the budget.
  assert.ok(serverBytes > 2 * clientBytes, `server sent ${serverBytes}`);
});

Deno.test("interop amplificationlimit: a NEW_TOKEN token lifts the limit and skips Retry", async () => {
  const p = await InteropPair.create({ seed: 25, server: { retry: true } });
  const first = p.connect(files(1, 1024));
  p.finish(first.conn, first.download);
  const e = p.client.eventsOf(first.conn).find((e) => e.type === "newToken");
  assert.ok(e?.type === "newToken", "the server sent NEW_TOKEN");
  assert.equal(p.server.endpoint.stats.retriesSent, 1);
  // Next connection: everything after the client's first Initial is lost for a while.
  const start = p.sim.now;
  p.sim.setLink("10.0.0.1", "10.0.0.2", {
    ...RUNNER_LINK,
    blackholes: [[start + 1, start + 2_000_000]],
  });
  let serverBytes = 0;
  p.sim.onSend = (d: SimDatagram) => {
    if (p.sim.now < start + 2_000_000 && d.from.port === 443) serverBytes += d.data.length;
  };
  const { conn, download } = p.connect(files(1, 10 * 1024), { token: e.token });
  p.finish(conn, download);
  assert.equal(p.server.endpoint.stats.retriesSent, 1, "no second Retry");
  assert.equal(p.server.endpoint.stats.newTokensAccepted, 1);
  assert.ok(serverBytes > 3 * 1200, `validated by token: sent ${serverBytes}`);
});

Deno.test("interop retry: a NEW_TOKEN token from another host is ignored", async () => {
  const p = await InteropPair.create({ seed: 26, server: { retry: true } });
  const token = p.server.endpoint.resetTokenFor(new Uint8Array(8)); // not a token at all
  const { conn, download } = p.connect(files(1, 1024), { token: new Uint8Array([0x4e, ...token]) });
  p.finish(conn, download);
  assert.equal(p.server.endpoint.stats.newTokensAccepted, 0);
  assert.equal(p.server.endpoint.stats.retriesSent, 1);
});
