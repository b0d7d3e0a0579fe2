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
 * Discovery raises packets from 1200 bytes when the path carries them.
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
  if (o.mtu !== null) config.transportParameters = { maxUdpPayloadSize: o.mtu };
  return config;
}
