/**
 * Closing and draining (RFC 9000 §10.2).
 *
 * - Closing: we sent CONNECTION_CLOSE; incoming datagrams are answered with it
 *   again, rate limited (every 2^n-th datagram, §10.2.1), until 3×PTO passed.
 * - Draining: the peer closed (or reset) the connection; we send nothing and
 *   wait 3×PTO (§10.2.2).
 * - Drained: state is gone; the endpoint is told with a `drained` event.
 *
 * An application close (0x1d) cannot go in Initial or Handshake packets: there
 * it becomes a transport close with APPLICATION_ERROR and no reason (§10.2.3).
 *
 * @module
 */

import { TransportError, TransportErrorCode } from "../errors.ts";
import type { ConnectionCloseFrame } from "../frames/frame.ts";
import { TlsAlert } from "../tls/session.ts";
import type { Connection } from "./connection.ts";
import { type ConnectionError, ConnectionState } from "./events.ts";
import { Timer } from "./timers.ts";
import { LogCategory, LogEvent, Op } from "../protoop/catalogue.ts";
import { ProtoopError } from "../protoop/errors.ts";

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

/** Longest reason phrase we send (keeps CONNECTION_CLOSE in one small packet). */
const MAX_REASON = 256;

/** 3×PTO for the closing and draining periods (§10.2). */
function closePeriod(c: Connection): number {
  return 3 *
    c.loss.rtt.pto(c.peerParams?.maxAckDelay === undefined ? 0 : c.peerParams.maxAckDelay * 1000);
}

/** Stops everything except the closing timer. */
function stopTimers(c: Connection, now: number): void {
  c.timers.clear();
  c.timers.set(Timer.Close, now + closePeriod(c));
}

/** Enters the closing state with `frame` to send (§10.2.1). */
function enterClosing(
  c: Connection,
  frame: { app: boolean; code: bigint; frameType: number; reason: string },
  error: ConnectionError,
  now: number,
): void {
  if (c.state >= ConnectionState.Closing) return;
  c.closeFrame = frame;
  c.closeSendPending = true;
  stopTimers(c, now);
  c.emit({ type: "closed", error });
  setState(c, ConnectionState.Closing);
  discardReservations(c);
}

/**
 * Changes the state and runs `connection_state_changed` (its default does
 * nothing; a plugin observes every transition).
 */
export function setState(c: Connection, to: ConnectionState): void {
  const from = c.state;
  if (from === to) return;
  c.state = to;
  c.ops.call[Op.CONNECTION_STATE_CHANGED](c, from, to);
  if (c.ops.plugged[Op.LOG_EVENT] === 1) {
    c.ops.call[Op.LOG_EVENT](
      c,
      LogCategory.Connectivity,
      LogEvent.ConnectionStateUpdated,
      to,
      null,
      null,
    );
  }
}

/** Plugin frames that will never be written are told so (`notify_frame(…, 2)`). */
function discardReservations(c: Connection): void {
  if (c.reservations.queued === 0) return;
  try {
    c.reservations.discardAll(c);
  } catch {
    // The connection is going anyway.
  }
}

/** Application close (`Connection.close`). */
export function closeLocally(c: Connection, code: bigint, reason: string, now: number): void {
  if (c.state >= ConnectionState.Closing) return;
  enterClosing(c, { app: true, code, frameType: 0, reason }, {
    kind: "localClose",
    code,
    reason,
  }, now);
}

/** Closes because of an error detected here (the one place errors become CONNECTION_CLOSE). */
export function closeWithError(c: Connection, e: TransportError, now: number): void {
  if (c.state >= ConnectionState.Closing) return;
  try {
    c.ops.call[Op.CONNECTION_ERROR](c, BigInt(e.code), e.frameType, e.message, now);
  } catch {
    connectionError(c, BigInt(e.code), e.frameType, e.message, now);
  }
  // A plugin's connection_error must not keep the connection open.
  if (c.state < ConnectionState.Closing) {
    connectionError(c, BigInt(e.code), e.frameType, e.message, now);
  }
}

/** Default of `connection_error`: enter the closing state with a transport error (§10.2.1). */
export function connectionError(
  c: Connection,
  code: bigint,
  frameType: number,
  reason: string,
  now: number,
): void {
  const e = { code: Number(code), frameType, message: reason };
  enterClosing(c, { app: false, code: BigInt(e.code), frameType: e.frameType, reason: e.message }, {
    kind: "transportError",
    code: e.code,
    frameType: e.frameType,
    reason: e.message,
    remote: false,
  }, now);
}

/** Turns anything thrown while processing input into a close. */
export function closeWithException(c: Connection, e: unknown, now: number): void {
  if (e instanceof TransportError) closeWithError(c, e, now);
  else if (e instanceof ProtoopError) closeWithError(c, e.toTransportError(), now);
  else if (e instanceof TlsAlert) closeWithError(c, TransportError.crypto(e.alert, e.message), now);
  else c.internalError(e, now);
}

/** The peer's CONNECTION_CLOSE: enter draining (§10.2.2). */
export function onConnectionClose(c: Connection, f: ConnectionCloseFrame, now: number): void {
  if (c.state >= ConnectionState.Draining) return;
  const reason = new TextDecoder("utf-8", { fatal: false }).decode(f.reason);
  const error: ConnectionError = f.type === 0x1d
    ? { kind: "applicationClosed", code: f.errorCode, reason, remote: true }
    : {
      kind: "transportError",
      code: Number(f.errorCode),
      frameType: Number(f.frameType),
      reason,
      remote: true,
    };
  const wasClosing = c.state === ConnectionState.Closing;
  enterDraining(c, now);
  if (!wasClosing) c.emit({ type: "closed", error });
}

/** Enters draining without a `closed` event (callers emit the right one). */
export function enterDraining(c: Connection, now: number): void {
  if (c.state >= ConnectionState.Draining) return;
  const keepClose = c.state === ConnectionState.Closing ? c.timers.get(Timer.Close) : Infinity;
  c.closeSendPending = false;
  stopTimers(c, now);
  if (keepClose < c.timers.get(Timer.Close)) c.timers.set(Timer.Close, keepClose);
  try {
    setState(c, ConnectionState.Draining);
  } catch {
    // The peer closed: nothing is left to report an error to.
  }
  discardReservations(c);
}

/** A stateless reset from the peer (§10.3.1). */
export function onStatelessReset(c: Connection, now: number): void {
  if (c.state >= ConnectionState.Draining) return;
  const wasClosing = c.state === ConnectionState.Closing;
  enterDraining(c, now);
  if (!wasClosing) c.emit({ type: "closed", error: { kind: "reset" } });
}

/** All state gone: tell the endpoint. */
export function enterDrained(c: Connection): void {
  if (c.state === ConnectionState.Drained) return;
  c.timers.clear();
  c.closeSendPending = false;
  c.emit({ type: "drained" });
  try {
    setState(c, ConnectionState.Drained);
  } catch {
    // Nothing is left to close.
  }
}

/** A datagram arrived while closing: maybe answer with CONNECTION_CLOSE again (§10.2.1). */
export function onDatagramWhileClosing(c: Connection): void {
  c.closingReceived++;
  // Rate limit: answer the 1st, 2nd, 4th, 8th, … datagram.
  if ((c.closingReceived & (c.closingReceived - 1)) === 0) c.closeSendPending = true;
}

/**
 * The CONNECTION_CLOSE frame for a packet of the given kind: application
 * closes become APPLICATION_ERROR transport closes in Initial/Handshake (§10.2.3).
 */
export function closeFrameFor(c: Connection, longHeader: boolean): ConnectionCloseFrame {
  const f = c.closeFrame!;
  let reason = f.reason.length > 0 ? encoder.encode(f.reason) : EMPTY;
  if (reason.length > MAX_REASON) reason = reason.subarray(0, MAX_REASON);
  if (f.app && longHeader) {
    return {
      type: 0x1c,
      errorCode: BigInt(TransportErrorCode.APPLICATION_ERROR),
      frameType: 0n,
      reason: EMPTY,
    };
  }
  if (f.app) return { type: 0x1d, errorCode: f.code, frameType: 0n, reason };
  return { type: 0x1c, errorCode: f.code, frameType: BigInt(f.frameType), reason };
}
