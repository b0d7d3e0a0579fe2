/**
 * The objects a connection's plugins reach by handle (plugins/connection_host.ts):
 * its single path, its packet number spaces and the connection IDs it has
 * seen, pinned in the connection's protoop HandleTable and shared by every
 * plugin on it; streams found by id; and the checks that turn a handle back
 * into the object a key family needs.
 *
 * @module
 */

import type { Connection } from "../transport/connection/connection.ts";
import type { PacketHeader } from "../transport/packet/header.ts";
import type { SentPacket } from "../transport/recovery/sent_packet.ts";
import { SendStream } from "../transport/streams/send_stream.ts";

/** Values from 2^53 up are no handle. */
const SAFE_LIMIT = BigInt(Number.MAX_SAFE_INTEGER);
/** Spaces, in PQUIC_SPACE_* order (= our SpaceId). */
export const SPACES = 3;

/** The connection's single path, as plugins see it (a handle target). */
export class PathRef {
  /** @param index path index (0) */
  constructor(readonly index: number) {}
}

/** A packet number space, as plugins see it. */
export class SpaceRef {
  /** @param space PQUIC_SPACE_* (= SpaceId) */
  constructor(readonly space: number) {}
}

/** A stream found by id (`picoquic_find_stream`). */
export class StreamRef {
  /** @param id stream id */
  constructor(readonly id: number) {}
}

/** A connection ID (its bytes are a read-only host buffer). */
export class CidRef {
  /**
   * @param bytes the ID (a copy of the host's)
   * @param buffer the handle of `bytes` as a host buffer (AK_CNXID_ID)
   */
  constructor(readonly bytes: Uint8Array, readonly buffer: bigint) {}
}

/** The host objects of one connection, shared by all its plugins. */
export interface HostObjects {
  /** Handle of the path (pinned). */
  readonly path: bigint;
  /** Handles of the packet number spaces, by PQUIC_SPACE_* (pinned). */
  readonly spaces: readonly bigint[];
  /** Connection IDs by value → pinned CidRef handle (a few per connection). */
  readonly cids: Map<string, bigint>;
  /** Buffers handed out as read-only. */
  readonly readOnly: WeakSet<Uint8Array>;
}

const OBJECTS = new WeakMap<Connection, HostObjects>();

/**
 * The host objects of `conn` (made on first use: the pinned path and spaces).
 *
 * @param conn the connection
 * @returns its objects
 */
export function hostObjects(conn: Connection): HostObjects {
  let o = OBJECTS.get(conn);
  if (o === undefined) {
    const h = conn.ops.handles;
    const spaces: bigint[] = [];
    for (let s = 0; s < SPACES; s++) spaces.push(BigInt(h.pin(new SpaceRef(s))));
    o = {
      path: BigInt(h.pin(new PathRef(0))),
      spaces,
      cids: new Map(),
      readOnly: new WeakSet(),
    };
    OBJECTS.set(conn, o);
  }
  return o;
}

/**
 * A connection ID's pinned handle: the same for equal IDs, for the
 * connection's life (a connection sees a handful). Its bytes are a read-only
 * copy, itself a pinned host buffer.
 *
 * @param conn the connection
 * @param bytes the ID, or null
 * @returns its handle, 0n for null
 */
export function cidHandle(conn: Connection, bytes: Uint8Array | null | undefined): bigint {
  if (bytes === null || bytes === undefined) return 0n;
  const o = hostObjects(conn);
  const key = String.fromCharCode.apply(null, bytes as unknown as number[]);
  let h = o.cids.get(key);
  if (h === undefined) {
    const copy = bytes.slice();
    o.readOnly.add(copy);
    const table = conn.ops.handles;
    h = BigInt(table.pin(new CidRef(copy, BigInt(table.pin(copy)))));
    o.cids.set(key, h);
  }
  return h;
}

/**
 * The object behind a handle of `conn`'s table, or undefined.
 *
 * @param conn the connection
 * @param handle the handle
 * @returns the object
 */
export function lookup(conn: Connection, handle: bigint): unknown {
  if (handle <= 0n || handle > SAFE_LIMIT) return undefined;
  return conn.ops.handles.get(Number(handle));
}

/** The path behind a handle; throws when the handle is no path (the helper's fault). */
export function asPath(conn: Connection, handle: bigint): PathRef {
  const o = lookup(conn, handle);
  if (!(o instanceof PathRef)) throw new Error(`handle ${handle} is not a path`);
  return o;
}

/** The packet number space behind a handle, or an error. */
export function asSpace(conn: Connection, handle: bigint): number {
  const o = lookup(conn, handle);
  if (!(o instanceof SpaceRef)) throw new Error(`handle ${handle} is not a packet number space`);
  return o.space;
}

/** The sent packet behind a handle, or an error. */
export function asPacket(conn: Connection, handle: bigint): SentPacket {
  const o = lookup(conn, handle) as Partial<SentPacket> | undefined;
  if (
    typeof o !== "object" || o === null || typeof o.pn !== "number" ||
    typeof o.timeSent !== "number" || !Array.isArray(o.frames)
  ) throw new Error(`handle ${handle} is not a sent packet`);
  return o as SentPacket;
}

/** The connection ID behind a handle, or an error. */
export function asCid(conn: Connection, handle: bigint): CidRef {
  const o = lookup(conn, handle);
  if (!(o instanceof CidRef)) throw new Error(`handle ${handle} is not a connection ID`);
  return o;
}

/** The id of the stream behind a handle (a StreamRef or a SendStream), or an error. */
export function asStream(conn: Connection, handle: bigint): number {
  const o = lookup(conn, handle);
  if (o instanceof StreamRef || o instanceof SendStream) return o.id;
  throw new Error(`handle ${handle} is not a stream`);
}

/** The received packet header behind a handle, or an error. */
export function asHeader(conn: Connection, handle: bigint): PacketHeader {
  const o = lookup(conn, handle) as Partial<PacketHeader> | undefined;
  if (
    typeof o !== "object" || o === null || !(o.dcid instanceof Uint8Array) ||
    typeof o.pnOffset !== "number"
  ) throw new Error(`handle ${handle} is not a packet header`);
  return o as PacketHeader;
}
