/**
 * Connection configuration for clients and servers.
 *
 * Everything has a default except what only the caller can know: randomness,
 * the server name and trust anchors (client), the certificate (server).
 *
 * @module
 */

import type { CertificateIdentity } from "../crypto/certificates.ts";
import type { Random } from "../random.ts";
import type { CipherSuite, NamedGroup, SessionTicket } from "../tls/session.ts";
import type { TransportParameters } from "../transport_parameters.ts";
import type { SocketAddress } from "../address.ts";
import { DEFAULT_ACTIVE_CID_LIMIT } from "./cids.ts";
import type { QlogSink } from "./qlog_sink.ts";
import type { PluginDefinition } from "../protoop/attach.ts";
import type { Connection } from "./connection.ts";

/** Makes a connection's own instance of a plugin (see `CommonConnectionConfig.plugins`). */
export type PluginFactory = (connection: Connection) => PluginDefinition;

/** Settings shared by clients and servers. */
export interface CommonConnectionConfig {
  /** Randomness for CIDs, tokens and TLS (a `SeededRandom` in tests). */
  random: Random;
  /** ALPN protocols in preference order; default `["hq-interop"]`. */
  alpnProtocols?: string[];
  /**
   * Our transport parameters, over the defaults (RFC 9000 §18.2). CIDs and
   * version information are filled in by the connection.
   */
  transportParameters?: Partial<TransportParameters>;
  /** TLS cipher suites in preference order. */
  cipherSuites?: CipherSuite[];
  /** TLS key-exchange groups in preference order. */
  groups?: NamedGroup[];
  /** Congestion controller: `"newreno"` (default, RFC 9002 §7) or `"cubic"` (RFC 9438). */
  congestionControl?: "newreno" | "cubic";
  /** Length of the CIDs we issue (default 8). */
  localCidLength?: number;
  /** Largest UDP payload we send (default 1200, RFC 9000 §14). */
  maxDatagramSize?: number;
  /**
   * DPLPMTUD (RFC 9000 §14.3): the largest UDP payload to probe for once the
   * handshake is confirmed, also bounded by the peer's max_udp_payload_size.
   * Absent, or not above `maxDatagramSize`: no discovery.
   */
  pmtuProbeLimit?: number;
  /**
   * Towards a loopback peer (127.0.0.0/8, ::1), probe up to what loopback
   * carries (65,507 bytes over IPv4, 65,488 over IPv6) when that is above
   * `pmtuProbeLimit`, the largest size first and beyond the congestion
   * window (see `pmtud.ts`). Default false. Other peers: no change.
   */
  pmtuLoopback?: boolean;
  /** Largest stream receive window the auto-tuner may reach. */
  maxStreamWindow?: number;
  /** Emit `keyLog` events (SSLKEYLOGFILE lines). */
  keyLog?: boolean;
  /** Wall clock in ms for certificate validity and tickets (default: 0 + connection time). */
  wallClockMs?: () => number;
  /**
   * The stateless reset token for a CID we issue (RFC 9000 §10.3.2): an endpoint
   * derives it from a static key so it can reset after losing state. Default: random.
   */
  resetTokenFor?: (cid: Uint8Array) => Uint8Array;
  /** Send a PING after this much idleness (µs) to keep the connection alive; 0 = never. */
  keepAliveInterval?: number;
  /** Trace hook for qlog (see `qlog_sink.ts`); absent = no tracing, no cost. */
  qlog?: QlogSink;
  /**
   * Plugins attached to the connection's protoop table when it is created,
   * before its transport parameters are written (see `transport/protoop/`).
   * A function is called with the connection in its constructor and returns
   * the definition to attach, so that every connection made from one config
   * (an endpoint's server config) gets its own plugin instances
   * (`plugins/inject.ts`'s `pluginFactory`). A refused attachment throws from
   * `Connection.client`/`server`.
   */
  plugins?: readonly (PluginDefinition | PluginFactory)[];
}

/** A client's configuration. */
export interface ClientConnectionConfig extends CommonConnectionConfig {
  /** SNI and the name the certificate must carry. */
  serverName: string;
  /** DER CA certificates the server's chain must lead to. */
  trustAnchors?: Uint8Array[];
  /** Accept any certificate (demos only). */
  insecureSkipVerify?: boolean;
  /** Groups offered with a key share in the first ClientHello (default X25519). */
  keyShareGroups?: NamedGroup[];
  /** The version of the first Initial (default v1). */
  version?: number;
  /**
   * Versions we could also speak: listed in version_information for compatible
   * negotiation (RFC 9368; default v1 and v2 for a v1 client) and used to retry
   * after a Version Negotiation packet when `retryOnVersionNegotiation` is set.
   */
  otherVersions?: number[];
  /** Restart with a common version after Version Negotiation instead of failing. */
  retryOnVersionNegotiation?: boolean;
  /**
   * Move to the server's preferred_address once the handshake is confirmed
   * (RFC 9000 §9.6; default true).
   */
  usePreferredAddress?: boolean;
  /** A ticket from an earlier connection's `sessionTicket` event, to resume. */
  sessionTicket?: SessionTicket;
  /** Send 0-RTT data when the ticket allows it (RFC 9001 §4.6). */
  enableEarlyData?: boolean;
  /**
   * A token from an earlier connection's `newToken` event (RFC 9000 §8.1.3),
   * sent in our Initials so that the server may skip address validation.
   */
  token?: Uint8Array;
}

/** A server's configuration. */
export interface ServerConnectionConfig extends CommonConnectionConfig {
  /** Our certificate chain and key. */
  identity: CertificateIdentity;
  /** 32-byte key for session tickets; resumption is on when set. */
  ticketKey?: Uint8Array;
  /** Accept 0-RTT (with a ticket key). */
  enableEarlyData?: boolean;
  /**
   * Versions in our order of preference for compatible version negotiation
   * (RFC 9368 §4): a client offering v1 and v2 is moved to the first version
   * of this list it also offers. Default: stay with the client's version.
   */
  preferredVersions?: number[];
  /** Number of session tickets to send after the handshake (default 1 with a ticket key). */
  sessionTickets?: number;
  /**
   * Makes a NEW_TOKEN token for the client's address, sent once the handshake
   * completes (RFC 9000 §8.1.3); an endpoint sets it. Absent: no NEW_TOKEN.
   */
  newToken?: (remote: SocketAddress, now: number) => Uint8Array;
  /**
   * An IPv4 address of ours clients may move to after the handshake, sent as
   * preferred_address (RFC 9000 §9.6, §18.2). The driver must receive on it;
   * packets for it carry `local` in `pollTransmit`'s result.
   */
  preferredAddress?: SocketAddress;
}

/** Our defaults over RFC 9000's (which leave flow control at 0). Arbitrary but generous. */
export const LOCAL_DEFAULTS: Partial<TransportParameters> = {
  maxIdleTimeout: 30_000,
  initialMaxData: 16 * 1024 * 1024,
  initialMaxStreamDataBidiLocal: 1024 * 1024,
  initialMaxStreamDataBidiRemote: 1024 * 1024,
  initialMaxStreamDataUni: 1024 * 1024,
  initialMaxStreamsBidi: 100,
  initialMaxStreamsUni: 100,
  activeConnectionIdLimit: DEFAULT_ACTIVE_CID_LIMIT,
};

/** Default datagram size: the QUIC minimum (RFC 9000 §14). */
export const DEFAULT_DATAGRAM_SIZE = 1200;

/** Initialization data an endpoint passes to {@link Connection.server}. */
export interface ServerInit {
  /** Where the client's first datagram came from. */
  remote: SocketAddress;
  /** Version of the client's Initial. */
  version: number;
  /** DCID of the client's Initial: the original DCID, or the Retry SCID after a Retry. */
  clientDcid: Uint8Array;
  /** SCID of the client's Initial. */
  clientScid: Uint8Array;
  /** The SCID we chose for this connection. */
  localCid: Uint8Array;
  /** The client's original DCID when a Retry happened. */
  originalDcid?: Uint8Array;
  /** The SCID of our Retry, when a Retry happened. */
  retryScid?: Uint8Array;
  /** True when the client's address is validated (a Retry token was checked). */
  addressValidated?: boolean;
}
