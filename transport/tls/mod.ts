/**
 * TLS 1.3 (RFC 8446) for QUIC (RFC 9001): sans-IO client and server
 * handshakes behind the {@link TlsSession} seam.
 *
 * @example A handshake in memory
 * ```ts ignore
 * import { createClientSession, createServerSession } from "./mod.ts";
 * const client = createClientSession({ serverName: "localhost", alpnProtocols: ["h3"], ... });
 * const server = createServerSession({ identity, alpnProtocols: ["h3"], ... });
 * client.start(0);
 * // move each `data` event's bytes to the other side's receive(level, data, now)
 * ```
 *
 * @module
 */

export {
  ClientSession,
  createClientSession,
  DEFAULT_CLIENT_SUITES,
  DEFAULT_GROUPS,
} from "./client.ts";
export {
  createServerSession,
  DEFAULT_SERVER_GROUPS,
  DEFAULT_SERVER_SUITES,
  ServerSession,
  TICKET_LIFETIME,
} from "./server.ts";
export type { TlsClientConfig, TlsServerConfig, TransportParametersCodepoint } from "./config.ts";
export { Alert, alertName } from "./alert.ts";
export {
  CipherSuite,
  EncryptionLevel,
  NamedGroup,
  type SessionTicket,
  TlsAlert,
  type TlsEvent,
  type TlsSession,
} from "./session.ts";
