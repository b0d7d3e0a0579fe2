/**
 * Test helpers for scenarios through `pquic relay` and for reading qlog
 * files: a relay spawned as a user would run it (`deno run -A cli.ts relay
 * …`), stopped with SIGINT so that it prints its counters, and the events of
 * a JSON-SEQ qlog file.
 *
 * @module
 */

import assert from "node:assert/strict";
import { freeUdpPort, pquic } from "./peers/_util.ts";

/** What a relay run leaves behind. */
export interface RelayRun<T> {
  /** What the body returned. */
  readonly result: T;
  /** The relay's stdout (its start line, then its counters at exit). */
  readonly out: string;
  /** The relay's arguments. */
  readonly args: string[];
}

/**
 * Runs a relay from a free port to `serverPort` with `impairment`, then
 * `body` with the relay's port; stops the relay with SIGINT (it must exit 0).
 *
 * @param env The environment of the relay process.
 * @param serverPort Where the relay forwards to.
 * @param impairment `--loss`, `--delay`, … and `--seed`.
 * @param body What to do through the relay.
 * @returns What the body returned and the relay's output.
 */
export async function withRelay<T>(
  env: Record<string, string>,
  serverPort: number,
  impairment: string[],
  body: (relayPort: number) => Promise<T>,
): Promise<RelayRun<T>> {
  const relayPort = freeUdpPort();
  const args = ["--listen", String(relayPort), "--to", String(serverPort), ...impairment];
  const relay = pquic(["relay", ...args], env);
  let result: T;
  try {
    await relay.waitFor(`Relay listening on [::]:${relayPort}`);
    result = await body(relayPort);
  } finally {
    relay.child.kill("SIGINT");
    const s = await relay.done;
    assert.equal(s.code, 0, relay.stdout + relay.stderr);
  }
  return { result, out: relay.stdout, args };
}

/** One qlog event (the fields the tests read). */
export interface QlogEvent {
  readonly name: string;
  readonly time: number;
  // deno-lint-ignore no-explicit-any
  readonly data: any;
}

/**
 * The events of a JSON-SEQ qlog file (the header record is skipped).
 *
 * @param path The file.
 * @param name Only events of this name, if given.
 * @returns The events in file order.
 */
export function qlogEvents(path: string, name?: string): QlogEvent[] {
  return Deno.readTextFileSync(path).split("\x1e").filter((r) => r.trim() !== "")
    .map((r) => JSON.parse(r)).filter((e) => e.name !== undefined)
    .filter((e) => name === undefined || e.name === name);
}
