/**
 * The transport settings the `pquic` command gives its connections, from
 * the common options (`-m`, `-X`/`SSLKEYLOGFILE`).
 *
 * @module
 */

import type { LoadedPlugin } from "../plugins/loader.ts";
import type { CommonConnectionConfig } from "../transport/connection/config.ts";
import type { CommonOptions } from "./args.ts";

/**
 * DPLPMTUD limit without `-m`: an Ethernet MTU minus IPv6 and UDP headers.
 * Discovery raises packets from 1200 bytes when the path carries them; to a
 * loopback peer it goes up to what loopback carries (`pmtuLoopback`).
 */
export const DEFAULT_PMTU_LIMIT = 1452;

/**
 * The connection settings for `-m` and key logging.
 *
 * @param o the command's options
 * @param plugins the plugins its connections may run (`-P` and `-Q`, loaded)
 * @returns the settings common to client and server
 */
export function commonConfig(
  o: CommonOptions,
  plugins: readonly LoadedPlugin[] = [],
): Omit<CommonConnectionConfig, "random"> {
  // A plugin may handle packets up to a size only (`max_packet=` in its manifest: the FEC
  // plugins hold source symbols to ~1,500 bytes, plugins/fec/FRAMES.md): discovery stays
  // at or below the smallest such bound, loopback, `-m` or not.
  const bounds = plugins.flatMap((p) => p.options.maxPacket ?? []);
  const bound = bounds.length > 0 ? Math.min(...bounds) : null;
  const wanted = o.mtu ?? DEFAULT_PMTU_LIMIT;
  const limit = bound === null ? wanted : Math.min(bound, wanted);
  const config: Omit<CommonConnectionConfig, "random"> = {
    pmtuProbeLimit: limit,
    keyLog: o.keyLogFile !== null,
  };
  // Without `-m`, loopback peers get ~64 KB datagrams (transport/connection/pmtud.ts).
  if (o.mtu === null && bound === null) config.pmtuLoopback = true;
  if (o.mtu !== null) config.transportParameters = { maxUdpPayloadSize: o.mtu };
  return config;
}
