// deno-lint-ignore-file no-console
/**
 * Plugin activation time (issue #8): from the moment a client asks the
 * server for a plugin it lacks (PLUGIN_REQUEST booked) to the moment the
 * plugin is active at the client (attached, and the server's ACTIVE seen),
 * for the datagram plugin and the XPING test plugin; and, for comparison,
 * from the handshake to activation when the client has the plugin cached.
 *
 * - sim: the simulated network with a fixed one-way delay (virtual time:
 *   exact, in RTTs), several delays.
 * - loopback: real UDP on 127.0.0.1 in this process (wall time, median of
 *   `--rounds`), each connection with a fresh cache, then a cached one.
 *
 * ```sh
 * deno run -A bench/plugin_activation_bench.ts [--rounds 20]
 * ```
 *
 * Under `deno bench`, one simulated fetch-and-activate of the datagram plugin.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { connectQuic } from "../quic.ts";
import { loopbackClientOptions, loopbackServer } from "../io/_quic_test_util.ts";
import { MemoryPluginStore } from "../plugins/exchange/store.ts";
import { type OfferedPlugin, pluginExchange } from "../plugins/exchange/session.ts";
import { type ExchangeEvent, exchangeOf } from "../transport/exchange/mod.ts";
import type { Connection } from "../transport/connection/connection.ts";
import { simPair } from "../tests/_conn_sim.ts";
import { datagramOffer, xpingOffer } from "../tests/_exchange_plugins.ts";
import { median } from "./_stats.ts";

/** Request → active at the client, µs, from its exchange events (-1 when it did not happen). */
function requestToActive(events: readonly ExchangeEvent[], name: string): number {
  const req = events.find((e) => e.type === "requested" && e.plugin.name === name);
  const act = events.find((e) => e.type === "active" && e.plugin.name === name);
  return req === undefined || act === undefined ? -1 : act.now - req.now;
}

/** One simulated connection: µs from request to active, and from start to active. */
async function simOnce(
  offered: OfferedPlugin,
  delayUs: number,
  cached: boolean,
): Promise<{ requestToActiveUs: number; startToActiveUs: number }> {
  const events: ExchangeEvent[] = [];
  const store = new MemoryPluginStore();
  if (cached) store.put(offered.name, offered.digest, offered.bundle);
  const pair = await simPair({
    link: { delay: delayUs },
    client: { plugins: [pluginExchange({ store, onEvent: (_c, e) => events.push(e) })] },
    server: { plugins: [pluginExchange({ inject: [offered] })] },
  });
  const active = (c: Connection | null) => c !== null && exchangeOf(c)!.isActive(offered.name);
  pair.sim.run({ until: () => active(pair.client.conn), maxTime: 60_000_000 });
  const act = events.find((e) => e.type === "active");
  return {
    requestToActiveUs: requestToActive(events, offered.name),
    startToActiveUs: act === undefined ? -1 : act.now,
  };
}

/** Wall-clock ms between two events (NaN when one is missing). */
function between(stamps: ReadonlyMap<string, number>, from: string, to: string): number {
  return (stamps.get(to) ?? NaN) - (stamps.get(from) ?? NaN);
}

/**
 * Loopback, fresh cache: ms from request to received (the transfer), from
 * received to attached (unpack, trust, ELF + verifier, cache write, Wasm
 * compile, attach) and from request to active. Cached: connect to active.
 */
async function loopbackOnce(
  port: number,
  offered: OfferedPlugin,
  cached: boolean,
): Promise<{ transfer: number; check: number; total: number }> {
  // Event `now`s do not move within one input, and the checks run within one: wall time.
  const stamps = new Map<string, number>();
  const store = new MemoryPluginStore();
  if (cached) store.put(offered.name, offered.digest, offered.bundle);
  const options = await loopbackClientOptions(port, ["bench"]);
  const t0 = performance.now();
  const conn = await connectQuic({
    ...options,
    pluginExchange: { store, onEvent: (_c, e) => void stamps.set(e.type, performance.now()) },
  });
  const x = exchangeOf(conn.connection)!;
  while (!x.isActive(offered.name)) await new Promise((r) => setTimeout(r, 0));
  const wall = performance.now() - t0;
  conn.close();
  await conn.closed;
  return {
    transfer: between(stamps, "requested", "received"),
    check: between(stamps, "received", "attached"),
    total: cached ? wall : between(stamps, "requested", "active"),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: Deno.args, options: { rounds: { type: "string" } } });
  const rounds = Number(values.rounds ?? 20);
  const plugins = [datagramOffer(), xpingOffer()];
  console.log(
    "| plugin | bundle | network | request → active | handshake start → active, cached |",
  );
  console.log("| --- | --- | --- | --- | --- |");
  for (const p of plugins) {
    for (const delay of [1_000, 10_000, 50_000]) {
      const fetch = await simOnce(p, delay, false);
      const cached = await simOnce(p, delay, true);
      const rtt = 2 * delay;
      console.log(
        `| ${p.name} | ${p.bundle.length} B | sim, RTT ${rtt / 1000} ms | ` +
          `${(fetch.requestToActiveUs / 1000).toFixed(1)} ms (${
            (fetch.requestToActiveUs / rtt).toFixed(1)
          } RTT) | ${(cached.startToActiveUs / 1000).toFixed(1)} ms (${
            (cached.startToActiveUs / rtt).toFixed(1)
          } RTT) |`,
      );
    }
  }
  const { endpoint, listener, port } = await loopbackServer(["bench"], {
    pluginExchange: { inject: plugins },
  });
  (async () => {
    for (;;) await listener.accept();
  })().catch(() => {});
  console.log();
  console.log(
    "| plugin | loopback UDP, medians | request → received | received → attached | " +
      "request → active | connect → active, cached |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const p of plugins) {
    await loopbackOnce(port, p, false); // warm-up
    const fetch: { transfer: number; check: number; total: number }[] = [];
    const cached: number[] = [];
    for (let i = 0; i < rounds; i++) {
      fetch.push(await loopbackOnce(port, p, false));
      cached.push((await loopbackOnce(port, p, true)).total);
    }
    const ms = (xs: number[]) => `${median(xs).toFixed(2)} ms`;
    console.log(
      `| ${p.name} | ${rounds} rounds | ${ms(fetch.map((f) => f.transfer))} | ` +
        `${ms(fetch.map((f) => f.check))} | ${ms(fetch.map((f) => f.total))} | ${ms(cached)} |`,
    );
  }
  await endpoint.close();
}

if (import.meta.main) {
  await main();
} else {
  const dg = datagramOffer();
  Deno.bench(
    "plugin activation: fetch and activate the datagram plugin (sim, RTT 20 ms)",
    async () => {
      const r = await simOnce(dg, 10_000, false);
      if (r.requestToActiveUs < 0) throw new Error("not activated");
    },
  );
}
