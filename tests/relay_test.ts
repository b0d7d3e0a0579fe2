/**
 * `pquic relay` between a `pquic` client and server, all three spawned as a
 * user would (`deno run -A cli.ts …`) on loopback: a 1 MB download through
 * 3% random loss, and through 3% loss in bursts with added delay, arrives
 * byte-exact (the client checks every byte of picoquicdemo's pattern), and
 * the drops the relay prints are the ones its seed makes on the simulator's
 * link; with the FEC plugin on both sides (issue #9's walk-through through
 * the relay), REPAIR symbols rebuild lost packets, counted in the summary.
 */

import assert from "node:assert/strict";
import { Link } from "../io/sim/link.ts";
import { SeededRandom } from "../transport/random.ts";
import { directionSeed } from "../cli/udp_relay.ts";
import { parseRelayArgs, relayLinkConfig } from "../cli/relay_args.ts";
import { freeUdpPort, pquic, ROOT, tempCache } from "./peers/_util.ts";
import { withRelay } from "./_relay.ts";

interface DirectionCounts {
  received: number;
  forwarded: number;
  dropped: number;
}

/** Reads a direction's line of the relay's exit report. */
function countsOf(out: string, direction: string): DirectionCounts {
  const m = new RegExp(
    `^${direction}: received (\\d+), forwarded (\\d+) \\([^)]*\\), dropped (\\d+)`,
    "m",
  ).exec(out);
  assert.ok(m !== null, `no ${direction} line in:\n${out}`);
  return { received: Number(m[1]), forwarded: Number(m[2]), dropped: Number(m[3]) };
}

/** The drops the relay's link makes over `n` datagrams, replayed from the seed. */
function replayDrops(args: string[], seed: number, n: number): number {
  const o = parseRelayArgs(args);
  assert.ok(typeof o === "object");
  const link = new Link(relayLinkConfig(o), new SeededRandom(seed));
  const d = new Uint8Array(1200);
  let dropped = 0;
  for (let i = 0; i < n; i++) if (link.admit(d, i * 1000).dropped) dropped++;
  return dropped;
}

/** Downloads `size` bytes through a relay with `impairment` (the client must succeed). */
async function download(
  env: Record<string, string>,
  serverPort: number,
  impairment: string[],
  size: number,
  clientArgs: string[] = [],
): Promise<{ client: string; relay: string; args: string[] }> {
  const r = await withRelay(env, serverPort, impairment, async (relayPort) => {
    const c = pquic(["-G", String(size), ...clientArgs, "127.0.0.1", String(relayPort)], env, ROOT);
    const status = await c.done;
    assert.equal(status.code, 0, c.stdout + c.stderr);
    return c.stdout;
  });
  return { client: r.result, relay: r.out, args: r.args };
}

Deno.test("pquic relay: 1 MB through 3% loss (random, then bursts) arrives byte-exact", async () => {
  const cache = tempCache();
  const serverPort = freeUdpPort();
  const server = pquic(["-p", String(serverPort)], cache.env);
  const runs = [
    { seed: 7, impairment: ["--loss", "3%"] },
    { seed: 11, impairment: ["--loss", "3%", "--burst", "3", "--delay", "5"] },
  ];
  try {
    await server.waitFor(`Starting pquic server on port ${serverPort}`);
    for (const run of runs) {
      const impairment = [...run.impairment, "--seed", String(run.seed)];
      // -m: a real path's 1,452 bytes (loopback would carry ~64 KB datagrams).
      const r = await download(cache.env, serverPort, impairment, 1_000_000, ["-m", "1452"]);
      assert.match(r.client, /^1000000 bytes received$/m);
      assert.match(r.client, /requests +1 of 1 complete/);
      assert.match(r.relay, /Relay stopped after 1 client address\n/);
      const up = countsOf(r.relay, "client->server");
      const down = countsOf(r.relay, "server->client");
      // 1 MB is at least 700 datagrams; 3% of them is lost on the way down.
      assert.ok(down.received > 700, r.relay);
      assert.ok(down.dropped > 0 && up.received > 0, r.relay);
      assert.equal(up.forwarded + up.dropped, up.received);
      assert.equal(down.forwarded + down.dropped, down.received);
      const seed = run.seed;
      assert.equal(up.dropped, replayDrops(r.args, directionSeed(seed, "toServer"), up.received));
      assert.equal(
        down.dropped,
        replayDrops(r.args, directionSeed(seed, "toClient"), down.received),
      );
    }
  } finally {
    const s = await server.stop();
    assert.equal(s.code, 0, server.stdout + server.stderr);
    await Deno.remove(cache.dir, { recursive: true });
  }
});

Deno.test("pquic relay: with -P plugins/fec/fec.plugin, REPAIR symbols rebuild lost packets", async () => {
  const cache = tempCache();
  const serverPort = freeUdpPort();
  // The seed walk-through's command, verbatim, from the checkout.
  const fec = ["-P", "plugins/fec/fec.plugin"];
  const server = pquic(["-p", String(serverPort), ...fec], cache.env, ROOT);
  try {
    await server.waitFor(`Starting pquic server on port ${serverPort}`);
    const r = await download(cache.env, serverPort, ["--loss", "3%", "--seed", "1"], 1e6, fec);
    assert.match(r.client, /^1000000 bytes received$/m);
    const recovered = Number(/recovered (\d+) packets here/.exec(r.client)?.[1]);
    const down = countsOf(r.relay, "server->client");
    assert.ok(down.dropped > 0, r.relay);
    // Most losses are rebuilt (XOR, one repair symbol per 5 packets; ~70% in practice).
    assert.ok(recovered >= 0.4 * down.dropped, `${recovered} of ${down.dropped}\n${r.client}`);
    // The summary names the plugin's frames: the client received SFPID and REPAIR frames and
    // reported what it rebuilt in RECOVERED frames.
    assert.match(r.client, /plugin frames +sent .*RECOVERED \d+.*; received .*SFPID \d+/);
    assert.match(r.client, /plugin frames .*received .*REPAIR \d+/);
  } finally {
    const s = await server.stop();
    assert.equal(s.code, 0, server.stdout + server.stderr);
    await Deno.remove(cache.dir, { recursive: true });
  }
});
