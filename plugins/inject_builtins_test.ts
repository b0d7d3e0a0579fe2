/**
 * The built-in plugins' effects on live connections (simulator): no_pacing
 * lets packets leave in bursts, disable_congestion_control pins the window
 * through losses. Each is compared with the same run without the plugin.
 */

import assert from "node:assert/strict";
import type { ConnNode } from "../tests/_conn_sim.ts";
import type { LinkConfig } from "../io/sim/link.ts";
import { MAX_BURST_PACKETS } from "../transport/recovery/pacer.ts";
import { largestBurst, loadBuiltinOrFile, runDownload, simPluginPair } from "./_sim_testing.ts";
import type { LoadedPlugin } from "./loader.ts";

/** Records the virtual time of every datagram a node sends. */
function sendTimes(node: ConnNode): number[] {
  const times: number[] = [];
  const poll = node.pollTransmit.bind(node);
  node.pollTransmit = (now) => {
    const t = poll(now);
    if (t !== null) times.push(now);
    return t;
  };
  return times;
}

/**
 * Two downloads on one connection: the first grows the window, the second
 * has the server write a large response at once, with the window open.
 */
async function burstOf(server: LoadedPlugin[]) {
  const pair = await simPluginPair({ server, link: { delay: 20_000, bandwidth: 200_000_000 } });
  const first = runDownload(pair, 1_000_000);
  const times = sendTimes(pair.server);
  const second = runDownload(pair, 300_000, { seed: 2 });
  return {
    burst: largestBurst(times),
    ok: first.sha256ok && second.sha256ok,
    pacing: second.server!.plugins.pacingEnabled,
  };
}

Deno.test("no_pacing: without the pacer the server's packets leave in bursts past the pacer's", async () => {
  const paced = await burstOf([]);
  const unpaced = await burstOf([loadBuiltinOrFile("no_pacing")]);
  assert.ok(paced.ok && unpaced.ok);
  assert.equal(paced.pacing, true);
  assert.equal(unpaced.pacing, false, "no_pacing turned the pacer off");
  assert.ok(paced.burst <= MAX_BURST_PACKETS, `paced burst ${paced.burst}`);
  assert.ok(
    unpaced.burst > 2 * MAX_BURST_PACKETS,
    `unpaced burst ${unpaced.burst} (paced ${paced.burst})`,
  );
});

/** Windows of the server after every input, and its losses. */
async function windows(server: LoadedPlugin[], link: LinkConfig) {
  const pair = await simPluginPair({ server, link, seed: 11 });
  const seen: number[] = [];
  const node = pair.server;
  for (const m of ["receive", "onTimeout"] as const) {
    const orig = (node[m] as (...a: unknown[]) => void).bind(node);
    (node as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => {
      orig(...a);
      if (node.conn !== null) seen.push(node.conn.stats().cwnd);
    };
  }
  const r = runDownload(pair, 600_000);
  assert.ok(r.sha256ok, `download ended with ${r.result}`);
  return { seen, lost: r.server!.stats().packetsLost };
}

/** Whether the window ever went down. */
function dropped(seen: readonly number[]): boolean {
  return seen.some((w, i) => i > 0 && w < seen[i - 1]!);
}

Deno.test("disable_congestion_control: the window never drops after induced losses", async () => {
  const link: LinkConfig = { delay: 10_000, bandwidth: 50_000_000, loss: 0.05 };
  const control = await windows([], link);
  assert.ok(control.lost > 0 && dropped(control.seen), "without the plugin, losses shrink it");
  const pinned = await windows([loadBuiltinOrFile("disable_congestion_control")], link);
  assert.ok(pinned.lost > 0, "the link lost packets");
  assert.ok(!dropped(pinned.seen), "the window never went down");
  assert.equal(pinned.seen[pinned.seen.length - 1], Infinity, "pinned to unlimited");
});
