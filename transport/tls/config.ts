/**
 * Configuration of the TLS client and server sessions (contract area C).
 *
 * @module
 */

import type { CertificateIdentity } from "../crypto/certificates.ts";
import type { Random } from "../random.ts";
import type { CipherSuite, NamedGroup, SessionTicket } from "./session.ts";

/** The two codepoints of the quic_transport_parameters extension. */
export type TransportParametersCodepoint = 0x39 | 0xffa5;

/** Configuration of {@link createClientSession}. */
export interface TlsClientConfig {
  /** The name to verify the certificate against, sent as SNI unless it is an IP literal. */
  serverName: string;
  /** ALPN protocols in preference order; must not be empty (RFC 9001 §8.1). */
  alpnProtocols: string[];
  /** Our encoded transport parameters. */
  transportParameters: Uint8Array;
  /** 0x39 (RFC 9001 §8.2, default) or 0xffa5 for draft-29. */
  transportParametersCodepoint?: TransportParametersCodepoint;
  /** Offered suites in preference order; default AES-128-GCM, AES-256-GCM, ChaCha20. */
  cipherSuites?: CipherSuite[];
  /** Supported groups in preference order; default X25519, secp256r1. */
  groups?: NamedGroup[];
  /**
   * Groups to send key shares for in the first ClientHello; default [X25519]. An empty list
   * sends no key share, so the server asks for one with a HelloRetryRequest.
   */
  keyShareGroups?: NamedGroup[];
  /** DER certificates trusted as roots. */
  trustAnchors: Uint8Array[];
  /** Accept any certificate (the CertificateVerify signature is still checked). */
  insecureSkipVerify?: boolean;
  /** A ticket from an earlier connection to resume with. */
  sessionTicket?: SessionTicket;
  /** Send 0-RTT when the ticket allows it. */
  enableEarlyData?: boolean;
  /** Emit `keyLog` events. */
  keyLog?: boolean;
  /** Wall-clock milliseconds since the epoch (certificate validity, ticket age). */
  wallClockMs: () => number;
  /** Randomness (hello random, key shares). */
  random: Random;
}

/** Configuration of {@link createServerSession}. */
export interface TlsServerConfig {
  /** Certificate chain and private key. */
  identity: CertificateIdentity;
  /** ALPN protocols in preference order. */
  alpnProtocols: string[];
  /**
   * Given the client's transport parameters (undecoded), returns ours
   * (encoded). May throw a TransportError, which passes through unchanged.
   */
  transportParameters: (clientTransportParameters: Uint8Array) => Uint8Array;
  /** 0x39 (default) or 0xffa5 for draft-29. */
  transportParametersCodepoint?: TransportParametersCodepoint;
  /** Suites in preference order; default ChaCha20, AES-128-GCM, AES-256-GCM. */
  cipherSuites?: CipherSuite[];
  /**
   * Groups in preference order; default X25519, secp256r1. A client whose key
   * shares miss the first of these that it supports gets a HelloRetryRequest.
   */
  groups?: NamedGroup[];
  /** 32 bytes; session tickets and resumption are on when set. */
  ticketKey?: Uint8Array;
  /** 0 (default) disables 0-RTT; any other value announces 0xffffffff (RFC 9001 §4.6.1). */
  maxEarlyData?: number;
  /** Emit `keyLog` events. */
  keyLog?: boolean;
  /** Wall-clock milliseconds since the epoch (ticket issue time and age). */
  wallClockMs: () => number;
  /** Randomness (hello random, key shares, ticket nonces). */
  random: Random;
}
