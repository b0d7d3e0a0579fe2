/**
 * The pquic helpers of the datagram plugin (ids 150–159, `plugins/datagram/`):
 * what a plugin implementing RFC 9221 needs beyond the generic helpers.
 *
 * - `datagram_deliver(cnx, src, len)`: hands `len` bytes of plugin memory to
 *   the application as a received datagram — the connection's
 *   `{ type: "datagram", data }` event, the same one the native DATAGRAM
 *   frame handling emits (transport/connection/receive.ts), so `QuicConn.readDatagram`
 *   works unchanged whichever side provides datagrams.
 * - `host_reader_skip(reader, n)`: moves a reader handle (parse_frame's input)
 *   past the `n` bytes a plugin parser consumed: `parse_frame` must leave the
 *   reader after its frame (receive.ts `processFrames`), and a pluglet reads
 *   the frame's bytes through the host buffer behind the same handle.
 *
 * Both act on the protoop call in progress (the table's `PlugletCall`: its
 * connection and its handles), so they are faults outside a pluglet run, on a
 * handle that is not a reader, or past the reader's end. Number form (see
 * helpers_memory.ts): every argument is a pointer, a length or a handle.
 *
 * @module
 */

import { Connection } from "../transport/connection/connection.ts";
import type { PlugletCall } from "../transport/protoop/mod.ts";
import { Reader } from "../transport/wire/reader.ts";
import type { HelperContext } from "../vm/mod.ts";
import { callOf, count, fail, host, mem, stateOf } from "./helper_checks.ts";
import type { NumberHelper } from "./helpers_memory.ts";

/** Largest datagram `datagram_deliver` hands out: a QUIC packet's payload (RFC 9000 §14). */
export const MAX_DELIVERED_DATAGRAM = 65527;

/** The protoop call in progress as the table made it (connection and handles). */
function tableCall(helper: string, ctx: HelperContext): PlugletCall {
  return callOf(helper, stateOf(ctx)) as unknown as PlugletCall;
}

function deliver(ctx: HelperContext, src: number, len: number): number {
  const helper = "datagram_deliver";
  const call = tableCall(helper, ctx);
  const conn = call.host;
  if (!(conn instanceof Connection)) fail(helper, "the protoop call has no connection");
  const n = count(helper, "len", len, MAX_DELIVERED_DATAGRAM);
  const off = n === 0 ? 0 : mem(helper, ctx.memory, src, n, false);
  const data = n === 0 ? new Uint8Array(0) : ctx.memory.bytes().slice(off, off + n);
  conn.emit({ type: "datagram", data });
  return 0;
}

function skip(ctx: HelperContext, handle: number, n: number): number {
  const helper = "host_reader_skip";
  const call = tableCall(helper, ctx);
  const r = host(helper, () => call.handle(BigInt(handle)));
  if (!(r instanceof Reader)) fail(helper, `handle ${handle} is not a reader`);
  if (n > r.end - r.pos) {
    fail(helper, `cannot skip ${n} bytes: ${r.end - r.pos} left in the reader`);
  }
  r.pos += n;
  return n;
}

/** The datagram helpers in number form, by name (merged into the helper table by helpers.ts). */
export const DATAGRAM_HELPERS: Readonly<Record<string, NumberHelper>> = {
  "datagram_deliver": { arity: 3, fn: (ctx, _cnx, src, len) => deliver(ctx, src!, len!) },
  "host_reader_skip": { arity: 2, fn: (ctx, h, n) => skip(ctx, h!, n!) },
};
