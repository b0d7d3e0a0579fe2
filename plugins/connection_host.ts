/**
 * The {@link PluginHost} of a live connection: what the pquic helpers reach
 * through `get_*`/`set_*`, host buffers, streams, the clock, logging and
 * qlog, over a `transport/connection` {@link Connection} (issue #7).
 *
 * Handles are ids of the connection's protoop `HandleTable`, the same
 * ids the table gives host objects when it marshals a call. Objects a call
 * passes in (a sent packet, a received header, a stream, a writer, bytes)
 * are valid for that call. Objects the host hands out itself are:
 * - the path (`AK_CNX_PATH`, param 0: the connection has one path) and the
 *   three packet number spaces (`AK_PATH_PKT_CTX`): pinned, the same id for
 *   the connection's whole life and for every plugin on it, so a pluglet may
 *   keep them in metadata as PQUIC plugins keep pointers;
 * - connection IDs (`AK_CNX_INITIAL_CID`, `AK_PATH_*_CID`,
 *   `AK_PH_DESTINATION_CNXID`) and their bytes (`AK_CNXID_ID`, a read-only
 *   copy): pinned too, one handle per distinct ID (a connection sees a
 *   handful);
 * - streams (`picoquic_find_stream`): registered for the running call, like
 *   the table's own handles (a stream may be gone by the next call); the
 *   handle names the stream's sending side when it has one, so a
 *   `schedule_next_stream` replace may return it.
 *
 * Values follow pquic.h: times in µs, sizes in bytes, booleans 0/1, and
 * UINT64_MAX for "none" or "unlimited" (an infinite window, no timer, no
 * packet acknowledged yet).
 *
 * Writable keys (all three act on the connection itself, so the effect
 * lasts after the pluglet returns):
 * - `AK_PATH_CWIN`: sets the controller's window (UINT64_MAX: unlimited),
 *   which stays until the next congestion signal changes it — PQUIC's
 *   semantics; a plugin replacing `congestion_algorithm_notify` pins it;
 * - `AK_PATH_PACING_ENABLED`: 0 turns the pacer off (RFC 9002 §7.7), 1 on;
 * - `AK_PKTCTX_ACK_DELAY_LOCAL`: how long we wait before acknowledging
 *   ack-eliciting packets of that space, bounded by our max_ack_delay
 *   (RFC 9000 §13.2.1; 0 in Initial and Handshake).
 *
 * @module
 */

import type { Connection } from "../transport/connection/connection.ts";
import { closeWithError } from "../transport/connection/close.ts";
import { ConnectionState } from "../transport/connection/events.ts";
import { TransportError } from "../transport/errors.ts";
import { Reader } from "../transport/wire/reader.ts";
import { Writer } from "../transport/wire/writer.ts";
import type { FieldKind } from "./helper_ids.ts";
import type { PluginFaultReport, PluginHost } from "./host.ts";
import {
  cnxField,
  headerField,
  packetField,
  pathField,
  spaceField,
  streamField,
} from "./host_fields.ts";
import {
  asCid,
  asHeader,
  asPacket,
  asPath,
  asSpace,
  asStream,
  type HostObjects,
  hostObjects,
  lookup,
  StreamRef,
} from "./host_objects.ts";

export { CidRef, PathRef, SpaceRef, StreamRef } from "./host_objects.ts";

/** Values from 2^53 up are "unlimited" when written to a window. */
const SAFE_LIMIT = BigInt(Number.MAX_SAFE_INTEGER);

/** Options of {@link ConnectionHost}. */
export interface ConnectionHostOptions {
  /** Log lines (`helper_log`) and fault messages. */
  onLog?: (plugin: string, line: string) => void;
  /** Told when a pluglet of this plugin faulted (to detach it), before the close. */
  onFault?: (report: PluginFaultReport) => void;
}

/**
 * The PluginHost of one plugin instance on a live connection.
 *
 * @example Reading fields from TypeScript
 * ```ts
 * import { ConnectionHost } from "./connection_host.ts";
 * import { Connection } from "../transport/connection/connection.ts";
 * import { SeededRandom } from "../transport/random.ts";
 * import assert from "node:assert/strict";
 * const conn = Connection.client(
 *   { random: new SeededRandom(1), serverName: "localhost", insecureSkipVerify: true },
 *   { hostname: "127.0.0.1", port: 4433 },
 *   0,
 * );
 * const host = new ConnectionHost(conn);
 * const path = host.getField("cnx", 0x2e, 0, 0n); // AK_CNX_PATH, param 0
 * assert.equal(host.getField("path", 0x17, 0, path), BigInt(conn.stats().cwnd)); // AK_PATH_CWIN
 * ```
 */
export class ConnectionHost implements PluginHost {
  /** The connection. */
  readonly conn: Connection;
  readonly #objects: HostObjects;
  readonly #onLog: ((plugin: string, line: string) => void) | null;
  readonly #onFault: ((report: PluginFaultReport) => void) | null;

  /**
   * @param conn the connection
   * @param opts log sink, fault listener
   */
  constructor(conn: Connection, opts: ConnectionHostOptions = {}) {
    this.conn = conn;
    this.#objects = hostObjects(conn);
    this.#onLog = opts.onLog ?? null;
    this.#onFault = opts.onFault ?? null;
  }

  /** The handle of the connection's path (pinned). */
  get pathHandle(): bigint {
    return this.#objects.path;
  }

  /**
   * The handle of a packet number space (pinned).
   *
   * @param space PQUIC_SPACE_*
   */
  spaceHandle(space: number): bigint {
    const h = this.#objects.spaces[space];
    if (h === undefined) throw new Error(`packet number space ${space} does not exist`);
    return h;
  }

  getField(kind: FieldKind, key: number, param: number, handle: bigint): bigint {
    const c = this.conn;
    switch (kind) {
      case "cnx":
        return cnxField(c, key, param);
      case "path":
        asPath(c, handle);
        return pathField(c, key, param);
      case "pkt_ctx":
        return spaceField(c, asSpace(c, handle), key);
      case "pkt":
        return packetField(asPacket(c, handle), key);
      case "cnxid": {
        const cid = asCid(c, handle);
        return key === 0x00 ? cid.buffer : BigInt(cid.bytes.length);
      }
      case "stream":
        return streamField(c, asStream(c, handle), key);
      case "ph":
        return headerField(c, asHeader(c, handle), key);
    }
  }

  setField(kind: FieldKind, key: number, _param: number, handle: bigint, value: bigint): void {
    const c = this.conn;
    if (kind === "path" && key === 0x17) {
      asPath(c, handle);
      const w = value >= SAFE_LIMIT ? Infinity : Number(value);
      const cc = c.congestion.inner;
      if (cc.setWindow === undefined) throw new Error(`controller "${cc.name}" has no window`);
      cc.setWindow(w);
      return;
    }
    if (kind === "path" && key === 0x82) {
      asPath(c, handle);
      c.plugins.pacingEnabled = value !== 0n;
      return;
    }
    if (kind === "pkt_ctx" && key === 0x05) {
      const space = asSpace(c, handle);
      const bound = space === 2 ? c.localParams.maxAckDelay * 1000 : 0;
      const v = value > BigInt(bound) ? bound : Number(value);
      c.spaces[space]!.ackTracker.maxAckDelay = v;
      return;
    }
    if (kind === "pkt_ctx" && key === 0x81) {
      const t = c.spaces[asSpace(c, handle)]!.ackTracker;
      t.ackElicitingThreshold = value < 1n ? 1 : value > 255n ? 255 : Number(value);
      return;
    }
    throw new Error(`${kind} key 0x${key.toString(16)} is not writable`);
  }

  bytes(handle: bigint, write: boolean): Uint8Array | null {
    const o = lookup(this.conn, handle);
    if (o instanceof Writer) return o.buf.subarray(o.pos, o.end);
    if (o instanceof Reader) return write ? null : o.buf.subarray(o.pos, o.end);
    if (o instanceof Uint8Array) {
      return write && this.#objects.readOnly.has(o) ? null : o;
    }
    return null;
  }

  findStream(streamId: bigint): bigint {
    if (streamId > SAFE_LIMIT) return 0n;
    const id = Number(streamId);
    const streams = this.conn.streams;
    if (!streams.has(id as never)) return 0n;
    // The sending side itself when there is one: the handle then also works as
    // schedule_next_stream's result (prepare_stream_frame takes a SendStream).
    const obj = streams.sendStream(id as never) ?? new StreamRef(id);
    return BigInt(this.conn.ops.handles.register(obj));
  }

  now(): number {
    const c = this.conn;
    return Math.max(c.plugins.now, c.loss.now);
  }

  log(plugin: string, line: string): void {
    this.#onLog?.(plugin, line);
  }

  qlog(plugin: string, name: string, data: Record<string, bigint>): void {
    const sink = this.conn.config.qlog;
    if (sink?.pluginEvent === undefined) return;
    sink.pluginEvent(this.conn.originalDcid, this.now(), plugin, name, data);
  }

  onFault(report: PluginFaultReport): void {
    this.#onLog?.(report.plugin, report.message);
    this.#onFault?.(report);
    ConnectionHost.closeOnFault(this.conn, report);
  }

  /**
   * Closes `conn` with INTERNAL_ERROR and the fault's message as reason, and
   * records the fault in the qlog sink (`plugin:fault`).
   *
   * @param conn the connection
   * @param report the fault
   */
  static closeOnFault(conn: Connection, report: PluginFaultReport): void {
    if (conn.state >= ConnectionState.Closing) return;
    const sink = conn.config.qlog;
    const now = Math.max(conn.plugins.now, conn.loss.now);
    sink?.pluginEvent?.(conn.originalDcid, now, report.plugin, "plugin:fault", {
      message: report.message,
    });
    try {
      closeWithError(conn, TransportError.internal(report.message), now);
    } catch {
      // A protoop run by the close (connection_state_changed) hit the slot still running
      // the faulted pluglet: the state and the CONNECTION_CLOSE reason are already set.
    }
  }
}
