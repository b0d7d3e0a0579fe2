// deno-lint-ignore-file no-console
/**
 * `deno task demo:sim`: a pquic client and server over the simulated network.
 *
 * The client connects to the server across a link of 20 ms one way at
 * 50 Mbit/s with 1 % random loss, asks for 2 MB on one stream, checks every
 * byte, and closes. Everything runs on the simulator's virtual clock, so the
 * run is the same each time and takes as long as the CPU work.
 *
 * ```sh
 * deno task demo:sim [--size BYTES] [--loss RATE] [--delay MS] [--rate MBPS] [--seed N] [--v2]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { SimNetwork, type SimNode } from "./io/sim/network.ts";
import type { SocketAddress } from "./transport/address.ts";
import type { Connection } from "./transport/connection/connection.ts";
import type { ConnectionEvent } from "./transport/connection/events.ts";
import { generateDemoCertificates } from "./transport/crypto/certificates.ts";
import { Endpoint, type EndpointEvent } from "./transport/endpoint/endpoint.ts";
import { transportErrorName } from "./transport/errors.ts";
import { SeededRandom } from "./transport/random.ts";
import { QuicVersion, versionName } from "./transport/version.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    size: { type: "string", default: "2000000" },
    loss: { type: "string", default: "0.01" },
    delay: { type: "string", default: "20" },
    rate: { type: "string", default: "50" },
    seed: { type: "string", default: "1" },
    v2: { type: "boolean", default: false },
  },
});
const size = Number(values.size);
const loss = Number(values.loss);
const delayMs = Number(values.delay);
const rateMbps = Number(values.rate);
const seed = Number(values.seed);
for (const [name, v] of Object.entries({ size, loss, delayMs, rateMbps, seed })) {
  if (!Number.isFinite(v) || v < 0) {
    console.error(`demo: --${name} must be a non-negative number`);
    Deno.exit(2);
  }
}

const SERVER: SocketAddress = { hostname: "10.0.0.2", port: 4443 };
const CLIENT: SocketAddress = { hostname: "10.0.0.1", port: 50000 };
const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`;

/** Runs an endpoint on the simulator and hands its events to a callback. */
class Node implements SimNode {
  constructor(readonly endpoint: Endpoint, readonly onEvent: (e: EndpointEvent) => void) {}
  receive(d: Uint8Array, from: SocketAddress, now: number) {
    this.endpoint.handle(d, from, now);
    this.#drain();
  }
  pollTransmit(now: number) {
    return this.endpoint.pollTransmit(now);
  }
  nextTimeout() {
    return this.endpoint.nextTimeout();
  }
  onTimeout(now: number) {
    this.endpoint.onTimeout(now);
    this.#drain();
  }
  #drain() {
    for (let e = this.endpoint.pollEvent(); e !== null; e = this.endpoint.pollEvent()) {
      this.onEvent(e);
    }
  }
}

const certs = await generateDemoCertificates({ names: ["localhost"] });
const sim = new SimNetwork(seed);
sim.setPath(CLIENT.hostname, SERVER.hostname, {
  delay: delayMs * 1000,
  bandwidth: rateMbps * 1e6,
  queue: 100,
  loss,
});
const wallClockMs = () => Date.UTC(2026, 0, 1) + sim.now / 1000;
const log = (who: string, line: string) =>
  console.log(`${ms(sim.now).padStart(10)}  ${who}  ${line}`);

// The server answers "GET <n>" with n bytes of a known pattern.
const server = new Node(
  new Endpoint({
    random: new SeededRandom(seed + 1),
    server: {
      identity: certs.identity,
      wallClockMs,
      ...(values.v2 ? { preferredVersions: [QuicVersion.V2, QuicVersion.V1] } : {}),
    },
  }),
  (e) => {
    if (e.type === "accepted") return log("server", "new connection");
    const { connection: conn, event } = e;
    if (event.type === "connected") {
      log("server", `handshake complete (${versionName(event.version)})`);
    }
    if (event.type === "streamReadable") {
      const r = conn.read(event.id);
      const request = r === null ? "" : new TextDecoder().decode(r.data);
      const m = /^GET (\d+)/.exec(request);
      if (m !== null) {
        log("server", `stream ${event.id}: "${request.trim()}"`);
        const body = pattern(Number(m[1]));
        let offset = 0;
        const push = () => {
          offset += conn.write(event.id, body.subarray(offset), true);
        };
        push();
        pending.set(conn, push);
      }
    }
    if (event.type === "streamWritable") pending.get(conn)?.();
    if (event.type === "closed") log("server", `closed: ${describe(event)}`);
  },
);
const pending = new Map<Connection, () => void>();

let received = 0;
let mismatch = -1;
let started = 0;
let stream = -1;
const client = new Node(new Endpoint({ random: new SeededRandom(seed) }), (e) => {
  if (e.type !== "connection") return;
  const { connection: conn, event } = e;
  switch (event.type) {
    case "connected": {
      log(
        "client",
        `handshake complete: ${versionName(event.version)}, ALPN ${event.alpn}, ` +
          `suite 0x${event.cipherSuite.toString(16)}, group 0x${event.group.toString(16)}`,
      );
      stream = conn.openStream(true)!;
      conn.write(stream, new TextEncoder().encode(`GET ${size}\r\n`), true);
      started = sim.now;
      log("client", `stream ${stream}: GET ${size}`);
      break;
    }
    case "streamReadable": {
      for (let r = conn.read(event.id); r !== null; r = conn.read(event.id)) {
        if (mismatch < 0) {
          for (let i = 0; i < r.data.length; i++) {
            if (r.data[i] !== patternByte(received + i)) {
              mismatch = received + i;
              break;
            }
          }
        }
        received += r.data.length;
        if (r.fin) {
          const secs = (sim.now - started) / 1e6;
          log(
            "client",
            `received ${received} bytes in ${ms(sim.now - started)}, ` +
              `goodput ${((received * 8) / secs / 1e6).toFixed(2)} Mbit/s`,
          );
          conn.close(0n, "done", sim.now);
        }
      }
      break;
    }
    case "closed":
      log("client", `closed: ${describe(event)}`);
      printStats(conn);
      break;
  }
});
sim.addNode(SERVER, server);
sim.addNode(CLIENT, client);

console.log(
  `pquic demo: client ${CLIENT.hostname} ↔ server ${SERVER.hostname}, ` +
    `${delayMs} ms one way, ${rateMbps} Mbit/s, ${(loss * 100).toFixed(1)} % loss, seed ${seed}`,
);
client.endpoint.connect(
  {
    serverName: "localhost",
    trustAnchors: [certs.caCertificate],
    wallClockMs,
  },
  SERVER,
  0,
);
sim.run({ maxTime: 600e6 });

const ok = received === size && mismatch < 0;
console.log(
  ok ? `\nOK: ${size} bytes arrived intact` : `\nFAILED: got ${received} of ${size} bytes` +
    (mismatch >= 0 ? `, first wrong byte at ${mismatch}` : ""),
);
Deno.exit(ok ? 0 : 1);

function pattern(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = patternByte(i);
  return out;
}

function patternByte(i: number): number {
  return (i * 31 + (i >>> 8)) & 0xff;
}

function describe(event: Extract<ConnectionEvent, { type: "closed" }>): string {
  const e = event.error;
  switch (e.kind) {
    case "transportError":
      return `${transportErrorName(e.code)} (${e.remote ? "peer" : "local"}) ${e.reason}`;
    case "applicationClosed":
      return `application code ${e.code} (${e.remote ? "peer" : "local"}) "${e.reason}"`;
    case "localClose":
      return `closed locally, code ${e.code} "${e.reason}"`;
    default:
      return e.kind;
  }
}

function printStats(conn: Connection) {
  const s = conn.stats();
  console.log(`\nclient summary`);
  console.log(`  handshake      ${ms(s.handshakeDuration)}`);
  console.log(
    `  packets        sent ${s.packetsSent}, received ${s.packetsReceived}, ` +
      `lost ${s.packetsLost}, dropped ${s.packetsDropped}`,
  );
  console.log(`  bytes          sent ${s.bytesSent}, received ${s.bytesReceived}`);
  console.log(`  rtt            smoothed ${ms(s.rtt.smoothed)}, min ${ms(s.rtt.min)}`);
  console.log(`  frames sent    ${fmtFrames(s.framesSent)}`);
  console.log(`  frames recv    ${fmtFrames(s.framesReceived)}`);
}

function fmtFrames(f: Record<string, number>): string {
  return Object.entries(f).map(([k, v]) => `${k} ${v}`).join(", ");
}
