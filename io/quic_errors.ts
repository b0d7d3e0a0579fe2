/**
 * Errors and close information of the public QUIC API (`quic.ts`).
 *
 * @module
 */

import type { ConnectionError } from "../transport/connection/events.ts";

/**
 * How a connection ended: Deno's `QuicCloseInfo` (`closeCode`, `reason`) plus
 * what kind of end it was and which side caused it.
 */
export interface QuicCloseInfo {
  /** The application error code (or the QUIC transport error code for `transportError`). */
  closeCode: number;
  /** The reason phrase sent with CONNECTION_CLOSE, or a description of the end. */
  reason: string;
  /**
   * `applicationClosed` (CONNECTION_CLOSE 0x1d), `localClose` (we called
   * `close`), `transportError`, `timedOut` (idle timeout), `reset` (a
   * stateless reset, e.g. the peer restarted) or `versionMismatch`.
   */
  kind?: ConnectionError["kind"];
  /** True when the peer ended the connection. */
  remote?: boolean;
}

/**
 * The {@link QuicCloseInfo} for a transport `ConnectionError`.
 *
 * @example
 * ```ts
 * import { closeInfoOf } from "./quic_errors.ts";
 * import assert from "node:assert/strict";
 * const info = closeInfoOf({ kind: "applicationClosed", code: 7n, reason: "bye", remote: true });
 * assert.deepEqual(info, { closeCode: 7, reason: "bye", kind: "applicationClosed", remote: true });
 * ```
 */
export function closeInfoOf(e: ConnectionError): QuicCloseInfo {
  switch (e.kind) {
    case "applicationClosed":
      return { closeCode: Number(e.code), reason: e.reason, kind: e.kind, remote: e.remote };
    case "localClose":
      return { closeCode: Number(e.code), reason: e.reason, kind: e.kind, remote: false };
    case "transportError":
      return { closeCode: e.code, reason: e.reason, kind: e.kind, remote: e.remote };
    case "timedOut":
      return { closeCode: 0, reason: "idle timeout", kind: e.kind, remote: false };
    case "reset":
      return { closeCode: 0, reason: "stateless reset from the peer", kind: e.kind, remote: true };
    case "versionMismatch":
      return { closeCode: 0, reason: "no common QUIC version", kind: e.kind, remote: true };
  }
}

/**
 * A stream ended abnormally: the peer reset it (`RESET_STREAM`) or asked us to
 * stop sending (`STOP_SENDING`), with the application error code.
 *
 * @example
 * ```ts
 * import { QuicStreamError } from "./quic_errors.ts";
 * import assert from "node:assert/strict";
 * const e = new QuicStreamError("reset", 4n);
 * assert.equal(e.code, 4n);
 * assert.match(e.message, /reset/);
 * ```
 */
export class QuicStreamError extends Error {
  /** `reset`: the peer abandoned sending; `stopSending`: the peer will read no more. */
  readonly kind: "reset" | "stopSending";
  /** The application error code. */
  readonly code: bigint;

  /**
   * @param kind What the peer did.
   * @param code The application error code it gave.
   */
  constructor(kind: "reset" | "stopSending", code: bigint) {
    super(
      kind === "reset"
        ? `Stream reset by the peer with code ${code}`
        : `Peer stopped reading the stream with code ${code}`,
    );
    this.name = "QuicStreamError";
    this.kind = kind;
    this.code = code;
  }
}

/**
 * The connection is closed (or could not be established); `info` says how.
 *
 * @example
 * ```ts
 * import { QuicConnectionError } from "./quic_errors.ts";
 * import assert from "node:assert/strict";
 * const e = new QuicConnectionError({ closeCode: 0, reason: "idle timeout", kind: "timedOut" });
 * assert.match(e.message, /idle timeout/);
 * ```
 */
export class QuicConnectionError extends Error {
  /** How the connection ended. */
  readonly info: QuicCloseInfo;

  /** @param info How the connection ended. */
  constructor(info: QuicCloseInfo) {
    super(
      `QUIC connection closed (${info.kind ?? "closed"}, code ${info.closeCode}): ${info.reason}`,
    );
    this.name = "QuicConnectionError";
    this.info = info;
  }
}

/**
 * The application error code carried by a stream `cancel`/`abort` reason:
 * a bigint or number as is, an object's `code` property, else 0.
 *
 * @example
 * ```ts
 * import { errorCodeOf } from "./quic_errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(errorCodeOf(5), 5n);
 * assert.equal(errorCodeOf({ code: 9n }), 9n);
 * assert.equal(errorCodeOf("why"), 0n);
 * ```
 */
export function errorCodeOf(reason: unknown): bigint {
  if (typeof reason === "bigint") return reason >= 0n ? reason : 0n;
  if (typeof reason === "number") {
    return Number.isInteger(reason) && reason >= 0 ? BigInt(reason) : 0n;
  }
  if (typeof reason === "object" && reason !== null && "code" in reason) {
    return errorCodeOf((reason as { code: unknown }).code);
  }
  return 0n;
}
