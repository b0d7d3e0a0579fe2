// deno-lint-ignore-file no-console -- the goodput scenarios print what they measured
/**
 * quic-interop-runner scenarios, part 2: loss and corruption — blackhole,
 * handshakeloss, transferloss, handshakecorruption, transfercorruption — on
 * the runner's link (15 ms one way, 10 Mbit/s, 25-packet queue).
 */

import assert from "node:assert/strict";
import { files, goodputMbps, InteropPair, RUNNER_LINK } from "./_interop.ts";

const MB = 1024 * 1024;

Deno.test("interop blackhole: 10 MB with the link off 2 s of every 5 s", async () => {
  // The runner's blackhole scenario: on 5 s, off 2 s, both directions.
  const blackholes: [number, number][] = [];
  for (let t = 5_000_000; t < 120_000_000; t += 7_000_000) blackholes.push([t, t + 2_000_000]);
  const p = await InteropPair.create({ seed: 11, link: { ...RUNNER_LINK, blackholes } });
  const { conn, download } = p.connect(files(1, 10 * MB));
  p.finish(conn, download);
  // At least one outage hit the transfer.
  assert.ok(download.doneAt > 7_000_000, `done at ${download.doneAt}`);
  console.log(`blackhole: ${goodputMbps(download.bytes, 0, download.doneAt).toFixed(2)} Mbit/s`);
});

Deno.test("interop handshakeloss: 50 connections, 30% loss in bursts of 3", async () => {
  // The runner drops 30% in bursts of up to 3: a Gilbert–Elliott chain whose bad runs
  // are capped at 3 packets. With r = 1/3 a bad run lasts 1 + 2/3 + 4/9 = 19/9 packets on
  // average; 30% loss needs good runs of 19/9 · 7/3 packets, so p = 27/133.
  const p = await InteropPair.create({
    seed: 12,
    link: { ...RUNNER_LINK, burstLoss: { p: 27 / 133, r: 1 / 3, maxBurst: 3 } },
  });
  let ok = 0;
  for (let i = 0; i < 50; i++) {
    const { conn, download } = p.connect(files(1, 1024, 100 + i));
    p.finish(conn, download, 300_000_000);
    ok++;
  }
  assert.equal(ok, 50);
  const link = p.sim.link("10.0.0.1", "10.0.0.2");
  const lossRate = link.stats.dropped.burst / link.stats.sent;
  assert.ok(lossRate > 0.2 && lossRate < 0.4, `loss rate ${lossRate}`);
});

Deno.test("interop transferloss: 2% loss both ways, 5 MB", async () => {
  const p = await InteropPair.create({ seed: 13, link: { ...RUNNER_LINK, loss: 0.02 } });
  const { conn, download } = p.connect(files(1, 5 * MB));
  p.finish(conn, download);
  assert.ok(p.server.accepted[0]!.stats().packetsLost > 0);
  console.log(`transferloss: ${goodputMbps(download.bytes, 0, download.doneAt).toFixed(2)} Mbit/s`);
});

Deno.test("interop handshakecorruption: 30% of datagrams corrupted, 10 connections", async () => {
  const p = await InteropPair.create({ seed: 14, link: { ...RUNNER_LINK, corrupt: 0.3 } });
  for (let i = 0; i < 10; i++) {
    const { conn, download } = p.connect(files(1, 1024, 200 + i));
    p.finish(conn, download, 300_000_000);
  }
  assert.ok(p.sim.link("10.0.0.2", "10.0.0.1").stats.corrupted > 5);
});

Deno.test("interop transfercorruption: 2% of datagrams corrupted, 5 MB", async () => {
  const p = await InteropPair.create({ seed: 15, link: { ...RUNNER_LINK, corrupt: 0.02 } });
  const { conn, download } = p.connect(files(1, 5 * MB));
  p.finish(conn, download);
  assert.ok(p.sim.link("10.0.0.2", "10.0.0.1").stats.corrupted > 20);
});
