/**
 * The catalogue of protocol operations (STYLE.md §13, DESIGN.md principle 2):
 * one row per protoop — dense numeric id, PQUIC name, parameter kind,
 * arguments, outputs, return value, and whether core has a default.
 *
 * Names come from PQUIC (pquic-reference.md §1.2–§1.3) wherever our transport
 * has the same step; `CATALOGUE.md` beside this file says where each is called.
 * Names matter only at registration and manifest time: core code calls
 * `ops.fns[Op.UPDATE_RTT](host, …)`.
 *
 * Calling convention (native TypeScript, no argument arrays):
 * - non-param protoop: `fn(host, a0, a1, …[, out])`
 * - param protoop:     `fn(host, param, a0, a1, …[, out])`
 * where `host` is the connection, each `aN` is the native value of argument N
 * (a `number` for u64, a `bigint` for big, a `boolean` for bool, an object or
 * `null` for ref) and `out` is a caller-owned {@link Outputs}, present only when
 * the protoop declares outputs.
 *
 * @module
 */

/** How one argument, output or return value travels (natively; pluglets see each as a u64). */
export const ArgKind = {
  /** A non-negative integer `number` (< 2^53); `Infinity` travels as 2^64 − 1. */
  U64: "u64",
  /** A `bigint` (62-bit error codes, transport parameter ids). */
  Big: "big",
  /** A `boolean`: 0 or 1. */
  Bool: "bool",
  /** A host object (frame, packet, path, stream, …) or `null`: a handle id, 0 for null. */
  Ref: "ref",
} as const;

/** One of {@link ArgKind}. */
export type ArgKind = typeof ArgKind[keyof typeof ArgKind];

/** One argument, output or return value of a protoop. */
export interface ArgSpec {
  /** Name, as PQUIC's pluglets index them (`get_cnx(AK_CNX_INPUT, i)`). */
  readonly name: string;
  /** How it travels. */
  readonly kind: ArgKind;
  /** For refs: what the object is ("frame", "packet", "writer", …). */
  readonly ref?: string;
}

/** What a protoop's parameter is. */
export type ParamKind = "none" | "frameType" | "tpId";

/**
 * What core provides: `default` (a real implementation, the existing code
 * moved behind the slot), `noop` (an anchor for observers: the default does
 * nothing and returns 0/false/null), `none` (plugins only; calling it with no
 * pluglet is a `noImplementation` error).
 */
export type CoreKind = "default" | "noop" | "none";

/** One row of the catalogue. */
export interface ProtoopSpec {
  /** Dense id: the slot index. */
  readonly id: number;
  /** PQUIC's name. */
  readonly name: string;
  /** Parameter kind (frame type, transport parameter id) or none. */
  readonly param: ParamKind;
  /** Inputs, in order (at most 16). */
  readonly args: readonly ArgSpec[];
  /** Outputs written into the caller's {@link Outputs}. */
  readonly outputs: readonly ArgSpec[];
  /** Return value, or null for none (pluglets' return value is then ignored). */
  readonly returns: ArgSpec | null;
  /** What core provides. */
  readonly core: CoreKind;
  /** Area, for the document. */
  readonly area: string;
  /** What the protoop does. */
  readonly doc: string;
}

/** A caller-owned output block: the protoop writes `values[i]` for output i. */
export class Outputs {
  /** Output values, by index (native: number, bigint, boolean, object or null). */
  readonly values: (number | bigint | boolean | object | null)[] = [0, 0, 0, 0];
}

/** Dense protoop ids; `CATALOGUE[Op.X].name` is the PQUIC name. */
export const Op = {
  PARSE_FRAME: 0,
  PROCESS_FRAME: 1,
  WRITE_FRAME: 2,
  NOTIFY_FRAME: 3,
  WRITE_TRANSPORT_PARAMETER: 4,
  PROCESS_TRANSPORT_PARAMETER: 5,
  RECEIVED_PACKET: 6,
  GET_INCOMING_PATH: 7,
  INCOMING_ENCRYPTED: 8,
  HEADER_PARSED: 9,
  RECEIVED_SEGMENT: 10,
  PROCESS_ECN_BLOCK: 11,
  PEER_ADDRESS_CHANGED: 12,
  SELECT_SENDING_PATH: 13,
  PREPARE_PACKET_READY: 14,
  GET_DESTINATION_CONNECTION_ID: 15,
  HEADER_PREPARED: 16,
  IS_ACK_NEEDED: 17,
  PREPARE_ACK_FRAME: 18,
  WRITE_ECN_BLOCK: 19,
  PREPARE_CRYPTO_HS_FRAME: 20,
  SCHEDULE_FRAMES_ON_PATH: 21,
  SCHEDULER_WRITE_NEW_FRAMES: 22,
  HAS_CONGESTION_CONTROLLED_PLUGIN_FRAMES_TO_SEND: 23,
  PREPARE_STREAM_FRAME: 24,
  PREPARE_MTU_PROBE: 25,
  PREPARE_PATH_CHALLENGE_FRAME: 26,
  FINALIZE_AND_PROTECT_PACKET: 27,
  SEGMENT_PREPARED: 28,
  SEGMENT_ABORTED: 29,
  BEFORE_SENDING_PACKET: 30,
  SET_NEXT_WAKE_TIME: 31,
  SCHEDULE_NEXT_STREAM: 32,
  STREAM_OPENED: 33,
  STREAM_CLOSED: 34,
  UPDATE_RTT: 35,
  PACKET_WAS_LOST: 36,
  FAST_RETRANSMIT: 37,
  RETRANSMISSION_TIMEOUT: 38,
  RETRANSMIT_NEEDED: 39,
  CHECK_SPURIOUS_RETRANSMISSION: 40,
  CONGESTION_ALGORITHM_NOTIFY: 41,
  CONNECTION_STATE_CHANGED: 42,
  CONNECTION_ERROR: 43,
  UNKNOWN_TP_RECEIVED: 44,
  LOG_EVENT: 45,
  PUSH_LOG_CONTEXT: 46,
  POP_LOG_CONTEXT: 47,
} as const;

/** One of {@link Op}. */
export type Op = typeof Op[keyof typeof Op];

/** `notify_frame`'s `received` argument (PQUIC: 1 acked, 0 lost, 2 never written). */
export const FrameNotification = { Lost: 0, Acked: 1, NeverWritten: 2 } as const;

/** `write_frame`'s status: written (0), or try again in the next packet (PQUIC's 0x801). */
export const WriteFrameStatus = { Ok: 0, RetryNextPacket: 0x801 } as const;

/** `congestion_algorithm_notify`'s notification (PQUIC's enum, same values). */
export const CongestionNotification = {
  Acknowledgement: 0,
  Repeat: 1,
  Timeout: 2,
  SpuriousRepeat: 3,
  RttMeasurement: 4,
  CwinBlocked: 5,
  BwMeasurement: 6,
  CongestionExperienced: 7,
} as const;

function u(name: string): ArgSpec {
  return { name, kind: ArgKind.U64 };
}
function big(name: string): ArgSpec {
  return { name, kind: ArgKind.Big };
}
function bool(name: string): ArgSpec {
  return { name, kind: ArgKind.Bool };
}
function ref(name: string, what: string = name): ArgSpec {
  return { name, kind: ArgKind.Ref, ref: what };
}

type Row = Omit<ProtoopSpec, "id" | "outputs" | "param"> & {
  outputs?: readonly ArgSpec[];
  param?: ParamKind;
};
/** `log_event`'s category (qlog's event categories, RFC-draft qlog main schema). */
export const LogCategory = { Connectivity: 0, Transport: 1, Recovery: 2 } as const;

/**
 * `log_event`'s event type. Context and data by event: PacketReceived (the
 * header, null), PacketSent (the sent packet, null), PacketLost (the sent
 * packet, null), MetricsUpdated (null, null), ConnectionStateUpdated (null,
 * null; trigger = new state).
 */
export const LogEvent = {
  PacketReceived: 0,
  PacketSent: 1,
  PacketLost: 2,
  MetricsUpdated: 3,
  ConnectionStateUpdated: 4,
} as const;

const NONE = null;

/** The rows, in {@link Op} order (a test checks names and order against `Op`). */
const ROWS: readonly Row[] = [
  // ---- frames (param = frame type) -------------------------------------------------------------
  {
    name: "parse_frame",
    param: "frameType",
    args: [ref("reader")],
    returns: ref("frame"),
    core: "default",
    area: "frames",
    doc: "Decodes the frame at the reader's position (the type byte) and returns it",
  },
  {
    name: "process_frame",
    param: "frameType",
    args: [ref("frame"), ref("header"), u("space"), u("now")],
    returns: u("error"),
    core: "default",
    area: "frames",
    doc: "Acts on a received frame; non-zero aborts the packet with PROTOCOL_VIOLATION",
  },
  {
    name: "write_frame",
    param: "frameType",
    args: [big("frame_ctx"), ref("writer"), u("max_bytes")],
    outputs: [u("consumed"), bool("is_retransmittable")],
    returns: u("status"),
    core: "none",
    area: "frames",
    doc: "Writes a reserved plugin frame; 0 = written, 0x801 = retry in the next packet",
  },
  {
    name: "notify_frame",
    param: "frameType",
    args: [
      ref("frame", "sentFrame"),
      u("received"),
      ref("packet", "sentPacket"),
      big("frame_ctx"),
    ],
    returns: NONE,
    core: "default",
    area: "frames",
    doc:
      "A sent frame's fate: 1 acked, 0 lost, 2 never written; the default tells core frames' owners",
  },
  // ---- transport parameters (param = TP id) ----------------------------------------------------
  {
    name: "write_transport_parameter",
    param: "tpId",
    args: [ref("buffer", "bytes"), u("max_length")],
    returns: u("written"),
    core: "none",
    area: "transport parameters",
    doc: "Writes the value of a plugin's transport parameter (≤ max_length bytes)",
  },
  {
    name: "process_transport_parameter",
    param: "tpId",
    args: [ref("value", "bytes"), u("length")],
    returns: u("result"),
    core: "none",
    area: "transport parameters",
    doc: "Handles the peer's value of a plugin's transport parameter",
  },
  // ---- reception -------------------------------------------------------------------------------
  {
    name: "received_packet",
    args: [ref("datagram", "bytes"), ref("remote", "address"), u("now")],
    returns: NONE,
    core: "noop",
    area: "reception",
    doc: "A datagram arrived (PQUIC: socket and TOS; ECN reads it here)",
  },
  {
    name: "get_incoming_path",
    args: [ref("header"), ref("remote", "address")],
    returns: ref("path"),
    core: "default",
    area: "reception",
    doc: "The path a received packet belongs to",
  },
  {
    name: "incoming_encrypted",
    args: [
      ref("header"),
      ref("datagram", "bytes"),
      u("offset"),
      ref("remote", "address"),
      u("now"),
    ],
    returns: bool("processed"),
    core: "default",
    area: "reception",
    doc:
      "Chooses keys, removes protection and processes one packet of ours (any type but VN/Retry)",
  },
  {
    name: "header_parsed",
    args: [ref("header"), ref("path"), u("pn"), u("length")],
    returns: NONE,
    core: "noop",
    area: "reception",
    doc: "A packet's header is parsed and its packet number decoded",
  },
  {
    name: "received_segment",
    args: [ref("header"), u("space"), u("pn"), bool("ack_eliciting")],
    returns: NONE,
    core: "noop",
    area: "reception",
    doc: "All frames of a packet were processed (one-phase: after, not between, see CATALOGUE.md)",
  },
  {
    name: "process_ecn_block",
    args: [ref("ecn", "ecnCounts"), u("space"), u("now")],
    returns: NONE,
    core: "noop",
    area: "reception",
    doc: "The ECN counts of an ACK_ECN frame",
  },
  {
    name: "peer_address_changed",
    args: [ref("path"), ref("remote", "address"), ref("dcid", "bytes"), u("datagram_size")],
    returns: NONE,
    core: "default",
    area: "reception",
    doc: "The peer's address changed (RFC 9000 §9.3): follow it and validate the path",
  },
  // ---- sending ---------------------------------------------------------------------------------
  {
    name: "select_sending_path",
    args: [u("now")],
    returns: ref("path"),
    core: "default",
    area: "sending",
    doc: "The path the next datagram goes on",
  },
  {
    name: "prepare_packet_ready",
    args: [ref("path"), u("space"), u("limit"), bool("can_send_data"), bool("closing"), u("now")],
    returns: ref("packet", "builtPacket"),
    core: "default",
    area: "sending",
    doc: "Writes one packet's header and frames into the send buffer, or returns null",
  },
  {
    name: "get_destination_connection_id",
    args: [u("packet_type"), ref("path")],
    returns: ref("cid", "bytes"),
    core: "default",
    area: "sending",
    doc: "The DCID of a packet we send",
  },
  {
    name: "header_prepared",
    args: [ref("path"), u("space"), u("pn"), u("header_length")],
    returns: NONE,
    core: "noop",
    area: "sending",
    doc: "A packet header was written",
  },
  {
    name: "is_ack_needed",
    args: [u("space"), u("now")],
    returns: bool("needed"),
    core: "default",
    area: "sending",
    doc: "Whether an ACK is due in this space now",
  },
  {
    name: "prepare_ack_frame",
    args: [u("space"), ref("writer"), ref("packet", "builtPacket"), u("now")],
    returns: u("consumed"),
    core: "default",
    area: "sending",
    doc: "Writes the ACK frame of a space",
  },
  {
    name: "write_ecn_block",
    args: [ref("writer"), u("space")],
    returns: u("written"),
    core: "noop",
    area: "sending",
    doc: "Writes ECN counts after an ACK body (non-zero makes it ACK_ECN)",
  },
  {
    name: "prepare_crypto_hs_frame",
    args: [u("space"), ref("writer"), u("max_bytes"), ref("packet", "builtPacket")],
    returns: u("consumed"),
    core: "default",
    area: "sending",
    doc: "Writes CRYPTO frames of a space",
  },
  {
    name: "schedule_frames_on_path",
    args: [ref("packet", "builtPacket"), u("space"), u("packet_type")],
    returns: bool("wrote"),
    core: "default",
    area: "sending",
    doc: "Chooses and writes a packet's ack-eliciting frames",
  },
  {
    name: "scheduler_write_new_frames",
    args: [ref("writer"), u("max_bytes"), ref("packet", "builtPacket")],
    returns: u("consumed"),
    core: "default",
    area: "sending",
    doc: "Writes reserved plugin frames (FrameReservations.nextReservedFrame)",
  },
  {
    name: "has_congestion_controlled_plugin_frames_to_send",
    args: [],
    returns: bool("has"),
    core: "default",
    area: "sending",
    doc: "Whether plugin frames under congestion control wait",
  },
  {
    name: "prepare_stream_frame",
    args: [ref("stream"), ref("writer"), u("max_bytes")],
    returns: ref("frame"),
    core: "default",
    area: "sending",
    doc: "Writes one STREAM frame of a stream",
  },
  {
    name: "prepare_mtu_probe",
    args: [ref("path"), u("size"), ref("writer")],
    returns: u("written"),
    core: "default",
    area: "sending",
    doc: "Writes a PMTU probe (RFC 8899) of a size",
  },
  {
    name: "prepare_path_challenge_frame",
    args: [ref("path")],
    returns: NONE,
    core: "default",
    area: "sending",
    doc: "Chooses the data of a PATH_CHALLENGE for a path being validated and queues it",
  },
  {
    name: "finalize_and_protect_packet",
    args: [ref("packet", "builtPacket"), u("now")],
    returns: u("size"),
    core: "default",
    area: "sending",
    doc: "Patches the length, seals and protects a packet in place",
  },
  {
    name: "segment_prepared",
    args: [ref("packet", "sentPacket"), u("size")],
    returns: NONE,
    core: "noop",
    area: "sending",
    doc: "A packet was sealed and recorded as sent (size: its bytes, a number input)",
  },
  {
    name: "segment_aborted",
    args: [u("space")],
    returns: NONE,
    core: "noop",
    area: "sending",
    doc: "A packet was started but had nothing to carry",
  },
  {
    name: "before_sending_packet",
    args: [ref("datagram", "bytes"), ref("remote", "address")],
    returns: NONE,
    core: "noop",
    area: "sending",
    doc: "A datagram is handed to the driver",
  },
  {
    name: "set_next_wake_time",
    args: [u("now")],
    returns: NONE,
    core: "default",
    area: "sending",
    doc: "Recomputes the timers (loss detection, ACK delay, pacing, key discard)",
  },
  // ---- streams ---------------------------------------------------------------------------------
  {
    name: "schedule_next_stream",
    args: [u("max_bytes"), ref("path")],
    returns: ref("stream"),
    core: "default",
    area: "streams",
    doc: "The stream whose data goes next (round robin by default)",
  },
  {
    name: "stream_opened",
    args: [u("stream_id")],
    returns: NONE,
    core: "noop",
    area: "streams",
    doc: "A stream was opened (locally or by the peer)",
  },
  {
    name: "stream_closed",
    args: [u("stream_id")],
    returns: NONE,
    core: "noop",
    area: "streams",
    doc: "A stream is finished in both directions",
  },
  // ---- ACK, loss recovery, retransmission ------------------------------------------------------
  {
    name: "update_rtt",
    args: [u("space"), u("latest_rtt"), u("ack_delay"), u("now")],
    returns: NONE,
    core: "default",
    area: "recovery",
    doc: "Takes an RTT sample (RFC 9002 §5)",
  },
  {
    name: "packet_was_lost",
    args: [ref("packet", "sentPacket"), ref("path")],
    returns: NONE,
    core: "noop",
    area: "recovery",
    doc: "A packet was declared lost",
  },
  {
    name: "fast_retransmit",
    args: [ref("packet", "sentPacket")],
    returns: NONE,
    core: "noop",
    area: "recovery",
    doc: "A packet was lost by the packet or time threshold (RFC 9002 §6.1)",
  },
  {
    name: "retransmission_timeout",
    args: [u("space"), u("probes")],
    returns: NONE,
    core: "noop",
    area: "recovery",
    doc: "A PTO fired (RFC 9002 §6.2); PQUIC's tail_loss_probe is this in RFC 9002",
  },
  {
    name: "retransmit_needed",
    args: [u("space"), u("probes"), u("now")],
    returns: NONE,
    core: "default",
    area: "recovery",
    doc: "Sets up PTO probes: what they carry (RFC 9002 §6.2.4)",
  },
  {
    name: "check_spurious_retransmission",
    args: [ref("packet", "sentPacket"), u("space"), u("now")],
    returns: NONE,
    core: "noop",
    area: "recovery",
    doc: "A packet declared lost was acknowledged after all",
  },
  {
    name: "congestion_algorithm_notify",
    args: [
      ref("path"),
      u("notification"),
      ref("packets", "sentPackets"),
      u("rtt_measurement"),
      u("nb_bytes"),
      u("now"),
    ],
    returns: NONE,
    core: "default",
    area: "congestion",
    doc: "A congestion signal (CongestionNotification) for the controller",
  },
  // ---- connection ------------------------------------------------------------------------------
  {
    name: "connection_state_changed",
    args: [u("from_state"), u("to_state")],
    returns: NONE,
    core: "noop",
    area: "connection",
    doc: "The connection state changed (ConnectionState values)",
  },
  {
    name: "connection_error",
    args: [big("error_code"), u("frame_type"), ref("reason", "string"), u("now")],
    returns: NONE,
    core: "default",
    area: "connection",
    doc: "Closes the connection with a transport error",
  },
  {
    name: "unknown_tp_received",
    args: [big("id"), ref("value", "bytes")],
    returns: NONE,
    core: "noop",
    area: "connection",
    doc: "The peer sent a transport parameter core does not know",
  },
  // ---- logging ---------------------------------------------------------------------------------
  {
    name: "log_event",
    args: [
      u("category"),
      u("event_type"),
      u("trigger"),
      ref("context", "object"),
      ref("data", "object"),
    ],
    returns: NONE,
    core: "noop",
    area: "logging",
    doc: "A qlog event (the qlog plugin implements it)",
  },
  {
    name: "push_log_context",
    args: [ref("context", "string")],
    returns: NONE,
    core: "noop",
    area: "logging",
    doc: "Enters a qlog context",
  },
  {
    name: "pop_log_context",
    args: [],
    returns: NONE,
    core: "noop",
    area: "logging",
    doc: "Leaves the qlog context",
  },
];

/** Every protoop, indexed by id. */
export const CATALOGUE: readonly ProtoopSpec[] = ROWS.map((r, id) => ({
  id,
  name: r.name,
  param: r.param ?? "none",
  args: r.args,
  outputs: r.outputs ?? [],
  returns: r.returns,
  core: r.core,
  area: r.area,
  doc: r.doc,
}));

/** Number of catalogue protoops; extern protoops get ids from here on. */
export const CATALOGUE_SIZE: number = CATALOGUE.length;

const BY_NAME = new Map(CATALOGUE.map((s) => [s.name, s]));

/**
 * Looks a catalogue protoop up by PQUIC name.
 *
 * @param name The protoop name (`"update_rtt"`).
 * @returns Its row, or undefined when the catalogue has no such protoop.
 * @example
 * ```ts
 * import { Op, protoopByName } from "./catalogue.ts";
 * import assert from "node:assert/strict";
 * assert.equal(protoopByName("update_rtt")?.id, Op.UPDATE_RTT);
 * ```
 */
export function protoopByName(name: string): ProtoopSpec | undefined {
  return BY_NAME.get(name);
}
