/**
 * The frame type registry as one table (RFC 9000 §12.4 Table 3, §19; RFC 9221 §4).
 *
 * Every lookup (name, which packet types may carry it, ack-eliciting, probing)
 * is derived from {@link FRAME_TYPES}; nothing is retyped elsewhere.
 *
 * `packetTypes` uses RFC 9000's Table 3 letters: `I` Initial, `H` Handshake,
 * `0` 0-RTT, `1` 1-RTT, `_` not allowed.
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-12.4
 *
 * @module
 */

import { PacketType } from "../packet/packet_type.ts";

/** Frame type values on the wire. STREAM is the base of 0x08–0x0f. */
export const FrameType = {
  PADDING: 0x00,
  PING: 0x01,
  ACK: 0x02,
  ACK_ECN: 0x03,
  RESET_STREAM: 0x04,
  STOP_SENDING: 0x05,
  CRYPTO: 0x06,
  NEW_TOKEN: 0x07,
  STREAM: 0x08,
  MAX_DATA: 0x10,
  MAX_STREAM_DATA: 0x11,
  MAX_STREAMS_BIDI: 0x12,
  MAX_STREAMS_UNI: 0x13,
  DATA_BLOCKED: 0x14,
  STREAM_DATA_BLOCKED: 0x15,
  STREAMS_BLOCKED_BIDI: 0x16,
  STREAMS_BLOCKED_UNI: 0x17,
  NEW_CONNECTION_ID: 0x18,
  RETIRE_CONNECTION_ID: 0x19,
  PATH_CHALLENGE: 0x1a,
  PATH_RESPONSE: 0x1b,
  CONNECTION_CLOSE: 0x1c,
  CONNECTION_CLOSE_APP: 0x1d,
  HANDSHAKE_DONE: 0x1e,
  DATAGRAM: 0x30,
  DATAGRAM_LEN: 0x31,
} as const;

/** STREAM type bits (RFC 9000 §19.8): the low three bits of 0x08–0x0f. */
export const StreamTypeBits = { OFF: 0x04, LEN: 0x02, FIN: 0x01 } as const;
/** Last STREAM frame type value. */
export const STREAM_TYPE_LAST = 0x0f;

/** One row of the registry. */
export interface FrameTypeRow {
  /** Type value (for STREAM, the first of 0x08–0x0f). */
  readonly type: number;
  /** Last type value this row covers (STREAM: 0x0f), default `type`. */
  readonly last?: number;
  /** Name as in the RFC. */
  readonly name: string;
  /** Allowed packet types, Table 3 letters: "IH01", "__01", … */
  readonly packetTypes: string;
  /** False for the frames marked N in Table 3 (PADDING, ACK, CONNECTION_CLOSE). */
  readonly ackEliciting: boolean;
  /** Probing frames, marked P (RFC 9000 §9.1). */
  readonly probing: boolean;
  /** Counted against congestion control (false for ACK, marked C). */
  readonly congestionControlled: boolean;
  /** Flow controlled, marked F (STREAM). */
  readonly flowControlled: boolean;
  /** Needs a negotiated extension: DATAGRAM needs max_datagram_frame_size (RFC 9221 §3). */
  readonly extension: boolean;
}

const T = true;
const F = false;

/** RFC 9000 §12.4 Table 3, plus DATAGRAM (RFC 9221 §4: 0-RTT and 1-RTT, ack-eliciting). */
export const FRAME_TYPES: readonly FrameTypeRow[] = [
  row(0x00, "PADDING", "IH01", F, T),
  row(0x01, "PING", "IH01", T, F),
  { ...row(0x02, "ACK", "IH_1", F, F), congestionControlled: false },
  { ...row(0x03, "ACK_ECN", "IH_1", F, F), congestionControlled: false },
  row(0x04, "RESET_STREAM", "__01", T, F),
  row(0x05, "STOP_SENDING", "__01", T, F),
  row(0x06, "CRYPTO", "IH_1", T, F),
  row(0x07, "NEW_TOKEN", "___1", T, F),
  { ...row(0x08, "STREAM", "__01", T, F), last: 0x0f, flowControlled: true },
  row(0x10, "MAX_DATA", "__01", T, F),
  row(0x11, "MAX_STREAM_DATA", "__01", T, F),
  row(0x12, "MAX_STREAMS_BIDI", "__01", T, F),
  row(0x13, "MAX_STREAMS_UNI", "__01", T, F),
  row(0x14, "DATA_BLOCKED", "__01", T, F),
  row(0x15, "STREAM_DATA_BLOCKED", "__01", T, F),
  row(0x16, "STREAMS_BLOCKED_BIDI", "__01", T, F),
  row(0x17, "STREAMS_BLOCKED_UNI", "__01", T, F),
  row(0x18, "NEW_CONNECTION_ID", "__01", T, T),
  row(0x19, "RETIRE_CONNECTION_ID", "__01", T, F),
  row(0x1a, "PATH_CHALLENGE", "__01", T, T),
  row(0x1b, "PATH_RESPONSE", "___1", T, T),
  row(0x1c, "CONNECTION_CLOSE", "IH01", F, F),
  row(0x1d, "CONNECTION_CLOSE_APP", "__01", F, F),
  row(0x1e, "HANDSHAKE_DONE", "___1", T, F),
  { ...row(0x30, "DATAGRAM", "__01", T, F), extension: true },
  { ...row(0x31, "DATAGRAM_LEN", "__01", T, F), extension: true },
];

function row(
  type: number,
  name: string,
  packetTypes: string,
  ackEliciting: boolean,
  probing: boolean,
): FrameTypeRow {
  return {
    type,
    name,
    packetTypes,
    ackEliciting,
    probing,
    congestionControlled: true,
    flowControlled: false,
    extension: false,
  };
}

/** Highest frame type in the table; the dense lookup covers 0..MAX_KNOWN. */
const MAX_KNOWN = 0x31;
/** Dense lookup by type value, derived from the table. */
const BY_TYPE: (FrameTypeRow | undefined)[] = new Array(MAX_KNOWN + 1).fill(undefined);
/** Per type, a bit per PacketType (Initial, 0-RTT, Handshake, 1-RTT) when allowed. */
const ALLOWED: Uint8Array = new Uint8Array(MAX_KNOWN + 1);
/** Table 3 letter position → PacketType. */
const LETTER_PACKET_TYPES = [
  PacketType.Initial,
  PacketType.Handshake,
  PacketType.ZeroRtt,
  PacketType.OneRtt,
] as const;

for (const r of FRAME_TYPES) {
  let mask = 0;
  for (let i = 0; i < 4; i++) {
    if (r.packetTypes[i] !== "_") mask |= 1 << LETTER_PACKET_TYPES[i]!;
  }
  for (let t = r.type; t <= (r.last ?? r.type); t++) {
    BY_TYPE[t] = r;
    ALLOWED[t] = mask;
  }
}

/**
 * The table row for a frame type, or undefined when the type is not known.
 *
 * @param type A frame type value.
 */
export function frameTypeRow(type: number): FrameTypeRow | undefined {
  return type >= 0 && type <= MAX_KNOWN ? BY_TYPE[type] : undefined;
}

/** True when `type` is a frame type in the table. */
export function isKnownFrameType(type: number): boolean {
  return frameTypeRow(type) !== undefined;
}

/**
 * The registry name of a frame type, or `0x..` for an unknown one.
 *
 * @example
 * ```ts
 * import { frameTypeName } from "./frame_type.ts";
 * import assert from "node:assert/strict";
 * assert.equal(frameTypeName(0x0b), "STREAM");
 * assert.equal(frameTypeName(0x42), "0x42");
 * ```
 */
export function frameTypeName(type: number): string {
  return frameTypeRow(type)?.name ?? `0x${type.toString(16)}`;
}

/**
 * Whether a frame of `type` may appear in a packet of `packetType` (RFC 9000 §12.4 Table 3).
 * Unknown types and Retry/Version Negotiation packets carry no frames: false.
 *
 * @example
 * ```ts
 * import { isFrameAllowed } from "./frame_type.ts";
 * import { PacketType } from "../packet/packet_type.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isFrameAllowed(0x06, PacketType.Initial), true); // CRYPTO
 * assert.equal(isFrameAllowed(0x06, PacketType.ZeroRtt), false);
 * ```
 */
export function isFrameAllowed(type: number, packetType: PacketType): boolean {
  if (type < 0 || type > MAX_KNOWN) return false;
  return (ALLOWED[type]! & (1 << packetType)) !== 0;
}

/** Whether receiving a frame of `type` makes a packet ack-eliciting (RFC 9000 §13.2). */
export function isAckEliciting(type: number): boolean {
  return frameTypeRow(type)?.ackEliciting ?? true;
}

/** Whether `type` is a probing frame (RFC 9000 §9.1). */
export function isProbing(type: number): boolean {
  return frameTypeRow(type)?.probing ?? false;
}
