/**
 * The command line of `pquic relay` and the impairment it asks for:
 *
 * ```
 * pquic relay --listen P --to Q [--loss R] [--burst N] [--delay MS] [--rate MBPS]
 *             [--queue N] [--seed S] [-v]
 * ```
 *
 * The impairment is a {@link LinkConfig} of the simulator (`io/sim/link.ts`),
 * so that a relay run and a simulated run with the same settings and seed
 * drop the same datagrams: `--loss` alone is independent random loss,
 * `--loss` with `--burst N` a Gilbert–Elliott chain whose bad state lasts N
 * datagrams on average and whose long-run loss rate is R.
 *
 * Parsing never touches the system.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { LinkConfig } from "../io/sim/link.ts";

/** An address as given on the command line: a host (literal or name) and a port. */
export interface RelayAddress {
  readonly hostname: string;
  readonly port: number;
}

/** What `pquic relay` was asked to do. */
export interface RelayOptions {
  /** Where clients send (`--listen`); port 0 asks the system for one. */
  readonly listen: RelayAddress;
  /** The server datagrams are forwarded to (`--to`). */
  readonly to: RelayAddress;
  /** Long-run fraction of datagrams dropped, each direction (`--loss`), 0 ≤ R < 1. */
  readonly loss: number;
  /** Mean length of a loss burst in datagrams (`--burst`); 0 = independent losses. */
  readonly burst: number;
  /** Added one-way delay, milliseconds, each direction (`--delay`). */
  readonly delayMs: number;
  /** Rate limit per direction, Mbit/s (`--rate`); 0 = none. */
  readonly rateMbps: number;
  /** Datagrams that may wait for the rate limiter (`--queue`); null = no limit. */
  readonly queue: number | null;
  /** Seed of the loss draws (`--seed`); null = pick one (and print it). */
  readonly seed: number | null;
  /** `-v`: print the counters every second while they change. */
  readonly verbose: boolean;
}

/** The port `--listen` defaults to host `::` and `--to` to host `127.0.0.1`. */
export const RELAY_DEFAULT_TO_HOST = "127.0.0.1";

/** The usage lines of `pquic relay` (also in `pquic --help`). */
export const RELAY_USAGE =
  `pquic relay --listen P --to Q [--loss R] [--burst N] [--delay MS] [--rate MBPS] [--queue N]
            [--seed S] [-v]
      a UDP relay that impairs real traffic: clients send to P ([host:]port, default host ::),
      datagrams go on to Q ([host:]port, default host ${RELAY_DEFAULT_TO_HOST}) and back.
      --loss R     drop a fraction R of the datagrams each way (0.03 or 3%)
      --burst N    losses come in Gilbert-Elliott bursts of mean length N datagrams
      --delay MS   add MS milliseconds each way
      --rate MBPS  limit each direction to MBPS Mbit/s (--queue N: drop-tail after N waiting)
      --seed S     seed of the loss draws (default: random, printed); same seed, same drops
      -v           print the counters every second; they are always printed at exit (Ctrl-C)`;

const OPTIONS = {
  listen: { type: "string" },
  to: { type: "string" },
  loss: { type: "string" },
  burst: { type: "string" },
  delay: { type: "string" },
  rate: { type: "string" },
  queue: { type: "string" },
  seed: { type: "string" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Parses `[host:]port`, `[v6]:port` or a bare port.
 *
 * @param text The argument.
 * @param defaultHost The host of a bare port.
 * @returns The address, or null when it is not one.
 * @example
 * ```ts
 * import { parseRelayAddress } from "./relay_args.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseRelayAddress("4443", "::"), { hostname: "::", port: 4443 });
 * assert.deepEqual(parseRelayAddress("[::1]:4443", "::"), { hostname: "::1", port: 4443 });
 * assert.deepEqual(parseRelayAddress("localhost:5", "::"), { hostname: "localhost", port: 5 });
 * assert.equal(parseRelayAddress("host:99999", "::"), null);
 * ```
 */
export function parseRelayAddress(text: string, defaultHost: string): RelayAddress | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]:|([^:[\]]+):)?(\d{1,5})$/.exec(text);
  if (m === null) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { hostname: m[1] ?? m[2] ?? defaultHost, port };
}

/**
 * Parses a loss rate: a fraction (`0.03`) or a percentage (`3%`), below 1.
 *
 * @param text The argument.
 * @returns The fraction, or null.
 * @example
 * ```ts
 * import { parseLossRate } from "./relay_args.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseLossRate("3%"), 0.03);
 * assert.equal(parseLossRate("0.05"), 0.05);
 * assert.equal(parseLossRate("3"), null);
 * ```
 */
export function parseLossRate(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(text);
  if (m === null) return null;
  const value = m[2] === "%" ? Number(m[1]) / 100 : Number(m[1]);
  return value >= 0 && value < 1 ? value : null;
}

function nonNegative(text: string): number | null {
  if (!/^(\d+(?:\.\d+)?|\.\d+)$/.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/**
 * Parses the arguments after `pquic relay`.
 *
 * @param argv The arguments.
 * @returns The options, `"help"`, or an error message (a usage error).
 * @example
 * ```ts
 * import { parseRelayArgs } from "./relay_args.ts";
 * import assert from "node:assert/strict";
 * const o = parseRelayArgs(["--listen", "5000", "--to", "4443", "--loss", "3%", "--seed", "7"]);
 * assert.ok(typeof o === "object");
 * assert.equal(o.loss, 0.03);
 * assert.equal(o.to.hostname, "127.0.0.1");
 * ```
 */
export function parseRelayArgs(argv: readonly string[]): RelayOptions | "help" | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: false,
      strict: true,
    });
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (v.listen === undefined || v.to === undefined) {
    return "relay needs --listen P and --to Q (e.g. --listen 4444 --to 4443)";
  }
  const listen = parseRelayAddress(v.listen, "::");
  if (listen === null) return `--listen ${v.listen}: give a port or host:port`;
  const to = parseRelayAddress(v.to, RELAY_DEFAULT_TO_HOST);
  if (to === null || to.port === 0) return `--to ${v.to}: give a port or host:port (not 0)`;
  let loss = 0;
  if (v.loss !== undefined) {
    const l = parseLossRate(v.loss);
    if (l === null) return `--loss ${v.loss}: give a fraction below 1 (0.03) or a percentage (3%)`;
    loss = l;
  }
  let burst = 0;
  if (v.burst !== undefined) {
    const b = nonNegative(v.burst);
    if (b === null || b < 1) return `--burst ${v.burst}: give a mean burst length of 1 or more`;
    if (loss === 0) return "--burst needs --loss: the long-run loss rate of the bursts";
    burst = b;
  }
  const delayMs = v.delay === undefined ? 0 : nonNegative(v.delay);
  if (delayMs === null) return `--delay ${v.delay}: give milliseconds (e.g. 25 or 2.5)`;
  const rateMbps = v.rate === undefined ? 0 : nonNegative(v.rate);
  if (rateMbps === null || (v.rate !== undefined && rateMbps === 0)) {
    return `--rate ${v.rate}: give Mbit/s above 0 (e.g. 10 or 0.5)`;
  }
  let queue: number | null = null;
  if (v.queue !== undefined) {
    if (!/^\d+$/.test(v.queue) || Number(v.queue) < 1) {
      return `--queue ${v.queue}: give a number of datagrams above 0`;
    }
    if (rateMbps === 0) return "--queue needs --rate: datagrams wait only for the rate limiter";
    queue = Number(v.queue);
  }
  let seed: number | null = null;
  if (v.seed !== undefined) {
    if (!/^\d{1,10}$/.test(v.seed) || Number(v.seed) > 0xffff_ffff) {
      return `--seed ${v.seed}: give an integer from 0 to 4294967295`;
    }
    seed = Number(v.seed);
  }
  return {
    listen,
    to,
    loss,
    burst,
    delayMs,
    rateMbps,
    queue,
    seed,
    verbose: v.verbose ?? false,
  };
}

/**
 * The simulator link that implements the impairment of one direction.
 *
 * With `burst` N > 0 the Gilbert–Elliott chain loses every datagram in the
 * bad state and none in the good one; its bad state lasts 1/r datagrams on
 * average, so r = 1/N, and its long-run loss rate is p/(p + r), so
 * p = R·r/(1 − R).
 *
 * @param o The relay options (loss, burst, delay, rate, queue).
 * @returns The link configuration.
 * @example
 * ```ts
 * import { relayLinkConfig } from "./relay_args.ts";
 * import assert from "node:assert/strict";
 * const c = relayLinkConfig({ loss: 0.2, burst: 4, delayMs: 10, rateMbps: 0, queue: null });
 * assert.equal(c.burstLoss?.r, 0.25);
 * assert.equal(c.delay, 10_000);
 * ```
 */
export function relayLinkConfig(
  o: Pick<RelayOptions, "loss" | "burst" | "delayMs" | "rateMbps" | "queue">,
): LinkConfig {
  const config: {
    -readonly [K in keyof LinkConfig]: LinkConfig[K];
  } = {};
  if (o.delayMs > 0) config.delay = Math.round(o.delayMs * 1000);
  if (o.rateMbps > 0) config.bandwidth = o.rateMbps * 1e6;
  if (o.queue !== null) config.queue = o.queue;
  if (o.loss > 0) {
    if (o.burst > 0) {
      const r = 1 / o.burst;
      config.burstLoss = { p: Math.min(1, (o.loss * r) / (1 - o.loss)), r };
    } else config.loss = o.loss;
  }
  return config;
}
