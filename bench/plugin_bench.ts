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
 * Each for `monitoring` (8 objects, 8 pluglets) and `no_pacing` (1 of each).
 * The connection is made outside the measured part.
 *
 * And what one pluglet run costs (issue #7's goal: monitoring within 3% of
 * goodput): 1,000 marshalled calls of a protoop on a live connection, as
 * core makes them per packet — `header_parsed` (a header and a path by
 * handle, two numbers), `segment_prepared` (a sent packet by handle, its
 * size) and, per frame, `process_frame` of a PING (a frame and a header by
 * handle, two numbers, the core default runs) — with nothing attached, with
 * a TypeScript post pluglet that returns at once (the table's share:
 * marshalling, handles, the call object), and with monitoring's own post
 * pluglets (`packet_received.o`: a metadata read, one `get_cnx`, two
 * increments; `packet_sent.o`: the same) on the Wasm engine (monitoring has
 * no pluglet per frame). Time per iteration / 1,000 is the cost of one call,
 * with everything it touches in the CPU's caches.
 *
 * `--cold [--pages N]` measures one `header_parsed` call as a receiver makes
 * it, between packets, when what it touches has left the caches and the
 * TLB: each call follows a walk over N pages (default 1,024); the time of
 * walk and call, less that of the walk and no call, with a TypeScript post
 * pluglet and with monitoring's.
 *
 * Run: `deno bench -A bench/plugin_bench.ts`, or `deno run -A
 * bench/plugin_bench.ts [--rounds N]` for medians and 90th percentiles.
 *
 * `--download N` measures instead what monitoring costs a whole transfer: N
 * rounds of a 3 MB download on the simulator (`plugins/_sim_testing.ts`,
 * both ends in this process, handshake and server-side injection included),
 * without and with monitoring on both ends, interleaved (the order flips
 * every round); the process CPU time (user + system) of each download, and
 * the medians.
 *
 * @module
 */

import { Connection } from "../transport/connection/connection.ts";
import { Op } from "../transport/protoop/catalogue.ts";
import { SeededRandom } from "../transport/random.ts";
import { builtinReader, injectPlugin, loadBuiltin, loadPlugin } from "../plugins/mod.ts";
import { ModuleCache, wasmCompilerWith } from "../vm/wasm/mod.ts";
import { runDownload, simPluginPair } from "../plugins/_sim_testing.ts";
import process from "node:process";
import { median } from "./_stats.ts";

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

/** Calls per iteration of a pluglet-run case. */
const CALLS = 1000;

/** What a per-packet call site passes: a received header, a sent packet. */
const HEADER = { type: 5, dcid: new Uint8Array(8), pnOffset: 9, end: 1200 };
const PACKET = { pn: 7, timeSent: 1000, size: 1200, frames: [], space: 2, inFlight: true };
/** A received PING frame (its core default does nothing). */
const PING = { type: 0x01 };

/** A connection with `how` attached to header_parsed and segment_prepared. */
function runConnection(how: "none" | "ts" | "monitoring"): Connection {
  const conn = freshConnection();
  if (how === "ts") {
    const pluglet = { run: () => 0n };
    conn.attachPlugin({
      name: "bench.noop",
      pluglets: [
        { op: "header_parsed", anchor: "post", pluglet },
        { op: "segment_prepared", anchor: "post", pluglet },
        { op: "process_frame", param: PING.type, anchor: "post", pluglet },
      ],
    });
  } else if (how === "monitoring") injectPlugin(conn, loadBuiltin("monitoring"));
  return conn;
}

const RUN_CASES: [string, () => void][] = [];
for (const how of ["none", "ts", "monitoring"] as const) {
  const label = how === "none"
    ? "no plugin"
    : how === "ts"
    ? "TypeScript post pluglet (returns 0)"
    : "monitoring post pluglet (Wasm)";
  const conn = runConnection(how);
  const ops = conn.ops.call;
  RUN_CASES.push([`header_parsed x${CALLS}, ${label}`, () => {
    for (let i = 0; i < CALLS; i++) ops[Op.HEADER_PARSED](conn, HEADER as never, null, i, 1200);
  }]);
  RUN_CASES.push([`segment_prepared x${CALLS}, ${label}`, () => {
    for (let i = 0; i < CALLS; i++) ops[Op.SEGMENT_PREPARED](conn, PACKET as never, PACKET.size);
  }]);
  if (how === "monitoring") continue; // no pluglet per frame
  RUN_CASES.push([`process_frame[PING] x${CALLS}, ${label}`, () => {
    for (let i = 0; i < CALLS; i++) {
      ops[Op.PROCESS_FRAME](conn, PING.type, PING as never, HEADER as never, 2, i);
    }
  }]);
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
  for (const [name, fn] of RUN_CASES) {
    Deno.bench({
      name,
      group: name.split(" ")[0]!,
      baseline: name.includes("no plugin"),
      fn,
    });
  }
} else if (Deno.args.includes("--cold")) {
  // Between two packets a receiver touches far more memory than the CPU's caches and TLB
  // hold: each call here follows a walk over `pages` pages of a 64 MB buffer (one line each).
  const i = Deno.args.indexOf("--pages");
  const pages = i >= 0 ? Number(Deno.args[i + 1]) : 1024;
  if (!Number.isInteger(pages) || pages < 0) {
    throw new Error(`--pages ${Deno.args[i + 1]}: give a whole number of pages, 0 or more`);
  }
  const rounds = 15;
  const n = 20_000;
  const buf = new Uint8Array(64 << 20);
  const STRIDE = 4096 + 64;
  let at = 0;
  const walk = () => {
    let s = 0;
    for (let k = 0; k < pages; k++) {
      at += STRIDE;
      if (at >= buf.length) at = 0;
      s += buf[at]!++;
    }
    return s;
  };
  const configs = ["none", "ts", "monitoring"] as const;
  const conns = configs.map(runConnection);
  const times: number[][] = configs.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < configs.length; k++) {
      const c = conns[(k + r) % configs.length]!;
      const ops = c.ops.call;
      const plugged = c.ops.plugged;
      const t0 = performance.now();
      for (let j = 0; j < n; j++) {
        walk();
        if (plugged[Op.HEADER_PARSED] === 1) {
          ops[Op.HEADER_PARSED](c, HEADER as never, null, j, 1200);
        }
      }
      times[(k + r) % configs.length]!.push(((performance.now() - t0) * 1000) / n);
    }
  }
  const base = median(times[0]!);
  console.log(`header_parsed after a walk over ${pages} pages, ${rounds} rounds of ${n}:`);
  configs.forEach((c, k) => {
    const m = median(times[k]!);
    const extra = k === 0 ? "" : `  (call: +${(m - base).toFixed(3)} µs)`;
    console.log(`  ${c.padEnd(16)} ${m.toFixed(3)} µs per walk and call${extra}`);
  });
} else if (Deno.args.includes("--download")) {
  const given = Deno.args[Deno.args.indexOf("--download") + 1];
  const rounds = Number(given ?? 20);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new Error(`--download ${given}: give a whole number of rounds, 1 or more`);
  }
  const configs = ["none", "monitoring"];
  /** CPU ms of one 3 MB download with `c` on both ends. */
  const download = async (c: string): Promise<number> => {
    const plugins = c === "none" ? [] : [loadBuiltin(c)];
    const pair = await simPluginPair({ client: plugins, server: plugins, link: { delay: 1000 } });
    const u0 = process.cpuUsage();
    const r = runDownload(pair, 3_000_000);
    const u = process.cpuUsage(u0);
    if (!r.sha256ok) throw new Error(`download with ${c} failed`);
    return (u.user + u.system) / 1000;
  };
  for (const c of configs) await download(c); // warm-up
  const cpu: number[][] = configs.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) cpu[k]!.push(await download(configs[k]!));
  }
  const base = median(cpu[0]!);
  console.log(`3 MB simulated download, ${rounds} interleaved rounds, process CPU ms:`);
  configs.forEach((c, k) => {
    const m = median(cpu[k]!);
    const extra = k === 0 ? "" : `  (${m >= base ? "+" : ""}${((m / base - 1) * 100).toFixed(1)}%)`;
    console.log(`  ${c.padEnd(12)} median ${m.toFixed(1)}${extra}`);
  });
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
  for (const [, fn] of RUN_CASES) for (let i = 0; i < 20; i++) fn(); // warm-up
  const runs: number[][] = RUN_CASES.map(() => []);
  for (let r = 0; r < rounds; r++) {
    RUN_CASES.forEach(([, fn], k) => {
      const t0 = performance.now();
      fn();
      runs[k]!.push(((performance.now() - t0) * 1000) / CALLS);
    });
  }
  console.log(`one protoop call, ${rounds} rounds of ${CALLS} (µs per call):`);
  RUN_CASES.forEach(([name], k) => {
    const xs = runs[k]!;
    console.log(
      `  ${name.padEnd(58)} median ${q(xs, 0.5).toFixed(3)}  p90 ${q(xs, 0.9).toFixed(3)}`,
    );
  });
}
