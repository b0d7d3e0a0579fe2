import assert from "node:assert/strict";
import { PacketType } from "../packet/packet_type.ts";
import {
  FRAME_TYPES,
  FrameType,
  frameTypeName,
  frameTypeRow,
  isAckEliciting,
  isFrameAllowed,
  isKnownFrameType,
  isProbing,
} from "./frame_type.ts";

Deno.test("FRAME_TYPES has a row for every FrameType value", () => {
  for (const [name, type] of Object.entries(FrameType)) {
    const row = frameTypeRow(type);
    assert.ok(row !== undefined, name);
    assert.equal(row.name, name);
  }
});

Deno.test("frameTypeName() names all eight STREAM types and unknown types in hex", () => {
  for (let t = 0x08; t <= 0x0f; t++) assert.equal(frameTypeName(t), "STREAM");
  assert.equal(frameTypeName(0x1f), "0x1f");
  assert.equal(isKnownFrameType(0x20), false);
  assert.equal(isKnownFrameType(0x31), true);
});

Deno.test("isFrameAllowed() follows RFC 9000 Table 3", () => {
  const { Initial, ZeroRtt, Handshake, OneRtt, Retry } = PacketType;
  // PADDING, PING, CONNECTION_CLOSE (0x1c): everywhere.
  for (const t of [0x00, 0x01, 0x1c]) {
    for (const p of [Initial, ZeroRtt, Handshake, OneRtt]) assert.equal(isFrameAllowed(t, p), true);
  }
  // ACK and CRYPTO: not in 0-RTT.
  for (const t of [0x02, 0x03, 0x06]) {
    assert.equal(isFrameAllowed(t, ZeroRtt), false);
    assert.equal(isFrameAllowed(t, Handshake), true);
  }
  // 1-RTT only: NEW_TOKEN, PATH_RESPONSE, HANDSHAKE_DONE.
  for (const t of [0x07, 0x1b, 0x1e]) {
    assert.equal(isFrameAllowed(t, OneRtt), true);
    assert.equal(isFrameAllowed(t, ZeroRtt), false);
    assert.equal(isFrameAllowed(t, Initial), false);
  }
  // 0-RTT and 1-RTT: STREAM (all 8), application close, DATAGRAM.
  for (const t of [0x08, 0x0f, 0x1d, 0x30, 0x31]) {
    assert.equal(isFrameAllowed(t, ZeroRtt), true);
    assert.equal(isFrameAllowed(t, Handshake), false);
  }
  assert.equal(isFrameAllowed(0x01, Retry), false);
  assert.equal(isFrameAllowed(0x40, OneRtt), false);
});

Deno.test("isAckEliciting() is false only for PADDING, ACK and CONNECTION_CLOSE", () => {
  const nonEliciting = FRAME_TYPES.filter((r) => !r.ackEliciting).map((r) => r.type);
  assert.deepEqual(nonEliciting, [0x00, 0x02, 0x03, 0x1c, 0x1d]);
  assert.equal(isAckEliciting(0x0a), true);
});

Deno.test("isProbing() is true for PADDING, NEW_CONNECTION_ID and path frames", () => {
  const probing = FRAME_TYPES.filter((r) => r.probing).map((r) => r.type);
  assert.deepEqual(probing, [0x00, 0x18, 0x1a, 0x1b]);
  assert.equal(isProbing(0x08), false);
});
