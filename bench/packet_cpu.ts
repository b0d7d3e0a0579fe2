// deno-lint-ignore-file no-console
/**
 * CPU time per packet of one tree of the project, measured in its own
 * process: the median over `rounds` 4 MB transfers over the in-memory pair
 * (1 ms one way, fixed seed), after two warm-up transfers. Comparing two trees
 * (issue 5's protoop cost) means running this alternately on each, so that
 * neither benefits from being loaded second in a shared process:
 *
 * ```sh
 * mkdir -p /tmp/pquic-base && git archive <commit> | tar -x -C /tmp/pquic-base
 * for i in 1 2 3 4 5 6; do
 *   echo "this $(deno run -A bench/packet_cpu.ts . 9) base $(deno run -A bench/packet_cpu.ts /tmp/pquic-base 9)"
 * done
 * ```
 *
 * @module
 */

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { loadPair, transferCpu } from "./_transfer_cpu.ts";

const tree = resolve(Deno.args[0] ?? ".");
const rounds = Number(Deno.args[1] ?? 9);
const bytes = 4_000_000;
const mod = await loadPair(new URL(`${pathToFileURL(tree).href}/`));

await transferCpu(mod, bytes);
await transferCpu(mod, bytes);
const samples: number[] = [];
for (let i = 0; i < rounds; i++) samples.push((await transferCpu(mod, bytes)).perPacket);
samples.sort((a, b) => a - b);
console.log(samples[samples.length >> 1]!.toFixed(3));
