// deno-lint-ignore-file no-console
/**
 * Loopback goodput of one QUIC connection: pquic's client and server, and
 * the same transfer with Deno's built-in QUIC (quinn) in the same run, with
 * the ratio.
 *
 * The server runs in a child process (this file with `--serve`), the client
 * here; the client asks for `--size` MB on one stream and times from the
 * request to the last byte (the handshake is timed apart). The server's
 * bytes follow a pattern that the client checks.
 *
 * ```sh
 * deno run -A bench/loopback_bench.ts [--size MB] [--mds BYTES[,BYTES…]] [--runs N]
 *   [--impl pquic,deno] [--cc newreno|cubic] [--profile DIR] [--handshakes N]
 * ```
 *
 * `--mds` is pquic's largest UDP payload (default 1200, 16000 and 65000: the
 * QUIC minimum, a size whose kernel buffer fits 16 KiB, and about the largest
 * loopback carries; Deno's QUIC discovers its own). `default` sets none: what
 * a user gets without `maxDatagramSize` (or `pquic` without `-m`), i.e.
 * DPLPMTUD probing up to what loopback carries (`transport/connection/pmtud.ts`).
 * `--profile DIR` writes V8 CPU profiles of the pquic server there (run the
 * client with `deno run --cpu-prof` for its side). `--handshakes N` (default
 * 200, 0 to skip) then measures handshakes per second against one server
 * process, 8 connections at a time from one client endpoint (pquic's client
 * skips the certificate check there, which would otherwise be the
 * bottleneck).
 * Each line also gives the CPU time per GB of both processes (user + system;
 * the server's counts from its start of service to its stop), which unlike
 * Mbit/s hardly depends on what else the machine runs, and the UDP datagrams
 * the kernel dropped for a full receive buffer during the run (Linux
 * `RcvbufErrors`, host-wide).
 * Under `deno bench` a short 10 MB transfer of pquic runs in one process.
 *
 * Measured on the 2-core development machine, shared with other test runs
 * (load average 2–5; compare within a run), 200 MB, NewReno, three runs each;
 * CPU s/GB is client / server:
 *
 * | | 208 KiB receive buffer | 4 MiB receive buffer | plaintext kept, full packets |
 * |---|---|---|---|
 * | pquic, 1,200 B | 223–471 Mbit/s, 14–18 / 14–20 | 488–604, 12–13 / 12 | 345–423, 11–13 / 12 |
 * | pquic, 16,000 B | 853–1,413, 4.2–5.2 / 4.7–5.7 | 1,815–1,883, 3.3–3.5 / 3.9–4.4 | 1,106–2,017, 2.9–3.3 / 3.9–4.1 |
 * | pquic, 65,000 B | 1,693–1,748, 3.5 / 3.9–4.0 | 2,269–2,374, 2.7–2.8 / 3.1–3.2 | 1,512–2,611, 1.9–2.6 / 3.0–3.3 |
 * | Deno's QUIC (quinn) | 2,091–4,710, 1.6–2.3 / 1.4–1.5 | 3,983–5,114, same | 2,396–4,469, 1.7–2.1 / 1.4–1.5 |
 * | ratio at 16,000 B / 65,000 B | 0.28–0.41 / 0.41–0.45 | 0.36–0.47 / 0.46–0.54 | 0.44–0.70 / 0.56–0.84 |
 * | kernel drops per run | 250–680 | 0 (quinn: 60–130) | 0 (quinn: 50–230) |
 *
 * Mbit/s swing with what else runs (the last column: six runs in two
 * invocations, load 2.5–4.8; each ratio is a run against the same run's
 * quinn, the best-to-best ratios printed were 0.45–0.60 / 0.56–0.84); CPU
 * s/GB hardly does. The same runs alternating the previous tree and this
 * one, at 16,000 / 65,000 B: client 3.5–3.9 → 3.2–3.5 and 2.7–3.0 → 2.5–2.6
 * CPU s/GB, server unchanged (3.7–4.2, 2.9–3.3). In one process (the
 * in-memory pair of `transport/connection/_test_pair.ts`, ChaCha20, the
 * server sending 40 MB in 256 KB writes, both ends; medians of five, four
 * alternations of the two trees): 4.6–5.0 → 3.9–4.6 CPU s/GB at 16,000 B,
 * 3.0–3.4 → 2.4–2.8 at 65,000 B. No change at 1,200 B beyond the noise.
 *
 * What changed last:
 * - the receiver keeps stream data in the plaintext buffer node:crypto
 *   returns (`PacketAead.open` no longer copies it back into the packet, and
 *   the receive path declares it with `keepViewsOf`, so `RecvBuffer` keeps
 *   views instead of copying into new slabs);
 * - a write taken whole flushes on the next turn of the event loop
 *   (`io/quic_stream.ts`), so an application's writes in a row fill packets:
 *   at 65,000 B the server sent 3,860 packets for 200 MB (a part-filled fifth
 *   one per 256 KB write), now 3,250–3,280 (3,077 full ones are the floor),
 *   and the client's ACKs went from 520–860 to 470–880;
 * - datagrams and in-order received pieces are copied into 1 MiB slabs, not
 *   one new buffer each (new memory costs more than the copy: `slice()` of
 *   16–65 KB runs at 4–6 GB/s, into a slab 8–13, into memory reused 25).
 *
 * Before that, the UDP driver got a 4 MiB receive buffer (`SO_RCVBUF`
 * through FFI, see `io/udp.ts`: Deno's API cannot, and the 208 KiB default
 * holds a dozen 16 KB datagrams, so a receiver pausing for a millisecond lost
 * 2–3 % of the packets and the congestion window stayed near 200 KB), and
 * receives short-header datagrams straight into slabs instead of copying each.
 *
 * What limits pquic now (CPU profiles of both processes): the sender's CPU
 * per byte. At 65,000 B the server spends ~3 CPU s/GB to quinn's 1.5: the
 * ChaCha20-Poly1305 operation itself (~11 % of its time), the UDP send op
 * (~8–11 %, one per datagram: Deno has no batching, GSO or GRO), and new
 * memory: the stream layer's copy of each application write
 * (`transport/streams/streams.ts`, a new 256 KB buffer per write; a larger
 * slab does not help, only reused memory would), node:crypto's new output
 * buffer per `update()` (1 µs at 16 KB, 6 µs at 64 KB; Deno's node:crypto has
 * no `update` into a caller's buffer, and its cipher objects are Transform
 * streams costing 1.5–3 µs each), the datagram copy, and the garbage
 * collection these cause (4–9 %). What would lift it: a send buffer that
 * owns reused memory (a ring the stream layer copies into, freed by ACKs),
 * datagram buffers recycled once the driver's send completed (needs the
 * endpoint to hand them back), an AEAD that writes into the packet (not
 * reachable through node:crypto), and fewer ACKs (ACK frequency).
 *
 * Defaults (`--mds default`): towards a loopback peer, DPLPMTUD now probes up
 * to what loopback carries (65,507 B over IPv4, 65,488 over IPv6), the
 * largest size first and beyond the congestion window, so the data goes in
 * ~61 KB datagrams from the second round trip after the handshake
 * (`transport/connection/pmtud.ts`; before: 1,200 B with no discovery in the
 * library, the command's limit 1,452). Three runs each, the same session
 * (load 4.5–5.7): before 182–205 Mbit/s, 11.9–13.1 / 12.4–13.0 CPU s/GB
 * (632–725 Mbit/s, 9.2–11.4 / 11.1–12.7 at load ~1.3); after 1,425–1,593
 * Mbit/s, 2.2–2.6 / 2.7–3.4, where `--mds 65000` in the same runs gave
 * 1,092–1,577, 2.3–2.4 / 2.8–3.1. The command (`pquic -G 200000000 ::1
 * PORT` against `pquic -p PORT`): 213–249 → 817–1,150 Mbit/s at load ~5.7
 * (683–736 before at load ~1.3), 3,200 datagrams instead of 141,000.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { connectQuic, generateCertificates, QuicEndpoint } from "../quic.ts";
import { patternByte } from "../io/_quic_test_util.ts";

const ALPN = ["pquic-bench"];
type Impl = "pquic" | "deno";
/** `--mds default`: no `maxDatagramSize`, the library's and the command's default. */
const DEFAULT_MDS = 0;

/** `maxDatagramSize` for an `--mds` value ({@link DEFAULT_MDS}: none). */
function mdsOption(mds: number): { maxDatagramSize?: number } {
  return mds === DEFAULT_MDS ? {} : { maxDatagramSize: mds };
}

interface Stream {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}

/** The test pattern repeats every 2^24 bytes (see `patternByte`). */
const PERIOD = 1 << 24;
const BLOCK = 256 * 1024;
let patternCache: Uint8Array | null = null;

/** The pattern's first period plus one block, made once, so blocks are views. */
function pattern(): Uint8Array {
  if (patternCache === null) {
    patternCache = new Uint8Array(PERIOD + BLOCK);
    for (let i = 0; i < patternCache.length; i++) patternCache[i] = patternByte(i);
  }
  return patternCache;
}

/** Answers "GET <n>" on each bidirectional stream with n pattern bytes. */
async function serveStream(s: Stream): Promise<void> {
  const request = await new Response(s.readable).text();
  const size = Number(/^GET (\d+)/.exec(request)?.[1] ?? 0);
  const w = s.writable.getWriter();
  const p = pattern();
  for (let offset = 0; offset < size; offset += BLOCK) {
    const start = offset % PERIOD;
    await w.write(p.subarray(start, start + Math.min(BLOCK, size - offset)));
  }
  await w.close();
}

/** Result of one transfer. */
interface Result {
  impl: Impl;
  mds: number;
  bytes: number;
  seconds: number;
  handshakeMs: number;
  ok: boolean;
  note: string;
  /** CPU time of the client process during the transfer, µs. */
  clientCpu: number;
  /** CPU time of the server process from its start of service to its stop, µs (-1: unknown). */
  serverCpu: number;
}

/** Downloads `size` bytes with pquic's client from the server on `port`. */
async function download(
  port: number,
  size: number,
  mds: number,
  cc: "newreno" | "cubic",
): Promise<Result> {
  const t0 = performance.now();
  const conn = await connectQuic({
    hostname: "127.0.0.1",
    port,
    alpnProtocols: ALPN,
    insecure: true,
    ...mdsOption(mds),
    congestionControl: cc,
  });
  const s = await conn.createBidirectionalStream();
  return await timeTransfer("pquic", mds, size, s, t0, async () => {
    const st = conn.stats();
    conn.close();
    await conn.closed;
    const avg = Math.round(st.bytesReceived / Math.max(1, st.datagramsReceived));
    return `rtt ${(st.rtt.smoothed / 1000).toFixed(2)} ms, ` +
      `lost ${st.packetsLost} of ${st.packetsSent} sent, ${st.packetsReceived} received ` +
      `(${avg} B each on average)`;
  });
}

async function timeTransfer(
  impl: Impl,
  mds: number,
  size: number,
  s: Stream,
  t0: number,
  finish: () => Promise<string>,
): Promise<Result> {
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  const w = s.writable.getWriter();
  await w.write(new TextEncoder().encode(`GET ${size}`));
  await w.close();
  let bytes = 0;
  let ok = true;
  for await (const chunk of s.readable) {
    if (ok) {
      // Spot-check (a full check would cost as much as the transfer).
      const i = chunk.length >>> 1;
      ok = chunk[0] === patternByte(bytes) && chunk[i] === patternByte(bytes + i);
    }
    bytes += chunk.length;
  }
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const note = await finish();
  return {
    impl,
    mds,
    bytes,
    seconds: (t2 - t1) / 1000,
    handshakeMs: t1 - t0,
    ok: ok && bytes === size,
    note,
    clientCpu: cpu.user + cpu.system,
    serverCpu: -1,
  };
}

/**
 * UDP datagrams the kernel dropped for a full receive buffer so far
 * (`RcvbufErrors` of /proc/net/snmp, Linux; for the whole host, so other
 * programs count too), or -1 where unreadable.
 */
function kernelDrops(): number {
  try {
    const lines = Deno.readTextFileSync("/proc/net/snmp").split("\n").filter((l) =>
      l.startsWith("Udp:")
    );
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/);
    return Number(values[names.indexOf("RcvbufErrors")] ?? -1);
  } catch {
    return -1;
  }
}

/**
 * Runs `client` against a server of `impl` in a child process; returns what
 * `client` returned and the CPU time (µs) the server spent serving (-1 when
 * it did not say).
 */
async function withServer<T>(
  impl: Impl,
  mds: number,
  cc: "newreno" | "cubic",
  profileDir: string | undefined,
  client: (port: number, caPem: string) => Promise<T>,
): Promise<{ value: T; serverCpu: number }> {
  const args = ["run", "-A"];
  if (profileDir !== undefined && impl === "pquic") {
    args.push("--cpu-prof", `--cpu-prof-dir=${profileDir}`);
  }
  args.push(new URL(import.meta.url).pathname, "--serve", impl, "--mds", String(mds), "--cc", cc);
  const child = new Deno.Command(Deno.execPath(), { args, stdout: "piped", stdin: "piped" })
    .spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  const readLine = async (): Promise<string | null> => {
    while (!pending.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) return null;
      pending += value;
    }
    const i = pending.indexOf("\n");
    const line = pending.slice(0, i);
    pending = pending.slice(i + 1);
    return line;
  };
  let value: T;
  let serverCpu = -1;
  try {
    const first = await readLine();
    if (first === null) throw new Error("server child exited before printing its port");
    const [port, caPem] = JSON.parse(first) as [number, string];
    value = await client(port, caPem);
  } finally {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode("stop\n")).catch(() => {});
    await w.close().catch(() => {});
    // The child's last line: its CPU time while serving.
    const last = await readLine().catch(() => null);
    if (last !== null && /^\d+$/.test(last)) serverCpu = Number(last);
    await reader.cancel().catch(() => {});
    await child.status;
  }
  return { value, serverCpu };
}

/** One transfer: a server of `impl` in a child process, a client of `impl` here. */
function runOne(
  impl: Impl,
  size: number,
  mds: number,
  cc: "newreno" | "cubic",
  profileDir: string | undefined,
): Promise<Result> {
  return withServer(impl, mds, cc, profileDir, async (port, caPem) => {
    if (impl === "pquic") return await download(port, size, mds, cc);
    const t0 = performance.now();
    const conn = await Deno.connectQuic({
      hostname: "127.0.0.1",
      port,
      serverName: "localhost",
      alpnProtocols: ALPN,
      caCerts: [caPem],
    });
    const s = await conn.createBidirectionalStream();
    return await timeTransfer("deno", 0, size, s, t0, async () => {
      conn.close({ closeCode: 0, reason: "" });
      await conn.closed.catch(() => {});
      return "";
    });
  }).then(({ value, serverCpu }) => ({ ...value, serverCpu }));
}

/** Handshakes per second: `count` connections, `parallel` at a time, each closed at once. */
function handshakes(
  impl: Impl,
  count: number,
  parallel: number,
  profileDir: string | undefined,
): Promise<number> {
  return withServer(impl, 1200, "newreno", profileDir, async (port, caPem) => {
    const endpoint = impl === "pquic" ? new QuicEndpoint({ hostname: "127.0.0.1" }) : null;
    const denoEndpoint = impl === "deno"
      ? new Deno.QuicEndpoint({ hostname: "127.0.0.1", port: 0 })
      : null;
    const one = async () => {
      const options = {
        hostname: "127.0.0.1",
        port,
        serverName: "localhost",
        alpnProtocols: ALPN,
        caCerts: [caPem],
      };
      if (endpoint !== null) {
        // No certificate check on our client: it would be the bottleneck
        // (chain parsing), and this measures the server.
        const conn = await connectQuic({ ...options, endpoint, insecure: true });
        conn.close();
        await conn.closed;
      } else {
        const conn = await Deno.connectQuic({ ...options, endpoint: denoEndpoint! });
        conn.close({ closeCode: 0, reason: "" });
      }
    };
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: parallel }, async () => {
      while (next++ < count) await one();
    }));
    const seconds = (performance.now() - t0) / 1000;
    await endpoint?.close();
    denoEndpoint?.close();
    return count / seconds;
  }).then((r) => r.value);
}

/** `--serve IMPL`: a server child; prints `[port, caPem]`, stops at "stop" on stdin or EOF. */
async function serveMain(impl: Impl, mds: number, cc: "newreno" | "cubic"): Promise<void> {
  const certs = await generateCertificates(["localhost", "127.0.0.1"]);
  let port: number;
  let stop: () => Promise<void>;
  if (impl === "deno") {
    const endpoint = new Deno.QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
    const listener = endpoint.listen({
      alpnProtocols: ALPN,
      cert: certs.certPem,
      key: certs.keyPem,
    });
    (async () => {
      for (;;) {
        const conn = await listener.accept();
        (async () => {
          for await (const s of conn.incomingBidirectionalStreams) serveStream(s).catch(() => {});
        })().catch(() => {});
      }
    })().catch(() => {});
    port = endpoint.addr.port;
    stop = () => Promise.resolve(endpoint.close());
  } else {
    const server = startServerWith(certs.certPem, certs.keyPem, mds, cc);
    port = server.port;
    stop = server.stop;
  }
  pattern(); // made before the clock starts
  const cpu0 = process.cpuUsage();
  console.log(JSON.stringify([port, certs.caPem]));
  // Wait for "stop" (or the parent going away).
  for await (const _ of Deno.stdin.readable) break;
  await stop();
  const cpu = process.cpuUsage(cpu0);
  console.log(String(cpu.user + cpu.system));
}

function startServerWith(
  cert: string,
  key: string,
  mds: number,
  cc: "newreno" | "cubic",
): { port: number; stop: () => Promise<void> } {
  const endpoint = new QuicEndpoint({ hostname: "127.0.0.1" });
  const listener = endpoint.listen({
    alpnProtocols: ALPN,
    cert,
    key,
    ...mdsOption(mds),
    congestionControl: cc,
  });
  (async () => {
    for await (const conn of listener) {
      if (Deno.env.get("PQUIC_BENCH_VERBOSE") !== undefined) {
        conn.closed.then(() => console.error("server stats", conn.stats()));
      }
      (async () => {
        for await (const s of conn.incomingBidirectionalStreams) serveStream(s).catch(() => {});
      })();
    }
  })();
  return { port: endpoint.addr.port, stop: () => endpoint.close() };
}

/** CPU seconds per GB moved, client and server (machine-load-independent, unlike Mbit/s). */
function cpuNote(r: Result): string {
  const perGb = (us: number) => us < 0 ? "?" : (us / 1e6 / (r.bytes / 1e9)).toFixed(1);
  return `cpu s/GB client ${perGb(r.clientCpu)} server ${perGb(r.serverCpu)}`;
}

/** An `--mds` value as given. */
function mdsName(mds: number): string {
  return mds === DEFAULT_MDS ? "default" : String(mds);
}

function mbps(r: Result): number {
  return (r.bytes * 8) / r.seconds / 1e6;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      serve: { type: "string" },
      size: { type: "string", default: "200" },
      mds: { type: "string", default: "1200,16000,65000" },
      runs: { type: "string", default: "1" },
      impl: { type: "string", default: "pquic,deno" },
      cc: { type: "string", default: "newreno" },
      profile: { type: "string" },
      handshakes: { type: "string", default: "200" },
    },
  });
  const cc = values.cc === "cubic" ? "cubic" : "newreno";
  if (values.serve !== undefined) {
    await serveMain(values.serve === "deno" ? "deno" : "pquic", Number(values.mds), cc);
    return;
  }
  const size = Math.round(Number(values.size) * 1e6);
  const sizes = values.mds.split(",").map((m) => m === "default" ? DEFAULT_MDS : Number(m));
  const impls = values.impl.split(",") as Impl[];
  const runs = Number(values.runs);
  console.log(`loopback goodput, one connection, ${size / 1e6} MB, server in a child process`);
  const results: Result[] = [];
  for (let run = 0; run < runs; run++) {
    for (const impl of impls) {
      for (const mds of impl === "deno" ? [0] : sizes) {
        const drops0 = kernelDrops();
        const r = await runOne(impl, size, mds, cc, values.profile);
        const drops = kernelDrops() - drops0;
        if (drops0 >= 0) r.note = `${r.note}${r.note === "" ? "" : ", "}kernel drops ${drops}`;
        results.push(r);
        const label = impl === "deno" ? "Deno QUIC (quinn)" : `pquic mds ${mdsName(mds)}`;
        console.log(
          `${label.padEnd(20)} ${mbps(r).toFixed(0).padStart(6)} Mbit/s  ` +
            `${r.seconds.toFixed(2)} s  handshake ${r.handshakeMs.toFixed(1)} ms  ` +
            `${r.ok ? "ok" : "BAD DATA"}  ${cpuNote(r)}  ${r.note}`,
        );
      }
    }
  }
  const best = (pred: (r: Result) => boolean) => Math.max(0, ...results.filter(pred).map(mbps));
  const deno = best((r) => r.impl === "deno");
  if (deno > 0) {
    for (const mds of sizes) {
      const ours = best((r) => r.impl === "pquic" && r.mds === mds);
      if (ours > 0) {
        console.log(`ratio pquic (mds ${mdsName(mds)}) / Deno QUIC: ${(ours / deno).toFixed(2)}`);
      }
    }
  }
  const count = Number(values.handshakes);
  if (count > 0) {
    const rates: Partial<Record<Impl, number>> = {};
    for (const impl of impls) {
      rates[impl] = await handshakes(impl, count, 8, values.profile);
      const label = impl === "deno" ? "Deno QUIC (quinn)" : "pquic";
      console.log(
        `${label.padEnd(20)} ${rates[impl]!.toFixed(0).padStart(6)} handshakes/s ` +
          `(${count}, 8 at a time, one server process)`,
      );
    }
    if (rates.pquic !== undefined && rates.deno !== undefined) {
      console.log(`ratio pquic / Deno QUIC handshakes: ${(rates.pquic / rates.deno).toFixed(2)}`);
    }
  }
  if (results.some((r) => !r.ok)) Deno.exitCode = 1;
}

if (import.meta.main) {
  await main();
} else {
  // `deno bench`: a short in-process transfer of each, to catch regressions.
  const size = 10_000_000;
  Deno.bench({ name: "pquic loopback 10 MB (mds 16000)", n: 2, warmup: 0 }, async () => {
    const certs = await generateCertificates(["localhost", "127.0.0.1"]);
    const server = startServerWith(certs.certPem, certs.keyPem, 16000, "newreno");
    try {
      const r = await download(server.port, size, 16000, "newreno");
      if (!r.ok) throw new Error("bad data");
    } finally {
      await server.stop();
    }
  });
}
