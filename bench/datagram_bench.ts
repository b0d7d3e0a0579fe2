// deno-lint-ignore-file no-console
/**
 * What datagrams cost through the datagram plugin (plugins/datagram: RFC 9221
 * in eBPF) against the transport's native RFC 9221 code: batches of 1,000-byte
 * datagrams from client to server on the simulator (1 ms one way, no loss),
 * process CPU time from the first `sendDatagram` until every datagram arrived
 * and was acknowledged, on one warm connection per configuration. The difference is the plugin's work per
 * datagram at both ends: `datagram_send` (a copy into the plugin heap and a
 * frame reservation), `write_frame`, `notify_frame`, `parse_frame`,
 * `process_frame` and `datagram_deliver`.
 *
 * As a script it interleaves rounds of both configurations and prints the
 * median time per datagram and the ratio:
 *
 * ```sh
 * deno run -A bench/datagram_bench.ts [--rounds N] [--batch N]
 * ```
 *
 * Under `deno bench` it measures one batch per iteration.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { loadBuiltin } from "../plugins/builtins.ts";
import { type SimPluginPair, simPluginPair } from "../plugins/_sim_testing.ts";
import { median } from "./_stats.ts";

const SIZE = 1000;

/** A warm connection pair that sends batches of datagrams. */
class Sender {
  readonly #p: SimPluginPair;
  readonly #data = new Uint8Array(SIZE).fill(7);
  #got = 0;

  private constructor(p: SimPluginPair) {
    this.#p = p;
    p.server.app = (_c, events) => {
      for (const e of events) if (e.type === "datagram") this.#got++;
    };
  }

  static async create(plugin: boolean): Promise<Sender> {
    const native = plugin ? {} : { transportParameters: { maxDatagramFrameSize: 65535 } };
    const plugins = plugin ? [loadBuiltin("datagram")] : [];
    const p = await simPluginPair({
      client: plugins,
      server: plugins,
      clientConfig: native,
      serverConfig: native,
      link: { delay: 1_000 },
    });
    p.sim.run({ until: () => p.clientConn.isHandshakeConfirmed, maxTime: 5_000_000 });
    return new Sender(p);
  }

  /**
   * Sends `n` datagrams and runs until they all arrived and were acknowledged; returns the
   * process CPU time taken, ms (CPU time: other work on the machine moves it less than
   * wall time).
   */
  batch(n: number): number {
    const p = this.#p;
    const target = this.#got + n;
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      if (!p.clientConn.sendDatagram(this.#data)) throw new Error(`datagram ${i} refused`);
    }
    p.sim.run({ until: () => this.#got === target, maxTime: p.sim.now + 10_000_000 });
    if (this.#got !== target) throw new Error(`${this.#got} of ${target} datagrams arrived`);
    // The acknowledgements (and the plugin's notify_frame) belong to the batch.
    p.sim.runFor(10_000);
    const t = process.cpuUsage(t0);
    return (t.user + t.system) / 1000;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      rounds: { type: "string", default: "41" },
      batch: { type: "string", default: "200" },
    },
  });
  const rounds = Number(values.rounds);
  const batch = Number(values.batch);
  const native = await Sender.create(false);
  const plugin = await Sender.create(true);
  const times = { native: [] as number[], plugin: [] as number[] };
  for (let i = 0; i < rounds + 3; i++) {
    const n = native.batch(batch);
    const p = plugin.batch(batch);
    if (i < 3) continue; // warm-up
    times.native.push((n * 1000) / batch);
    times.plugin.push((p * 1000) / batch);
  }
  const mn = median(times.native);
  const mp = median(times.plugin);
  console.log(`datagrams of ${SIZE} B, batches of ${batch}, ${rounds} rounds interleaved`);
  console.log("");
  console.log("| datagrams | median CPU µs per datagram (both ends) | ratio |");
  console.log("|---|---|---|");
  console.log(`| native RFC 9221 | ${mn.toFixed(1)} | 1.00 |`);
  console.log(`| datagram plugin | ${mp.toFixed(1)} | ${(mp / mn).toFixed(2)} |`);
}

if (import.meta.main) {
  await main();
} else {
  const native = await Sender.create(false);
  const plugin = await Sender.create(true);
  Deno.bench({
    name: "datagrams: native RFC 9221, 50 × 1000 B",
    group: "datagrams",
    baseline: true,
    fn: () => void native.batch(50),
  });
  Deno.bench({
    name: "datagrams: datagram plugin at both ends, 50 × 1000 B",
    group: "datagrams",
    fn: () => void plugin.batch(50),
  });
}
