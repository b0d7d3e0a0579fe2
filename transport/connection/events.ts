/**
 * What a {@link Connection} tells the outside world (quinn's `Event` and
 * `EndpointEvent`, STYLE.md §4), and how a connection ended (STYLE.md §11).
 *
 * Endpoint events (`localCidIssued`, `localCidRetired`, `drained`) are for the
 * endpoint's CID routing table; the rest are for the application.
 *
 * @module
 */

import type { StreamEvent } from "../streams/streams.ts";
import type { SessionTicket } from "../tls/session.ts";

/** How a connection ended, as the application sees it. */
export type ConnectionError =
  /** No packet from the peer for the idle timeout (RFC 9000 §10.1). */
  | { readonly kind: "timedOut" }
  /** The peer sent a stateless reset (RFC 9000 §10.3). */
  | { readonly kind: "reset" }
  /** A transport error, detected here (`remote` false) or reported by the peer. */
  | {
    readonly kind: "transportError";
    readonly code: number;
    readonly frameType: number;
    readonly reason: string;
    readonly remote: boolean;
  }
  /** An application close (CONNECTION_CLOSE 0x1d) by the peer, or by us. */
  | {
    readonly kind: "applicationClosed";
    readonly code: bigint;
    readonly reason: string;
    readonly remote: boolean;
  }
  /** The server speaks none of our versions (RFC 9000 §6.2). */
  | { readonly kind: "versionMismatch" }
  /** Closed locally with {@link Connection.close} (the code and reason go to the peer). */
  | { readonly kind: "localClose"; readonly code: bigint; readonly reason: string };

/** Everything a connection reports, drained with `pollEvent()`. */
export type ConnectionEvent =
  /** Endpoint: route datagrams whose DCID is `cid` to this connection. */
  | { readonly type: "localCidIssued"; readonly cid: Uint8Array; readonly resetToken: Uint8Array }
  /** Endpoint: `cid` no longer names this connection. */
  | { readonly type: "localCidRetired"; readonly cid: Uint8Array }
  /** Endpoint: the connection is gone; forget it (no more input is useful). */
  | { readonly type: "drained" }
  /** The handshake completed (and, for a client, 1-RTT keys are in use). */
  | {
    readonly type: "connected";
    readonly alpn: string;
    readonly version: number;
    readonly resumed: boolean;
    readonly earlyDataAccepted: boolean;
    /** The TLS cipher suite (an addition to the contract, for logs and tests). */
    readonly cipherSuite: number;
    /** The key exchange group (0 for a PSK-only resumption). */
    readonly group: number;
  }
  /** Stream events, from `Streams`. */
  | {
    readonly type: "streamOpened" | "streamReadable" | "streamWritable" | "streamFinished";
    readonly id: number;
  }
  | { readonly type: "streamReset" | "stopSending"; readonly id: number; readonly code: bigint }
  /** `openStream(bidi)` returned null before and would succeed now (MAX_STREAMS raised). */
  | { readonly type: "streamsAvailable"; readonly bidi: boolean }
  /** A DATAGRAM frame's payload (RFC 9221). */
  | { readonly type: "datagram"; readonly data: Uint8Array }
  /** Client: a resumption ticket to pass back in `ClientConnectionConfig.sessionTicket`. */
  | { readonly type: "sessionTicket"; readonly ticket: SessionTicket }
  /**
   * Client: an address-validation token from the server (NEW_TOKEN, RFC 9000
   * §8.1.3), to pass in `ClientConnectionConfig.token` of a later connection to it.
   */
  | { readonly type: "newToken"; readonly token: Uint8Array }
  /** An SSLKEYLOGFILE line (when `keyLog` is on). */
  | { readonly type: "keyLog"; readonly line: string }
  /** The connection is closed for the application; `drained` follows for the endpoint. */
  | { readonly type: "closed"; readonly error: ConnectionError };

/** The connection's lifecycle (RFC 9000 §10). */
export const ConnectionState = {
  /** Handshake in progress. */
  Handshake: 0,
  /** Handshake complete. */
  Established: 1,
  /** We sent CONNECTION_CLOSE and answer further packets with it (§10.2.1). */
  Closing: 2,
  /** The peer closed (or reset) us; we send nothing more (§10.2.2). */
  Draining: 3,
  /** All state is gone. */
  Drained: 4,
} as const;

/** One of {@link ConnectionState}. */
export type ConnectionState = typeof ConnectionState[keyof typeof ConnectionState];

/** The connection event for a `Streams` event. */
export function fromStreamEvent(e: StreamEvent): ConnectionEvent {
  switch (e.type) {
    case "opened":
      return { type: "streamOpened", id: e.id };
    case "readable":
      return { type: "streamReadable", id: e.id };
    case "writable":
      return { type: "streamWritable", id: e.id };
    case "finished":
      return { type: "streamFinished", id: e.id };
    case "reset":
      return { type: "streamReset", id: e.id, code: e.code };
    case "stopSending":
      return { type: "stopSending", id: e.id, code: e.code };
    case "available":
      return { type: "streamsAvailable", bidi: e.bidi };
  }
}
