/**
 * The client's end-of-run summary: handshake time, bytes, goodput, RTT,
 * packets sent/received/lost and frames by type name, from
 * `Connection.stats()` (DESIGN.md, "Observability users expect").
 *
 * @module
 */

import type { ConnectionStats } from "../transport/connection/stats.ts";

/** `12.345 ms` for µs (picoquicdemo prints transfer times as `<ms>.<µs> ms`). */
export function formatMs(us: number): string {
  return `${(us / 1000).toFixed(3)} ms`;
}

/** A byte count with a binary-free, human unit: `999 B`, `1.50 MB`. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(2)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

/** Bits per second for `bytes` in `us` microseconds: `123.4 Mbit/s`. */
export function formatRate(bytes: number, us: number): string {
  if (us <= 0) return "n/a";
  const bps = (bytes * 8) / (us / 1e6);
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(2)} Gbit/s`;
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(1)} Mbit/s`;
  return `${(bps / 1e3).toFixed(1)} kbit/s`;
}

/** `STREAM 120, ACK 4` — frame counts by name, largest first. */
export function formatFrames(frames: Record<string, number>): string {
  const entries = Object.entries(frames).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.length === 0 ? "none" : entries.map(([k, v]) => `${k} ${v}`).join(", ");
}

/** What the summary needs besides the connection's statistics. */
export interface TransferFigures {
  /** Response bytes received, all requests. */
  readonly bytes: number;
  /** From the first request sent to the last response ended (µs); 0 if none. */
  readonly transferUs: number;
  /** Requests done / asked. */
  readonly done: number;
  readonly total: number;
}

/**
 * The summary lines.
 *
 * @example
 * ```ts
 * import { summaryLines } from "./summary.ts";
 * import assert from "node:assert/strict";
 * const lines = summaryLines({
 *   packetsSent: 10, packetsReceived: 20, bytesSent: 1000, bytesReceived: 20000,
 *   datagramsSent: 10, datagramsReceived: 20, packetsLost: 1, packetsDropped: 0,
 *   rtt: { smoothed: 1500, min: 1000, latest: 1200, variance: 100 }, cwnd: 12000,
 *   bytesInFlight: 0, keyUpdates: 0, handshakeDuration: 3000,
 *   framesSent: { ACK: 5 }, framesReceived: { STREAM: 18 },
 *   pluginFramesSent: {}, pluginFramesReceived: {},
 * }, { bytes: 10000, transferUs: 8000, done: 1, total: 1 });
 * assert.ok(lines.some((l) => l.includes("goodput") && l.includes("10.0 Mbit/s")));
 * ```
 */
export function summaryLines(s: ConnectionStats, t: TransferFigures): string[] {
  const hs = s.handshakeDuration >= 0 ? formatMs(s.handshakeDuration) : "not completed";
  return [
    "Summary:",
    `  handshake       ${hs}`,
    `  requests        ${t.done} of ${t.total} complete`,
    `  received        ${t.bytes} bytes (${formatBytes(t.bytes)}) in ${formatMs(t.transferUs)}`,
    `  goodput         ${formatRate(t.bytes, t.transferUs)}`,
    `  rtt             smoothed ${formatMs(s.rtt.smoothed)}, min ${formatMs(s.rtt.min)}, ` +
    `latest ${formatMs(s.rtt.latest)}`,
    `  packets         sent ${s.packetsSent}, received ${s.packetsReceived}, ` +
    `lost ${s.packetsLost}, dropped ${s.packetsDropped}`,
    `  bytes on wire   sent ${s.bytesSent}, received ${s.bytesReceived}`,
    `  key updates     ${s.keyUpdates}`,
    `  frames sent     ${formatFrames(s.framesSent)}`,
    `  frames received ${formatFrames(s.framesReceived)}`,
    ...pluginFrameLines(s),
  ];
}

/**
 * Plugin frames by the names their plugins give them (`SFPID 12, REPAIR 3`);
 * no lines when no plugin frame was sent or received.
 *
 * @example
 * ```ts
 * import { pluginFrameLines } from "./summary.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(pluginFrameLines({ pluginFramesSent: {}, pluginFramesReceived: {} }), []);
 * assert.deepEqual(
 *   pluginFrameLines({ pluginFramesSent: { DATAGRAM: 2 }, pluginFramesReceived: {} }),
 *   ["  plugin frames   sent DATAGRAM 2; received none"],
 * );
 * ```
 */
export function pluginFrameLines(
  s: Pick<ConnectionStats, "pluginFramesSent" | "pluginFramesReceived">,
): string[] {
  const sent = s.pluginFramesSent ?? {};
  const received = s.pluginFramesReceived ?? {};
  if (Object.keys(sent).length === 0 && Object.keys(received).length === 0) return [];
  return [`  plugin frames   sent ${formatFrames(sent)}; received ${formatFrames(received)}`];
}
