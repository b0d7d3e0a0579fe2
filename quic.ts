/**
 * The public QUIC API of pquic, modelled on Deno's own (`Deno.QuicEndpoint`,
 * `Deno.connectQuic`, `Deno.QuicConn`): a user of one knows the other.
 *
 * - {@link connectQuic} opens a client connection;
 * - {@link QuicEndpoint} binds a UDP socket; its `listen` accepts connections;
 * - {@link QuicConn} has streams as `ReadableStream`/`WritableStream` pairs,
 *   `close({ closeCode, reason })`, `closed`, `remoteAddr`, `protocol` and
 *   `stats()`.
 *
 * Needs `--unstable-net` (UDP sockets) and `--allow-net`.
 *
 * @example Echo over loopback
 * ```ts
 * import { connectQuic, generateCertificates, QuicEndpoint } from "./quic.ts";
 * import assert from "node:assert/strict";
 * const certs = await generateCertificates(["localhost"]);
 * const server = new QuicEndpoint({ hostname: "127.0.0.1" });
 * const listener = server.listen({ alpnProtocols: ["echo"], cert: certs.certPem, key: certs.keyPem });
 * listener.accept().then(async (conn) => {
 *   for await (const { readable, writable } of conn.incomingBidirectionalStreams) {
 *     await readable.pipeTo(writable);
 *   }
 * });
 * const conn = await connectQuic({
 *   hostname: "localhost",
 *   port: server.addr.port,
 *   alpnProtocols: ["echo"],
 *   caCerts: [certs.caPem],
 * });
 * assert.equal(conn.protocol, "echo");
 * const { readable, writable } = await conn.createBidirectionalStream();
 * await new Response("ping").body!.pipeTo(writable);
 * assert.equal(await new Response(readable).text(), "ping");
 * conn.close({ closeCode: 0, reason: "bye" });
 * await conn.closed;
 * await server.close();
 * ```
 *
 * @module
 */

import {
  type DemoCertificates,
  generateDemoCertificates,
} from "./transport/crypto/certificates.ts";
import type { QuicConn } from "./io/quic_conn.ts";
import { QuicEndpoint } from "./io/quic_endpoint.ts";
import type { ConnectQuicOptions } from "./io/quic_options.ts";
import { resolveHost } from "./io/udp.ts";

export { QuicConn, type QuicNetAddr } from "./io/quic_conn.ts";
export { QuicEndpoint, QuicListener } from "./io/quic_endpoint.ts";
export type {
  ConnectQuicOptions,
  QuicEndpointOptions,
  QuicListenOptions,
  QuicTransportOptions,
} from "./io/quic_options.ts";
export {
  type QuicBidirectionalStream,
  QuicReceiveStream,
  QuicSendStream,
} from "./io/quic_stream.ts";
export { type QuicCloseInfo, QuicConnectionError, QuicStreamError } from "./io/quic_errors.ts";
export type { DemoCertificates };

/**
 * Opens a QUIC connection and resolves once its handshake is complete
 * (Deno's `Deno.connectQuic`). Without `options.endpoint`, a new endpoint is
 * bound on an ephemeral port and closed with the connection.
 *
 * @example
 * ```ts ignore
 * const conn = await connectQuic({
 *   hostname: "localhost",
 *   port: 4433,
 *   alpnProtocols: ["hq-interop"],
 *   caCerts: [await Deno.readTextFile("ca.pem")],
 * });
 * ```
 *
 * @throws {QuicConnectionError} When the handshake fails (the `info` says why).
 */
export async function connectQuic(options: ConnectQuicOptions): Promise<QuicConn> {
  const hostname = await resolveHost(options.hostname);
  let endpoint = options.endpoint;
  if (endpoint === undefined) {
    endpoint = new QuicEndpoint();
    endpoint.closeWithConnection();
  }
  const conn = endpoint.connect(options, { hostname, port: options.port });
  try {
    await conn.handshake;
  } catch (e) {
    await conn.closed;
    throw e;
  }
  return conn;
}

/**
 * Makes a demo CA and a leaf certificate for `names` (DNS names or IP
 * literals), as PEM for `listen({ cert, key })` and `connectQuic({ caCerts })`.
 *
 * @example
 * ```ts
 * import { generateCertificates } from "./quic.ts";
 * import assert from "node:assert/strict";
 * const certs = await generateCertificates(["localhost", "127.0.0.1"]);
 * assert.match(certs.caPem, /BEGIN CERTIFICATE/);
 * assert.match(certs.keyPem, /BEGIN PRIVATE KEY/);
 * ```
 */
export function generateCertificates(
  names: string[] = ["localhost", "127.0.0.1", "::1"],
): Promise<DemoCertificates> {
  return generateDemoCertificates({ names });
}
