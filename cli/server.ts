/**
 * `pquic` as a server (no server name, or `pquic server`): picoquicdemo's
 * server on `-p` (default 4443), bound to `::` (dual-stack), serving
 * hq-interop and HTTP/3 by ALPN with picoquicdemo's `/<size>` pattern and an
 * optional web root (`-w`).
 *
 * Runs until SIGINT/SIGTERM (or the `stop` signal), or after one connection
 * with `-1`, and ends with picoquicdemo's "Server exit with code = N".
 *
 * @module
 */

import { DEMO_ALPNS, DemoServer } from "../apps/demo_server.ts";
import type { ReadFile } from "../apps/content.ts";
import { monotonicMicros, wallClockMs } from "../io/clock.ts";
import { UdpDriver } from "../io/udp_driver.ts";
import type { Connection } from "../transport/connection/connection.ts";
import { Endpoint, type EndpointEvent } from "../transport/endpoint/endpoint.ts";
import { CryptoRandom } from "../transport/random.ts";
import { versionName } from "../transport/version.ts";
import { ExitCode, type ServerOptions } from "./args.ts";
import { cacheDir, serverCertificates } from "./certs.ts";
import { describeClose, hex } from "./describe.ts";
import { commonConfig } from "./endpoint_config.ts";
import { KeyLogFile, type Log } from "./log.ts";
import { pluginConfig, PluginStatsFile, pluginSummaryLines } from "./plugins.ts";
import { commandPlugins, exchangeSetupLines, loadPluginOptions, withExchange } from "./exchange.ts";
import { pluginFrameLines } from "./summary.ts";
import { QlogFile } from "./qlog.ts";

/** What the caller may pass besides the options (tests, embedding). */
export interface ServerRunContext {
  readonly log: Log;
  readonly env: (name: string) => string | undefined;
  /** Stops the server (as SIGINT would). */
  readonly stop?: AbortSignal;
  /** Called once listening, with the bound port. */
  readonly onListening?: (port: number) => void;
}

/** A web-root reader for `-w`: files below `root`, or null. */
export function webRootReader(root: string): ReadFile {
  return (relative: string) => {
    try {
      return Deno.readFileSync(`${root}/${relative}`);
    } catch {
      return null;
    }
  };
}

/** Runs the server; resolves with the exit code. */
export async function runServer(o: ServerOptions, ctx: ServerRunContext): Promise<number> {
  const { log } = ctx;
  const loaded = loadPluginOptions(o);
  if ("error" in loaded) {
    log.line(loaded.error);
    log.line(`Server exit with code = ${ExitCode.Usage}`);
    return ExitCode.Usage;
  }
  const { plugins, exchange } = loaded;
  let certs;
  try {
    certs = await serverCertificates(o.certFile, o.keyFile, cacheDir(ctx.env));
  } catch (e) {
    log.line(`Cannot load the certificate: ${e instanceof Error ? e.message : String(e)}`);
    log.line(`Server exit with code = ${ExitCode.Failure}`);
    return ExitCode.Failure;
  }
  const keyLog = o.keyLogFile !== null ? KeyLogFile.open(o.keyLogFile) : null;
  const qlog = o.qlogFile !== null ? QlogFile.open(o.qlogFile, "server", monotonicMicros()) : null;
  const random = new CryptoRandom();
  const ticketKey = new Uint8Array(32);
  random.fill(ticketKey);
  const endpoint = new Endpoint({
    random,
    retry: o.retry,
    server: {
      ...commonConfig(o, commandPlugins(loaded)),
      identity: certs.identity,
      alpnProtocols: [...DEMO_ALPNS],
      wallClockMs,
      ...(o.noResumption ? {} : { ticketKey, enableEarlyData: true }),
      ...(qlog !== null ? { qlog: qlog.sink } : {}),
      ...withExchange(pluginConfig(plugins, log), exchange, log),
    },
  });
  const pluginStats = o.pluginStatsFile !== null ? PluginStatsFile.open(o.pluginStatsFile) : null;

  const names = new Map<Connection, string>();
  let served = 0;
  let stopping = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => resolveDone = r);

  const app = new DemoServer({
    ...(o.webRoot !== null ? { readFile: webRootReader(o.webRoot) } : {}),
    onRequest: (conn, protocol, path, size) => {
      const who = names.get(conn) ?? "?";
      log.line(
        `${who}: ${protocol} GET ${path} -> ${size >= 0 ? `${size} bytes` : "not found"}`,
      );
    },
  });

  let driver: UdpDriver;
  const onEvent = (e: EndpointEvent) => {
    const now = driver.now();
    if (e.type === "accepted") {
      const r = e.connection.remote;
      names.set(e.connection, `[${r.hostname}]:${r.port}`);
      return;
    }
    const { connection: conn, event } = e;
    const who = names.get(conn) ?? "?";
    switch (event.type) {
      case "connected":
        log.line(
          `${who}: Connection established. Version = ${event.version.toString(16)} ` +
            `(${versionName(event.version)}), ALPN = ${event.alpn}, ` +
            `suite 0x${event.cipherSuite.toString(16)}, I-CID: ${hex(conn.originalDcid)}` +
            (event.resumed ? ", resumed" : ""),
        );
        break;
      case "keyLog":
        keyLog?.line(event.line);
        return;
      case "closed": {
        const s = conn.stats();
        log.line(`${who}: ${describeClose(event.error)}`);
        log.line(
          `${who}: Closed. Retrans= ${s.packetsLost}, spurious= 0, max sp gap = 0, ` +
            `max sp delay = 0; sent ${s.packetsSent} packets, received ${s.packetsReceived}, ` +
            `key updates ${s.keyUpdates}`,
        );
        for (const line of [...pluginFrameLines(s), ...pluginSummaryLines(conn)]) {
          log.line(`${who}:${line}`);
        }
        pluginStats?.connection(conn, who);
        names.delete(conn);
        served++;
        if (o.justOnce && served >= 1) stop();
        break;
      }
    }
    app.onEvent(conn, event, now);
  };

  try {
    driver = UdpDriver.bind(endpoint, { hostname: o.host, port: o.port }, {
      onEvent: (e) => onEvent(e),
      onError: (err) => log.line(`socket error: ${err instanceof Error ? err.message : err}`),
    });
  } catch (e) {
    log.line(
      `Cannot listen on [${o.host}]:${o.port}: ${e instanceof Error ? e.message : String(e)}`,
    );
    log.line(`Server exit with code = ${ExitCode.Failure}`);
    keyLog?.close();
    qlog?.close();
    pluginStats?.close();
    return ExitCode.Failure;
  }

  log.line(
    `Starting pquic server on port ${driver.local.port}, server name = ${o.host}, ` +
      `just_once = ${o.justOnce ? 1 : 0}, hrr= ${o.retry ? 1 : 0}, ` +
      `${plugins.length} local plugins and ${exchange?.inject.length ?? 0} both plugins`,
  );
  for (const p of o.plugins) log.line(`\tlocal plugin ${p}`);
  for (const line of exchangeSetupLines(exchange)) log.line(line);
  if (o.retry) log.line("-r: every new client address is validated with a Retry first");
  if (certs.caFile !== null) {
    log.line(
      `${certs.created ? "Made" : "Using"} demo certificates for localhost, 127.0.0.1 and ::1; ` +
        `clients can trust them with -t ${certs.caFile}`,
    );
  }
  if (o.webRoot !== null) log.line(`Serving files from ${o.webRoot}`);
  ctx.onListening?.(driver.local.port);

  function stop() {
    if (stopping) return;
    stopping = true;
    const now = driver.now();
    for (const c of [...endpoint.connections]) c.close(0n, "server shutting down", now);
    resolveDone();
  }
  const onSignal = () => stop();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  ctx.stop?.addEventListener("abort", onSignal);
  if (ctx.stop?.aborted) stop();

  await done;
  for (const s of signals) Deno.removeSignalListener(s, onSignal);
  ctx.stop?.removeEventListener("abort", onSignal);
  await driver.close();
  keyLog?.close();
  qlog?.close();
  // Connections still open when the server stopped: their statistics too.
  for (const [conn, who] of names) pluginStats?.connection(conn, who);
  pluginStats?.close();
  const st = endpoint.stats;
  log.line(
    `Served ${st.accepted} connections; sent ${st.retriesSent} Retry, ` +
      `${st.versionNegotiationsSent} Version Negotiation, ${st.statelessResetsSent} stateless reset`,
  );
  log.line(`Server exit with code = ${ExitCode.Ok}`);
  return ExitCode.Ok;
}
