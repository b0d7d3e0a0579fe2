/**
 * The peer's unidirectional HTTP/3 streams (RFC 9114 §6.2, RFC 9204 §4.2):
 * reading each stream's type, then its control frames or QPACK instructions.
 *
 * One each of control, QPACK encoder and QPACK decoder may arrive (a second
 * is H3_STREAM_CREATION_ERROR); they are critical (closing one is
 * H3_CLOSED_CRITICAL_STREAM, checked by the session on resets and here on
 * FIN). Push streams are refused: a client never sent MAX_PUSH_ID, so a push
 * stream is H3_ID_ERROR there, and a client may not open one
 * (H3_STREAM_CREATION_ERROR). A stream of unknown type, grease included, gets
 * STOP_SENDING H3_STREAM_CREATION_ERROR and is ignored (§6.2.3). On the
 * control stream the first frame must be SETTINGS (H3_MISSING_SETTINGS); a
 * second SETTINGS, DATA, HEADERS, PUSH_PROMISE and HTTP/2-only types are
 * H3_FRAME_UNEXPECTED (§7.2); GOAWAY IDs may only go down and a server's must
 * name a client bidirectional stream (H3_ID_ERROR, §5.2); MAX_PUSH_ID from a
 * server is H3_FRAME_UNEXPECTED and CANCEL_PUSH to a client H3_ID_ERROR.
 *
 * @module
 */

import type { Connection } from "../../transport/connection/connection.ts";
import type { StreamId } from "../../transport/streams/stream_id.ts";
import { Reader, UnexpectedEnd } from "../../transport/wire/reader.ts";
import { H3Error, H3ErrorCode } from "./errors.ts";
import { FrameReader } from "./frame_reader.ts";
import { FrameType, parseIdPayload, parseSettings, type Settings, StreamType } from "./frames.ts";
import { consumeDecoderInstructions, consumeEncoderInstructions } from "./qpack/instructions.ts";

const UNI_UNKNOWN = -1;
const UNI_CONTROL = 0;
const UNI_ENCODER = 1;
const UNI_DECODER = 2;
const UNI_IGNORED = 3;

interface UniStream {
  kind: number;
  /** Bytes before the stream type varint is complete, or unconsumed QPACK instructions. */
  pending: Uint8Array;
  reader: FrameReader | null;
}

const EMPTY = new Uint8Array(0);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The peer's unidirectional streams of one connection. */
export class PeerStreams {
  /** The peer's SETTINGS, once received. */
  settings: Settings | null = null;
  /** The ID in the peer's last GOAWAY, or null. */
  goaway: number | null = null;

  readonly conn: Connection;
  readonly isClient: boolean;
  readonly #onGoaway: (id: number, now: number) => void;
  readonly #uni = new Map<StreamId, UniStream>();
  readonly #peerCritical = new Set<StreamId>();
  #peerControl: StreamId = -1;
  #peerEncoder: StreamId = -1;
  #peerDecoder: StreamId = -1;

  /**
   * Creates the reader of a connection's peer streams.
   * @param conn The connection.
   * @param isClient Whether we are the client.
   * @param onGoaway Called with each GOAWAY ID the peer sends.
   */
  constructor(conn: Connection, isClient: boolean, onGoaway: (id: number, now: number) => void) {
    this.conn = conn;
    this.isClient = isClient;
    this.#onGoaway = onGoaway;
  }

  /** True for the peer's control, encoder and decoder streams. */
  isCritical(id: StreamId): boolean {
    return this.#peerCritical.has(id);
  }

  /** Forgets a stream the peer reset (not a critical one: that is fatal). */
  forget(id: StreamId): void {
    this.#uni.delete(id);
  }

  /**
   * Reads what arrived on the peer's unidirectional stream `id`.
   *
   * @throws {H3Error} on any violation of RFC 9114 §6.2 and §7.2 (connection errors).
   */
  read(id: StreamId, now: number): void {
    let s = this.#uni.get(id);
    if (s === undefined) {
      s = { kind: UNI_UNKNOWN, pending: EMPTY, reader: null };
      this.#uni.set(id, s);
    }
    for (let r = this.conn.read(id); r !== null; r = this.conn.read(id)) {
      let data = r.data;
      if (s.kind === UNI_UNKNOWN) {
        s.pending = concat(s.pending, data.slice());
        const reader = new Reader(s.pending);
        let type: bigint;
        try {
          type = reader.varintBig();
        } catch (e) {
          if (!(e instanceof UnexpectedEnd)) throw e;
          if (!r.fin) continue;
          this.#uni.delete(id); // Ended before its type: nothing to do (§6.2).
          return;
        }
        data = s.pending.subarray(reader.pos);
        s.pending = EMPTY;
        this.#classify(id, s, type);
      }
      if (data.length > 0) this.#uniData(s, data, now);
      if (r.fin) {
        if (this.#peerCritical.has(id)) {
          throw new H3Error(
            H3ErrorCode.H3_CLOSED_CRITICAL_STREAM,
            "Cannot continue: peer closed a critical stream",
          );
        }
        this.#uni.delete(id);
        return;
      }
    }
  }

  #classify(id: StreamId, s: UniStream, type: bigint): void {
    const critical = (kind: number, have: StreamId, name: string): StreamId => {
      if (have >= 0) {
        throw new H3Error(
          H3ErrorCode.H3_STREAM_CREATION_ERROR,
          `Cannot accept a second ${name} stream`,
        );
      }
      s.kind = kind;
      this.#peerCritical.add(id);
      return id;
    };
    switch (type) {
      case BigInt(StreamType.CONTROL):
        this.#peerControl = critical(UNI_CONTROL, this.#peerControl, "control");
        s.reader = new FrameReader();
        break;
      case BigInt(StreamType.QPACK_ENCODER):
        this.#peerEncoder = critical(UNI_ENCODER, this.#peerEncoder, "QPACK encoder");
        break;
      case BigInt(StreamType.QPACK_DECODER):
        this.#peerDecoder = critical(UNI_DECODER, this.#peerDecoder, "QPACK decoder");
        break;
      case BigInt(StreamType.PUSH):
        if (this.isClient) {
          throw new H3Error(
            H3ErrorCode.H3_ID_ERROR,
            "Cannot accept a push stream: no MAX_PUSH_ID was sent",
          );
        }
        throw new H3Error(
          H3ErrorCode.H3_STREAM_CREATION_ERROR,
          "Cannot accept a push stream from a client",
        );
      default:
        // Unknown or reserved type (§6.2.3): stop reading and ignore.
        s.kind = UNI_IGNORED;
        tryStream(() => this.conn.stopSending(id, BigInt(H3ErrorCode.H3_STREAM_CREATION_ERROR)));
    }
  }

  #uniData(s: UniStream, data: Uint8Array, now: number): void {
    switch (s.kind) {
      case UNI_CONTROL: {
        const reader = s.reader!;
        reader.push(data.slice());
        for (let e = reader.next(); e !== null; e = reader.next()) {
          if (e.kind === "data") this.#controlFrame(FrameType.DATA, EMPTY, reader.frames, now);
          else this.#controlFrame(e.type, e.payload, reader.frames, now);
        }
        break;
      }
      case UNI_ENCODER: {
        s.pending = concat(s.pending, data.slice());
        s.pending = s.pending.subarray(consumeEncoderInstructions(s.pending));
        break;
      }
      case UNI_DECODER: {
        s.pending = concat(s.pending, data.slice());
        s.pending = s.pending.subarray(consumeDecoderInstructions(s.pending));
        break;
      }
    }
  }

  #controlFrame(type: number, payload: Uint8Array, frameCount: number, now: number): void {
    if (this.settings === null) {
      if (type !== FrameType.SETTINGS || frameCount !== 1) {
        throw new H3Error(
          H3ErrorCode.H3_MISSING_SETTINGS,
          "Cannot accept control frames before SETTINGS",
        );
      }
      this.settings = parseSettings(payload);
      return;
    }
    switch (type) {
      case FrameType.GOAWAY: {
        const id = parseIdPayload(payload, "GOAWAY");
        if (this.isClient && (id & 0x03) !== 0) {
          throw new H3Error(
            H3ErrorCode.H3_ID_ERROR,
            `Cannot accept GOAWAY ${id}: not a client bidi stream`,
          );
        }
        if (this.goaway !== null && id > this.goaway) {
          throw new H3Error(
            H3ErrorCode.H3_ID_ERROR,
            `Cannot accept GOAWAY ${id}: above ${this.goaway}`,
          );
        }
        this.goaway = id;
        this.#onGoaway(id, now);
        return;
      }
      case FrameType.MAX_PUSH_ID:
        if (this.isClient) {
          throw new H3Error(
            H3ErrorCode.H3_FRAME_UNEXPECTED,
            "Cannot accept MAX_PUSH_ID from a server",
          );
        }
        parseIdPayload(payload, "MAX_PUSH_ID"); // We never push.
        return;
      case FrameType.CANCEL_PUSH: {
        const id = parseIdPayload(payload, "CANCEL_PUSH");
        if (this.isClient) {
          throw new H3Error(
            H3ErrorCode.H3_ID_ERROR,
            `Cannot accept CANCEL_PUSH ${id}: no push allowed`,
          );
        }
        return; // A server that never pushed has nothing to cancel.
      }
      default:
        // SETTINGS again, DATA, HEADERS, PUSH_PROMISE, HTTP/2-only types (§7.2).
        throw new H3Error(
          H3ErrorCode.H3_FRAME_UNEXPECTED,
          `Cannot accept frame type 0x${type.toString(16)} on the control stream`,
        );
    }
  }
}

/** Runs a stream operation that may throw because the stream is already gone. */
function tryStream(f: () => void): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
}
