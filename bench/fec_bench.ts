// deno-lint-ignore-file no-console
/**
 * What forward erasure correction (plugins/fec) buys and costs, on the
 * simulated network (seeded, many runs), as PQUIC's FEC paper measured it:
 *
 * 1. Completion time of downloads with FEC over completion time without, for
 *    the same seeds (same loss pattern on the wire until the runs diverge):
 *    10 KB, 50 KB and 1 MB at 1–8% random loss and 100–400 ms RTT; median and
 *    best tenth of the ratios (below 1: FEC finished sooner).
 * 2. Goodput cost without loss: a CPU-bound download on an ideal link (no
 *    delay, no bandwidth limit): bytes per second of process CPU time (both
 *    ends run in this process), with FEC against without, interleaved rounds
 *    (CPU time, not wall time: the machine is shared); the cost is the median
 *    over rounds of each round's cost against that round's run without FEC.
 *    The redundancy alone costs n/k − 1 more packets: 1/5 with (6,5) and
 *    (30,25), so at least 1 − 5/6 ≈ 17% of goodput; the adaptive controller
 *    goes down to (31,30) on a clean path (≈ 3%); the rest is the plugin's
 *    per-packet work (pluglet runs, symbol capture) at both ends.
 *
 * ```sh
 * deno run -A bench/fec_bench.ts                 # everything (a few minutes)
 * deno run -A bench/fec_bench.ts --runs 20 --bulk-runs 6 --cost-rounds 5
 * deno run -A bench/fec_bench.ts --only cost --cost-rounds 9    # the cost table
 * ```
 *
 * @module
 */

import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { loadBuiltinOrFile, runDownload, simPluginPair } from "../plugins/_sim_testing.ts";
import type { LoadedPlugin } from "../plugins/loader.ts";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "40" },
    "bulk-runs": { type: "string", default: "10" },
    "cost-rounds": { type: "string", default: "7" },
    "cost-size": { type: "string", default: "4000000" },
    only: { type: "string", default: "" },
  },
});
const RUNS = Number(args.runs);
const BULK_RUNS = Number(args["bulk-runs"]);
const COST_ROUNDS = Number(args["cost-rounds"]);
const COST_SIZE = Number(args["cost-size"]);

const DIR = new URL("../plugins/fec/", import.meta.url).pathname;
const VARIANTS: Record<string, string> = {
  "XOR, whole stream": "fec.plugin",
  "XOR, end of stream": "fec_protect_end_of_stream.plugin",
  "RLC (30,25)": "fec_rlc.plugin",
  "RLC, adaptive": "fec_rlc_adaptive.plugin",
};
const plugins = new Map<string, LoadedPlugin>(
  Object.entries(VARIANTS).map(([k, f]) => [k, loadBuiltinOrFile(DIR + f)]),
);

/** Longest download, µs of virtual time (1 MB at 8% loss and 400 ms takes about 100 s). */
const MAX_TIME = 900_000_000;
/** Bandwidth of the simulated path (both ways), bit/s. */
const BANDWIDTH = 20_000_000;

async function completion(
  plugin: LoadedPlugin | null,
  size: number,
  loss: number,
  rttMs: number,
  seed: number,
): Promise<number> {
  const fec = plugin === null ? [] : [plugin];
  const pair = await simPluginPair({
    client: fec,
    server: fec,
    seed,
    link: { delay: rttMs * 500, loss, bandwidth: BANDWIDTH },
  });
  const r = runDownload(pair, size, { seed, maxTime: MAX_TIME });
  if (!r.sha256ok) throw new Error(`download of ${size} bytes failed (seed ${seed})`);
  return r.durationUs;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function completionTable(): Promise<void> {
  const names = [...plugins.keys()];
  console.log(
    `## Completion time with FEC / without (median, best tenth), ${BANDWIDTH / 1e6} Mbit/s\n`,
  );
  console.log(`| size | loss | RTT | runs | ${names.join(" | ")} |`);
  console.log(`| ---- | ---- | --- | ---- | ${names.map(() => "---").join(" | ")} |`);
  for (const size of [10_000, 50_000, 1_000_000]) {
    const runs = size >= 1_000_000 ? BULK_RUNS : RUNS;
    for (const loss of [0.01, 0.03, 0.08]) {
      for (const rtt of [100, 400]) {
        const ratios = names.map(() => [] as number[]);
        for (let seed = 1; seed <= runs; seed++) {
          const base = await completion(null, size, loss, rtt, seed);
          for (let v = 0; v < names.length; v++) {
            const t = await completion(plugins.get(names[v]!)!, size, loss, rtt, seed);
            ratios[v]!.push(t / base);
          }
        }
        const cells = ratios.map((r) => {
          r.sort((a, b) => a - b);
          return `${quantile(r, 0.5).toFixed(2)}, ${quantile(r, 0.1).toFixed(2)}`;
        });
        console.log(
          `| ${size / 1000} KB | ${loss * 100}% | ${rtt} ms | ${runs} | ${cells.join(" | ")} |`,
        );
      }
    }
  }
  console.log("");
}

async function cpuBound(plugin: LoadedPlugin | null): Promise<number> {
  const fec = plugin === null ? [] : [plugin];
  const pair = await simPluginPair({ client: fec, server: fec, seed: 1, link: {} });
  const t0 = cpuUsage();
  const r = runDownload(pair, COST_SIZE);
  const t = cpuUsage(t0);
  if (!r.sha256ok) throw new Error("CPU-bound download failed");
  return (COST_SIZE * 8) / (t.user + t.system); // Mbit/s of process CPU time
}

async function costTable(): Promise<void> {
  console.log(
    `## Goodput without loss, per CPU second (ideal simulated link, ${
      COST_SIZE / 1e6
    } MB, ${COST_ROUNDS} interleaved rounds)\n`,
  );
  const names = ["none", ...plugins.keys()];
  const rates = names.map(() => [] as number[]);
  // Each round's costs are against that round's run without FEC (the machine is shared: its
  // speed drifts between rounds more than within one); the order rotates between rounds.
  const costs = names.map(() => [] as number[]);
  for (let round = -1; round < COST_ROUNDS; round++) {
    const rate = new Array<number>(names.length);
    for (let j = 0; j < names.length; j++) {
      const v = (j + Math.max(round, 0)) % names.length;
      rate[v] = await cpuBound(v === 0 ? null : plugins.get(names[v]!)!);
    }
    if (round < 0) continue; // round -1 warms up
    rate.forEach((r, v) => {
      rates[v]!.push(r);
      costs[v]!.push(1 - r / rate[0]!);
    });
  }
  const med = (a: number[]) => quantile(a.sort((x, y) => x - y), 0.5);
  console.log("| plugin | goodput (Mbit/s) | cost (median of rounds) |");
  console.log("| ------ | ---------------- | ----------------------- |");
  names.forEach((n, i) => {
    const cost = i === 0 ? "—" : `${(med(costs[i]!) * 100).toFixed(0)}%`;
    console.log(`| ${n} | ${med(rates[i]!).toFixed(0)} | ${cost} |`);
  });
  console.log("");
}

if (import.meta.main) {
  if (args.only !== "cost") await completionTable();
  if (args.only !== "completion") await costTable();
}

// Under `deno bench`: one 50 KB download at 3 % loss and 100 ms, with and without XOR FEC
// (virtual time is what FEC changes; this measures the CPU it costs to get there).
for (const name of [null, "XOR, whole stream"] as const) {
  Deno.bench({
    name: `50 KB download, 3 % loss, 100 ms: ${name ?? "no FEC"}`,
    group: "fec",
    baseline: name === null,
    async fn() {
      await completion(name === null ? null : plugins.get(name)!, 50_000, 0.03, 100, 7);
    },
  });
}
