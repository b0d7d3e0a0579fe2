// deno-lint-ignore-file no-console
/**
 * What plugins cost in goodput (issue #7): the same download with no plugin,
 * with the monitoring plugin, and with the datagram plugin loaded but idle
 * (no datagram sent), measured in one run, interleaved so that machine
 * noise hits every configuration alike; the order rotates from run to run,
 * so that no configuration always runs first or after the same other one.
 *
 * As a script it runs the `pquic` command itself on loopback: one server
 * per configuration (`pquic -P <plugin>`), and for each run a client with
 * the same plugin (`pquic -G <size> -P <plugin>`), which checks every byte
 * and prints its goodput (request to last byte); the table gives the median
 * and best per configuration, the median's ratio to no plugin, and the
 * median over runs of each run's ratio to no plugin in that same run. Goal:
 * monitoring costs at most 3%. On a shared machine goodput varies from run
 * to run far more than that: the machine's speed drifts over minutes, which
 * the per-run ratio cancels (the configurations of a run follow each other
 * within seconds) and the ratio of medians does not. The table also gives
 * the sending server's CPU time per MB (from `/proc/<pid>/stat`, Linux; the
 * least over the runs, the one other processes disturbed least) and the
 * receiving client's (its whole process, start-up included, from
 * `getrusage` on Linux); a second table splits the client's CPU between its
 * main thread (where JavaScript and WebAssembly run) and its other threads
 * (V8's concurrent compilers and GC helpers), read from `/proc/<pid>/task`
 * during the run (bench/_proc_cpu.ts). Where `taskset` exists the servers
 * run on CPU 0 and the clients on CPU 1, so that the two ends do not take
 * turns on one core (`--pin off` to let the
 * scheduler place them). Each client is a fresh process, so its first
 * transfer also pays for compiling the code it runs; `--warm MB` measures
 * instead a second download on the same connection, after one of that size.
 *
 * ```sh
 * deno run -A bench/plugin_goodput_bench.ts [--size MB] [--runs N] [--plugins none,monitoring,datagram]
 *   [--mtu BYTES (default 1452; "" for the command's own choice: up to 64 KB on loopback)]
 *   [--pin auto|on|off (servers on CPU 0, clients on CPU 1; auto: with taskset and 2+ CPUs)]
 *   [--warm MB (download that much first on the same connection, then measure; default 0)]
 * ```
 *
 * Under `deno bench` it measures the CPU side without sockets instead: a
 * 3 MB download on the simulator (`plugins/_sim_testing.ts`, ideal link)
 * with each configuration, so the time per iteration is the stack's and
 * the plugins' work.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { BUILTIN_PLUGINS, loadBuiltin } from "../plugins/builtins.ts";
import { runDownload, simPluginPair } from "../plugins/_sim_testing.ts";
import { CLI, freeUdpPort, hasCommand, pquic, Proc, tempCache } from "../tests/peers/_util.ts";
import { processCpuMs, ThreadCpuSampler } from "./_proc_cpu.ts";
import { median, pairedRatio } from "./_stats.ts";

/** The configurations compared, by `-P` argument ("none": no plugin). */
function defaultConfigs(): string[] {
  return ["none", "monitoring", "datagram"].filter((c) =>
    c === "none" || BUILTIN_PLUGINS.includes(c)
  );
}

/**
 * Goodput of one client run in Mbit/s, NaN when it failed: from its summary,
 * or (`warm`) from the line of stream 4, the download after the warm-up one.
 */
function goodputOf(client: Proc, code: number, warm: boolean): number {
  const m = warm
    ? /^Stream 4: \S+ -> status 200, (\d+) bytes in ([\d.]+) ms/m.exec(client.stdout)
    : /received +(\d+) bytes \([^)]*\) in ([\d.]+) ms/.exec(client.stdout);
  if (code !== 0 || m === null) return NaN;
  return (Number(m[1]) * 8) / (Number(m[2]) * 1000);
}

/**
 * CPU time (user + system) of this process's children that have ended so far, ms (getrusage
 * RUSAGE_CHILDREN through libc; Linux). The servers run to the end, so the difference around
 * one client run is that client's CPU time. NaN where libc cannot be opened.
 */
function childrenCpuMs(): number {
  try {
    childRusage ??= Deno.dlopen("libc.so.6", {
      getrusage: { parameters: ["i32", "buffer"], result: "i32" },
    });
  } catch {
    return NaN;
  }
  // struct rusage starts with ru_utime and ru_stime, two struct timeval (seconds, µs; 64-bit).
  const buf = new BigInt64Array(18);
  if (childRusage.symbols.getrusage(RUSAGE_CHILDREN, buf) !== 0) return NaN;
  return (Number(buf[0]! + buf[2]!) * 1e6 + Number(buf[1]! + buf[3]!)) / 1000;
}
let childRusage:
  | Deno.DynamicLibrary<{
    getrusage: { parameters: ["i32", "buffer"]; result: "i32" };
  }>
  | undefined;
const RUSAGE_CHILDREN = -1;

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      size: { type: "string", default: "50" },
      runs: { type: "string", default: "5" },
      plugins: { type: "string" },
      // Same datagram size for every configuration, an Ethernet path's by default: per-packet
      // work weighs most there. "" leaves the command its own choice (towards loopback it
      // probes up to 64 KB, with these plugins too: none of them bounds its packets).
      mtu: { type: "string", default: "1452" },
      // Servers on CPU 0, clients on CPU 1 (taskset): the two ends then never wait for each
      // other's core, which is most of the run-to-run noise on a two-core machine.
      pin: { type: "string", default: "auto" },
      // MB downloaded on the same connection before the measured download (picoquicdemo's
      // scenario "0:/<warm>;4:0:/<size>"), so that the measure is a client whose code paths
      // are already compiled; 0: the download is the client process's first.
      warm: { type: "string", default: "0" },
    },
  });
  const warm = Math.round(Number(values.warm) * 1e6);
  if (!Number.isInteger(warm) || warm < 0) {
    throw new Error(`--warm ${values.warm}: give a size in MB, 0 or more`);
  }
  if (!["auto", "on", "off"].includes(values.pin)) {
    throw new Error(`--pin ${values.pin}: give auto, on or off`);
  }
  const pin = values.pin === "on" ||
    (values.pin === "auto" && navigator.hardwareConcurrency >= 2 && hasCommand("taskset"));
  /** `pquic args`, on CPU `cpu` when pinning. */
  const spawn = (cpu: number, args: string[], env: Record<string, string>): Proc =>
    pin
      ? new Proc("taskset", ["-c", String(cpu), Deno.execPath(), "run", "-A", CLI, ...args], {
        env: { NO_COLOR: "1", ...env },
      })
      : pquic(args, env);
  const size = Math.round(Number(values.size) * 1e6);
  if (!Number.isInteger(size) || size <= 0) {
    throw new Error(`--size ${values.size}: give a size in MB, more than 0`);
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`--runs ${values.runs}: give a whole number of runs, 1 or more`);
  }
  const configs = values.plugins?.split(",") ?? defaultConfigs();
  const pluginArgs = (c: string) => (c === "none" ? [] : ["-P", c]);
  const mtuArgs = values.mtu !== "" ? ["-m", values.mtu] : [];
  const cache = tempCache();
  const servers = new Map<string, { proc: Proc; port: number }>();
  const results = new Map<string, number[]>(configs.map((c) => [c, []]));
  const cpu = new Map<string, number[]>(configs.map((c) => [c, []]));
  const clientCpu = new Map<string, number[]>(configs.map((c) => [c, []]));
  const clientMain = new Map<string, number[]>(configs.map((c) => [c, []]));
  const clientOthers = new Map<string, number[]>(configs.map((c) => [c, []]));
  console.log(
    `pquic loopback goodput, ${size / 1e6} MB download, ${runs} runs interleaved, ` +
      `plugins on both sides${pin ? ", servers on CPU 0 and clients on CPU 1" : ""}` +
      (warm > 0 ? `, after a ${warm / 1e6} MB download on the same connection` : ""),
  );
  try {
    for (const c of configs) {
      const port = freeUdpPort();
      const proc = spawn(0, ["-p", String(port), "-l", "/dev/null", ...pluginArgs(c), ...mtuArgs], {
        ...cache.env,
      });
      servers.set(c, { proc, port });
    }
    // The server logs nothing (-l /dev/null): wait until each answers a small request.
    for (const [c, { port }] of servers) {
      for (let attempt = 0;; attempt++) {
        const probe = pquic(["-G", "1000", "127.0.0.1", String(port)], cache.env);
        if ((await probe.done).code === 0) break;
        if (attempt >= 20) throw new Error(`server "${c}" does not answer`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    for (let run = 0; run < runs; run++) {
      // Rotated each run: every configuration takes every place in the order equally often.
      const order = configs.map((_, i) => configs[(i + run) % configs.length]!);
      for (const c of order) {
        const { port, proc } = servers.get(c)!;
        const cpu0 = processCpuMs(proc.child.pid);
        const children0 = childrenCpuMs();
        // Warm: a scenario of two downloads, not saved (-D; a scenario saves them in the cwd).
        const [request, scenario] = warm > 0
          ? [["-D"], [`0:/${warm};4:0:/${size}`]]
          : [["-G", String(size)], []];
        const client = spawn(
          1,
          [...request, ...pluginArgs(c), ...mtuArgs, "127.0.0.1", String(port), ...scenario],
          cache.env,
        );
        // taskset execs deno in its own process: the pid is the client's either way.
        const threads = new ThreadCpuSampler(client.child.pid);
        const { code } = await client.done;
        const split = threads.stop();
        const g = goodputOf(client, code, warm > 0);
        results.get(c)!.push(g);
        // CPU per MB of the whole connection (the warm-up download included).
        const mb = (size + warm) / 1e6;
        cpu.get(c)!.push((processCpuMs(proc.child.pid) - cpu0) / mb);
        clientCpu.get(c)!.push((childrenCpuMs() - children0) / mb);
        clientMain.get(c)!.push(split.main / mb);
        clientOthers.get(c)!.push(split.others / mb);
        if (Number.isNaN(g)) console.error(`run ${run + 1} ${c}: FAILED\n${client.stdout}`);
      }
    }
  } finally {
    for (const { proc } of servers.values()) await proc.stop();
    await Deno.remove(cache.dir, { recursive: true });
  }
  const base = median(results.get("none") ?? []);
  console.log("");
  const least = (m: Map<string, number[]>, c: string) =>
    Math.min(...(m.get(c) ?? []).filter((x) => !Number.isNaN(x)));
  const baseCpu = least(cpu, "none");
  const baseClient = least(clientCpu, "none");
  const labelOf = (c: string) => c === "none" ? "none" : c === "datagram" ? "datagram (idle)" : c;
  // Each run's value against no plugin's in the same run (the same minute of the machine).
  const perRun = (m: Map<string, number[]>, c: string) =>
    c === "none" || !m.has("none") ? "1.00" : pairedRatio(m.get(c)!, m.get("none")!).toFixed(3);
  console.log(
    "| plugins | median Mbit/s | best Mbit/s | median / no plugin | per run / no plugin (median) | " +
      "server CPU ms/MB (least) | CPU / no plugin | client CPU ms/MB (least) | CPU / no plugin |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const c of configs) {
    const xs = results.get(c)!;
    const med = median(xs);
    const best = Math.max(...xs.filter((x) => !Number.isNaN(x)));
    const ratio = Number.isNaN(base) || c === "none" ? "1.00" : (med / base).toFixed(3);
    const cpuMin = least(cpu, c);
    const cpuRatio = c === "none" ? "1.00" : (cpuMin / baseCpu).toFixed(3);
    const clientMin = least(clientCpu, c);
    const clientRatio = c === "none" ? "1.00" : (clientMin / baseClient).toFixed(3);
    console.log(
      `| ${labelOf(c)} | ${med.toFixed(0)} | ${best.toFixed(0)} | ${ratio} | ` +
        `${perRun(results, c)} | ` +
        `${cpuMin.toFixed(1)} | ${cpuRatio} | ${clientMin.toFixed(1)} | ${clientRatio} |`,
    );
  }
  // Where the client's time goes: JavaScript and WebAssembly run on its main thread; V8's
  // concurrent compilers and GC helpers (and the runtime's I/O threads) on the others, which
  // share the client's one CPU when pinned.
  console.log("");
  console.log(
    "| plugins | client main thread ms/MB (median) | per run / no plugin (median) | " +
      "client other threads ms/MB (median) | per run / no plugin (median) |",
  );
  console.log("|---|---|---|---|---|");
  for (const c of configs) {
    console.log(
      `| ${labelOf(c)} | ${median(clientMain.get(c)!).toFixed(1)} | ${perRun(clientMain, c)} | ` +
        `${median(clientOthers.get(c)!).toFixed(1)} | ${perRun(clientOthers, c)} |`,
    );
  }
  if ([...results.values()].some((xs) => xs.some(Number.isNaN))) Deno.exitCode = 1;
}

if (import.meta.main) {
  await main();
} else {
  // `deno bench`: the CPU of a 3 MB simulated download (handshake included) with each
  // configuration.
  const n = 3_000_000;
  for (const c of defaultConfigs()) {
    Deno.bench({
      name: `sim download 3 MB, ${c === "none" ? "no plugin" : c}`,
      group: "plugin goodput",
      baseline: c === "none",
      async fn(b) {
        const plugins = c === "none" ? [] : [loadBuiltin(c)];
        const pair = await simPluginPair({
          client: plugins,
          server: plugins,
          link: { delay: 1000 },
        });
        b.start();
        const r = runDownload(pair, n);
        b.end();
        if (!r.sha256ok) throw new Error(`download with ${c} failed`);
      },
    });
  }
}
