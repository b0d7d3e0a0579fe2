/**
 * Stream identifiers (RFC 9000 §2.1).
 *
 * The two least significant bits of a stream ID give its initiator (bit 0x01:
 * 0 client, 1 server) and direction (bit 0x02: 0 bidirectional, 1
 * unidirectional); the remaining bits are the stream's index among the streams
 * of that type. Stream IDs are varints, so an index is below 2^60 and the ID
 * is exact in a `number`.
 *
 * ```
 * Bits  Stream Type
 * 0x00  Client-Initiated, Bidirectional
 * 0x01  Server-Initiated, Bidirectional
 * 0x02  Client-Initiated, Unidirectional
 * 0x03  Server-Initiated, Unidirectional
 * ```
 *
 * @module
 */

/** A QUIC stream ID, a varint below 2^62 (exact as a `number` for the IDs we accept). */
export type StreamId = number;

/** Number of stream types; `streamType(id)` is in 0..3 (RFC 9000 §2.1 Table 1). */
export const STREAM_TYPES = 4;

/** Largest number of streams of one type a peer may allow (RFC 9000 §4.6: 2^60). */
export const MAX_STREAM_COUNT = 2 ** 60;

/**
 * True when the stream is bidirectional.
 *
 * @param id A stream ID.
 * @returns Whether bit 0x02 is clear.
 * @example
 * ```ts
 * import { isBidi } from "./stream_id.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isBidi(4), true);
 * assert.equal(isBidi(2), false);
 * ```
 */
export function isBidi(id: StreamId): boolean {
  return (id & 0x02) === 0;
}

/**
 * True when the client opened the stream.
 *
 * @param id A stream ID.
 * @returns Whether bit 0x01 is clear.
 * @example
 * ```ts
 * import { isClientInitiated } from "./stream_id.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isClientInitiated(0), true);
 * assert.equal(isClientInitiated(5), false);
 * ```
 */
export function isClientInitiated(id: StreamId): boolean {
  return (id & 0x01) === 0;
}

/**
 * True when the endpoint (client when `isClient`) opened the stream.
 *
 * @param id A stream ID.
 * @param isClient Whether the local endpoint is the client.
 * @returns Whether the stream is locally initiated.
 * @example
 * ```ts
 * import { isLocallyInitiated } from "./stream_id.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isLocallyInitiated(1, false), true);
 * assert.equal(isLocallyInitiated(1, true), false);
 * ```
 */
export function isLocallyInitiated(id: StreamId, isClient: boolean): boolean {
  return isClientInitiated(id) === isClient;
}

/**
 * The stream ID of the `index`-th stream (from 0) of a type.
 *
 * @param index Position among the streams of this type.
 * @param clientInitiated Whether the client opens it.
 * @param bidi Whether it is bidirectional.
 * @returns `index * 4 + type bits`.
 * @example
 * ```ts
 * import { makeStreamId } from "./stream_id.ts";
 * import assert from "node:assert/strict";
 * assert.equal(makeStreamId(2, false, false), 11);
 * ```
 */
export function makeStreamId(index: number, clientInitiated: boolean, bidi: boolean): StreamId {
  return index * 4 + (clientInitiated ? 0 : 1) + (bidi ? 0 : 2);
}

/**
 * The stream's index among the streams of its type.
 *
 * @param id A stream ID.
 * @returns `floor(id / 4)` (no 32-bit shifts: IDs may exceed 2^32).
 * @example
 * ```ts
 * import { streamIndex } from "./stream_id.ts";
 * import assert from "node:assert/strict";
 * assert.equal(streamIndex(11), 2);
 * ```
 */
export function streamIndex(id: StreamId): number {
  return Math.floor(id / 4);
}

/**
 * The two type bits of a stream ID, 0..3, usable as an index into per-type arrays.
 *
 * @param id A stream ID.
 * @returns `id & 3`.
 * @example
 * ```ts
 * import { streamType } from "./stream_id.ts";
 * import assert from "node:assert/strict";
 * assert.equal(streamType(11), 3);
 * ```
 */
export function streamType(id: StreamId): number {
  return id % 4;
}
