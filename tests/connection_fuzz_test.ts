/**
 * Seeded fuzzing of live connections (STYLE.md §20): random datagrams,
 * mutated and truncated real datagrams, and well-encrypted packets (sealed with
 * the connection's own keys through the test hook) carrying random or mutated
 * frame sequences, fed to connections in every state. Invariants: nothing
 * throws out of `receive`/`pollTransmit`/`onTimeout`; input that does not
 * authenticate never closes a connection; when a connection closes on its own,
 * the code is one RFC 9000 gives for malformed input — never INTERNAL_ERROR.
 */

import assert from "node:assert/strict";
import type { Frame } from "../transport/frames/frame.ts";
import { writeFrame } from "../transport/frames/frame.ts";
import { TransportErrorCode } from "../transport/errors.ts";
import { SeededRandom } from "../transport/random.ts";
import { Writer } from "../transport/wire/writer.ts";
import { DirectionalKeys } from "../transport/crypto/packet_protection.ts";
import { Connection } from "../transport/connection/connection.ts";
import { type ConnectionEvent, ConnectionState } from "../transport/connection/events.ts";
import {
  establishedForTesting,
  type PeerPacketKind,
  sealAsPeer,
} from "../transport/connection/_testing.ts";
import { CLIENT_ADDR, SERVER_ADDR, simPair, testIdentity, WALL_CLOCK_BASE } from "./_conn_sim.ts";
import type { SimDatagram } from "../io/sim/network.ts";

/** Codes a connection may close with on malformed or hostile input (RFC 9000 §20.1, RFC 9001 §4.8). */
const ALLOWED = new Set<number>([
  TransportErrorCode.FLOW_CONTROL_ERROR,
  TransportErrorCode.STREAM_LIMIT_ERROR,
  TransportErrorCode.STREAM_STATE_ERROR,
  TransportErrorCode.FINAL_SIZE_ERROR,
  TransportErrorCode.FRAME_ENCODING_ERROR,
  TransportErrorCode.TRANSPORT_PARAMETER_ERROR,
  TransportErrorCode.CONNECTION_ID_LIMIT_ERROR,
  TransportErrorCode.PROTOCOL_VIOLATION,
  TransportErrorCode.CRYPTO_BUFFER_EXCEEDED,
  TransportErrorCode.KEY_UPDATE_ERROR,
]);

function allowedCode(code: number): boolean {
  return ALLOWED.has(code) || (code >= 0x100 && code <= 0x1ff);
}

class Tally {
  inputs = 0;
  closes = new Map<string, number>();
  note(code: string) {
    this.closes.set(code, (this.closes.get(code) ?? 0) + 1);
  }
}

/** Drains events; asserts a local close carries an allowed code. Returns true if closed. */
function checkEvents(c: Connection, tally: Tally, what: string): boolean {
  let closed = false;
  for (let e = c.pollEvent(); e !== null; e = c.pollEvent()) {
    if (e.type !== "closed") continue;
    closed = true;
    const err = e.error;
    if (err.kind === "transportError" && !err.remote) {
      assert.ok(
        allowedCode(err.code),
        `${what}: closed with 0x${err.code.toString(16)} (${err.reason}) frame 0x${
          err.frameType.toString(16)
        }`,
      );
      tally.note(`0x${err.code.toString(16)}`);
    } else {
      tally.note(err.kind);
    }
  }
  return closed;
}

/** Runs the connection's outputs and timers the way a driver would. */
function exercise(c: Connection, now: number): void {
  for (let i = 0; i < 4 && c.pollTransmit(now) !== null; i++);
  if (c.nextTimeout() <= now) c.onTimeout(now);
}

// ---------------------------------------------------------------- random frames

function num(r: SeededRandom): number {
  switch (r.u32() % 6) {
    case 0:
      return 0;
    case 1:
      return r.u32() % 8;
    case 2:
      return r.u32() % 100;
    case 3:
      return r.u32() % 70000;
    case 4:
      return r.u32() * 4;
    default:
      return Math.floor(r.float() * 2 ** 53);
  }
}

function bytes(r: SeededRandom, max: number): Uint8Array {
  const b = new Uint8Array(r.u32() % (max + 1));
  r.fill(b);
  return b;
}

function streamId(r: SeededRandom): number {
  return r.u32() % 4 === 0 ? num(r) : r.u32() % 40;
}

const KINDS = [
  0x00,
  0x01,
  0x02,
  0x04,
  0x05,
  0x06,
  0x07,
  0x08,
  0x08,
  0x08,
  0x10,
  0x11,
  0x12,
  0x13,
  0x14,
  0x15,
  0x16,
  0x17,
  0x18,
  0x19,
  0x1a,
  0x1b,
  0x1c,
  0x1d,
  0x1e,
  0x30,
  0x31,
];

function randomFrame(r: SeededRandom): Frame {
  const t = KINDS[r.u32() % KINDS.length]!;
  switch (t) {
    case 0x00:
      return { type: 0x00, length: 1 + (r.u32() % 20) };
    case 0x01:
      return { type: 0x01 };
    case 0x02: {
      const largest = r.u32() % 4 === 0 ? num(r) : r.u32() % 50;
      const lo = Math.max(0, largest - (r.u32() % 5));
      const ranges = [largest, lo];
      if (lo > 3 && r.u32() % 2 === 0) ranges.push(lo - 2, Math.max(0, lo - 3));
      return { type: 0x02, largest, delay: num(r), ranges };
    }
    case 0x04:
      return { type: 0x04, id: streamId(r), errorCode: BigInt(num(r)), finalSize: num(r) };
    case 0x05:
      return { type: 0x05, id: streamId(r), errorCode: BigInt(num(r)) };
    case 0x06:
      return { type: 0x06, offset: r.u32() % 2 === 0 ? 0 : num(r), data: bytes(r, 60) };
    case 0x07:
      return { type: 0x07, token: bytes(r, 30) };
    case 0x08:
      return {
        type: 0x08,
        id: streamId(r),
        offset: r.u32() % 2 === 0 ? 0 : num(r),
        data: bytes(r, 200),
        fin: r.u32() % 3 === 0,
      };
    case 0x10:
      return { type: 0x10, max: num(r) };
    case 0x11:
      return { type: 0x11, id: streamId(r), max: num(r) };
    case 0x12:
    case 0x13:
      return { type: t, max: num(r) % 2 ** 50 };
    case 0x14:
      return { type: 0x14, limit: num(r) };
    case 0x15:
      return { type: 0x15, id: streamId(r), limit: num(r) };
    case 0x16:
    case 0x17:
      return { type: t, limit: num(r) % 2 ** 50 };
    case 0x18: {
      const seq = r.u32() % 10;
      const cid = bytes(r, 20);
      if (cid.length === 0) cid.fill(1);
      const resetToken = new Uint8Array(16);
      r.fill(resetToken);
      return { type: 0x18, seq, retirePriorTo: r.u32() % (seq + 2) % (seq + 1), cid, resetToken };
    }
    case 0x19:
      return { type: 0x19, seq: r.u32() % 10 };
    case 0x1a:
    case 0x1b: {
      const data = new Uint8Array(8);
      r.fill(data);
      return { type: t, data };
    }
    case 0x1c:
    case 0x1d:
      return {
        type: t,
        errorCode: BigInt(num(r)),
        frameType: t === 0x1c ? BigInt(r.u32() % 0x40) : 0n,
        reason: bytes(r, 10),
      };
    case 0x1e:
      return { type: 0x1e };
    default:
      return { type: t as 0x30 | 0x31, data: bytes(r, 50) };
  }
}

/** A payload of random frames, sometimes mutated, sometimes plain random bytes. */
function randomPayload(r: SeededRandom, allowClose: boolean): Uint8Array {
  const mode = r.u32() % 10;
  if (mode === 0) return bytes(r, 100);
  const w = Writer.growable(256);
  const n = 1 + (r.u32() % 4);
  for (let i = 0; i < n; i++) {
    let f = randomFrame(r);
    while (!allowClose && (f.type === 0x1c || f.type === 0x1d)) f = randomFrame(r);
    try {
      writeFrame(w, f);
    } catch {
      // An out-of-range field the writer refuses: skip the frame.
    }
  }
  let p: Uint8Array = w.toBytes().slice();
  if (p.length === 0) p = new Uint8Array([0x01]);
  if (mode <= 3) p = mutate(r, p);
  return p;
}

/** Bit flips, truncation, a random byte inserted, or an unknown frame type. */
function mutate(r: SeededRandom, d: Uint8Array): Uint8Array {
  const out = d.slice();
  switch (r.u32() % 4) {
    case 0: {
      const flips = 1 + (r.u32() % 3);
      for (let i = 0; i < flips && out.length > 0; i++) {
        out[r.u32() % out.length]! ^= 1 << (r.u32() % 8);
      }
      return out;
    }
    case 1:
      return out.subarray(0, r.u32() % Math.max(1, out.length));
    case 2: {
      const at = r.u32() % (out.length + 1);
      const b = new Uint8Array(out.length + 1);
      b.set(out.subarray(0, at));
      b[at] = r.u32() & 0xff;
      b.set(out.subarray(at), at + 1);
      return b;
    }
    default: {
      const b = new Uint8Array(out.length + 1);
      b[0] = 0x20 + (r.u32() % 0x1c0); // mostly unknown frame types
      b.set(out, 1);
      return b;
    }
  }
}

// ---------------------------------------------------------------- connections

async function cheapEstablished(isClient: boolean, seed: number): Promise<Connection> {
  const { identity, ca } = await testIdentity();
  const base = { random: new SeededRandom(seed), wallClockMs: () => WALL_CLOCK_BASE };
  return isClient
    ? establishedForTesting(true, { ...base, serverName: "localhost", trustAnchors: [ca] }, 0)
    : establishedForTesting(false, { ...base, identity }, 0);
}

Deno.test("fuzz: ≥100,000 random, mutated and well-encrypted inputs into live connections", async () => {
  const r = new SeededRandom(0xf00d);
  const tally = new Tally();
  const started = performance.now();

  // A real handshake and a short transfer, recording every datagram as a corpus.
  const corpus: SimDatagram[] = [];
  {
    const p = await simPair({ seed: 77 });
    p.sim.onSend = (dg) => corpus.push(dg);
    p.client.app = (c) => {
      if (c.state === ConnectionState.Established && c.stats().packetsSent < 40) {
        const id = c.openStream(r.u32() % 2 === 0);
        if (id !== null) c.write(id, new Uint8Array(500), true);
      }
    };
    p.sim.run({ maxTime: 1_000_000 });
  }
  const toServer = corpus.filter((d) => d.to.port === SERVER_ADDR.port).map((d) => d.data);
  const toClient = corpus.filter((d) => d.to.port === CLIENT_ADDR.port).map((d) => d.data);
  assert.ok(toServer.length > 5 && toClient.length > 3, `${toServer.length} / ${toClient.length}`);

  // 1. Handshake-state connections: a server fed the real first Initial, a fresh client.
  {
    const { identity, ca } = await testIdentity();
    let server: Connection | null = null;
    let client: Connection | null = null;
    let now = 0;
    for (let i = 0; i < 4000; i++) {
      now += 100;
      if (server === null || server.state >= ConnectionState.Closing) {
        const first = toServer[0]!;
        server = Connection.server({
          random: new SeededRandom(i),
          identity,
          wallClockMs: () => WALL_CLOCK_BASE,
        }, {
          remote: CLIENT_ADDR,
          version: 1,
          clientDcid: first.subarray(6, 6 + first[5]!).slice(),
          clientScid: first.subarray(7 + first[5]!, 7 + first[5]! + first[6 + first[5]!]!).slice(),
          localCid: new Uint8Array(8).fill(i & 0xff),
        }, now);
        server.receive(first.slice(), CLIENT_ADDR, now);
        checkEvents(server, tally, "server handshake setup");
      }
      if (client === null || client.state >= ConnectionState.Closing) {
        client = Connection.client(
          {
            random: new SeededRandom(i + 99),
            serverName: "localhost",
            trustAnchors: [ca],
            wallClockMs: () => WALL_CLOCK_BASE,
          },
          SERVER_ADDR,
          now,
        );
        // Handshake read keys as if the server's Initial had arrived, so that
        // Handshake-level packets reach the frame parser and TLS too.
        const secret = new Uint8Array(32);
        r.fill(secret);
        client.spaces[1].readKeys = DirectionalKeys.fromSecret(0x1301, secret, 1);
        exercise(client, now);
      }
      const target: Connection = i % 2 === 0 ? server : client;
      const before: number = target.state;
      const kind = r.u32() % 4;
      let authentic = false;
      let d: Uint8Array;
      if (kind === 0) d = bytes(r, 1400);
      else if (kind === 1) d = mutate(r, (i % 2 === 0 ? toServer : toClient)[r.u32() % 4]!);
      else {
        const level = target === client && kind === 3 ? "handshake" : "initial";
        const sealed = sealAsPeer(target, level, randomPayload(r, false));
        authentic = sealed !== null;
        d = sealed ?? bytes(r, 200);
      }
      target.receive(d, i % 2 === 0 ? CLIENT_ADDR : SERVER_ADDR, now);
      exercise(target, now);
      tally.inputs++;
      const closed = checkEvents(target, tally, "handshake");
      if (!authentic && kind === 0) {
        assert.equal(closed, false, "random bytes closed a connection");
        assert.equal(target.state, before);
      }
    }
  }

  // 2. Established connections (both roles): well-encrypted random frames, mutated packets.
  {
    let conns: Connection[] = [await cheapEstablished(true, 1), await cheapEstablished(false, 2)];
    let now = 0;
    let seed = 10;
    for (let i = 0; i < 20_000; i++) {
      now += 50;
      const idx = i & 1;
      let c = conns[idx]!;
      if (c.state >= ConnectionState.Closing) {
        c = await cheapEstablished(idx === 0, seed++);
        conns = idx === 0 ? [c, conns[1]!] : [conns[0]!, c];
      }
      const pick = r.u32() % 10;
      let d: Uint8Array;
      let authentic = false;
      if (pick < 6) {
        const kind: PeerPacketKind = pick === 0 ? "handshake" : "1rtt";
        d = sealAsPeer(c, kind, randomPayload(r, r.u32() % 8 === 0)) ?? bytes(r, 50);
        authentic = kind === "1rtt";
      } else if (pick < 9) {
        const valid = sealAsPeer(c, "1rtt", new Uint8Array([0x01]))!;
        d = mutate(r, valid);
        // A truncation or flip that keeps the packet intact is still authentic.
        authentic = d.length === valid.length && d.every((b, k) => b === valid[k]);
      } else {
        d = bytes(r, 1300);
      }
      const before = c.state;
      c.receive(d, idx === 0 ? SERVER_ADDR : CLIENT_ADDR, now);
      if ((i & 7) === 0) exercise(c, now);
      tally.inputs++;
      const closed = checkEvents(c, tally, "established");
      if (!authentic && pick >= 6) {
        assert.equal(closed, false, "unauthenticated input closed a connection");
        assert.equal(c.state, before);
      }
    }
  }

  // 3. Closing, draining and drained connections keep quiet and never throw.
  {
    let now = 0;
    for (let round = 0; round < 30; round++) {
      const c = await cheapEstablished(round % 2 === 0, 1000 + round);
      if (round % 3 === 0) c.close(1n, "bye", now);
      else if (round % 3 === 1) {
        c.receive(
          sealAsPeer(c, "1rtt", new Uint8Array([0x1c, 0x00, 0x00, 0x00]))!,
          SERVER_ADDR,
          now,
        );
      } else {
        c.close(0n, "", now);
        c.onTimeout(now + 100_000_000);
      }
      checkEvents(c, tally, "closing setup");
      const state = c.state;
      let sent = 0;
      for (let i = 0; i < 600; i++) {
        now += 10;
        const d = i % 2 === 0
          ? sealAsPeer(c, "1rtt", randomPayload(r, true)) ?? bytes(r, 100)
          : bytes(r, 1200);
        c.receive(d, SERVER_ADDR, now);
        while (c.pollTransmit(now) !== null) sent++;
        tally.inputs++;
        checkEvents(c, tally, "closing");
      }
      assert.ok(c.state >= state);
      if (state === ConnectionState.Closing) {
        // Rate limited: far fewer CONNECTION_CLOSE than inputs (RFC 9000 §10.2.1).
        assert.ok(sent <= 12, `closing connection sent ${sent} datagrams`);
      } else assert.equal(sent, 0);
    }
  }

  // 4. A real established pair, mutated real 1-RTT datagrams from the corpus.
  {
    const p = await simPair({ seed: 78 });
    p.sim.run({ until: () => p.clientConn.isHandshakeConfirmed, maxTime: 5_000_000 });
    const server = p.server.conn!;
    for (let i = 0; i < 30_000; i++) {
      const src = toServer[r.u32() % toServer.length]!;
      server.receive(mutate(r, src), CLIENT_ADDR, p.sim.now + i);
      p.clientConn.receive(
        mutate(r, toClient[r.u32() % toClient.length]!),
        SERVER_ADDR,
        p.sim.now + i,
      );
      tally.inputs += 2;
      for (const c of [server, p.clientConn]) {
        const closed = checkEvents(c, tally, "real pair");
        assert.equal(closed, false, "a mutated datagram from another connection closed this one");
      }
    }
  }

  const secs = (performance.now() - started) / 1000;
  assert.ok(tally.inputs >= 100_000, `${tally.inputs} inputs`);
  // Well-encrypted bad frames did close connections, with several RFC codes.
  assert.ok(tally.closes.size >= 4, JSON.stringify([...tally.closes]));
  assert.ok(secs < 60, `took ${secs}s`);
});

export type { ConnectionEvent };
