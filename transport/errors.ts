/**
 * QUIC transport errors (RFC 9000 §20.1) and the exception that carries one.
 *
 * A handler throws a {@link TransportError} at the point where it detects the
 * problem; exactly one `catch` in the connection's receive path turns it into a
 * CONNECTION_CLOSE frame and the closing state (RFC 9000 §10.2).
 *
 * @module
 */

/** One row of the transport error code registry. */
interface ErrorCodeRow {
  readonly code: number;
  readonly name: string;
  readonly description: string;
}

/** RFC 9000 §20.1, the registry as a table: lookups are derived from it. */
export const TRANSPORT_ERROR_CODES: readonly ErrorCodeRow[] = [
  { code: 0x00, name: "NO_ERROR", description: "No error" },
  { code: 0x01, name: "INTERNAL_ERROR", description: "Implementation error" },
  { code: 0x02, name: "CONNECTION_REFUSED", description: "Server refuses a connection" },
  { code: 0x03, name: "FLOW_CONTROL_ERROR", description: "Flow control error" },
  { code: 0x04, name: "STREAM_LIMIT_ERROR", description: "Too many streams opened" },
  { code: 0x05, name: "STREAM_STATE_ERROR", description: "Frame received in invalid stream state" },
  { code: 0x06, name: "FINAL_SIZE_ERROR", description: "Change to final size" },
  { code: 0x07, name: "FRAME_ENCODING_ERROR", description: "Frame encoding error" },
  { code: 0x08, name: "TRANSPORT_PARAMETER_ERROR", description: "Error in transport parameters" },
  {
    code: 0x09,
    name: "CONNECTION_ID_LIMIT_ERROR",
    description: "Too many connection IDs received",
  },
  { code: 0x0a, name: "PROTOCOL_VIOLATION", description: "Generic protocol violation" },
  { code: 0x0b, name: "INVALID_TOKEN", description: "Invalid Token received" },
  { code: 0x0c, name: "APPLICATION_ERROR", description: "Application error" },
  { code: 0x0d, name: "CRYPTO_BUFFER_EXCEEDED", description: "CRYPTO data buffer overflowed" },
  { code: 0x0e, name: "KEY_UPDATE_ERROR", description: "Invalid packet protection update" },
  {
    code: 0x0f,
    name: "AEAD_LIMIT_REACHED",
    description: "Excessive use of packet protection keys",
  },
  { code: 0x10, name: "NO_VIABLE_PATH", description: "No viable network path exists" },
  // RFC 9368 §10.2.
  { code: 0x11, name: "VERSION_NEGOTIATION_ERROR", description: "Error negotiating version" },
];

/** Numeric transport error codes by name. */
export const TransportErrorCode = {
  NO_ERROR: 0x00,
  INTERNAL_ERROR: 0x01,
  CONNECTION_REFUSED: 0x02,
  FLOW_CONTROL_ERROR: 0x03,
  STREAM_LIMIT_ERROR: 0x04,
  STREAM_STATE_ERROR: 0x05,
  FINAL_SIZE_ERROR: 0x06,
  FRAME_ENCODING_ERROR: 0x07,
  TRANSPORT_PARAMETER_ERROR: 0x08,
  CONNECTION_ID_LIMIT_ERROR: 0x09,
  PROTOCOL_VIOLATION: 0x0a,
  INVALID_TOKEN: 0x0b,
  APPLICATION_ERROR: 0x0c,
  CRYPTO_BUFFER_EXCEEDED: 0x0d,
  KEY_UPDATE_ERROR: 0x0e,
  AEAD_LIMIT_REACHED: 0x0f,
  NO_VIABLE_PATH: 0x10,
  VERSION_NEGOTIATION_ERROR: 0x11,
  /** First of the CRYPTO_ERROR range: 0x0100 + TLS alert (RFC 9001 §4.8). */
  CRYPTO_ERROR: 0x100,
} as const;

const NAMES = new Map(TRANSPORT_ERROR_CODES.map((r) => [r.code, r.name]));

/**
 * The registry name of a transport error code, `CRYPTO_ERROR(0xNN)` for the
 * TLS alert range, or the hex value for anything else.
 *
 * @example
 * ```ts
 * import { transportErrorName } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(transportErrorName(0x0a), "PROTOCOL_VIOLATION");
 * assert.equal(transportErrorName(0x128), "CRYPTO_ERROR(0x28)");
 * ```
 */
export function transportErrorName(code: number): string {
  const name = NAMES.get(code);
  if (name !== undefined) return name;
  if (code >= 0x100 && code <= 0x1ff) {
    return `CRYPTO_ERROR(0x${(code - 0x100).toString(16).padStart(2, "0")})`;
  }
  return `0x${code.toString(16)}`;
}

/**
 * A transport error detected locally, to be sent in CONNECTION_CLOSE (type 0x1c),
 * or one received from the peer (`remote` true).
 */
export class TransportError extends Error {
  /** The QUIC error code. */
  readonly code: number;
  /** The frame type that triggered the error, 0 when unknown. */
  readonly frameType: number;
  /** True when the peer reported this error. */
  readonly remote: boolean;

  constructor(code: number, reason: string, frameType = 0, remote = false) {
    super(reason);
    this.name = "TransportError";
    this.code = code;
    this.frameType = frameType;
    this.remote = remote;
  }

  /** The same error, attributed to a frame type. */
  withFrameType(frameType: number): TransportError {
    return new TransportError(this.code, this.message, frameType, this.remote);
  }

  /** INTERNAL_ERROR. */
  static internal(reason: string): TransportError {
    return new TransportError(TransportErrorCode.INTERNAL_ERROR, reason);
  }
  /** CONNECTION_REFUSED. */
  static connectionRefused(reason: string): TransportError {
    return new TransportError(TransportErrorCode.CONNECTION_REFUSED, reason);
  }
  /** FLOW_CONTROL_ERROR. */
  static flowControl(reason: string): TransportError {
    return new TransportError(TransportErrorCode.FLOW_CONTROL_ERROR, reason);
  }
  /** STREAM_LIMIT_ERROR. */
  static streamLimit(reason: string): TransportError {
    return new TransportError(TransportErrorCode.STREAM_LIMIT_ERROR, reason);
  }
  /** STREAM_STATE_ERROR. */
  static streamState(reason: string): TransportError {
    return new TransportError(TransportErrorCode.STREAM_STATE_ERROR, reason);
  }
  /** FINAL_SIZE_ERROR. */
  static finalSize(reason: string): TransportError {
    return new TransportError(TransportErrorCode.FINAL_SIZE_ERROR, reason);
  }
  /** FRAME_ENCODING_ERROR. */
  static frameEncoding(reason: string, frameType = 0): TransportError {
    return new TransportError(TransportErrorCode.FRAME_ENCODING_ERROR, reason, frameType);
  }
  /** TRANSPORT_PARAMETER_ERROR. */
  static transportParameter(reason: string): TransportError {
    return new TransportError(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, reason);
  }
  /** CONNECTION_ID_LIMIT_ERROR. */
  static connectionIdLimit(reason: string): TransportError {
    return new TransportError(TransportErrorCode.CONNECTION_ID_LIMIT_ERROR, reason);
  }
  /** PROTOCOL_VIOLATION. */
  static protocolViolation(reason: string, frameType = 0): TransportError {
    return new TransportError(TransportErrorCode.PROTOCOL_VIOLATION, reason, frameType);
  }
  /** INVALID_TOKEN. */
  static invalidToken(reason: string): TransportError {
    return new TransportError(TransportErrorCode.INVALID_TOKEN, reason);
  }
  /** CRYPTO_BUFFER_EXCEEDED. */
  static cryptoBufferExceeded(reason: string): TransportError {
    return new TransportError(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED, reason);
  }
  /** KEY_UPDATE_ERROR. */
  static keyUpdate(reason: string): TransportError {
    return new TransportError(TransportErrorCode.KEY_UPDATE_ERROR, reason);
  }
  /** AEAD_LIMIT_REACHED. */
  static aeadLimitReached(reason: string): TransportError {
    return new TransportError(TransportErrorCode.AEAD_LIMIT_REACHED, reason);
  }
  /** VERSION_NEGOTIATION_ERROR (RFC 9368). */
  static versionNegotiation(reason: string): TransportError {
    return new TransportError(TransportErrorCode.VERSION_NEGOTIATION_ERROR, reason);
  }
  /** CRYPTO_ERROR carrying a TLS alert (RFC 9001 §4.8). */
  static crypto(alert: number, reason: string): TransportError {
    return new TransportError(TransportErrorCode.CRYPTO_ERROR + (alert & 0xff), reason);
  }
}
