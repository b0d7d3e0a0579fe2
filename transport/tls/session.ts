/**
 * The seam between the QUIC connection and TLS 1.3 (RFC 9001 §4).
 *
 * TLS is synchronous and sans-IO, like the connection: the connection feeds it
 * CRYPTO bytes per encryption level with {@link TlsSession.receive}, then drains
 * {@link TlsSession.pollEvent} in order. Events come out in the order TLS
 * produced them, so a secret is always installed before the first handshake
 * bytes that must be sent under it (RFC 9001 §4.1.3).
 *
 * TLS errors are thrown as {@link TlsAlert}; the connection closes with
 * CRYPTO_ERROR = 0x100 + alert (RFC 9001 §4.8). A TransportError thrown by a
 * transport-parameter callback passes through unchanged.
 *
 * @module
 */

/** QUIC encryption levels (RFC 9001 §2.1), numbered as PQUIC's epochs. */
export const EncryptionLevel = {
  Initial: 0,
  ZeroRtt: 1,
  Handshake: 2,
  OneRtt: 3,
} as const;

/** One of the four encryption levels. */
export type EncryptionLevel = typeof EncryptionLevel[keyof typeof EncryptionLevel];

/** TLS 1.3 cipher suites usable with QUIC (RFC 9001 §5.3). */
export const CipherSuite = {
  AES_128_GCM_SHA256: 0x1301,
  AES_256_GCM_SHA384: 0x1302,
  CHACHA20_POLY1305_SHA256: 0x1303,
} as const;

/** A cipher suite id. */
export type CipherSuite = typeof CipherSuite[keyof typeof CipherSuite];

/** Key exchange groups we implement. */
export const NamedGroup = {
  SECP256R1: 0x0017,
  X25519: 0x001d,
} as const;

/** A named group id. */
export type NamedGroup = typeof NamedGroup[keyof typeof NamedGroup];

/** What a TLS session hands the connection. */
export type TlsEvent =
  /** Install a packet-protection secret for one direction of a level. */
  | {
    readonly type: "secret";
    readonly level: EncryptionLevel;
    readonly direction: "read" | "write";
    readonly suite: CipherSuite;
    readonly secret: Uint8Array;
  }
  /** Handshake bytes to send in CRYPTO frames at `level`. */
  | { readonly type: "data"; readonly level: EncryptionLevel; readonly data: Uint8Array }
  /** The peer's quic_transport_parameters extension body, undecoded. */
  | { readonly type: "transportParameters"; readonly data: Uint8Array }
  /**
   * The handshake is complete (RFC 9001 §4.1.1): for a client when it sent
   * Finished, for a server when it received and verified the client's Finished.
   */
  | {
    readonly type: "handshakeComplete";
    readonly alpn: string;
    readonly suite: CipherSuite;
    readonly group: NamedGroup;
    /** True when the handshake resumed a session with a PSK. */
    readonly resumed: boolean;
  }
  /** Client only: the server accepted (`true`) or refused (`false`) our 0-RTT data. */
  | { readonly type: "earlyData"; readonly accepted: boolean }
  /** Client only: a NewSessionTicket to keep for resumption. */
  | { readonly type: "sessionTicket"; readonly ticket: SessionTicket }
  /** A line for SSLKEYLOGFILE (NSS key log format), when keylogging is on. */
  | { readonly type: "keyLog"; readonly line: string };

/**
 * A resumption ticket as the client keeps it, serialisable with
 * `JSON.stringify` after encoding bytes as base64 by the caller.
 */
export interface SessionTicket {
  readonly serverName: string;
  readonly alpn: string;
  readonly suite: CipherSuite;
  /** Opaque ticket from the server. */
  readonly ticket: Uint8Array;
  /** The resumption PSK (RFC 8446 §4.6.1). */
  readonly psk: Uint8Array;
  readonly ticketAgeAdd: number;
  /** Lifetime in seconds. */
  readonly lifetime: number;
  /** When it was received, in microseconds of the connection clock. */
  readonly receivedAt: number;
  /** max_early_data_size from the early_data extension; 0 when 0-RTT is not allowed. */
  readonly maxEarlyData: number;
  /** The server's transport parameters, remembered for 0-RTT (RFC 9000 §7.4.1). */
  readonly transportParameters: Uint8Array;
}

/** A TLS alert raised locally (RFC 8446 §6). */
export class TlsAlert extends Error {
  /** The alert description number. */
  readonly alert: number;
  constructor(alert: number, message: string) {
    super(message);
    this.name = "TlsAlert";
    this.alert = alert;
  }
}

/** The TLS side of a QUIC connection. */
export interface TlsSession {
  /**
   * Client: produce the ClientHello (and, with a ticket allowing it, the
   * 0-RTT write secret). Server: nothing to do until data arrives.
   */
  start(now: number): void;
  /** Handshake bytes received in CRYPTO frames at `level`, in order, contiguous. */
  receive(level: EncryptionLevel, data: Uint8Array, now: number): void;
  /** The next event, or `null` when there is none. */
  pollEvent(): TlsEvent | null;
  /** True once `handshakeComplete` was emitted. */
  readonly handshakeComplete: boolean;
  /**
   * Server only: emit a NewSessionTicket (1-RTT level `data` event). Call after
   * the handshake completes.
   */
  sendSessionTicket?(now: number): void;
}
