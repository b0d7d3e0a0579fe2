/**
 * The transport settings the `pquic` command gives its connections, from
 * the common options (`-m`, `-X`/`SSLKEYLOGFILE`).
 *
 * @module
 */

import type { CommonConnectionConfig } from "../transport/connection/config.ts";
import type { CommonOptions } from "./args.ts";

/**
 * DPLPMTUD limit without `-m`: an Ethernet MTU minus IPv6 and UDP headers.
 * Discovery raises packets from 1200 bytes when the path carries them; to a
 * loopback peer it goes up to what loopback carries (`pmtuLoopback`).
 */
export const DEFAULT_PMTU_LIMIT = 1452;

/** The connection settings for `-m` and key logging. */
export function commonConfig(
  o: CommonOptions,
): Omit<CommonConnectionConfig, "random"> {
  const limit = o.mtu ?? DEFAULT_PMTU_LIMIT;
  const config: Omit<CommonConnectionConfig, "random"> = {
    pmtuProbeLimit: limit,
    keyLog: o.keyLogFile !== null,
  };
  // Without `-m`, loopback peers get ~64 KB datagrams (transport/connection/pmtud.ts),
  // unless plugins run (-P, -Q): some size their packets for the default limit (the
  // FEC plugins hold source symbols to ~1,500 bytes and fill a packet that carries a
  // REPAIR frame with stream data no symbol protects, plugins/fec/FRAMES.md), and
  // plugin measurements compare at that size.
  const plugins = o.plugins.length > 0 || o.injectPlugins.length > 0;
  if (o.mtu === null && !plugins) config.pmtuLoopback = true;
  if (o.mtu !== null) config.transportParameters = { maxUdpPayloadSize: o.mtu };
  return config;
}
