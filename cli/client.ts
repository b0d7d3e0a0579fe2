/**
 * `pquic` as a client (a server name, or `pquic client URL`): connects,
 * runs picoquicdemo's scenario over hq-interop or HTTP/3 (whichever ALPN the
 * server picks), saves or discards what arrives, prints picoquicdemo's
 * end-of-run lines and a summary, and exits 0 when every request was
 * answered intact, 1 otherwise.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { appProtocolOf } from "../apps/demo_server.ts";
import { HqErrorCode } from "../apps/hq/server.ts";
import { H3Client } from "../apps/h3/client.ts";
import { HqClient } from "../apps/hq/client.ts";
import { entriesAfter, type ScenarioEntry } from "../apps/scenario.ts";
import { monotonicMicros, wallClockMs } from "../io/clock.ts";
import { UdpDriver } from "../io/udp_driver.ts";
import type { SocketAddress } from "../transport/address.ts";
import type { ClientConnectionConfig } from "../transport/connection/config.ts";
import type { Connection } from "../transport/connection/connection.ts";
import type { ConnectionError } from "../transport/connection/events.ts";
import { Endpoint, type EndpointEvent } from "../transport/endpoint/endpoint.ts";
import { CryptoRandom } from "../transport/random.ts";
import { isSupportedVersion, QuicVersion, versionName } from "../transport/version.ts";
import { type ClientOptions, ExitCode } from "./args.ts";
import { cacheDir, trustAnchors } from "./certs.ts";
import { describeClose, hex, isCleanClose } from "./describe.ts";
import { commonConfig } from "./endpoint_config.ts";
import { KeyLogFile, type Log } from "./log.ts";
import { pluginConfig, PluginStatsFile, pluginSummaryLines } from "./plugins.ts";
import { commandPlugins, exchangeSetupLines, loadPluginOptions, withExchange } from "./exchange.ts";
import { ProgressBar, type ProgressTarget } from "./progress.ts";
import { QlogFile } from "./qlog.ts";
import { formatMs, summaryLines } from "./summary.ts";
import { TicketStore } from "./tickets.ts";

/** Seconds without progress after which the client gives up (picoquicdemo's 10 s). */
export const NO_PROGRESS_SECONDS = 10;

/** What the caller passes besides the options. */
export interface ClientRunContext {
  readonly log: Log;
  readonly env: (name: string) => string | undefined;
  /** Where to draw the progress bar; null = none (not a terminal). */
  readonly progress: ProgressTarget | null;
}

/** A request of either protocol, as far as the runner needs it. */
interface AnyRequest {
  readonly path: string;
  streamId: number;
  state: string;
  bytes: number;
  expected: number | null;
  startedAt: number;
  finishedAt: number;
  resetCode: bigint | null;
  mismatchAt: number;
  status?: number | null;
}

/** Resolves a server name to an address (literals as they are). */
export async function resolveServer(name: string, port: number): Promise<SocketAddress> {
  if (isIP(name) !== 0) return { hostname: name, port };
  if (name === "localhost") return { hostname: "127.0.0.1", port };
  const { address } = await lookup(name);
  return { hostname: address, port };
}

/** True when a finished request counts as answered (a "not found" is an answer). */
export function answered(r: AnyRequest): boolean {
  if (r.mismatchAt >= 0) return false;
  if (r.state === "done") return true;
  return r.state === "reset" && r.resetCode === BigInt(HqErrorCode.NotFound);
}

/** Runs the client; resolves with the exit code. */
export async function runClient(o: ClientOptions, ctx: ClientRunContext): Promise<number> {
  const { log } = ctx;
  const fail = (msg: string) => {
    log.line(msg);
    log.line(`Client exit with code = ${ExitCode.Failure}`);
    return ExitCode.Failure;
  };
  let remote: SocketAddress;
  try {
    remote = await resolveServer(o.serverName, o.port);
  } catch (e) {
    return fail(`Cannot resolve ${o.serverName}: ${e instanceof Error ? e.message : e}`);
  }
  let anchors: Uint8Array[] | null = null;
  if (o.trustFile !== null) {
    try {
      anchors = trustAnchors(o.trustFile);
    } catch (e) {
      return fail(`Cannot read the trust file: ${e instanceof Error ? e.message : e}`);
    }
  }
  const loaded = loadPluginOptions(o);
  if ("error" in loaded) {
    log.line(loaded.error);
    return ExitCode.Usage;
  }
  const { plugins, exchange } = loaded;
  let version = o.version;
  if (!isSupportedVersion(version)) {
    log.line(`Version ${version.toString(16)} is not spoken here; proposing 1 (QUIC v1)`);
    version = QuicVersion.V1;
  }

  const store = o.noResumption ? null : TicketStore.open(`${cacheDir(ctx.env)}/tickets.json`);
  const storeKey = TicketStore.key(o.sni, o.port);
  const stored = store?.get(storeKey, wallClockMs()) ?? {};
  const keyLog = o.keyLogFile !== null ? KeyLogFile.open(o.keyLogFile) : null;
  const qlog = o.qlogFile !== null ? QlogFile.open(o.qlogFile, "client", monotonicMicros()) : null;

  const config: Omit<ClientConnectionConfig, "random" | "resetTokenFor" | "localCidLength"> = {
    ...commonConfig(o, commandPlugins(loaded)),
    serverName: o.sni,
    alpnProtocols: o.alpns,
    version,
    retryOnVersionNegotiation: true,
    wallClockMs,
    ...(anchors !== null ? { trustAnchors: anchors } : { insecureSkipVerify: true }),
    // -z sends no key share at all: the server must ask with a HelloRetryRequest.
    ...(o.zeroShare ? { keyShareGroups: [] } : {}),
    ...(stored.ticket !== undefined ? { sessionTicket: stored.ticket, enableEarlyData: true } : {}),
    ...(stored.token !== undefined ? { token: stored.token } : {}),
    ...(qlog !== null ? { qlog: qlog.sink } : {}),
    ...withExchange(pluginConfig(plugins, log), exchange, log),
  };

  const endpoint = new Endpoint({ random: new CryptoRandom() });
  const bindHost = remote.hostname.includes(":") ? "::" : "0.0.0.0";
  let driver: UdpDriver;
  let onEvent: (e: EndpointEvent) => void = () => {};
  try {
    driver = UdpDriver.bind(endpoint, { hostname: bindHost }, { onEvent: (e) => onEvent(e) });
  } catch (e) {
    return fail(`Cannot open a UDP socket: ${e instanceof Error ? e.message : e}`);
  }

  log.line(
    `Starting pquic connection to server = ${o.serverName}, port = ${o.port}` +
      (o.serverName !== remote.hostname ? ` (${remote.hostname})` : ""),
  );
  if (anchors === null) {
    log.line("Warning: no -t trust file, the server's certificate is not verified");
  }
  if (o.zeroShare) {
    log.line(
      "-z: the first ClientHello carries no key share, " +
        "so the server asks again with a HelloRetryRequest",
    );
  }
  if (stored.ticket !== undefined) log.line("Resuming with a stored session ticket");
  for (let i = 0; i < plugins.length; i++) {
    log.line(`Local plugin ${o.plugins[i]} (${plugins[i]!.name})`);
  }
  for (const line of exchangeSetupLines(exchange)) log.line(line);

  const bar = ctx.progress !== null ? new ProgressBar(ctx.progress) : null;
  if (bar !== null && log.toStdout) log.beforeLine = () => bar.clear();

  // ---- the scenario ----
  const requests: { request: AnyRequest; entry: ScenarioEntry }[] = [];
  const remaining = new Map<number, number>();
  const files = new Map<AnyRequest, Deno.FsFile>();
  let app: "h3" | "hq" | null = null;
  // Assigned once the handlers it is used in exist (below).
  // deno-lint-ignore prefer-const
  let conn!: Connection;
  let connected = false;
  let closeError: ConnectionError | null = null;
  let closingByUs = false;
  let gaveUp = false;
  let keyUpdates: ReturnType<typeof setInterval> | undefined;
  const outDir = o.outDir ?? ".";
  if (!o.noSave && o.outDir !== null) Deno.mkdirSync(o.outDir, { recursive: true });

  const onData = (r: AnyRequest, data: Uint8Array) => {
    const f = files.get(r);
    if (f !== undefined) {
      let off = 0;
      while (off < data.length) off += f.writeSync(data.subarray(off));
    }
  };
  const onFinished = (r: AnyRequest) => {
    files.get(r)?.close();
    files.delete(r);
    const item = requests.find((x) => x.request === r);
    const status = r.status !== undefined && r.status !== null ? ` status ${r.status},` : "";
    const how = r.state === "done"
      ? `${status} ${r.bytes} bytes in ${formatMs(r.finishedAt - r.startedAt)}` +
        (r.mismatchAt >= 0 ? `, WRONG DATA at byte ${r.mismatchAt}` : "")
      : r.state === "reset"
      ? ` reset by the server (code 0x${r.resetCode?.toString(16)}) after ${r.bytes} bytes`
      : ` failed after ${r.bytes} bytes`;
    log.line(`Stream ${r.streamId}: ${r.path} ->${how}`);
    if (item === undefined) return;
    const left = (remaining.get(item.entry.stream) ?? 1) - 1;
    remaining.set(item.entry.stream, left);
    if (left === 0 && !closingByUs) {
      for (const next of entriesAfter(o.scenario, item.entry.stream)) start(next);
    }
    queueMicrotask(checkDone);
  };
  const hq = new HqClient({ onData, onFinished });
  const authority = `${o.serverName.includes(":") ? `[${o.serverName}]` : o.serverName}:${o.port}`;
  const h3 = new H3Client({ authority, onData, onFinished });

  function start(entry: ScenarioEntry) {
    remaining.set(entry.stream, entry.repeat);
    for (let i = 0; i < entry.repeat; i++) {
      const path = entry.path.startsWith("/") ? entry.path : `/${entry.path}`;
      const now = driver.now();
      const request: AnyRequest = app === "h3"
        ? h3.request(conn, path, now)
        : hq.request(conn, path, now);
      requests.push({ request, entry });
      log.line(`Opening stream ${request.streamId} to GET ${path}`);
      if (!o.noSave && request.state !== "failed") {
        files.set(
          request,
          Deno.openSync(`${outDir}/${entry.fileName}`, {
            write: true,
            create: true,
            truncate: true,
          }),
        );
      }
    }
    driver.wake();
  }

  function checkDone() {
    if (closingByUs || !connected) return;
    const idle = app === "h3" ? h3.isIdle(conn) : hq.isIdle(conn);
    const pending = [...remaining.values()].some((n) => n > 0);
    if (!idle || pending) return;
    closingByUs = true;
    log.line("All done, Closing the connection.");
    if (app === "h3") h3.close(conn, driver.now());
    else conn.close(0n, "", driver.now());
    driver.wake();
  }

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => resolveClosed = r);
  onEvent = (e: EndpointEvent) => {
    if (e.type !== "connection") return;
    const { event } = e;
    const now = driver.now();
    switch (event.type) {
      case "connected": {
        connected = true;
        log.line(
          `Connection established. Version = ${event.version.toString(16)}, ` +
            `I-CID: ${hex(conn.originalDcid)}`,
        );
        log.line(
          `Negotiated ALPN ${event.alpn}, ${versionName(event.version)}, suite 0x` +
            `${event.cipherSuite.toString(16)}` +
            (event.resumed ? ", resumed" : "") +
            (event.earlyDataAccepted ? ", 0-RTT accepted" : ""),
        );
        app = appProtocolOf(event.alpn);
        if (app === null) {
          log.line(`The server chose ALPN "${event.alpn}", which this client does not speak`);
          conn.close(0n, "no application", now);
          break;
        }
        log.line("Almost ready!");
        if (o.keyUpdateMs > 0) {
          keyUpdates = setInterval(() => {
            if (conn.initiateKeyUpdate()) driver.wake();
          }, o.keyUpdateMs);
        }
        for (const entry of entriesAfter(o.scenario, null)) start(entry);
        break;
      }
      case "keyLog":
        keyLog?.line(event.line);
        return;
      case "sessionTicket":
        store?.setTicket(storeKey, event.ticket);
        return;
      case "newToken":
        store?.setToken(storeKey, event.token);
        return;
      case "closed":
        closeError = event.error;
        break;
    }
    if (app === "h3") h3.onEvent(conn, event, now);
    else if (app === "hq") hq.onEvent(conn, event, now);
    if (event.type === "closed") resolveClosed();
  };

  conn = endpoint.connect(config, remote, driver.now());
  driver.wake();

  // Progress bar and the no-progress watchdog.
  const startedAt = driver.now();
  let lastBytes = -1;
  let lastProgressAt = startedAt;
  const tick = setInterval(() => {
    const now = driver.now();
    let bytes = 0;
    let total: number | null = 0;
    let first = Infinity;
    for (const { request: r } of requests) {
      bytes += r.bytes;
      if (r.expected === null) total = null;
      else if (total !== null) total += r.expected;
      if (r.startedAt >= 0 && r.startedAt < first) first = r.startedAt;
    }
    if (bytes !== lastBytes || (!connected && conn.stats().packetsReceived > 0 && lastBytes < 0)) {
      lastBytes = bytes;
      lastProgressAt = now;
    }
    if (bar !== null && first !== Infinity && !closingByUs) bar.update(bytes, total, now - first);
    if (!closingByUs && now - lastProgressAt > NO_PROGRESS_SECONDS * 1e6) {
      gaveUp = true;
      bar?.clear();
      log.line(`No progress for ${NO_PROGRESS_SECONDS} seconds. Closing.`);
      closingByUs = true;
      conn.close(0n, "no progress", now);
      driver.wake();
    }
  }, 100);

  await closed;
  clearInterval(tick);
  clearInterval(keyUpdates);
  bar?.clear();
  log.beforeLine = null;
  await driver.close();
  for (const f of files.values()) f.close();
  keyLog?.close();
  qlog?.close();
  try {
    store?.save();
  } catch (e) {
    log.line(`Cannot save the ticket store: ${e instanceof Error ? e.message : e}`);
  }

  const err = closeError as ConnectionError | null;
  if (err !== null && !(closingByUs && isCleanClose(err))) log.line(describeClose(err));
  const first = requests[0]?.request;
  if (first !== undefined && first.state === "done") {
    log.line(`${first.bytes} bytes received`);
    log.line(formatMs(first.finishedAt - first.startedAt));
  } else log.line("-1.0");
  let bytes = 0;
  let firstStart = Infinity;
  let lastEnd = 0;
  for (const { request: r } of requests) {
    bytes += r.bytes;
    if (r.startedAt >= 0) firstStart = Math.min(firstStart, r.startedAt);
    lastEnd = Math.max(lastEnd, r.finishedAt);
  }
  const done = requests.filter((x) => answered(x.request)).length;
  for (
    const line of summaryLines(conn.stats(), {
      bytes,
      transferUs: firstStart === Infinity ? 0 : lastEnd - firstStart,
      done,
      total: requests.length,
    })
  ) log.line(line);
  for (const line of pluginSummaryLines(conn)) log.line(line);
  if (o.pluginStatsFile !== null) PluginStatsFile.write(o.pluginStatsFile, [conn]);

  const ok = connected && !gaveUp && closingByUs && err !== null && isCleanClose(err) &&
    requests.length > 0 && done === requests.length;
  const code = ok ? ExitCode.Ok : ExitCode.Failure;
  log.line(`Client exit with code = ${code}`);
  return code;
}
