/**
 * QUIC transport parameters (RFC 9000 §7.4, §18), as one table.
 *
 * ```
 * Transport Parameters {
 *   Transport Parameter (..) ...,
 * }
 *
 * Transport Parameter {
 *   Transport Parameter ID (i),
 *   Transport Parameter Length (i),
 *   Transport Parameter Value (..),
 * }
 *
 * Preferred Address {
 *   IPv4 Address (32),
 *   IPv4 Port (16),
 *   IPv6 Address (128),
 *   IPv6 Port (16),
 *   Connection ID Length (8),
 *   Connection ID (..),
 *   Stateless Reset Token (128),
 * }
 *
 * Version Information {                  (RFC 9368 §3, id 0x11)
 *   Chosen Version (32),
 *   Available Versions (32) ...,
 * }
 * ```
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-18.2,
 * https://www.rfc-editor.org/rfc/rfc9368.html#section-3,
 * https://www.rfc-editor.org/rfc/rfc9221.html#section-3 (max_datagram_frame_size, 0x20)
 *
 * {@link TRANSPORT_PARAMETERS} lists every parameter we know (id, name, field,
 * kind, default, bounds, server-only); encoding, decoding and validation are
 * derived from it. Unknown and GREASE parameters (id 31 * N + 27, §18.1) are
 * kept in `unknown`, in order, for extensions such as plugin negotiation.
 *
 * Values above 2^53-1 read as 2^53-1 (the varint.ts rule: such a limit is
 * "unlimited" for us). What this module does not check, because it needs the
 * connection's state: that the CID parameters match the packet headers and that
 * the required ones are present (§7.3).
 *
 * @module
 */

import { Reader } from "./wire/reader.ts";
import { Writer } from "./wire/writer.ts";
import { varintSize } from "./wire/varint.ts";
import { TransportError } from "./errors.ts";

/** The server's preferred address (§18.2, §9.6). An absent family is all zeros. */
export interface PreferredAddress {
  /** 4 bytes. */
  ipv4: Uint8Array;
  ipv4Port: number;
  /** 16 bytes. */
  ipv6: Uint8Array;
  ipv6Port: number;
  /** 1 to 20 bytes. */
  cid: Uint8Array;
  /** 16 bytes. */
  resetToken: Uint8Array;
}

/** version_information (RFC 9368 §3). */
export interface VersionInformation {
  /** Version of the packets that carry this (never 0). */
  chosen: number;
  /** Versions the sender supports, in its order of preference. */
  available: number[];
}

/** A transport parameter we do not know, kept as raw bytes. */
export interface UnknownTransportParameter {
  id: bigint;
  value: Uint8Array;
}

/** All transport parameters of one endpoint. Durations are in milliseconds. */
export interface TransportParameters {
  originalDestinationConnectionId?: Uint8Array;
  /** Milliseconds; 0 disables the idle timeout. */
  maxIdleTimeout: number;
  statelessResetToken?: Uint8Array;
  maxUdpPayloadSize: number;
  initialMaxData: number;
  initialMaxStreamDataBidiLocal: number;
  initialMaxStreamDataBidiRemote: number;
  initialMaxStreamDataUni: number;
  initialMaxStreamsBidi: number;
  initialMaxStreamsUni: number;
  ackDelayExponent: number;
  /** Milliseconds. */
  maxAckDelay: number;
  disableActiveMigration: boolean;
  preferredAddress?: PreferredAddress;
  activeConnectionIdLimit: number;
  initialSourceConnectionId?: Uint8Array;
  retrySourceConnectionId?: Uint8Array;
  versionInformation?: VersionInformation;
  maxDatagramFrameSize?: number;
  unknown: UnknownTransportParameter[];
}

/** How a parameter's value is encoded. */
export type TransportParameterKind =
  | "varint"
  | "cid"
  | "resetToken"
  | "flag"
  | "preferredAddress"
  | "versionInformation";

/** One row of the transport parameter table. */
export interface TransportParameterRow {
  readonly id: number;
  /** Name as in the RFC. */
  readonly name: string;
  /** Field of {@link TransportParameters}. */
  readonly key: Exclude<keyof TransportParameters, "unknown">;
  readonly kind: TransportParameterKind;
  /** Value when absent (varints and flags with a default). */
  readonly default?: number | boolean;
  /** Smallest valid value (varints). */
  readonly min?: number;
  /** Largest valid value (varints), inclusive. */
  readonly max?: bigint;
  /** Only a server may send it (§18.2). */
  readonly serverOnly: boolean;
}

/** RFC 9000 §18.2 (plus RFC 9368 and RFC 9221): the table everything else derives from. */
export const TRANSPORT_PARAMETERS: readonly TransportParameterRow[] = [
  {
    id: 0x00,
    name: "original_destination_connection_id",
    key: "originalDestinationConnectionId",
    kind: "cid",
    serverOnly: true,
  },
  {
    id: 0x01,
    name: "max_idle_timeout",
    key: "maxIdleTimeout",
    kind: "varint",
    default: 0,
    serverOnly: false,
  },
  {
    id: 0x02,
    name: "stateless_reset_token",
    key: "statelessResetToken",
    kind: "resetToken",
    serverOnly: true,
  },
  {
    id: 0x03,
    name: "max_udp_payload_size",
    key: "maxUdpPayloadSize",
    kind: "varint",
    default: 65527,
    min: 1200,
    serverOnly: false,
  },
  varint(0x04, "initial_max_data", "initialMaxData"),
  varint(0x05, "initial_max_stream_data_bidi_local", "initialMaxStreamDataBidiLocal"),
  varint(0x06, "initial_max_stream_data_bidi_remote", "initialMaxStreamDataBidiRemote"),
  varint(0x07, "initial_max_stream_data_uni", "initialMaxStreamDataUni"),
  { ...varint(0x08, "initial_max_streams_bidi", "initialMaxStreamsBidi"), max: 2n ** 60n },
  { ...varint(0x09, "initial_max_streams_uni", "initialMaxStreamsUni"), max: 2n ** 60n },
  {
    id: 0x0a,
    name: "ack_delay_exponent",
    key: "ackDelayExponent",
    kind: "varint",
    default: 3,
    max: 20n,
    serverOnly: false,
  },
  {
    id: 0x0b,
    name: "max_ack_delay",
    key: "maxAckDelay",
    kind: "varint",
    default: 25,
    max: 2n ** 14n - 1n,
    serverOnly: false,
  },
  {
    id: 0x0c,
    name: "disable_active_migration",
    key: "disableActiveMigration",
    kind: "flag",
    default: false,
    serverOnly: false,
  },
  {
    id: 0x0d,
    name: "preferred_address",
    key: "preferredAddress",
    kind: "preferredAddress",
    serverOnly: true,
  },
  {
    id: 0x0e,
    name: "active_connection_id_limit",
    key: "activeConnectionIdLimit",
    kind: "varint",
    default: 2,
    min: 2,
    serverOnly: false,
  },
  {
    id: 0x0f,
    name: "initial_source_connection_id",
    key: "initialSourceConnectionId",
    kind: "cid",
    serverOnly: false,
  },
  {
    id: 0x10,
    name: "retry_source_connection_id",
    key: "retrySourceConnectionId",
    kind: "cid",
    serverOnly: true,
  },
  {
    id: 0x11,
    name: "version_information",
    key: "versionInformation",
    kind: "versionInformation",
    serverOnly: false,
  },
  {
    id: 0x20,
    name: "max_datagram_frame_size",
    key: "maxDatagramFrameSize",
    kind: "varint",
    serverOnly: false,
  },
];

function varint(
  id: number,
  name: string,
  key: TransportParameterRow["key"],
): TransportParameterRow {
  return { id, name, key, kind: "varint", default: 0, serverOnly: false };
}

/** Rows by id, derived from the table. */
const BY_ID = new Map<number, TransportParameterRow>(TRANSPORT_PARAMETERS.map((r) => [r.id, r]));

/** Longest connection ID (RFC 9000 §17.2). */
const MAX_CID_LENGTH = 20;
/** Stateless reset token size (§10.3). */
const RESET_TOKEN_LENGTH = 16;
const IPV4_LENGTH = 4;
const IPV6_LENGTH = 16;
const PORT_LENGTH = 2;
/** Preferred address without its CID: addresses, ports, CID length byte, token. */
const PREFERRED_ADDRESS_FIXED_LENGTH = IPV4_LENGTH + PORT_LENGTH + IPV6_LENGTH + PORT_LENGTH + 1 +
  RESET_TOKEN_LENGTH;
const VERSION_LENGTH = 4;
const MAX_NUMBER = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The row of a known parameter id.
 *
 * @param id A transport parameter id.
 */
export function transportParameterRow(id: number | bigint): TransportParameterRow | undefined {
  const n = typeof id === "bigint" ? (id <= 0xffn ? Number(id) : -1) : id;
  return BY_ID.get(n);
}

/**
 * Transport parameters with every default from the table and no optional ones.
 *
 * @example
 * ```ts
 * import { defaultTransportParameters } from "./transport_parameters.ts";
 * import assert from "node:assert/strict";
 * const p = defaultTransportParameters();
 * assert.equal(p.maxUdpPayloadSize, 65527);
 * assert.equal(p.ackDelayExponent, 3);
 * assert.equal(p.maxAckDelay, 25);
 * assert.equal(p.activeConnectionIdLimit, 2);
 * ```
 */
export function defaultTransportParameters(): TransportParameters {
  const p: Record<string, unknown> = { unknown: [] };
  for (const row of TRANSPORT_PARAMETERS) {
    if (row.default !== undefined) p[row.key] = row.default;
  }
  return p as unknown as TransportParameters;
}

/**
 * Encodes transport parameters. Parameters equal to their default are left
 * out; unknown ones follow the known ones, in order.
 *
 * @param p The parameters.
 * @param sentBy When "client", refuses server-only parameters (RangeError).
 * @example Round trip
 * ```ts
 * import {
 *   decodeTransportParameters,
 *   defaultTransportParameters,
 *   encodeTransportParameters,
 * } from "./transport_parameters.ts";
 * import assert from "node:assert/strict";
 * const p = { ...defaultTransportParameters(), initialMaxData: 1 << 20 };
 * const q = decodeTransportParameters(encodeTransportParameters(p), "client");
 * assert.deepEqual(q, p);
 * ```
 */
export function encodeTransportParameters(
  p: TransportParameters,
  sentBy?: "client" | "server",
): Uint8Array {
  const w = Writer.growable(128);
  const fields = p as unknown as Record<string, unknown>;
  for (const row of TRANSPORT_PARAMETERS) {
    const value = fields[row.key];
    if (value === undefined || value === row.default) continue;
    if (row.serverOnly && sentBy === "client") {
      throw new RangeError(`Cannot encode ${row.name}: a client must not send it`);
    }
    writeValue(w, row, value);
  }
  for (const u of p.unknown) {
    w.varintBig(u.id);
    w.varint(u.value.length);
    w.bytes(u.value);
  }
  return w.toBytes().slice();
}

function writeValue(w: Writer, row: TransportParameterRow, value: unknown): void {
  w.varint(row.id);
  switch (row.kind) {
    case "varint": {
      const v = value as number;
      w.varint(varintSize(v));
      w.varint(v);
      return;
    }
    case "cid":
    case "resetToken": {
      const b = value as Uint8Array;
      w.varint(b.length);
      w.bytes(b);
      return;
    }
    case "flag":
      w.varint(0);
      return;
    case "preferredAddress": {
      const a = value as PreferredAddress;
      w.varint(PREFERRED_ADDRESS_FIXED_LENGTH + a.cid.length);
      w.bytes(a.ipv4);
      w.u16(a.ipv4Port);
      w.bytes(a.ipv6);
      w.u16(a.ipv6Port);
      w.u8(a.cid.length);
      w.bytes(a.cid);
      w.bytes(a.resetToken);
      return;
    }
    case "versionInformation": {
      const v = value as VersionInformation;
      w.varint(VERSION_LENGTH * (1 + v.available.length));
      w.u32(v.chosen >>> 0);
      for (const a of v.available) w.u32(a >>> 0);
      return;
    }
  }
}

/**
 * Decodes and validates the peer's transport parameters (RFC 9000 §7.4, §18.2).
 *
 * @param bytes The extension's contents.
 * @param sentBy Who sent them: a client may not send server-only parameters.
 * @throws {TransportError} TRANSPORT_PARAMETER_ERROR for truncation, a
 *   duplicate, a server-only parameter from a client, a bad length or a value
 *   out of range.
 */
export function decodeTransportParameters(
  bytes: Uint8Array,
  sentBy: "client" | "server",
): TransportParameters {
  const p = defaultTransportParameters();
  const fields = p as unknown as Record<string, unknown>;
  const seen = new Set<bigint>();
  const r = new Reader(bytes);
  try {
    while (r.pos < r.end) {
      const id = r.varintBig();
      const length = r.varint();
      const value = r.bytes(length);
      if (seen.has(id)) throw bad(`duplicate parameter 0x${id.toString(16)}`);
      seen.add(id);
      const row = transportParameterRow(id);
      if (row === undefined) {
        p.unknown.push({ id, value });
        continue;
      }
      if (row.serverOnly && sentBy === "client") throw bad(`${row.name} sent by a client`);
      fields[row.key] = readValue(row, value);
    }
  } catch (e) {
    if (e instanceof TransportError) throw e;
    if (e instanceof RangeError) throw bad(e.message);
    throw e;
  }
  return p;
}

function bad(reason: string): TransportError {
  return TransportError.transportParameter(`Invalid transport parameters: ${reason}`);
}

function readValue(row: TransportParameterRow, value: Uint8Array): unknown {
  const r = new Reader(value);
  switch (row.kind) {
    case "varint": {
      const v = r.varintBig();
      if (r.pos !== r.end) throw bad(`${row.name} has ${value.length} bytes, not one varint`);
      if (row.min !== undefined && v < BigInt(row.min)) {
        throw bad(`${row.name} ${v} is below ${row.min}`);
      }
      if (row.max !== undefined && v > row.max) throw bad(`${row.name} ${v} exceeds ${row.max}`);
      return v > MAX_NUMBER ? Number.MAX_SAFE_INTEGER : Number(v);
    }
    case "cid":
      if (value.length > MAX_CID_LENGTH) throw bad(`${row.name} is longer than 20 bytes`);
      return value;
    case "resetToken":
      if (value.length !== RESET_TOKEN_LENGTH) throw bad(`${row.name} is not 16 bytes`);
      return value;
    case "flag":
      if (value.length !== 0) throw bad(`${row.name} is not empty`);
      return true;
    case "preferredAddress":
      return readPreferredAddress(r);
    case "versionInformation":
      return readVersionInformation(value);
  }
}

function readPreferredAddress(r: Reader): PreferredAddress {
  const ipv4 = r.bytes(IPV4_LENGTH);
  const ipv4Port = r.u16();
  const ipv6 = r.bytes(IPV6_LENGTH);
  const ipv6Port = r.u16();
  const cidLength = r.u8();
  // §18.2: a preferred address with a zero-length connection ID is a
  // TRANSPORT_PARAMETER_ERROR.
  if (cidLength === 0 || cidLength > MAX_CID_LENGTH) {
    throw bad(`preferred_address connection ID length ${cidLength} is outside 1..20`);
  }
  const cid = r.bytes(cidLength);
  const resetToken = r.bytes(RESET_TOKEN_LENGTH);
  if (r.pos !== r.end) throw bad("preferred_address has trailing bytes");
  return { ipv4, ipv4Port, ipv6, ipv6Port, cid, resetToken };
}

function readVersionInformation(value: Uint8Array): VersionInformation {
  if (value.length === 0 || value.length % VERSION_LENGTH !== 0) {
    throw bad(`version_information length ${value.length} is not a non-zero multiple of 4`);
  }
  const r = new Reader(value);
  const chosen = r.u32();
  // RFC 9368 §3: a zero Chosen Version or Available Version is a parsing failure.
  if (chosen === 0) throw bad("version_information chosen version is 0");
  const available: number[] = [];
  while (r.pos < r.end) {
    const v = r.u32();
    if (v === 0) throw bad("version_information lists version 0");
    available.push(v);
  }
  return { chosen, available };
}
