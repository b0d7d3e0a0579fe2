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

import process from "node:process";
import { resolve } from "node:path";

interface ConnLike {
  isHandshakeConfirmed: boolean;
  openStream(bidi: boolean): number | null;
  write(id: number, data: Uint8Array, fin?: boolean): number;
  finish(id: number): void;
  read(id: number, max?: number): { data: Uint8Array; fin: boolean } | null;
  stats(): { packetsSent: number };
}
interface PairLike {
  client: ConnLike;
  server: ConnLike | null;
  drive(done: () => boolean, maxTime?: number, maxSteps?: number): boolean;
}

const tree = resolve(Deno.args[0] ?? ".");
const rounds = Number(Deno.args[1] ?? 9);
const bytes = 4_000_000;
const mod = await import(`file://${tree}/transport/connection/_test_pair.ts`) as {
  Pair: { create(opts: { seed?: number; delay?: number }): Promise<PairLike> };
};

/** One transfer: CPU µs per packet sent by both ends. */
async function transfer(): Promise<number> {
  const pair = await mod.Pair.create({ seed: 7, delay: 1_000 });
  pair.drive(() => pair.client.isHandshakeConfirmed && pair.server?.isHandshakeConfirmed === true);
  const server = pair.server!;
  const before = pair.client.stats().packetsSent + server.stats().packetsSent;
  const id = pair.client.openStream(true)!;
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let sent = 0;
  let received = 0;
  let finished = false;
  const c0 = process.cpuUsage();
  const ok = pair.drive(
    () => {
      while (sent < bytes) {
        const n = pair.client.write(id, chunk.subarray(0, Math.min(chunk.length, bytes - sent)));
        if (n === 0) break;
        sent += n;
      }
      if (sent === bytes && !finished) {
        pair.client.finish(id);
        finished = true;
      }
      for (let r = server.read(id); r !== null; r = server.read(id)) received += r.data.length;
      return received >= bytes;
    },
    600_000_000,
    10_000_000,
  );
  const cpu = process.cpuUsage(c0);
  if (!ok) throw new Error(`Transfer did not finish: ${received} of ${bytes} bytes`);
  const packets = pair.client.stats().packetsSent + server.stats().packetsSent - before;
  return (cpu.user + cpu.system) / packets;
}

await transfer();
await transfer();
const samples: number[] = [];
for (let i = 0; i < rounds; i++) samples.push(await transfer());
samples.sort((a, b) => a - b);
console.log(samples[samples.length >> 1]!.toFixed(3));
