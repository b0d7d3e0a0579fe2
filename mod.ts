/**
 * pquic: a QUIC endpoint (client and server) for Deno, written in
 * TypeScript, on its way to pluginized QUIC (PQUIC).
 *
 * The public API (from `quic.ts`) is modelled on Deno's own QUIC API: a user
 * of `Deno.connectQuic` and `Deno.QuicEndpoint` knows {@link connectQuic},
 * {@link QuicEndpoint} and {@link QuicConn}. Streams are
 * `ReadableStream`/`WritableStream` pairs with backpressure; datagrams
 * (RFC 9221), close codes and reasons, and connection statistics are there
 * too. Datagrams work the same whether the transport's own RFC 9221 code or
 * the built-in `datagram` plugin (plugins/datagram, attached through a
 * connection's `plugins`) provides them: `QuicConn.sendDatagram`,
 * `readDatagram` and `maxDatagramSize` go through the plugin when it is
 * there. It needs `--unstable-net` (UDP sockets) and `--allow-net`.
 *
 * Plugins (`.plugin` manifests of eBPF pluglets, PQUIC's) attach to
 * connections through the `plugins` option of `listen` and `connectQuic`:
 * {@link pluginFactory} gives every connection its own instance,
 * {@link injectPlugin} attaches one to a live connection; a faulting plugin
 * closes only its own connection, with INTERNAL_ERROR and a reason naming it.
 *
 * Below it, the sans-IO transport is exported for those who drive it
 * themselves: {@link Endpoint} and {@link Connection} (time in integer
 * microseconds, randomness passed in), the UDP driver {@link UdpDriver}, and
 * the deterministic network simulator {@link SimNetwork}.
 *
 * @example A server and a client over loopback
 * ```ts
 * import { connectQuic, generateCertificates, QuicEndpoint } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const certs = await generateCertificates(["localhost"]);
 * const server = new QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
 * const listener = server.listen({
 *   alpnProtocols: ["hq-interop"],
 *   cert: certs.certPem,
 *   key: certs.keyPem,
 * });
 * listener.accept().then(async (conn) => {
 *   for await (const { readable, writable } of conn.incomingBidirectionalStreams) {
 *     await readable.pipeTo(writable); // echo
 *   }
 * });
 *
 * const conn = await connectQuic({
 *   hostname: "localhost",
 *   port: server.addr.port,
 *   alpnProtocols: ["hq-interop"],
 *   caCerts: [certs.caPem],
 * });
 * const { readable, writable } = await conn.createBidirectionalStream();
 * await new Response("hello, QUIC").body!.pipeTo(writable);
 * assert.equal(await new Response(readable).text(), "hello, QUIC");
 * assert.ok(conn.stats().packetsReceived > 0);
 * conn.close({ closeCode: 0, reason: "done" });
 * await conn.closed;
 * await server.close();
 * ```
 *
 * @module
 */

export * from "./quic.ts";

// The sans-IO transport.
export type { SocketAddress } from "./transport/address.ts";
export { formatAddress, sameAddress } from "./transport/address.ts";
export {
  type ClientConnectionConfig,
  type CommonConnectionConfig,
  Connection,
  type ConnectionError,
  type ConnectionEvent,
  ConnectionState,
  type ConnectionStats,
  type ServerConnectionConfig,
} from "./transport/connection/mod.ts";
export {
  Endpoint,
  type EndpointConfig,
  type EndpointEvent,
  type EndpointStats,
} from "./transport/endpoint/endpoint.ts";
export {
  type CertificateIdentity,
  certificatesFromPem,
  certificatesToPem,
  generateDemoCertificates,
  identityFromPem,
} from "./transport/crypto/certificates.ts";
export { TransportError, TransportErrorCode, transportErrorName } from "./transport/errors.ts";
export { CryptoRandom, type Random, SeededRandom } from "./transport/random.ts";
export { QuicVersion, SUPPORTED_VERSIONS, versionName } from "./transport/version.ts";
export type { TransportParameters } from "./transport/transport_parameters.ts";

// Drivers.
export { monotonicMicros, wallClockMs } from "./io/clock.ts";
export { type BindOptions, bindUdp } from "./io/udp.ts";
export { UdpDriver, type UdpDriverHandlers, type UdpDriverStats } from "./io/udp_driver.ts";
export { SimNetwork, type SimNode } from "./io/sim/network.ts";

// Plugins on connections: `plugins: [pluginFactory(loadBuiltin("monitoring"))]` in
// `listen`/`connectQuic` options or connection configs, or `injectPlugin` on a live one.
export {
  BUILTIN_PLUGINS,
  DatagramCounter,
  type DatagramCounters,
  datagramCounters,
  type InjectedPlugin,
  injectedPlugins,
  type InjectOptions,
  injectPlugin,
  loadBuiltin,
  type LoadedPlugin,
  loadPlugin,
  pluginFactory,
  pluginFrameName,
  PluginInjectError,
  PluginLoadError,
  type PluginStats,
} from "./plugins/mod.ts";

// Plugin exchange: `pluginExchange: { inject: [offerPlugin(path, read)], store, trust }` in
// `listen`/`connectQuic` options fetches and offers plugins over the connection.
export {
  offerBundle,
  type OfferedPlugin,
  offerPlugin,
  type PluginExchangeOptions,
} from "./plugins/exchange/session.ts";
export { MemoryPluginStore, type PluginStore } from "./plugins/exchange/store.ts";
export { parseTrustPolicy, type TrustPolicy } from "./plugins/exchange/trust.ts";
export { DirectoryPluginStore } from "./io/plugin_cache.ts";
