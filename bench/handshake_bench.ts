// deno-lint-ignore-file no-console
/**
 * Handshakes per second against one server process: the `pquic` command's
 * server (`deno run -A cli.ts -p PORT -l /dev/null`) in a child process, the
 * clients in this process on one UDP endpoint, `--concurrency` connections
 * in flight at a time. Each connection completes the handshake (hq-interop,
 * the demo ECDSA P-256 certificate, X25519) and closes at once; the rate is
 * connections completed over the wall time of the run.
 *
 * ```sh
 * deno run -A bench/handshake_bench.ts [--count N] [--concurrency K] [--verify] [--resume]
 * ```
 *
 * `--verify` checks the server's certificate against the demo CA (by default
 * the client skips the check, as picoquicdemo's null verifier does);
 * `--resume` resumes every connection with a ticket from a first one
 * (PSK with (EC)DHE: no certificate sent or checked).
 * Each line also gives the CPU time per handshake of the client process and
 * of the server process (from /proc, Linux): unlike the rate, it hardly
 * depends on what else the machine runs.
 * Under `deno bench` a short run (50 handshakes) is measured.
 *
 * @module
 */

import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { wallClockMs } from "../io/clock.ts";
import { UdpDriver } from "../io/udp_driver.ts";
import type { ClientConnectionConfig } from "../transport/connection/config.ts";
import { certificatesFromPem } from "../transport/crypto/certificates.ts";
import { Endpoint } from "../transport/endpoint/endpoint.ts";
import { CryptoRandom } from "../transport/random.ts";
import type { SessionTicket } from "../transport/tls/session.ts";
import { processCpuMs } from "./_proc_cpu.ts";

const CLI = new URL("../cli.ts", import.meta.url).pathname;

/** A result of {@link measure}. */
interface Result {
  count: number;
  seconds: number;
  failures: number;
  /** Median time from connect to `connected` (ms). */
  medianMs: number;
  /** CPU time (user + system) per handshake of this process, the clients (ms). */
  clientCpuMs: number;
  /** CPU time per handshake of the server process (ms); NaN where /proc is not there. */
  serverCpuMs: number;
}

async function startServer(
  cacheDir: string,
): Promise<{ port: number; cpuSeconds: () => number; stop: () => Promise<void> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "-p", "0", "--host", "127.0.0.1"],
    env: { PQUIC_CACHE_DIR: cacheDir, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let port = 0;
  while (port === 0) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server ended:\n${text}`);
    text += value;
    const m = /Starting pquic server on port (\d+)/.exec(text);
    if (m !== null && text.includes("demo certificates")) port = Number(m[1]);
  }
  // Keep draining its log.
  (async () => {
    for (;;) if ((await reader.read()).done) break;
  })();
  return {
    port,
    cpuSeconds: () => processCpuMs(child.pid) / 1000,
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

async function measure(
  server: { port: number; cpuSeconds: () => number },
  count: number,
  concurrency: number,
  config: Omit<ClientConnectionConfig, "random" | "resetTokenFor" | "localCidLength">,
): Promise<Result> {
  const port = server.port;
  const endpoint = new Endpoint({ random: new CryptoRandom() });
  let started = 0;
  let finished = 0;
  let failures = 0;
  const times: number[] = [];
  const startedAt = new Map<object, number>();
  let resolve!: () => void;
  const done = new Promise<void>((r) => resolve = r);
  const driver: UdpDriver = UdpDriver.bind(endpoint, { hostname: "127.0.0.1" }, {
    onEvent: (e) => {
      if (e.type !== "connection") return;
      const now = driver.now();
      if (e.event.type === "connected") {
        times.push((now - startedAt.get(e.connection)!) / 1000);
        e.connection.close(0n, "", now);
      } else if (e.event.type === "closed") {
        if (e.event.error.kind !== "localClose") failures++;
        finished++;
        if (started < count) open();
        else if (finished === count) resolve();
      }
    },
  });
  const remote = { hostname: "127.0.0.1", port };
  const open = () => {
    started++;
    const now = driver.now();
    const c = endpoint.connect(config, remote, now);
    startedAt.set(c, now);
    driver.wake();
  };
  const t0 = performance.now();
  const cpu0 = cpuUsage();
  const serverCpu0 = server.cpuSeconds();
  for (let i = 0; i < Math.min(concurrency, count); i++) open();
  await done;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuUsage(cpu0);
  const serverCpu = server.cpuSeconds() - serverCpu0;
  await driver.close();
  times.sort((a, b) => a - b);
  return {
    count,
    seconds,
    failures,
    medianMs: times[Math.floor(times.length / 2)] ?? NaN,
    clientCpuMs: (cpu.user + cpu.system) / 1000 / count,
    serverCpuMs: serverCpu * 1000 / count,
  };
}

async function ticketFrom(
  port: number,
  config: Omit<ClientConnectionConfig, "random" | "resetTokenFor" | "localCidLength">,
): Promise<SessionTicket> {
  const endpoint = new Endpoint({ random: new CryptoRandom() });
  let ticket: SessionTicket | null = null;
  let resolve!: () => void;
  const got = new Promise<void>((r) => resolve = r);
  const driver: UdpDriver = UdpDriver.bind(endpoint, { hostname: "127.0.0.1" }, {
    onEvent: (e) => {
      if (e.type === "connection" && e.event.type === "sessionTicket") {
        ticket = e.event.ticket;
        e.connection.close(0n, "", driver.now());
        resolve();
      }
    },
  });
  endpoint.connect(config, { hostname: "127.0.0.1", port }, driver.now());
  driver.wake();
  await got;
  await driver.close();
  return ticket!;
}

/** Runs the benchmark and prints one line per mode. */
export async function run(
  count: number,
  concurrency: number,
  modes: { verify: boolean; resume: boolean },
): Promise<Record<string, Result>> {
  const cacheDir = Deno.makeTempDirSync({ prefix: "pquic-hs-bench-" });
  const server = await startServer(cacheDir);
  const out: Record<string, Result> = {};
  try {
    const base = {
      serverName: "localhost",
      alpnProtocols: ["hq-interop"],
      wallClockMs,
    };
    const configs: [
      string,
      Omit<ClientConnectionConfig, "random" | "resetTokenFor" | "localCidLength">,
    ][] = [
      ["full, certificate not checked", { ...base, insecureSkipVerify: true }],
    ];
    if (modes.verify) {
      const ca = certificatesFromPem(Deno.readTextFileSync(`${cacheDir}/ca.pem`));
      configs.push(["full, certificate checked", { ...base, trustAnchors: ca }]);
    }
    if (modes.resume) {
      const ticket = await ticketFrom(server.port, { ...base, insecureSkipVerify: true });
      configs.push(["resumed (PSK + ECDHE)", {
        ...base,
        insecureSkipVerify: true,
        sessionTicket: ticket,
      }]);
    }
    for (const [label, config] of configs) {
      const r = await measure(server, count, concurrency, config);
      out[label] = r;
      console.log(
        `${label.padEnd(32)} ${(r.count / r.seconds).toFixed(0).padStart(6)} handshakes/s  ` +
          `(${r.count} in ${r.seconds.toFixed(2)} s, ${concurrency} at a time, median ` +
          `${r.medianMs.toFixed(1)} ms, ${r.failures} failed; CPU per handshake: client ` +
          `${r.clientCpuMs.toFixed(2)} ms, server ${r.serverCpuMs.toFixed(2)} ms)`,
      );
    }
  } finally {
    await server.stop();
    await Deno.remove(cacheDir, { recursive: true });
  }
  return out;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      count: { type: "string", default: "1000" },
      concurrency: { type: "string", default: "16" },
      verify: { type: "boolean", default: false },
      resume: { type: "boolean", default: false },
    },
  });
  console.log(
    "pquic handshakes per second: server = the pquic command (cli.ts) in a child process, " +
      "clients in this process on one UDP socket, loopback",
  );
  await run(Number(values.count), Number(values.concurrency), {
    verify: values.verify,
    resume: values.resume,
  });
} else {
  Deno.bench(
    { name: "pquic handshakes against the pquic server process (50)", n: 1, warmup: 0 },
    async () => {
      await run(50, 8, { verify: false, resume: false });
    },
  );
}
