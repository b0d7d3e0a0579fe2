// deno-lint-ignore-file no-console
/**
 * One transfer among many idle connections: does the endpoint's cost grow
 * with the connections it serves? A server endpoint and a client endpoint in
 * this process, each on its own UDP socket (loopback) with its
 * {@link UdpDriver}. First `--idle` connections are opened (64 handshakes at a
 * time) and left idle; then one more connection sends `--size` MB on one
 * stream, timed from its first write to the server reading the FIN. Each
 * idle count runs on fresh endpoints; the line gives the goodput and the
 * process's CPU time per GB (both endpoints; user + system).
 *
 * ```sh
 * deno run -A bench/endpoint_bench.ts [--idle 0,500,2000] [--size MB] [--mds BYTES] [--runs N]
 * ```
 *
 * With an endpoint that scans all its connections on every flush, the
 * transfer slows down as idle connections are added; with the ready list
 * and the timer heap (transport/endpoint/schedule.ts) it should not.
 * Under `deno bench` a short run (200 idle connections, 5 MB) is measured.
 *
 * @module
 */

import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { wallClockMs } from "../io/clock.ts";
import { UdpDriver } from "../io/udp_driver.ts";
import type { Connection } from "../transport/connection/connection.ts";
import { generateDemoCertificates } from "../transport/crypto/certificates.ts";
import { Endpoint, type EndpointEvent } from "../transport/endpoint/endpoint.ts";
import { CryptoRandom } from "../transport/random.ts";

const ALPN = ["pquic-bench"];
/** Handshakes in flight while the idle connections are opened. */
const OPEN_AT_ONCE = 64;
/** Bytes handed to the stream per write call. */
const CHUNK = 64 * 1024;

/** One measurement. */
export interface EndpointBenchResult {
  idle: number;
  bytes: number;
  seconds: number;
  mbps: number;
  cpuSecondsPerGb: number;
  /** Connections each endpoint had during the transfer. */
  serverConnections: number;
  clientConnections: number;
}

/**
 * Opens `idle` connections, then times one transfer of `size` bytes.
 *
 * @param idle Idle connections opened first.
 * @param size Bytes of the transfer.
 * @param mds Largest UDP payload (`maxDatagramSize`), or undefined for the default.
 */
export async function measure(
  idle: number,
  size: number,
  mds?: number,
): Promise<EndpointBenchResult> {
  const { identity } = await certificates;
  const common = {
    alpnProtocols: ALPN,
    wallClockMs,
    ...(mds !== undefined ? { maxDatagramSize: mds } : {}),
  };
  const server = new Endpoint({ random: new CryptoRandom(), server: { identity, ...common } });
  const client = new Endpoint({ random: new CryptoRandom() });
  let received = 0;
  let onDone: () => void = () => {};
  let onConnected: (c: Connection) => void = () => {};
  const writers = new Map<number, () => void>();
  const serverDriver = UdpDriver.bind(server, { hostname: "127.0.0.1", port: 0 }, {
    onEvent: (e: EndpointEvent) => {
      if (e.type !== "connection") return;
      const ev = e.event;
      if (ev.type !== "streamReadable") return;
      for (let r = e.connection.read(ev.id); r !== null; r = e.connection.read(ev.id)) {
        received += r.data.length;
        if (r.fin) onDone();
        if (r.data.length === 0) break;
      }
      serverDriver.wake();
    },
  });
  const clientDriver: UdpDriver = UdpDriver.bind(client, { hostname: "127.0.0.1" }, {
    onEvent: (e: EndpointEvent) => {
      if (e.type !== "connection") return;
      if (e.event.type === "connected") onConnected(e.connection);
      else if (e.event.type === "streamWritable") writers.get(e.event.id)?.();
    },
  });
  const remote = { hostname: "127.0.0.1", port: serverDriver.local.port };
  const config = { ...common, serverName: "localhost", insecureSkipVerify: true };
  try {
    // The idle connections, OPEN_AT_ONCE handshakes at a time.
    let opened = 0;
    let connected = 0;
    await new Promise<void>((resolve) => {
      if (idle === 0) return resolve();
      const open = () => {
        opened++;
        client.connect(config, remote, clientDriver.now());
        clientDriver.wake();
      };
      onConnected = () => {
        connected++;
        if (opened < idle) open();
        if (connected === idle) resolve();
      };
      for (let i = 0; i < Math.min(OPEN_AT_ONCE, idle); i++) open();
    });
    // Let the handshakes' last packets settle.
    await new Promise((r) => setTimeout(r, 300));

    const conn = client.connect(config, remote, clientDriver.now());
    await new Promise<void>((resolve) => {
      onConnected = (c) => c === conn && resolve();
      clientDriver.wake();
    });
    const done = new Promise<void>((resolve) => onDone = resolve);
    const cpu0 = cpuUsage();
    const t0 = performance.now();
    const id = conn.openStream(true)!;
    const data = new Uint8Array(CHUNK);
    let sent = 0;
    const write = () => {
      while (sent < size) {
        const n = conn.write(
          id,
          data.subarray(0, Math.min(CHUNK, size - sent)),
          sent + CHUNK >= size,
        );
        sent += n;
        if (n === 0) break;
      }
      clientDriver.wake();
    };
    writers.set(id, write);
    write();
    await done;
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuUsage(cpu0);
    return {
      idle,
      bytes: received,
      seconds,
      mbps: received * 8 / seconds / 1e6,
      cpuSecondsPerGb: (cpu.user + cpu.system) / 1e6 / (received / 1e9),
      serverConnections: server.connections.size,
      clientConnections: client.connections.size,
    };
  } finally {
    await clientDriver.close();
    await serverDriver.close();
  }
}

const certificates = generateDemoCertificates({ names: ["localhost"] });

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      idle: { type: "string", default: "0,500,2000" },
      size: { type: "string", default: "50" },
      mds: { type: "string" },
      runs: { type: "string", default: "1" },
    },
  });
  const size = Number(values.size) * 1e6;
  const mds = values.mds === undefined ? undefined : Number(values.mds);
  console.log(
    `pquic: one ${values.size} MB transfer among idle connections, client and server ` +
      `endpoints in one process, loopback${mds !== undefined ? `, ${mds} B datagrams` : ""}`,
  );
  for (let run = 0; run < Number(values.runs); run++) {
    for (const idle of values.idle.split(",").map(Number)) {
      const r = await measure(idle, size, mds);
      console.log(
        `${String(idle).padStart(5)} idle connections: ${r.mbps.toFixed(0).padStart(5)} Mbit/s, ` +
          `${r.cpuSecondsPerGb.toFixed(1)} CPU s/GB (${(r.bytes / 1e6).toFixed(0)} MB in ` +
          `${r.seconds.toFixed(2)} s; ${r.serverConnections} server / ${r.clientConnections} ` +
          `client connections)`,
      );
    }
  }
  Deno.exit(0);
} else {
  Deno.bench(
    { name: "one 5 MB transfer among 200 idle connections", n: 1, warmup: 0 },
    async () => {
      await measure(200, 5e6);
    },
  );
}
