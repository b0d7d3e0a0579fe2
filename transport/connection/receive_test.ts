import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { Writer } from "../wire/writer.ts";
import { type Frame, writeFrame } from "../frames/frame.ts";
import { SERVER_ADDR, testIdentity, WALL_CLOCK_BASE } from "./_test_pair.ts";
import { establishedForTesting, sealAsPeer } from "./_testing.ts";
import { Connection } from "./connection.ts";
import type { ConnectionError } from "./events.ts";
import { ConnectionState } from "./events.ts";

async function established(isClient: boolean): Promise<Connection> {
  const { identity, ca } = await testIdentity();
  const base = { random: new SeededRandom(9), wallClockMs: () => WALL_CLOCK_BASE };
  return isClient
    ? establishedForTesting(true, { ...base, serverName: "localhost", trustAnchors: [ca] }, 0)
    : establishedForTesting(false, { ...base, identity }, 0);
}

function frames(...fs: Frame[]): Uint8Array {
  const w = Writer.growable();
  for (const f of fs) writeFrame(w, f);
  return w.toBytes().slice();
}

function closedWith(c: Connection): ConnectionError | null {
  for (let e = c.pollEvent(); e !== null; e = c.pollEvent()) {
    if (e.type === "closed") return e.error;
  }
  return null;
}

function expectClose(c: Connection, code: number, frameType?: number): void {
  const err = closedWith(c);
  assert.ok(err !== null && err.kind === "transportError", JSON.stringify(err, big));
  assert.equal(err.code, code, err.reason);
  assert.equal(err.remote, false);
  if (frameType !== undefined) assert.equal(err.frameType, frameType);
  assert.equal(c.state, ConnectionState.Closing);
}

function big(_k: string, v: unknown) {
  return typeof v === "bigint" ? v.toString() : v;
}

function feed(c: Connection, payload: Uint8Array, kind: "1rtt" | "initial" = "1rtt"): void {
  const d = sealAsPeer(c, kind, payload);
  assert.ok(d !== null);
  c.receive(d, SERVER_ADDR, 1000);
}

Deno.test("receive() closes with FRAME_ENCODING_ERROR and the frame type for an unknown frame", async () => {
  const c = await established(true);
  feed(c, new Uint8Array([0x01, 0x21, 0x00]));
  expectClose(c, 0x07, 0x21);
});

Deno.test("receive() closes with FRAME_ENCODING_ERROR for a truncated STREAM frame", async () => {
  const c = await established(false);
  // STREAM with LEN bit: id 0, length 50, only 3 bytes of data.
  feed(c, new Uint8Array([0x0a, 0x00, 50, 1, 2, 3]));
  expectClose(c, 0x07, 0x0a);
});

Deno.test("receive() closes with PROTOCOL_VIOLATION for HANDSHAKE_DONE sent to a server", async () => {
  const c = await established(false);
  feed(c, frames({ type: 0x1e }));
  expectClose(c, 0x0a, 0x1e);
});

Deno.test("receive() closes with PROTOCOL_VIOLATION for NEW_TOKEN sent to a server", async () => {
  const c = await established(false);
  feed(c, frames({ type: 0x07, token: new Uint8Array([1, 2]) }));
  expectClose(c, 0x0a, 0x07);
});

Deno.test("receive() closes with PROTOCOL_VIOLATION for an ACK of a packet never sent", async () => {
  const c = await established(true);
  feed(c, frames({ type: 0x02, largest: 40, delay: 0, ranges: [40, 38] }));
  expectClose(c, 0x0a);
});

Deno.test("receive() closes with STREAM_STATE_ERROR for data on our own unopened stream", async () => {
  const c = await established(true);
  // Stream 0 is client-initiated bidi; the client never opened it.
  feed(c, frames({ type: 0x08, id: 0, offset: 0, data: new Uint8Array(3), fin: false }));
  expectClose(c, 0x05);
});

Deno.test("receive() closes with FLOW_CONTROL_ERROR for data past the stream window", async () => {
  const c = await established(true);
  // Server-initiated bidi stream 1; our window is 1 MiB.
  feed(
    c,
    frames({ type: 0x08, id: 1, offset: 2 * 1024 * 1024, data: new Uint8Array(3), fin: false }),
  );
  expectClose(c, 0x03);
});

Deno.test("receive() closes with STREAM_LIMIT_ERROR for a stream past MAX_STREAMS", async () => {
  const c = await established(true);
  feed(c, frames({ type: 0x08, id: 1 + 4 * 1000, offset: 0, data: new Uint8Array(1), fin: false }));
  expectClose(c, 0x04);
});

Deno.test("receive() closes with PROTOCOL_VIOLATION for DATAGRAM when not negotiated", async () => {
  const c = await established(true);
  feed(c, frames({ type: 0x31, data: new Uint8Array(4) }));
  expectClose(c, 0x0a, 0x31);
});

Deno.test("receive() closes with PROTOCOL_VIOLATION for retiring a CID never issued", async () => {
  const c = await established(true);
  feed(c, frames({ type: 0x19, seq: 9 }));
  expectClose(c, 0x0a, 0x19);
});

Deno.test("receive() closes with CONNECTION_ID_LIMIT_ERROR past active_connection_id_limit", async () => {
  const c = await established(true);
  const fs: Frame[] = [];
  for (let seq = 1; seq <= 5; seq++) {
    fs.push({
      type: 0x18,
      seq,
      retirePriorTo: 0,
      cid: new Uint8Array(8).fill(seq),
      resetToken: new Uint8Array(16).fill(seq),
    });
  }
  feed(c, frames(...fs));
  expectClose(c, 0x09);
});

Deno.test("receive() answers PATH_CHALLENGE with PATH_RESPONSE", async () => {
  const c = await established(true);
  feed(c, frames({ type: 0x1a, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }));
  assert.ok(c.pollTransmit(2000) !== null);
  assert.equal(c.stats().framesSent.PATH_RESPONSE, 1);
});

Deno.test("receive() enters draining on the peer's CONNECTION_CLOSE and then sends nothing", async () => {
  const c = await established(true);
  feed(
    c,
    frames({ type: 0x1c, errorCode: 0x0an, frameType: 0x08n, reason: new Uint8Array([0x68]) }),
  );
  const err = closedWith(c);
  assert.deepEqual(err, {
    kind: "transportError",
    code: 0x0a,
    frameType: 0x08,
    reason: "h",
    remote: true,
  });
  assert.equal(c.state, ConnectionState.Draining);
  assert.equal(c.pollTransmit(2000), null);
  c.onTimeout(c.nextTimeout());
  assert.equal(c.state, ConnectionState.Drained);
  assert.equal(c.pollEvent()?.type, "drained");
});

Deno.test("receive() drops datagrams that do not authenticate without any state change", async () => {
  const c = await established(true);
  const d = sealAsPeer(c, "1rtt", new Uint8Array([0x1e]))!;
  d[d.length - 1]! ^= 0x80;
  c.receive(d, SERVER_ADDR, 1000);
  c.receive(new Uint8Array(50), SERVER_ADDR, 1000);
  c.receive(new Uint8Array(0), SERVER_ADDR, 1000);
  assert.equal(closedWith(c), null);
  assert.equal(c.state, ConnectionState.Established);
  assert.equal(c.stats().packetsReceived, 0);
  assert.equal(c.stats().packetsDropped, 1, "the unparsable ones are not even packets");
});

Deno.test("receive() closes a handshaking client with PROTOCOL_VIOLATION for STREAM in Initial", async () => {
  const { ca } = await testIdentity();
  const c = Connection.client(
    {
      random: new SeededRandom(2),
      serverName: "localhost",
      trustAnchors: [ca],
      wallClockMs: () => WALL_CLOCK_BASE,
    },
    SERVER_ADDR,
    0,
  );
  feed(c, frames({ type: 0x08, id: 1, offset: 0, data: new Uint8Array(1), fin: false }), "initial");
  expectClose(c, 0x0a, 0x08);
});

Deno.test("receive() turns a TLS alert into CRYPTO_ERROR and a far CRYPTO offset into CRYPTO_BUFFER_EXCEEDED", async () => {
  const { ca } = await testIdentity();
  const make = () =>
    Connection.client(
      {
        random: new SeededRandom(3),
        serverName: "localhost",
        trustAnchors: [ca],
        wallClockMs: () => WALL_CLOCK_BASE,
      },
      SERVER_ADDR,
      0,
    );
  const a = make();
  // A handshake message of unknown type 0xee.
  feed(a, frames({ type: 0x06, offset: 0, data: new Uint8Array([0xee, 0, 0, 1, 0]) }), "initial");
  const err = closedWith(a);
  assert.ok(
    err?.kind === "transportError" && err.code >= 0x100 && err.code <= 0x1ff,
    JSON.stringify(err, big),
  );
  const b = make();
  feed(b, frames({ type: 0x06, offset: 1_000_000, data: new Uint8Array(4) }), "initial");
  expectClose(b, 0x0d);
});
