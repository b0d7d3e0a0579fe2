// deno-lint-ignore-file no-console
/**
 * The transport's CPU time per packet, this tree against another tree of the
 * project in the same run — the measurement behind issue 5's "the protoop
 * table costs at most 2%".
 *
 * Each round drives the same bulk transfer (a client sends `--size` MB on one
 * stream to a server, over the in-memory `Pair` with a 1 ms one-way delay
 * and a fixed seed) once with this tree's connection and once with the
 * `--base` tree's, alternating which goes first; it reports the median CPU
 * time per packet (process CPU time, `process.cpuUsage`, over both endpoints'
 * packets) of each, the ratio of the medians and the median of the per-round
 * ratios, and says so when the two trees send different numbers of packets.
 * The tree loaded first can come out a little slower: run both orders
 * (WIRING.md §9).
 *
 * To measure the table: wire it (WIRING.md), then extract the tree before the
 * wiring and compare:
 *
 * ```sh
 * mkdir -p /tmp/pquic-base && git archive <commit-before-wiring> | tar -x -C /tmp/pquic-base
 * deno run -A bench/protoop_packet_compare.ts --base /tmp/pquic-base [--size 4] [--rounds 15]
 * ```
 *
 * Without `--base` the tree is compared with itself: the ratio then shows the
 * noise floor of the machine.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { loadPair, type PairModule, transferCpu } from "./_transfer_cpu.ts";

const args = parseArgs({
  options: {
    base: { type: "string" },
    size: { type: "string", default: "4" },
    rounds: { type: "string", default: "11" },
  },
});
const here = new URL("..", import.meta.url);
const baseDir = args.values.base;
const base = baseDir === undefined ? here : new URL(`file://${baseDir.replace(/\/?$/, "/")}`);
const bytes = Number(args.values.size) * 1_000_000;
const rounds = Number(args.values.rounds);

const mine = await loadPair(here);
const theirs = await loadPair(base);
const transfer = (mod: PairModule) => transferCpu(mod, bytes);
const a: number[] = [];
const b: number[] = [];
const pairRatios: number[] = [];
let packets = 0;
await transfer(mine); // warm-up, both
await transfer(theirs);
for (let r = 0; r < rounds; r++) {
  const first = r % 2 === 0;
  const x = first ? await transfer(mine) : null;
  const y = await transfer(theirs);
  const z = first ? x! : await transfer(mine);
  a.push(z.perPacket);
  b.push(y.perPacket);
  pairRatios.push(z.perPacket / y.perPacket);
  if (z.packets !== y.packets) console.log(`  packets differ: ${z.packets} vs ${y.packets}`);
  packets = z.packets;
}
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;
const ma = median(a);
const mb = median(b);
console.log(`${args.values.size} MB, ${packets} packets per transfer, ${rounds} rounds`);
console.log(`  this tree : ${ma.toFixed(2)} µs CPU per packet (median)`);
console.log(`  base tree : ${mb.toFixed(2)} µs CPU per packet (median) — ${base.pathname}`);
console.log(`  ratio     : ×${(ma / mb).toFixed(4)} (${((ma / mb - 1) * 100).toFixed(2)} %)`);
const mr = median(pairRatios);
console.log(`  paired    : ×${mr.toFixed(4)} (median of the per-round ratios)`);
