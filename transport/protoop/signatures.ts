/**
 * The native TypeScript signature of every catalogue protoop, so that core
 * call sites and core defaults are type-checked against the catalogue
 * (`ProtoopTable.call[Op.UPDATE_RTT](conn, space, sample, delay, now)`).
 *
 * `H` is the host (the connection). Refs whose host class does not exist yet
 * are `object | null`: a path (until the connection has path objects, core
 * passes null), a built packet (send.ts's packet under construction), a
 * stream (a `SendStream`). Strings (a close reason, a qlog context) travel as
 * refs too. `ProtoopFns` fails to compile if an id lacks a signature; keep
 * parameters in the catalogue row's order (host, [param,] args…, [out]).
 *
 * @module
 */

import type { SocketAddress } from "../address.ts";
import type { EcnCounts, Frame } from "../frames/frame.ts";
import type { StreamFrame } from "../frames/stream.ts";
import type { PacketHeader } from "../packet/header.ts";
import type { SentPacket } from "../recovery/sent_packet.ts";
import type { Reader } from "../wire/reader.ts";
import type { Writer } from "../wire/writer.ts";
import type { Op, Outputs } from "./catalogue.ts";
import type { ReservedFrame } from "./reservations.ts";

/** A path object, or null while the connection has a single implicit path. */
export type PathRef = object | null;
/** A frame as sent: a core frame, or a plugin's reserved frame. */
export type SentFrame = Frame | ReservedFrame;
/**
 * send.ts's packet under construction (its `Built`, to be exported as
 * `BuiltPacket`): header offsets, keys, `frames: Frame[]` and
 * `pluginFrames: ReservedFrame[]`. Opaque here.
 */
export type BuiltPacketRef = object;

/** Every catalogue protoop's native signature, by id. */
export interface ProtoopSignatures<H> {
  [Op.PARSE_FRAME]: (host: H, type: number, reader: Reader) => Frame;
  [Op.PROCESS_FRAME]: (
    host: H,
    type: number,
    frame: Frame,
    header: PacketHeader,
    space: number,
    now: number,
  ) => number;
  [Op.WRITE_FRAME]: (
    host: H,
    type: number,
    frameCtx: bigint,
    writer: Writer,
    maxBytes: number,
    out: Outputs,
  ) => number;
  [Op.NOTIFY_FRAME]: (
    host: H,
    type: number,
    frame: SentFrame,
    received: number,
    packet: SentPacket | null,
    frameCtx: bigint,
  ) => void;
  [Op.WRITE_TRANSPORT_PARAMETER]: (
    host: H,
    id: number,
    buffer: Uint8Array,
    maxLength: number,
  ) => number;
  [Op.PROCESS_TRANSPORT_PARAMETER]: (
    host: H,
    id: number,
    value: Uint8Array,
    length: number,
  ) => number;
  [Op.RECEIVED_PACKET]: (host: H, datagram: Uint8Array, remote: SocketAddress, now: number) => void;
  [Op.GET_INCOMING_PATH]: (host: H, header: PacketHeader, remote: SocketAddress) => PathRef;
  [Op.INCOMING_ENCRYPTED]: (
    host: H,
    header: PacketHeader,
    datagram: Uint8Array,
    offset: number,
    remote: SocketAddress,
    now: number,
  ) => boolean;
  [Op.HEADER_PARSED]: (
    host: H,
    header: PacketHeader,
    path: PathRef,
    pn: number,
    length: number,
  ) => void;
  [Op.RECEIVED_SEGMENT]: (
    host: H,
    header: PacketHeader,
    space: number,
    pn: number,
    ackEliciting: boolean,
  ) => void;
  [Op.PROCESS_ECN_BLOCK]: (host: H, ecn: EcnCounts, space: number, now: number) => void;
  [Op.PEER_ADDRESS_CHANGED]: (
    host: H,
    path: PathRef,
    remote: SocketAddress,
    dcid: Uint8Array,
    datagramSize: number,
  ) => void;
  [Op.SELECT_SENDING_PATH]: (host: H, now: number) => PathRef;
  [Op.PREPARE_PACKET_READY]: (
    host: H,
    path: PathRef,
    space: number,
    limit: number,
    canSendData: boolean,
    closing: boolean,
    now: number,
  ) => BuiltPacketRef | null;
  [Op.GET_DESTINATION_CONNECTION_ID]: (host: H, packetType: number, path: PathRef) => Uint8Array;
  [Op.HEADER_PREPARED]: (
    host: H,
    path: PathRef,
    space: number,
    pn: number,
    headerLength: number,
  ) => void;
  [Op.IS_ACK_NEEDED]: (host: H, space: number, now: number) => boolean;
  [Op.PREPARE_ACK_FRAME]: (
    host: H,
    space: number,
    writer: Writer,
    packet: BuiltPacketRef,
    now: number,
  ) => number;
  [Op.WRITE_ECN_BLOCK]: (host: H, writer: Writer, space: number) => number;
  [Op.PREPARE_CRYPTO_HS_FRAME]: (
    host: H,
    space: number,
    writer: Writer,
    maxBytes: number,
    packet: BuiltPacketRef,
  ) => number;
  [Op.SCHEDULE_FRAMES_ON_PATH]: (
    host: H,
    packet: BuiltPacketRef,
    space: number,
    packetType: number,
  ) => boolean;
  [Op.SCHEDULER_WRITE_NEW_FRAMES]: (
    host: H,
    writer: Writer,
    maxBytes: number,
    packet: BuiltPacketRef,
  ) => number;
  [Op.HAS_CONGESTION_CONTROLLED_PLUGIN_FRAMES_TO_SEND]: (host: H) => boolean;
  [Op.PREPARE_STREAM_FRAME]: (
    host: H,
    stream: object,
    writer: Writer,
    maxBytes: number,
  ) => StreamFrame | null;
  [Op.PREPARE_MTU_PROBE]: (host: H, path: PathRef, size: number, writer: Writer) => number;
  [Op.PREPARE_PATH_CHALLENGE_FRAME]: (host: H, path: PathRef) => void;
  [Op.FINALIZE_AND_PROTECT_PACKET]: (host: H, packet: BuiltPacketRef, now: number) => number;
  [Op.SEGMENT_PREPARED]: (host: H, packet: SentPacket, size: number) => void;
  [Op.SEGMENT_ABORTED]: (host: H, space: number) => void;
  [Op.BEFORE_SENDING_PACKET]: (host: H, datagram: Uint8Array, remote: SocketAddress) => void;
  [Op.SET_NEXT_WAKE_TIME]: (host: H, now: number) => void;
  [Op.SCHEDULE_NEXT_STREAM]: (host: H, maxBytes: number, path: PathRef) => object | null;
  [Op.STREAM_OPENED]: (host: H, streamId: number) => void;
  [Op.STREAM_CLOSED]: (host: H, streamId: number) => void;
  [Op.UPDATE_RTT]: (
    host: H,
    space: number,
    latestRtt: number,
    ackDelay: number,
    now: number,
  ) => void;
  [Op.PACKET_WAS_LOST]: (host: H, packet: SentPacket, path: PathRef) => void;
  [Op.FAST_RETRANSMIT]: (host: H, packet: SentPacket) => void;
  [Op.RETRANSMISSION_TIMEOUT]: (host: H, space: number, probes: number) => void;
  [Op.RETRANSMIT_NEEDED]: (host: H, space: number, probes: number, now: number) => void;
  [Op.CHECK_SPURIOUS_RETRANSMISSION]: (
    host: H,
    packet: SentPacket,
    space: number,
    now: number,
  ) => void;
  [Op.CONGESTION_ALGORITHM_NOTIFY]: (
    host: H,
    path: PathRef,
    notification: number,
    packets: readonly SentPacket[] | null,
    rttMeasurement: number,
    nbBytes: number,
    now: number,
  ) => void;
  [Op.CONNECTION_STATE_CHANGED]: (host: H, fromState: number, toState: number) => void;
  [Op.CONNECTION_ERROR]: (
    host: H,
    errorCode: bigint,
    frameType: number,
    reason: string,
    now: number,
  ) => void;
  [Op.UNKNOWN_TP_RECEIVED]: (host: H, id: bigint, value: Uint8Array) => void;
  [Op.LOG_EVENT]: (
    host: H,
    category: number,
    eventType: number,
    trigger: number,
    context: object | null,
    data: object | null,
  ) => void;
  [Op.PUSH_LOG_CONTEXT]: (host: H, context: string) => void;
  [Op.POP_LOG_CONTEXT]: (host: H) => void;
}

/** The typed view of a table's slots: `table.call[Op.X](host, …)`. */
export type ProtoopFns<H> = { readonly [K in Op]: ProtoopSignatures<H>[K] };

/** Core defaults, typed: what a connection passes to `new ProtoopTable(defaults)`. */
export type TypedDefaults<H> = { readonly [K in Op]?: ProtoopSignatures<H>[K] };
