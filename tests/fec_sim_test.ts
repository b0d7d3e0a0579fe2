/**
 * The FEC plugins (plugins/fec) on live connections over the simulated
 * network: downloads under random and bursty loss arrive byte-exact, packets
 * lost on the wire are rebuilt from REPAIR symbols, and the sender does not
 * send again what the receiver rebuilt (RECOVERED frames and the loss hold).
 */

import assert from "node:assert/strict";
import type { LinkConfig } from "../io/sim/link.ts";
import {
  type DownloadResult,
  loadBuiltinOrFile,
  runDownload,
  simPluginPair,
} from "../plugins/_sim_testing.ts";
import { emptyFecCounters, type FecCounters, fecCounters } from "../plugins/fec_hold.ts";
import { injectedPlugins, injectPlugin } from "../plugins/inject.ts";
import type { Connection } from "../transport/connection/connection.ts";
import { CLIENT_ADDR, SERVER_ADDR } from "./_conn_sim.ts";

const DIR = new URL("../plugins/fec/", import.meta.url).pathname;

/** The C-side counters (fec.h FC_*), through the plugin's extern fec_get_counter. */
const FC = {
  source: 0,
  repair: 1,
  rxSource: 4,
  rxRepair: 5,
  recovered: 7,
  peerRecovered: 8,
  gauss: 10,
} as const;

function counter(conn: Connection, which: number): number {
  return Number(conn.ops.callExtern(conn, "fec_get_counter", [BigInt(which)]));
}

interface Run {
  readonly r: DownloadResult;
  readonly client: FecCounters;
  readonly server: FecCounters;
  /** Server → client datagrams the link dropped. */
  readonly dropped: number;
}

async function download(manifest: string, n: number, link: LinkConfig, seed = 7): Promise<Run> {
  const fec = manifest === "" ? [] : [loadBuiltinOrFile(DIR + manifest)];
  const pair = await simPluginPair({ client: fec, server: fec, seed, link });
  const r = runDownload(pair, n);
  for (const c of [r.client, r.server!]) {
    for (const inj of injectedPlugins(c)) assert.equal(inj.fault, null, inj.fault ?? "");
  }
  const st = pair.sim.link(SERVER_ADDR.hostname, CLIENT_ADDR.hostname).stats.dropped;
  return {
    r,
    client: fecCounters(r.client) ?? emptyFecCounters(),
    server: fecCounters(r.server!) ?? emptyFecCounters(),
    dropped: st.loss + st.burst,
  };
}

/** Rebuilt packets the server re-queued all the same. */
function retransmittedAnyway(run: { client: FecCounters; server: FecCounters }): number[] {
  const again = new Set(run.server.retransmittedPns);
  return run.client.recoveredPns.filter((pn) => again.has(pn));
}

Deno.test("fec.plugin (XOR) rebuilds packets lost at random, byte-exact, without sending them again", async () => {
  const run = await download("fec.plugin", 300_000, { delay: 20_000, loss: 0.03 });
  assert.equal(run.r.sha256ok, true);
  assert.ok(run.dropped >= 5, `dropped ${run.dropped}`);
  // Most losses are rebuilt from REPAIR symbols (two in one window of 5 are not, with XOR).
  assert.ok(run.client.recovered >= run.dropped / 3, `${run.client.recovered}/${run.dropped}`);
  assert.equal(run.client.recoveredDuplicate, 0);
  assert.equal(counter(run.r.client, FC.recovered), run.client.recovered);
  assert.equal(counter(run.r.client, FC.gauss), 0);
  // The sender heard of every rebuilt packet and did not re-queue its frames.
  assert.equal(counter(run.r.server!, FC.peerRecovered), run.client.recovered);
  assert.deepEqual(retransmittedAnyway(run), []);
  assert.equal(run.server.releasedDelivered, run.client.recovered);
  // The frames are named by the manifest's frames= option.
  const sent = run.r.server!.stats().pluginFramesSent;
  assert.ok((sent["SFPID"] ?? 0) > 200 && (sent["REPAIR"] ?? 0) > 40, JSON.stringify(sent));
  const back = run.r.server!.stats().pluginFramesReceived;
  assert.equal(back["RECOVERED"], run.client.recovered);
});

Deno.test("fec_rlc.plugin rebuilds bursts of losses by Gaussian elimination", async () => {
  const link = { delay: 20_000, burstLoss: { p: 0.02, r: 0.4, maxBurst: 4 } };
  const run = await download("fec_rlc.plugin", 400_000, link, 11);
  assert.equal(run.r.sha256ok, true);
  assert.ok(run.dropped >= 5, `dropped ${run.dropped}`);
  assert.ok(run.client.recovered >= run.dropped / 2, `${run.client.recovered}/${run.dropped}`);
  assert.ok(counter(run.r.client, FC.gauss) >= 2, `gauss ${counter(run.r.client, FC.gauss)}`);
  assert.deepEqual(retransmittedAnyway(run), []);
  // XOR over the same losses rebuilds only single losses per window.
  const xor = await download("fec.plugin", 400_000, link, 11);
  assert.equal(xor.r.sha256ok, true);
  assert.equal(counter(xor.r.client, FC.gauss), 0);
});

Deno.test("fec.plugin on a lossless link: every data packet is a source symbol, none is rebuilt", async () => {
  const run = await download("fec.plugin", 100_000, { delay: 10_000 });
  assert.equal(run.r.sha256ok, true);
  assert.equal(run.dropped, 0);
  const s = run.r.server!;
  const stream = s.stats().framesSent["STREAM"] ?? 0;
  const source = counter(s, FC.source);
  const repair = counter(s, FC.repair);
  // Every STREAM frame rides in a source packet, or in the room a REPAIR frame leaves.
  assert.ok(source <= stream && source + repair >= stream, `${source} + ${repair} vs ${stream}`);
  assert.equal(counter(run.r.client, FC.rxSource), source);
  // One repair symbol per 5 source symbols (the last window may be shorter).
  assert.ok(repair >= Math.floor(source / 5) && repair <= Math.ceil(source / 5) + 1, `${repair}`);
  assert.equal(run.client.recovered, 0);
  assert.equal(run.server.held, 0);
  // Per packet work kept small: the SFPID is written directly (counted, no write_frame run),
  // the constant controller is asked once, REPAIR frames are written with one helper call.
  assert.equal(s.stats().pluginFramesSent["SFPID"], source);
  assert.equal(run.server.sourceSymbols, source);
  const calls = (file: string) =>
    injectedPlugins(s)[0]!.stats().pluglets.find((p) => p.file === file)?.calls ?? -1;
  assert.equal(calls("write_sfpid.o"), -1, "no write_frame 0x29 pluglet");
  assert.equal(calls("controller_constant.o"), 1);
  assert.equal(calls("write_repair.o"), repair);
});

Deno.test("fec_protect_end_of_stream.plugin sends repair symbols only once the stream is sent", async () => {
  const run = await download("fec_protect_end_of_stream.plugin", 100_000, { delay: 10_000 });
  assert.equal(run.r.sha256ok, true);
  const s = run.r.server!;
  assert.ok(counter(s, FC.source) >= 80);
  // One flush at the end of the response (and one on the client for its request).
  assert.equal(counter(s, FC.repair), 1);
});

Deno.test("fec_protect_end_of_stream.plugin rebuilds the lost tail of a short transfer at once", async () => {
  // The 11th datagram from the server is the last one of a 10 KB response.
  const tail = async (manifest: string) => {
    const fec = manifest === "" ? [] : [loadBuiltinOrFile(DIR + manifest)];
    const pair = await simPluginPair({
      client: fec,
      server: fec,
      seed: 7,
      link: { delay: 50_000 },
    });
    pair.sim.setLink(SERVER_ADDR.hostname, CLIENT_ADDR.hostname, {
      delay: 50_000,
      lossMask: 1n << 10n,
    });
    const r = runDownload(pair, 10_000);
    assert.equal(r.sha256ok, true);
    return r;
  };
  const plain = await tail("");
  const eos = await tail("fec_protect_end_of_stream.plugin");
  assert.deepEqual(fecCounters(eos.client)?.recoveredPns.length, 1);
  assert.deepEqual(fecCounters(eos.server!)?.retransmittedPns, []);
  // One RTT (100 ms) instead of waiting for loss detection and a retransmission.
  assert.equal(eos.durationUs, 100_000);
  assert.ok(plain.durationUs >= 2 * eos.durationUs, `${plain.durationUs}`);
});

Deno.test("fec_rlc_adaptive.plugin makes more repair symbols as the loss rate grows", async () => {
  const ratio = async (loss: number) => {
    const run = await download("fec_rlc_adaptive.plugin", 400_000, { delay: 20_000, loss }, 5);
    assert.equal(run.r.sha256ok, true);
    const s = run.r.server!;
    return counter(s, FC.repair) / counter(s, FC.source);
  };
  const clean = await ratio(0);
  const lossy = await ratio(0.06);
  assert.ok(clean < 0.06, `clean ${clean}`);
  assert.ok(lossy > 2 * clean, `lossy ${lossy} vs clean ${clean}`);
});

Deno.test("fec.plugin on the server only: the client without it gets no FEC frame", async () => {
  const fec = loadBuiltinOrFile(DIR + "fec.plugin");
  const pair = await simPluginPair({ server: [fec], seed: 3, link: { delay: 10_000, loss: 0.02 } });
  const r = runDownload(pair, 100_000);
  assert.equal(r.sha256ok, true);
  assert.deepEqual(r.server!.stats().pluginFramesSent, {});
  assert.equal(counter(r.server!, FC.source), 0);
});

Deno.test("fec.plugin injected into live connections (as after a plugin exchange) works at once", async () => {
  const fec = loadBuiltinOrFile(DIR + "fec.plugin");
  const pair = await simPluginPair({ seed: 9, link: { delay: 20_000, loss: 0.03 } });
  const first = runDownload(pair, 20_000);
  assert.equal(first.sha256ok, true);
  const server = pair.serverConn()!;
  injectPlugin(pair.clientConn, fec);
  injectPlugin(server, fec);
  const r = runDownload(pair, 300_000, { seed: 2 });
  assert.equal(r.sha256ok, true);
  assert.ok((server.stats().pluginFramesSent["SFPID"] ?? 0) > 200);
  assert.ok(fecCounters(r.client)!.recovered >= 1);
  const counters = { client: fecCounters(r.client)!, server: fecCounters(server)! };
  assert.deepEqual(retransmittedAnyway(counters), []);
});
