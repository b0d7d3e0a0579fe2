/**
 * The QUIC connection: a sans-IO state machine driven by `receive`,
 * `pollTransmit`, `nextTimeout` and `onTimeout`, reporting what happens as
 * {@link ConnectionEvent}s.
 *
 * @example A client and a server completing a handshake by passing datagrams by hand
 * ```ts ignore
 * import { Connection } from "./mod.ts";
 * const client = Connection.client(clientConfig, serverAddress, 0);
 * const first = client.pollTransmit(0)!; // the padded client Initial
 * // An endpoint creates the server side for the client's first Initial:
 * const server = Connection.server(serverConfig, {
 *   remote: clientAddress, version: 1, clientDcid, clientScid, localCid,
 * }, 0);
 * server.receive(first.datagram, clientAddress, 0);
 * ```
 *
 * @module
 */

export { Connection, DEFAULT_DATAGRAM_SIZE } from "./connection.ts";
export type { ServerInit } from "./config.ts";
export type {
  ClientConnectionConfig,
  CommonConnectionConfig,
  PluginFactory,
  ServerConnectionConfig,
} from "./config.ts";
export { type ConnectionError, type ConnectionEvent, ConnectionState } from "./events.ts";
export type { ConnectionStats } from "./stats.ts";
export { Timer, TimerTable } from "./timers.ts";
export { BASE_PLPMTU, PmtuChange, PmtuDiscovery } from "./pmtud.ts";
export { MAX_ISSUED_CIDS } from "./paths.ts";
