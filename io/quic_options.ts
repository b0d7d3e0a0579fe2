/**
 * Options of the public QUIC API (`quic.ts`), named as in Deno's QUIC API
 * where Deno has the option, and how they become transport configuration.
 *
 * @module
 */

import type { CommonConnectionConfig, PluginFactory } from "../transport/connection/config.ts";
import type { PluginDefinition } from "../transport/protoop/attach.ts";
import type { TransportParameters } from "../transport/transport_parameters.ts";
import { pluginExchange, type PluginExchangeOptions } from "../plugins/exchange/session.ts";

/** Where a {@link QuicEndpoint} binds (Deno's `QuicEndpointOptions`). */
export interface QuicEndpointOptions {
  /** A literal IP address; default `::` (dual-stack where the system allows). */
  hostname?: string;
  /** The UDP port; default 0 (any). */
  port?: number;
  /**
   * 32 bytes from which stateless-reset and Retry-token keys derive. Keep it
   * across restarts so that peers of lost connections are reset. Default: random.
   */
  secret?: Uint8Array;
}

/** Transport settings shared by clients and servers (Deno's `QuicTransportOptions` and more). */
export interface QuicTransportOptions {
  /** Send a keep-alive PING after this many ms without sending. */
  keepAliveInterval?: number;
  /** Idle timeout in ms (the smaller of ours and the peer's applies). Default 30,000. */
  maxIdleTimeout?: number;
  /** Bidirectional streams the peer may open at once (default 100). */
  maxConcurrentBidirectionalStreams?: number;
  /** Unidirectional streams the peer may open at once (default 100). */
  maxConcurrentUnidirectionalStreams?: number;
  /**
   * `"newreno"` (RFC 9002), `"cubic"` (RFC 9438); Deno's names map to them:
   * `"throughput"` → cubic, `"low-latency"` and `"default"` → newreno.
   */
  congestionControl?: "newreno" | "cubic" | "throughput" | "low-latency" | "default";
  /**
   * Largest UDP payload we send. Default: 1200 bytes (RFC 9000 §14), except
   * towards a loopback peer (127.0.0.0/8, ::1), where path MTU discovery
   * (RFC 8899) raises it to what loopback carries, about 64 KB, within the
   * first round trips, unless `plugins` or `pluginExchange` are given (the
   * FEC plugins size their packets for ~1,500 bytes). Setting it keeps that
   * size, without discovery.
   */
  maxDatagramSize?: number;
  /**
   * Accept DATAGRAM frames (RFC 9221) up to this size (the
   * max_datagram_frame_size transport parameter); 0 refuses them. Default 65,535.
   */
  maxDatagramFrameSize?: number;
  /** Receives NSS key-log lines (SSLKEYLOGFILE format) for traffic decryption. */
  keyLog?: (line: string) => void;
  /**
   * Plugins for every connection (a listener's: each accepted connection;
   * `connectQuic`'s: the one it makes). Give factories — `pluginFactory(plugin)`
   * from `plugins/mod.ts` — so that each connection gets its own instance.
   */
  plugins?: readonly (PluginDefinition | PluginFactory)[];
  /**
   * Plugin exchange (issue #8, `plugins/exchange/session.ts`): plugins to run
   * at both ends (`-Q`, offered to the peer), a cache of received bundles
   * (`-C`, a `DirectoryPluginStore`), the trust policy for received bundles.
   * Every connection gets its own exchange.
   */
  pluginExchange?: PluginExchangeOptions;
}

/** A server's settings (Deno's `QuicListenOptions`). */
export interface QuicListenOptions extends QuicTransportOptions {
  /** ALPN protocols we accept, in preference order. */
  alpnProtocols: string[];
  /**
   * The certificate chain (PEM, leaf first). With `key`; when both are left
   * out, a demo CA and leaf for localhost, 127.0.0.1 and ::1 are made (the
   * listener's `certificates` then has their PEM).
   */
  cert?: string;
  /** The leaf's private key (PEM: PKCS#8, SEC1 or PKCS#1). */
  key?: string;
  /** Validate client addresses with a Retry first (RFC 9000 §8.1.2). */
  retry?: boolean;
}

/** A client's settings (Deno's `ConnectQuicOptions`). */
export interface ConnectQuicOptions extends QuicTransportOptions {
  /** The server: an IP literal or a name (resolved; `localhost` is 127.0.0.1). */
  hostname: string;
  /** The server's UDP port. */
  port: number;
  /** The name the certificate must carry (SNI); default `hostname`. */
  serverName?: string;
  /** ALPN protocols we offer. */
  alpnProtocols: string[];
  /** PEM CA certificates the server's chain must lead to (no system roots are used). */
  caCerts?: string[];
  /** Accept any server certificate (tests and demos only). */
  insecure?: boolean;
  /** The endpoint to use; default: a new one on an ephemeral port, closed with the connection. */
  endpoint?: import("./quic_endpoint.ts").QuicEndpoint;
}

/** DATAGRAM frames we accept by default (RFC 9221 §3), as Deno's QUIC does. */
export const DEFAULT_MAX_DATAGRAM_FRAME_SIZE = 65_535;

/** The controller named by a `congestionControl` option. */
export function congestionOf(
  name: QuicTransportOptions["congestionControl"],
): "newreno" | "cubic" {
  return name === "cubic" || name === "throughput" ? "cubic" : "newreno";
}

/**
 * The part of a connection config that {@link QuicTransportOptions} set.
 *
 * @example
 * ```ts
 * import { transportConfig } from "./quic_options.ts";
 * import assert from "node:assert/strict";
 * const c = transportConfig({ maxIdleTimeout: 5000, congestionControl: "throughput" });
 * assert.equal(c.transportParameters?.maxIdleTimeout, 5000);
 * assert.equal(c.congestionControl, "cubic");
 * ```
 */
export function transportConfig(
  o: QuicTransportOptions,
): Omit<CommonConnectionConfig, "random"> {
  const params: Partial<TransportParameters> = {};
  if (o.maxIdleTimeout !== undefined) params.maxIdleTimeout = o.maxIdleTimeout;
  if (o.maxConcurrentBidirectionalStreams !== undefined) {
    params.initialMaxStreamsBidi = o.maxConcurrentBidirectionalStreams;
  }
  if (o.maxConcurrentUnidirectionalStreams !== undefined) {
    params.initialMaxStreamsUni = o.maxConcurrentUnidirectionalStreams;
  }
  const datagrams = o.maxDatagramFrameSize ?? DEFAULT_MAX_DATAGRAM_FRAME_SIZE;
  if (datagrams > 0) params.maxDatagramFrameSize = datagrams;
  const config: Omit<CommonConnectionConfig, "random"> = {
    transportParameters: params,
    congestionControl: congestionOf(o.congestionControl),
    keyLog: o.keyLog !== undefined,
  };
  if (o.maxDatagramSize !== undefined) {
    config.maxDatagramSize = o.maxDatagramSize;
  } else if ((o.plugins?.length ?? 0) === 0 && o.pluginExchange === undefined) {
    // DPLPMTUD towards loopback peers only (transport/connection/pmtud.ts); not with
    // plugins, as in the command (cli/endpoint_config.ts: FEC sizes its packets for
    // 1,500 bytes).
    config.pmtuLoopback = true;
  }
  if (o.keepAliveInterval !== undefined) config.keepAliveInterval = o.keepAliveInterval * 1000;
  if (o.plugins !== undefined && o.plugins.length > 0) config.plugins = o.plugins;
  if (o.pluginExchange !== undefined) {
    config.plugins = [...(config.plugins ?? []), pluginExchange(o.pluginExchange)];
  }
  return config;
}
