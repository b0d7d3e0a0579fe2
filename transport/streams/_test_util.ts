/**
 * Helpers shared by the stream tests.
 *
 * @module
 */

import assert from "node:assert/strict";
import { TransportError } from "../errors.ts";
import type { StreamFrame } from "../frames/frame.ts";
import { Streams } from "./streams.ts";
import type { StreamEvent, StreamLimits } from "./stream_types.ts";

/** Small limits that tests can exhaust. */
export const SMALL_LIMITS: StreamLimits = {
  initialMaxData: 10_000,
  initialMaxStreamDataBidiLocal: 1000,
  initialMaxStreamDataBidiRemote: 1000,
  initialMaxStreamDataUni: 1000,
  initialMaxStreamsBidi: 4,
  initialMaxStreamsUni: 4,
};

/** A client and a server that exchanged `limits`. */
export function makePair(
  limits: StreamLimits = SMALL_LIMITS,
  opts: { maxWindow?: number; sendBufferSize?: number } = {},
): { client: Streams; server: Streams } {
  const client = new Streams({ isClient: true, local: limits, ...opts });
  const server = new Streams({ isClient: false, local: limits, ...opts });
  client.setPeerLimits(limits);
  server.setPeerLimits(limits);
  return { client, server };
}

/** A STREAM frame carrying `length` bytes (value `offset + i` mod 256) or the given bytes. */
export function streamFrame(
  id: number,
  offset: number,
  data: number | Uint8Array,
  fin = false,
): StreamFrame {
  let bytes: Uint8Array;
  if (typeof data === "number") {
    bytes = new Uint8Array(data);
    for (let i = 0; i < data; i++) bytes[i] = (offset + i) & 0xff;
  } else {
    bytes = data;
  }
  return { type: 0x08, id, offset, data: bytes, fin };
}

/** Asserts that `fn` throws a TransportError with `code` (and `frameType` when given). */
export function assertTransportError(fn: () => unknown, code: number, frameType?: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TransportError, `expected a TransportError, got ${String(e)}`);
    assert.equal(e.code, code, `code: ${e.message}`);
    if (frameType !== undefined) assert.equal(e.frameType, frameType);
    return true;
  });
}

/** All events queued on `s`. */
export function drainEvents(s: Streams): StreamEvent[] {
  const out: StreamEvent[] = [];
  for (let e = s.pollEvent(); e !== null; e = s.pollEvent()) out.push(e);
  return out;
}
