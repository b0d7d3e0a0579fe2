/** H3Client against a scripted server on the simulated network. */

import assert from "node:assert/strict";
import type { Connection } from "../../transport/connection/connection.ts";
import type { ConnectionEvent } from "../../transport/connection/events.ts";
import { isBidi } from "../../transport/streams/stream_id.ts";
import { simPair } from "../_sim.ts";
import { H3Client } from "./client.ts";
import { H3ErrorCode } from "./errors.ts";
import { dataFrameHeader, encodeFrame, encodeSettingsFrame, FrameType } from "./frames.ts";
import { encodeFieldSection, type HeaderField } from "./qpack/field_section.ts";
import { H3Server } from "./server.ts";

const headers = (fields: HeaderField[]) =>
  encodeFrame(FrameType.HEADERS, encodeFieldSection(fields));

/** A server that opens its control stream and answers every request with `response`. */
async function scripted(response: Uint8Array) {
  const client = new H3Client({ keepBodies: true });
  const server = (conn: Connection, e: ConnectionEvent) => {
    if (e.type === "connected") {
      const control = conn.openStream(false)!;
      conn.write(control, Uint8Array.of(0x00, ...encodeSettingsFrame(new Map())));
    }
    if (e.type === "streamReadable" && isBidi(e.id)) {
      for (let r = conn.read(e.id); r !== null; r = conn.read(e.id)) {
        if (r.fin) conn.write(e.id, response, true);
      }
    }
  };
  const pair = await simPair({
    alpn: ["h3"],
    server,
    client: (c, e, now) => client.onEvent(c, e, now),
  });
  return { ...pair, client };
}

function closeCode(events: ConnectionEvent[]): bigint | undefined {
  const e = events.find((x) => x.type === "closed");
  if (e?.type !== "closed") return undefined;
  const err = e.error;
  return err.kind === "applicationClosed" || err.kind === "localClose" ? err.code : undefined;
}

Deno.test("H3Client skips an interim 103 response and reads trailers", async () => {
  const { sim, conn, client } = await scripted(Uint8Array.from([
    ...headers([[":status", "103"], ["link", "</a>"]]),
    ...headers([[":status", "200"], ["content-length", "3"]]),
    ...dataFrameHeader(3),
    1,
    2,
    3,
    ...headers([["x-checksum", "6"]]),
  ]));
  const req = client.request(conn, "/x", 0);
  sim.run({ until: () => client.isIdle(conn), maxTime: 5e6 });
  assert.equal(req.state, "done");
  assert.equal(req.status, 200);
  assert.equal(req.bytes, 3);
  assert.deepEqual(req.trailers, [["x-checksum", "6"]]);
});

Deno.test("H3Client resets a response shorter than its content-length with H3_MESSAGE_ERROR", async () => {
  const { sim, conn, client } = await scripted(Uint8Array.from([
    ...headers([[":status", "200"], ["content-length", "10"]]),
    ...dataFrameHeader(5),
    1,
    2,
    3,
    4,
    5,
  ]));
  const req = client.request(conn, "/x", 0);
  sim.run({ until: () => client.isIdle(conn), maxTime: 5e6 });
  assert.equal(req.state, "reset");
  assert.equal(req.resetCode, BigInt(H3ErrorCode.H3_MESSAGE_ERROR));
});

Deno.test("H3Client closes with H3_ID_ERROR on a PUSH_PROMISE", async () => {
  const { sim, conn, client, clientEvents } = await scripted(Uint8Array.from([
    ...encodeFrame(FrameType.PUSH_PROMISE, Uint8Array.of(0, ...encodeFieldSection([]))),
    ...headers([[":status", "200"]]),
  ]));
  const req = client.request(conn, "/x", 0);
  sim.run({ until: () => closeCode(clientEvents) !== undefined, maxTime: 5e6 });
  assert.equal(closeCode(clientEvents), BigInt(H3ErrorCode.H3_ID_ERROR));
  assert.equal(req.state, "failed");
});

Deno.test("H3Client closes with H3_FRAME_ERROR when a response ends inside a frame", async () => {
  const { sim, conn, client, clientEvents } = await scripted(
    headers([[":status", "200"]]).subarray(0, 4),
  );
  client.request(conn, "/x", 0);
  sim.run({ until: () => closeCode(clientEvents) !== undefined, maxTime: 5e6 });
  assert.equal(closeCode(clientEvents), BigInt(H3ErrorCode.H3_FRAME_ERROR));
});

Deno.test("H3Server.close sends GOAWAY and the client fails later requests", async () => {
  const server = new H3Server();
  const client = new H3Client();
  const pair = await simPair({
    alpn: ["h3"],
    server: (c, e, now) => server.onEvent(c, e, now),
    client: (c, e, now) => client.onEvent(c, e, now),
  });
  const { sim, conn, serverConns, clientEvents } = pair;
  const first = client.request(conn, "/100", 0);
  sim.run({ until: () => client.isIdle(conn), maxTime: 5e6 });
  assert.equal(first.state, "done");
  server.close(serverConns[0]!, sim.now);
  sim.run({ until: () => closeCode(clientEvents) !== undefined, maxTime: sim.now + 5e6 });
  assert.equal(closeCode(clientEvents), BigInt(H3ErrorCode.H3_NO_ERROR));
  assert.equal(client.attach(conn).peerGoaway, 4, "first stream not processed is 4");
  assert.equal(client.request(conn, "/1", sim.now).state, "failed");
});
