/**
 * The frame union and the generic frame codec (RFC 9000 §12.4, §19).
 *
 * ```
 * Frame {
 *   Frame Type (i),
 *   Type-Dependent Fields (..),
 * }
 * ```
 *
 * https://www.rfc-editor.org/rfc/rfc9000.html#section-12.4
 *
 * {@link parseFrame} dispatches on the type byte with STREAM, ACK, PADDING and
 * CRYPTO checked first (the fast path: no closures, no arrays beyond the frame
 * object and ACK's range array). Whatever goes wrong inside a frame surfaces as a
 * `TransportError` carrying that frame's type: FRAME_ENCODING_ERROR for
 * truncation, malformed fields and unknown types; PROTOCOL_VIOLATION for a
 * frame type in a longer encoding than necessary (§12.4, which allows it).
 *
 * Which frames a packet type may carry is checked by the receiver with
 * `isFrameAllowed()` from `frame_type.ts`, not here.
 *
 * @module
 */

import type { Reader } from "../wire/reader.ts";
import type { Writer } from "../wire/writer.ts";
import { TransportError } from "../errors.ts";
import { type AckFrame, parseAck, sizeAck, writeAck } from "./ack.ts";
import { parseStream, sizeStream, type StreamFrame, writeStream } from "./stream.ts";
import { type CryptoFrame, parseCrypto, sizeCrypto, writeCrypto } from "./crypto.ts";
import {
  type DataBlockedFrame,
  type MaxDataFrame,
  type MaxStreamDataFrame,
  type MaxStreamsFrame,
  parseDataBlocked,
  parseMaxData,
  parseMaxStreamData,
  parseMaxStreams,
  parseStreamDataBlocked,
  parseStreamsBlocked,
  sizeDataBlocked,
  sizeMaxData,
  sizeMaxStreamData,
  sizeMaxStreams,
  sizeStreamDataBlocked,
  sizeStreamsBlocked,
  type StreamDataBlockedFrame,
  type StreamsBlockedFrame,
  writeDataBlocked,
  writeMaxData,
  writeMaxStreamData,
  writeMaxStreams,
  writeStreamDataBlocked,
  writeStreamsBlocked,
} from "./flow_control.ts";
import {
  parseResetStream,
  parseStopSending,
  type ResetStreamFrame,
  sizeResetStream,
  sizeStopSending,
  type StopSendingFrame,
  writeResetStream,
  writeStopSending,
} from "./reset_stream.ts";
import {
  type NewConnectionIdFrame,
  parseNewConnectionId,
  parseRetireConnectionId,
  type RetireConnectionIdFrame,
  sizeNewConnectionId,
  sizeRetireConnectionId,
  writeNewConnectionId,
  writeRetireConnectionId,
} from "./connection_id.ts";
import {
  parsePathChallenge,
  parsePathResponse,
  type PathChallengeFrame,
  type PathResponseFrame,
  sizePath,
  writePath,
} from "./path.ts";
import {
  type ConnectionCloseFrame,
  parseConnectionClose,
  sizeConnectionClose,
  writeConnectionClose,
} from "./close.ts";
import { type DatagramFrame, parseDatagram, sizeDatagram, writeDatagram } from "./datagram.ts";
import {
  HANDSHAKE_DONE,
  type HandshakeDoneFrame,
  type NewTokenFrame,
  type PaddingFrame,
  parseNewToken,
  parsePadding,
  PING,
  type PingFrame,
  sizeNewToken,
  sizePadding,
  writeNewToken,
  writePadding,
} from "./misc.ts";
import { frameTypeName, STREAM_TYPE_LAST } from "./frame_type.ts";

export type {
  AckFrame,
  ConnectionCloseFrame,
  CryptoFrame,
  DataBlockedFrame,
  DatagramFrame,
  HandshakeDoneFrame,
  MaxDataFrame,
  MaxStreamDataFrame,
  MaxStreamsFrame,
  NewConnectionIdFrame,
  NewTokenFrame,
  PaddingFrame,
  PathChallengeFrame,
  PathResponseFrame,
  PingFrame,
  ResetStreamFrame,
  RetireConnectionIdFrame,
  StopSendingFrame,
  StreamDataBlockedFrame,
  StreamFrame,
  StreamsBlockedFrame,
};
export type { EcnCounts } from "./ack.ts";

/** Every frame pquic knows, discriminated by the numeric `type` (STREAM normalised to 0x08). */
export type Frame =
  | PaddingFrame
  | PingFrame
  | AckFrame
  | ResetStreamFrame
  | StopSendingFrame
  | CryptoFrame
  | NewTokenFrame
  | StreamFrame
  | MaxDataFrame
  | MaxStreamDataFrame
  | MaxStreamsFrame
  | DataBlockedFrame
  | StreamDataBlockedFrame
  | StreamsBlockedFrame
  | NewConnectionIdFrame
  | RetireConnectionIdFrame
  | PathChallengeFrame
  | PathResponseFrame
  | ConnectionCloseFrame
  | HandshakeDoneFrame
  | DatagramFrame;

/** First frame type value that needs a 2-byte varint: every known type is below it. */
const ONE_BYTE_TYPE_LIMIT = 0x40;

/**
 * Reads one frame at `r.pos` and advances past it.
 *
 * @throws {TransportError} FRAME_ENCODING_ERROR (with `frameType`) for a
 *   truncated or malformed frame or an unknown type; PROTOCOL_VIOLATION for a
 *   type in a non-minimal encoding.
 * @example Two frames
 * ```ts
 * import { parseFrame } from "./frame.ts";
 * import { Reader } from "../wire/reader.ts";
 * import assert from "node:assert/strict";
 * const r = new Reader(new Uint8Array([0x01, 0x10, 0x40, 0x25]));
 * assert.deepEqual(parseFrame(r), { type: 0x01 });
 * assert.deepEqual(parseFrame(r), { type: 0x10, max: 37 });
 * ```
 */
export function parseFrame(r: Reader): Frame {
  let type = 0;
  try {
    if (r.pos >= r.end) throw TransportError.frameEncoding("Cannot parse frame: no bytes left");
    type = r.buf[r.pos]!;
    if (type >= ONE_BYTE_TYPE_LIMIT) return parseLongType(r);
    r.pos++;
    // Fast path first: STREAM, ACK, PADDING, CRYPTO.
    if (type >= 0x08 && type <= STREAM_TYPE_LAST) return parseStream(r, type);
    switch (type) {
      case 0x02:
      case 0x03:
        return parseAck(r, type);
      case 0x00:
        return parsePadding(r);
      case 0x06:
        return parseCrypto(r);
      case 0x01:
        return PING;
      case 0x04:
        return parseResetStream(r);
      case 0x05:
        return parseStopSending(r);
      case 0x07:
        return parseNewToken(r);
      case 0x10:
        return parseMaxData(r);
      case 0x11:
        return parseMaxStreamData(r);
      case 0x12:
      case 0x13:
        return parseMaxStreams(r, type);
      case 0x14:
        return parseDataBlocked(r);
      case 0x15:
        return parseStreamDataBlocked(r);
      case 0x16:
      case 0x17:
        return parseStreamsBlocked(r, type);
      case 0x18:
        return parseNewConnectionId(r);
      case 0x19:
        return parseRetireConnectionId(r);
      case 0x1a:
        return parsePathChallenge(r);
      case 0x1b:
        return parsePathResponse(r);
      case 0x1c:
      case 0x1d:
        return parseConnectionClose(r, type);
      case 0x1e:
        return HANDSHAKE_DONE;
      case 0x30:
      case 0x31:
        return parseDatagram(r, type);
      default:
        throw TransportError.frameEncoding(`Cannot parse frame: unknown type ${hex(type)}`, type);
    }
  } catch (e) {
    if (e instanceof TransportError) throw e;
    if (e instanceof RangeError) {
      throw TransportError.frameEncoding(
        `Cannot parse ${frameTypeName(type)}: ${e.message}`,
        type,
      );
    }
    throw e;
  }
}

/** A type encoded in 2, 4 or 8 bytes: never one we know (all are < 0x40). */
function parseLongType(r: Reader): never {
  const big = r.varintBig();
  const type = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
  if (big < BigInt(ONE_BYTE_TYPE_LIMIT)) {
    throw TransportError.protocolViolation(
      `Cannot parse frame: type ${hex(type)} uses a longer encoding than necessary`,
      type,
    );
  }
  throw TransportError.frameEncoding(
    `Cannot parse frame: unknown type 0x${big.toString(16)}`,
    type,
  );
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(2, "0")}`;
}

/**
 * Writes a frame. The caller asked {@link sizeFrame} first: running out of room
 * throws a `RangeError` (a bug, not a peer problem).
 *
 * @example
 * ```ts
 * import { sizeFrame, writeFrame } from "./frame.ts";
 * import { Writer } from "../wire/writer.ts";
 * import assert from "node:assert/strict";
 * const f = { type: 0x11, id: 4, max: 16384 } as const;
 * const w = new Writer(new Uint8Array(sizeFrame(f)));
 * writeFrame(w, f);
 * assert.deepEqual(w.toBytes(), new Uint8Array([0x11, 4, 0x80, 0, 0x40, 0]));
 * ```
 */
export function writeFrame(w: Writer, f: Frame): void {
  switch (f.type) {
    case 0x08:
      return writeStream(w, f);
    case 0x02:
    case 0x03:
      return writeAck(w, f);
    case 0x00:
      return writePadding(w, f);
    case 0x06:
      return writeCrypto(w, f);
    case 0x01:
    case 0x1e:
      return w.u8(f.type);
    case 0x04:
      return writeResetStream(w, f);
    case 0x05:
      return writeStopSending(w, f);
    case 0x07:
      return writeNewToken(w, f);
    case 0x10:
      return writeMaxData(w, f);
    case 0x11:
      return writeMaxStreamData(w, f);
    case 0x12:
    case 0x13:
      return writeMaxStreams(w, f);
    case 0x14:
      return writeDataBlocked(w, f);
    case 0x15:
      return writeStreamDataBlocked(w, f);
    case 0x16:
    case 0x17:
      return writeStreamsBlocked(w, f);
    case 0x18:
      return writeNewConnectionId(w, f);
    case 0x19:
      return writeRetireConnectionId(w, f);
    case 0x1a:
    case 0x1b:
      return writePath(w, f);
    case 0x1c:
    case 0x1d:
      return writeConnectionClose(w, f);
    case 0x30:
    case 0x31:
      return writeDatagram(w, f);
  }
}

/** Exact number of bytes {@link writeFrame} writes for `f`. */
export function sizeFrame(f: Frame): number {
  switch (f.type) {
    case 0x08:
      return sizeStream(f);
    case 0x02:
    case 0x03:
      return sizeAck(f);
    case 0x00:
      return sizePadding(f);
    case 0x06:
      return sizeCrypto(f);
    case 0x01:
    case 0x1e:
      return 1;
    case 0x04:
      return sizeResetStream(f);
    case 0x05:
      return sizeStopSending(f);
    case 0x07:
      return sizeNewToken(f);
    case 0x10:
      return sizeMaxData(f);
    case 0x11:
      return sizeMaxStreamData(f);
    case 0x12:
    case 0x13:
      return sizeMaxStreams(f);
    case 0x14:
      return sizeDataBlocked(f);
    case 0x15:
      return sizeStreamDataBlocked(f);
    case 0x16:
    case 0x17:
      return sizeStreamsBlocked(f);
    case 0x18:
      return sizeNewConnectionId(f);
    case 0x19:
      return sizeRetireConnectionId(f);
    case 0x1a:
    case 0x1b:
      return sizePath(f);
    case 0x1c:
    case 0x1d:
      return sizeConnectionClose(f);
    case 0x30:
    case 0x31:
      return sizeDatagram(f);
  }
}
