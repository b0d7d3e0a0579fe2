/**
 * `pquic relay`: a UDP relay that impairs real traffic, so that loss
 * recovery and FEC can be watched over real sockets on one machine
 * (issue #9). The arguments are read by `relay_args.ts`, the relaying is
 * {@link UdpRelay} (`udp_relay.ts`); this runs it until SIGINT/SIGTERM and
 * prints its counters.
 *
 * @module
 */

import { ExitCode } from "./args.ts";
import { parseRelayArgs, RELAY_USAGE, type RelayOptions } from "./relay_args.ts";
import { formatBytes } from "./summary.ts";
import { type RelayDirectionStats, type RelayStats, UdpRelay } from "./udp_relay.ts";

function describeDirection(name: string, s: RelayDirectionStats): string {
  const reasons = Object.entries(s.droppedBy).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`);
  return `${name}: received ${s.received}, forwarded ${s.forwarded} (${formatBytes(s.bytes)}), ` +
    `dropped ${s.dropped}${reasons.length > 0 ? ` (${reasons.join(", ")})` : ""}` +
    (s.sendErrors > 0 ? `, send errors ${s.sendErrors}` : "");
}

/**
 * The relay's counter lines (printed at exit, and every second with `-v`).
 *
 * @param s The counters.
 * @returns Two lines, one per direction.
 */
export function relayStatsLines(s: RelayStats): string[] {
  return [
    describeDirection("client->server", s.toServer),
    describeDirection("server->client", s.toClient),
  ];
}

function describeImpairment(o: RelayOptions, seed: number): string {
  const parts: string[] = [];
  if (o.loss > 0) {
    const pct = `${+(o.loss * 100).toFixed(3)}%`;
    parts.push(o.burst > 0 ? `loss ${pct} in bursts of ${o.burst}` : `loss ${pct}`);
  }
  if (o.delayMs > 0) parts.push(`delay ${o.delayMs} ms`);
  if (o.rateMbps > 0) {
    parts.push(`rate ${o.rateMbps} Mbit/s` + (o.queue !== null ? `, queue ${o.queue}` : ""));
  }
  return `${parts.length > 0 ? parts.join(", ") : "no impairment"} each way, seed ${seed}`;
}

/** What {@link relayCommand} writes to and listens to. */
export interface RelayCommandContext {
  /** Writes a line to stdout. */
  readonly out: (line: string) => void;
  /** Writes a line to stderr. */
  readonly err: (line: string) => void;
  /** Stops the relay (as SIGINT would). */
  readonly stop?: AbortSignal;
  /** Called once relaying. */
  readonly onListening?: (relay: UdpRelay) => void;
}

/**
 * Runs `pquic relay …` until SIGINT/SIGTERM (or `stop`), then prints the
 * counters.
 *
 * @param args The arguments after `relay`.
 * @param ctx Output and stop signal.
 * @returns The exit code: 0, 1 when it cannot start, 2 for bad usage.
 */
export async function relayCommand(
  args: readonly string[],
  ctx: RelayCommandContext,
): Promise<number> {
  const o = parseRelayArgs(args);
  if (o === "help") {
    ctx.out(RELAY_USAGE);
    return ExitCode.Ok;
  }
  if (typeof o === "string") {
    ctx.err(`pquic relay: ${o}`);
    ctx.err(`\n${RELAY_USAGE}`);
    return ExitCode.Usage;
  }
  let relay: UdpRelay;
  try {
    relay = await UdpRelay.start(o);
  } catch (e) {
    ctx.err(`pquic relay: cannot start: ${e instanceof Error ? e.message : String(e)}`);
    return ExitCode.Failure;
  }
  const l = relay.local;
  ctx.out(
    `Relay listening on [${l.hostname}]:${l.port}, forwarding to ` +
      `[${relay.to.hostname}]:${relay.to.port}; ${describeImpairment(o, relay.seed)}`,
  );
  ctx.onListening?.(relay);

  let last = "";
  const ticker = o.verbose
    ? setInterval(() => {
      const lines = relayStatsLines(relay.stats());
      const text = lines.join("\n");
      if (text === last) return;
      last = text;
      for (const line of lines) ctx.out(line);
    }, 1000)
    : undefined;

  let stopped!: () => void;
  const done = new Promise<void>((r) => stopped = r);
  const onSignal = () => stopped();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  ctx.stop?.addEventListener("abort", onSignal);
  if (ctx.stop?.aborted) stopped();
  await done;
  for (const s of signals) Deno.removeSignalListener(s, onSignal);
  ctx.stop?.removeEventListener("abort", onSignal);
  clearInterval(ticker);
  await relay.close();
  const s = relay.stats();
  ctx.out(`Relay stopped after ${s.clients} client address${s.clients === 1 ? "" : "es"}`);
  for (const line of relayStatsLines(s)) ctx.out(line);
  return ExitCode.Ok;
}
