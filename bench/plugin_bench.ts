// deno-lint-ignore-file no-console
/**
 * What injecting a plugin into a connection costs (issue #7; goal: ≤ 1 ms
 * for a cached plugin).
 *
 * - first: the plugin's first injection in the process — manifest parse,
 *   ELF load and verification of every object, eBPF → WebAssembly
 *   compilation (a fresh module cache), instance memory, and the attachment
 *   of every pluglet to the connection's protoop table;
 * - cached: what every later connection pays — the loaded plugin and the
 *   compiled modules are shared, so an instance (memory, one WebAssembly
 *   instance per object file) and the attachment.
 *
 * Each for `monitoring` (9 objects, 40 pluglets) and `no_pacing` (1 of each).
 * The connection is made outside the measured part.
 *
 * Run: `deno bench -A bench/plugin_bench.ts`, or `deno run -A
 * bench/plugin_bench.ts [--rounds N]` for medians and 90th percentiles.
 *
 * @module
 */

import { Connection } from "../transport/connection/connection.ts";
import { SeededRandom } from "../transport/random.ts";
import { builtinReader, injectPlugin, loadBuiltin, loadPlugin } from "../plugins/mod.ts";
import { ModuleCache, wasmCompilerWith } from "../vm/wasm/mod.ts";

const SERVER = { hostname: "127.0.0.1", port: 4433 };
let seed = 1;

function freshConnection(): Connection {
  return Connection.client(
    { random: new SeededRandom(seed++), serverName: "localhost", insecureSkipVerify: true },
    SERVER,
    0,
  );
}

function first(name: string, conn: Connection): void {
  const plugin = loadPlugin(`${name}/${name}.plugin`, builtinReader());
  injectPlugin(conn, plugin, { engine: wasmCompilerWith(new ModuleCache()) });
}

function cached(name: string, conn: Connection): void {
  injectPlugin(conn, loadBuiltin(name));
}

const CASES: [string, (conn: Connection) => void][] = [];
for (const name of ["monitoring", "no_pacing"]) {
  CASES.push([`${name}: first injection (load, verify, compile, attach)`, (c) => first(name, c)]);
  CASES.push([`${name}: cached injection (instance, attach)`, (c) => cached(name, c)]);
}

if (!import.meta.main) {
  for (const [name, fn] of CASES) {
    Deno.bench({
      name,
      group: name.split(":")[0]!,
      baseline: name.includes("cached"),
      fn(b) {
        const conn = freshConnection();
        b.start();
        fn(conn);
        b.end();
      },
    });
  }
} else {
  const i = Deno.args.indexOf("--rounds");
  const rounds = i >= 0 ? Number(Deno.args[i + 1]) : 200;
  for (const [, fn] of CASES) fn(freshConnection()); // warm-up
  const samples: number[][] = CASES.map(() => []);
  for (let r = 0; r < rounds; r++) {
    CASES.forEach(([, fn], k) => {
      const conn = freshConnection();
      const t0 = performance.now();
      fn(conn);
      samples[k]!.push(performance.now() - t0);
    });
  }
  const q = (xs: number[], p: number) =>
    [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))]!;
  console.log(`plugin injection, ${rounds} rounds (ms):`);
  CASES.forEach(([name], k) => {
    const xs = samples[k]!;
    console.log(
      `  ${name.padEnd(58)} median ${q(xs, 0.5).toFixed(3)}  p90 ${q(xs, 0.9).toFixed(3)}`,
    );
  });
}
