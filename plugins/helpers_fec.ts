/**
 * The pquic helpers of the forward erasure correction plugin (ids 160–189,
 * `plugins/fec/`, pquic-reference.md §7.6): what a packet-level FEC needs
 * beyond the generic helpers, in number form (helpers_memory.ts). They act on
 * the protoop call in progress (its connection, and its inputs: the reader of
 * `parse_frame`, the writer of `write_frame`, the packet of
 * `schedule_frames_on_path`), so a pluglet passes no handles.
 *
 * - Source symbols: the bytes of a packet after its SOURCE_FPID frame, with
 *   the packet number and the length in front (plugins/fec/FRAMES.md):
 *   `fec_prepare_source` (or, for a booked frame, `fec_write_sfpid`) writes
 *   the frame and gives where the symbol starts,
 *   `fec_sent_symbol` copies it from the packet being built,
 *   `fec_reader_sfpid` + `fec_received_symbol` from the packet received.
 * - `fec_prepare_source` writes the SFPID at the start of a packet being
 *   built (after its ACK) and keeps room at its end so that a repair symbol
 *   of it fits a packet; `fec_sent_symbol`'s result and
 *   `fec_stream_data_pending` tell the end of the stream.
 * - `fec_recovered_packet`: the frames of a rebuilt packet go through the
 *   connection's frame processing as a 1-RTT packet (receive.ts
 *   `processFrames`). The packet is not acknowledged: the peer learns of it
 *   from a RECOVERED frame, so its congestion controller keeps the loss.
 * - The sender's side of RECOVERED: a {@link FecLossHold}, the connection's
 *   `lossHold` (transport/connection/loss_hold.ts), keeps back the frames of
 *   lost packets that a repair symbol still in flight protects
 *   (`fec_cover_begin`/`fec_cover_end`); `fec_peer_recovered` releases them
 *   as delivered, the end of the last covering repair symbol as lost.
 *
 * - `fec_region_addmul` / `fec_region_scale`: the GF(2^8) region operations of
 *   the codes, in WebAssembly SIMD on the plugin's memory (gf256_kernel.ts):
 *   the plugin's heavy lifting per byte, as `my_memcpy` is for copies.
 *
 * A helper called from another protoop than the one it serves, or with a bad
 * pointer, faults, as every helper does.
 *
 * @module
 */

import { Connection } from "../transport/connection/connection.ts";
import { ConnectionState } from "../transport/connection/events.ts";
import { processFrames } from "../transport/connection/receive.ts";
import type { BuiltPacket } from "../transport/connection/send.ts";
import { type PacketHeader, PacketType } from "../transport/packet/header.ts";
import type { PlugletCall } from "../transport/protoop/mod.ts";
import { SpaceId } from "../transport/recovery/space_id.ts";
import { Reader } from "../transport/wire/reader.ts";
import { Writer } from "../transport/wire/writer.ts";
import type { HelperContext } from "../vm/mod.ts";
import { callOf, count, fail, mem, stateOf } from "./helper_checks.ts";
import type { NumberHelper } from "./helpers_memory.ts";
import { fecHold, list } from "./fec_hold.ts";
import { regionAddMul, regionScale } from "./gf256_kernel.ts";

/** Source symbol header: packet number (8) and payload length (2), network order. */
export const SYMBOL_HEADER = 10;
/** SOURCE_FPID frame type and size: type (1), source symbol id (4). */
const FT_SFPID = 0x29;
const SFPID_SIZE = 5;
/** Largest payload a source symbol carries (its length field is 16 bits). */
const MAX_SYMBOL_PAYLOAD = 0xffff;
/** The protoop call in progress and its connection. */
function callAndConn(helper: string, ctx: HelperContext): [PlugletCall, Connection] {
  const call = callOf(helper, stateOf(ctx)) as unknown as PlugletCall;
  const conn = call.host;
  if (!(conn instanceof Connection)) fail(helper, "the protoop call has no connection");
  return [call, conn];
}

/** Input `i` of the call in progress as an object of the kind `ok` accepts. */
function input<T>(
  helper: string,
  call: PlugletCall,
  i: number,
  ok: (o: unknown) => o is T,
  what: string,
): T {
  const h = call.args[i];
  let o: unknown;
  try {
    o = h === undefined ? undefined : call.handle(h); // (no closure: once per packet)
  } catch (e) {
    fail(helper, e instanceof Error ? e.message : String(e));
  }
  if (!ok(o)) fail(helper, `input ${i} of ${call.name} is not a ${what}`);
  return o;
}

const isReader = (o: unknown): o is Reader => o instanceof Reader;
const isWriter = (o: unknown): o is Writer => o instanceof Writer;
const isBuilt = (o: unknown): o is BuiltPacket =>
  typeof o === "object" && o !== null && "payloadEnd" in o && "pnOffset" in o;

/** Writes a symbol (header + bytes) at plugin memory `dst`; returns its length or 0. */
function writeSymbol(
  helper: string,
  ctx: HelperContext,
  pn: number,
  bytes: Uint8Array,
  dst: number,
  max: number,
): number {
  const n = SYMBOL_HEADER + bytes.length;
  if (bytes.length > MAX_SYMBOL_PAYLOAD || n > max) return 0;
  const off = mem(helper, ctx.memory, dst, n, true);
  const dv = ctx.memory.view();
  dv.setUint32(off, Math.floor(pn / 0x1_0000_0000)); // (no BigInt: once per packet)
  dv.setUint32(off + 4, pn >>> 0);
  dv.setUint16(off + 8, bytes.length);
  ctx.memory.bytes().set(bytes, off + SYMBOL_HEADER);
  return n;
}

function receivedSymbol(ctx: HelperContext, dst: number, max: number): number {
  const helper = "fec_received_symbol";
  const [call, conn] = callAndConn(helper, ctx);
  const r = input(helper, call, 0, isReader, "reader");
  const pn = conn.plugins.rx.pn;
  return writeSymbol(helper, ctx, pn, r.buf.subarray(r.pos, r.end), dst, max);
}

function readerSfpid(ctx: HelperContext): number {
  const helper = "fec_reader_sfpid";
  const [call] = callAndConn(helper, ctx);
  const r = input(helper, call, 0, isReader, "reader");
  if (r.end - r.pos < SFPID_SIZE) return 0;
  r.skip(1);
  return r.u32();
}

function sentSymbol(ctx: HelperContext, from: number, fpid: number, dst: number, max: number) {
  const helper = "fec_sent_symbol";
  const [call, conn] = callAndConn(helper, ctx);
  const b = input(helper, call, 0, isBuilt, "packet being built");
  const w = conn.writer;
  if (from < b.pnOffset + b.pnLen || from > w.pos) {
    fail(helper, `position ${from} is outside the packet's frames`);
  }
  const n = writeSymbol(helper, ctx, b.pn, w.buf.subarray(from, w.pos), dst, max);
  if (n > 0) fecHold(conn).protect(b.pn, fpid);
  // The answer of fec_stream_data_pending too: one helper call less per source packet.
  return conn.streams.hasPendingData() ? n + PENDING_FLAG : n;
}

/** Bit of `fec_sent_symbol`'s result set when stream data waits to be sent (2^32). */
const PENDING_FLAG = 0x1_0000_0000;

function recoveredPacket(ctx: HelperContext, pn: number, src: number, len: number): number {
  const helper = "fec_recovered_packet";
  const [, conn] = callAndConn(helper, ctx);
  const n = count(helper, "len", len, MAX_SYMBOL_PAYLOAD);
  const hold = fecHold(conn);
  const tracker = conn.spaces[SpaceId.Application].ackTracker;
  // Below the tracker's floor (acknowledgements acknowledged) nothing tells a duplicate: the
  // plugin rebuilt it because its symbol never arrived, so it is taken as not received.
  const received = pn >= tracker.floor && tracker.isDuplicate(pn);
  if (n === 0 || received || conn.state >= ConnectionState.Closing) {
    hold.counters.recoveredDuplicate++;
    return 0;
  }
  const off = mem(helper, ctx.memory, src, n, false);
  // A copy: frame processing keeps views of the payload (stream data).
  const payload = ctx.memory.bytes().slice(off, off + n);
  hold.counters.recovered++;
  list(hold.counters.recoveredPns, pn);
  processFrames(conn, payload, RECOVERED_HEADER, SpaceId.Application, conn.loss.now);
  return 1;
}

const EMPTY = new Uint8Array(0);
const APPLICATION = BigInt(SpaceId.Application);

/** The header rebuilt packets are processed under: 1-RTT, no CID of ours. */
const RECOVERED_HEADER: PacketHeader = Object.freeze({
  type: PacketType.OneRtt,
  version: 0,
  dcid: EMPTY,
  scid: EMPTY,
  token: EMPTY,
  pnOffset: 0,
  end: 0,
  firstByte: 0x40,
  supportedVersions: [],
  retryToken: EMPTY,
  integrityTag: EMPTY,
});

/**
 * Writes SOURCE_FPID `fpid` at the writer's position of the 1-RTT packet being built, when stream
 * data waits, and holds the packet's frames after it to `cap` bytes with `slack` bytes left free.
 * Written directly, not booked: a booked frame costs a `write_frame` pluglet run per packet.
 */
function prepareSource(ctx: HelperContext, fpid: number, slack: number, cap: number): number {
  const helper = "fec_prepare_source";
  const [call, conn] = callAndConn(helper, ctx);
  // schedule_frames_on_path's input 1 is the packet number space: only 1-RTT packets are sources.
  if (call.args[1] !== APPLICATION || fpid === 0 || fpid > 0xffff_ffff) return 0;
  // Plugin exchange holds the plugin's frames until the peer attached it (EXCHANGE.md §4): an
  // SFPID written directly must wait as a booked one would.
  if (conn.reservations.isHeld(stateOf(ctx).plugin)) return 0;
  const w = conn.writer;
  if (w.end - w.pos < SFPID_SIZE + slack + MIN_SOURCE_ROOM || !conn.streams.hasPendingData()) {
    return 0;
  }
  w.u8(FT_SFPID);
  w.u32(fpid);
  conn.counters.pluginFrameSent(FT_SFPID);
  w.end = Math.max(w.pos, Math.min(w.end - slack, w.pos + cap));
  return w.pos;
}

/** Room a source packet needs for stream data after its SFPID (a STREAM header and a byte). */
const MIN_SOURCE_ROOM = 8;

function writeSfpid(ctx: HelperContext, fpid: number): number {
  const helper = "fec_write_sfpid";
  const [call] = callAndConn(helper, ctx);
  const w = input(helper, call, 1, isWriter, "writer");
  if (w.end - w.pos < SFPID_SIZE || fpid > 0xffff_ffff) return 0;
  const start = w.pos;
  w.u8(FT_SFPID);
  w.u32(fpid);
  call.outputs[0] = BigInt(SFPID_SIZE);
  call.outputs[1] = 0n;
  return start + SFPID_SIZE;
}

function writeFrame(ctx: HelperContext, src: number, n: number, retransmittable: number): number {
  const helper = "fec_write_frame";
  const [call] = callAndConn(helper, ctx);
  const w = input(helper, call, 1, isWriter, "writer");
  const len = count(helper, "n", n, MAX_SYMBOL_PAYLOAD);
  if (len === 0) fail(helper, "an empty frame");
  if (w.end - w.pos < len) return 0;
  const off = mem(helper, ctx.memory, src, len, false);
  w.bytes(ctx.memory.bytes().subarray(off, off + len));
  call.outputs[0] = BigInt(len);
  call.outputs[1] = retransmittable !== 0 ? 1n : 0n;
  return 1;
}

/** The FEC helpers in number form, by name (merged into the helper table by helpers.ts). */
export const FEC_HELPERS: Readonly<Record<string, NumberHelper>> = {
  "fec_received_symbol": { arity: 2, fn: (ctx, dst, max) => receivedSymbol(ctx, dst!, max!) },
  "fec_reader_sfpid": { arity: 0, fn: (ctx) => readerSfpid(ctx) },
  "fec_sent_symbol": {
    arity: 4,
    fn: (ctx, from, fpid, dst, max) => sentSymbol(ctx, from!, fpid!, dst!, max!),
  },
  "fec_cover_begin": {
    arity: 2,
    fn: (ctx, first, n) => {
      const [, conn] = callAndConn("fec_cover_begin", ctx);
      fecHold(conn).cover(first!, count("fec_cover_begin", "count", n!, 255), 1);
      return 0;
    },
  },
  "fec_cover_end": {
    arity: 2,
    fn: (ctx, first, n) => {
      const [, conn] = callAndConn("fec_cover_end", ctx);
      fecHold(conn).cover(first!, count("fec_cover_end", "count", n!, 255), -1);
      return 0;
    },
  },
  "fec_peer_recovered": {
    arity: 1,
    fn: (ctx, pn) => {
      const [, conn] = callAndConn("fec_peer_recovered", ctx);
      return fecHold(conn).peerRecovered(pn!) ? 1 : 0;
    },
  },
  "fec_recovered_packet": {
    arity: 3,
    fn: (ctx, pn, src, len) => recoveredPacket(ctx, pn!, src!, len!),
  },
  "fec_prepare_source": {
    arity: 3,
    fn: (ctx, fpid, slack, cap) => prepareSource(ctx, fpid!, slack!, cap!),
  },
  "fec_stream_data_pending": {
    arity: 0,
    fn: (ctx) => (callAndConn("fec_stream_data_pending", ctx)[1].streams.hasPendingData() ? 1 : 0),
  },
  "fec_write_sfpid": { arity: 1, fn: (ctx, fpid) => writeSfpid(ctx, fpid!) },
  "fec_write_frame": { arity: 3, fn: (ctx, src, n, rt) => writeFrame(ctx, src!, n!, rt!) },
  "fec_region_addmul": {
    arity: 4,
    fn: (ctx, dst, src, c, n) => {
      const helper = "fec_region_addmul";
      const len = count(helper, "n", n!, ctx.memory.maxSize);
      if (len === 0) return 0;
      const d = mem(helper, ctx.memory, dst!, len, true);
      const s = mem(helper, ctx.memory, src!, len, false);
      if (d < s + len && s < d + len) fail(helper, "the regions overlap");
      regionAddMul(ctx.memory.memory, d, s, c! & 0xff, len);
      return 0;
    },
  },
  "fec_region_scale": {
    arity: 3,
    fn: (ctx, dst, c, n) => {
      const len = count("fec_region_scale", "n", n!, ctx.memory.maxSize);
      if (len === 0) return 0;
      const d = mem("fec_region_scale", ctx.memory, dst!, len, true);
      regionScale(ctx.memory.memory, d, c! & 0xff, len);
      return 0;
    },
  },
};
