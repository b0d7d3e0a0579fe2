/**
 * TLS alert descriptions (RFC 8446 §6, §B.2) and helpers that build the
 * {@link TlsAlert} a handshake handler throws.
 *
 * QUIC has no alert records: an alert becomes CRYPTO_ERROR 0x100 + alert in a
 * CONNECTION_CLOSE (RFC 9001 §4.8), done by the connection.
 *
 * @module
 */

import { TlsAlert } from "./session.ts";

/** Alert description numbers (RFC 8446 §6.2, RFC 7301 §3.2). */
export const Alert = {
  CLOSE_NOTIFY: 0,
  UNEXPECTED_MESSAGE: 10,
  BAD_RECORD_MAC: 20,
  RECORD_OVERFLOW: 22,
  HANDSHAKE_FAILURE: 40,
  BAD_CERTIFICATE: 42,
  UNSUPPORTED_CERTIFICATE: 43,
  CERTIFICATE_REVOKED: 44,
  CERTIFICATE_EXPIRED: 45,
  CERTIFICATE_UNKNOWN: 46,
  ILLEGAL_PARAMETER: 47,
  UNKNOWN_CA: 48,
  ACCESS_DENIED: 49,
  DECODE_ERROR: 50,
  DECRYPT_ERROR: 51,
  PROTOCOL_VERSION: 70,
  INSUFFICIENT_SECURITY: 71,
  INTERNAL_ERROR: 80,
  INAPPROPRIATE_FALLBACK: 86,
  USER_CANCELED: 90,
  MISSING_EXTENSION: 109,
  UNSUPPORTED_EXTENSION: 110,
  UNRECOGNIZED_NAME: 112,
  BAD_CERTIFICATE_STATUS_RESPONSE: 113,
  UNKNOWN_PSK_IDENTITY: 115,
  CERTIFICATE_REQUIRED: 116,
  NO_APPLICATION_PROTOCOL: 120,
} as const;

/** An alert description number. */
export type Alert = typeof Alert[keyof typeof Alert];

const NAMES = new Map<number, string>(
  Object.entries(Alert).map(([name, value]) => [value, name.toLowerCase()]),
);

/**
 * The RFC name of an alert (`decode_error`), or its number for unknown ones.
 *
 * @example
 * ```ts
 * import { alertName } from "./alert.ts";
 * import assert from "node:assert/strict";
 * assert.equal(alertName(120), "no_application_protocol");
 * ```
 */
export function alertName(alert: number): string {
  return NAMES.get(alert) ?? `alert(${alert})`;
}

/** A decode_error alert (50): a message could not be parsed. */
export function decodeError(message: string): TlsAlert {
  return new TlsAlert(Alert.DECODE_ERROR, message);
}

/** An illegal_parameter alert (47): a field was well formed but wrong. */
export function illegalParameter(message: string): TlsAlert {
  return new TlsAlert(Alert.ILLEGAL_PARAMETER, message);
}

/** An unexpected_message alert (10): a message arrived out of order or at the wrong level. */
export function unexpectedMessage(message: string): TlsAlert {
  return new TlsAlert(Alert.UNEXPECTED_MESSAGE, message);
}

/** A missing_extension alert (109). */
export function missingExtension(message: string): TlsAlert {
  return new TlsAlert(Alert.MISSING_EXTENSION, message);
}

/** A handshake_failure alert (40): no acceptable set of parameters. */
export function handshakeFailure(message: string): TlsAlert {
  return new TlsAlert(Alert.HANDSHAKE_FAILURE, message);
}

/** A decrypt_error alert (51): a Finished, binder or signature did not verify. */
export function decryptError(message: string): TlsAlert {
  return new TlsAlert(Alert.DECRYPT_ERROR, message);
}
