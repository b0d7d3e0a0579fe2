/**
 * The cubic plugin: against the transport's own CUBIC (RFC 9438) on a fake
 * host, signal by signal, on both engines; then on the simulator with real
 * connections, against a connection configured with the native CUBIC.
 */

import assert from "node:assert/strict";
import { Cubic } from "../../transport/recovery/congestion/cubic.ts";
import { RttEstimator } from "../../transport/recovery/rtt.ts";
import type { SentPacket } from "../../transport/recovery/sent_packet.ts";
import { type EngineFactory, interpreter, wasmCompiler } from "../../vm/mod.ts";
import { AK, CcHarness, cwndTrace, loadFromDisk, Notify, traceAt } from "../_cc_testing.ts";
import { runDownload, simPluginPair } from "../_sim_testing.ts";

const MSS = 1200;
const RTT = 100_000;
const engines: EngineFactory[] = [interpreter, wasmCompiler];
const plugin = loadFromDisk("cubic");

/** cubic_get_state's indices (plugins/cubic/cubic.h). */
const State = { Cwnd: 0, Ssthresh: 1, WMax: 2, K: 3, EpochStart: 4, WEst: 5, Events: 6 } as const;

function packet(pn: number, timeSent: number): SentPacket {
  return { pn, space: 2, timeSent, size: MSS, ackEliciting: true, inFlight: true, frames: [] };
}

/**
 * A window-limited sender, one round per RTT: each round sends a window of
 * packets, then the previous round's are acknowledged one by one (or lost),
 * told to the native controller and to the plugin alike.
 */
function lockstep(h: CcHarness, rounds: number, lossRounds: ReadonlySet<number>): number {
  const cc = new Cubic(MSS);
  const rtt = new RttEstimator();
  rtt.update(RTT, 0, true, 25_000, 0);
  let t = 0;
  let pn = 0;
  let prev: SentPacket[] = [];
  let worst = 0;
  for (let round = 0; round < rounds; round++) {
    const sent: SentPacket[] = [];
    for (let i = 0; i < Math.floor(cc.window / MSS); i++) {
      const p = packet(pn++, t);
      cc.onPacketSent(p, t);
      sent.push(p);
    }
    for (let i = 0; i < prev.length; i++) {
      const p = prev[i]!;
      const now = t + i * 10;
      if (lossRounds.has(round) && i === 3) {
        cc.onPacketsLost([p], now, false);
        h.notify(Notify.Repeat, MSS, now, p.timeSent);
      } else {
        cc.onPacketsAcked([p], now, rtt);
        h.notify(Notify.Acknowledgement, MSS, now, p.timeSent, RTT);
      }
    }
    if (round > 0) assert.equal(h.window, Number(h.extern("cubic_get_state", State.Cwnd)));
    worst = Math.max(worst, Math.abs(h.window / cc.window - 1));
    if (round === rounds - 1) {
      const close = (i: number, v: number) =>
        Math.abs(Number(h.extern("cubic_get_state", i)) / v - 1) < 0.001;
      assert.ok(close(State.Ssthresh, cc.ssthresh), "ssthresh");
      assert.ok(close(State.WMax, cc.wMax), "W_max");
      assert.ok(close(State.K, cc.k * 1e6), "K");
    }
    prev = sent;
    t += RTT;
  }
  return worst;
}

for (const engine of engines) {
  Deno.test(`cubic plugin follows the native CUBIC window within 0.1% (${engine.name})`, () => {
    const h = new CcHarness(plugin, engine, { srtt: RTT });
    // Slow start, three congestion events (the last two in one recovery period), concave and
    // convex regions, the Reno-friendly region.
    const worst = lockstep(h, 120, new Set([6, 20, 45, 46]));
    assert.ok(worst < 0.001, `largest relative difference ${worst}`);
    assert.equal(h.extern("cubic_get_state", State.Events), 3n);
    assert.equal(h.host.faults.length, 0);
  });

  Deno.test(`cubic plugin collapses on persistent congestion and restarts with K = 0 (${engine.name})`, () => {
    const h = new CcHarness(plugin, engine, { srtt: RTT });
    h.notify(Notify.Acknowledgement, 24_000, 100_000, 0, RTT); // slow start: 12000 + 24000
    assert.equal(h.window, 36_000);
    h.notify(Notify.Timeout, MSS, 200_000, 90_000);
    assert.equal(h.window, 2 * MSS);
    assert.equal(h.extern("cubic_get_state", State.Ssthresh), BigInt(Math.floor(36_000 * 0.7)));
    assert.equal(h.extern("cubic_get_state", State.WMax), 0n);
    // Slow start again up to ssthresh; the next stage starts at W_max = cwnd, K = 0 (§4.8).
    h.notify(Notify.Acknowledgement, 24_000, 300_000, 210_000, RTT);
    h.notify(Notify.Acknowledgement, MSS, 400_000, 310_000, RTT);
    assert.equal(h.extern("cubic_get_state", State.K), 0n);
    assert.equal(h.extern("cubic_get_state", State.WMax), BigInt(2 * MSS + 24_000));
    assert.equal(h.extern("cubic_get_state", State.EpochStart), 400_000n);
  });

  Deno.test(`cubic plugin undoes a spurious reduction and ignores losses in recovery (${engine.name})`, () => {
    const h = new CcHarness(plugin, engine, { srtt: RTT });
    h.notify(Notify.Acknowledgement, 48_000, 100_000, 0, RTT);
    const before = h.window;
    h.notify(Notify.Repeat, MSS, 200_000, 150_000);
    assert.equal(h.window, Math.floor(before * 0.7));
    // Acknowledgements of packets sent before the reduction: still in recovery, no growth.
    h.notify(Notify.Acknowledgement, 12_000, 210_000, 160_000, RTT);
    assert.equal(h.window, Math.floor(before * 0.7));
    // Another loss and an ECN-CE in the same recovery period: one reduction only.
    h.notify(Notify.Repeat, MSS, 220_000, 170_000);
    h.notify(Notify.CongestionExperienced, 0, 230_000, 180_000);
    assert.equal(h.extern("cubic_get_state", State.Events), 1n);
    h.notify(Notify.SpuriousRepeat, 0, 240_000, 180_000);
    assert.equal(h.window, before);
    assert.equal(h.extern("cubic_get_state", State.Ssthresh), 0xffff_ffff_ffff_ffffn);
    // ECN-CE after the recovery period is a congestion event.
    h.notify(Notify.CongestionExperienced, 0, 400_000, 300_000);
    assert.equal(h.window, Math.floor(before * 0.7));
  });

  Deno.test(`cubic plugin notified without a path uses the connection's path (${engine.name})`, () => {
    const h = new CcHarness(plugin, engine, { implicitPath: true });
    h.notify(Notify.Acknowledgement, 6000, 100_000, 0, RTT);
    assert.equal(h.window, 18_000);
    assert.equal(h.host.writes.at(-1)?.key, AK.CWIN);
  });
}

// ---- on the simulator: the plugin on a NewReno connection against the native CUBIC ----------

/** 20 Mbit/s, 40 ms RTT, a 60-packet drop-tail queue: slow start ends in a queue overflow. */
const LINK = { delay: 20_000, bandwidth: 20_000_000, queue: 60 };
const SIZE = 8_000_000;

async function download(mode: "plugin" | "native", loss = 0) {
  const trace = cwndTrace();
  const pair = await simPluginPair({
    server: mode === "plugin" ? [plugin] : [],
    link: { ...LINK, loss },
    seed: 5,
    serverConfig: {
      qlog: trace.sink,
      ...(mode === "native" ? { congestionControl: "cubic" as const } : {}),
    },
  });
  const r = runDownload(pair, SIZE, { maxTime: 60_000_000 });
  assert.ok(r.sha256ok, `${mode}: the download is incomplete`);
  return { ...r, trace: trace.points };
}

Deno.test("cubic plugin on the simulator: window trace and completion time close to native CUBIC", async () => {
  const native = await download("native");
  const plug = await download("plugin");
  assert.equal(plug.server!.congestion.name, "newreno", "the plugin drives a NewReno connection");
  const ratio = plug.durationUs / native.durationUs;
  assert.ok(ratio > 0.95 && ratio < 1.05, `completion time ratio ${ratio}`);
  // From the end of slow start on, the windows stay within 10% of each other.
  let compared = 0;
  for (let t = 800_000; t < native.durationUs; t += 100_000) {
    const a = traceAt(native.trace, t);
    const b = traceAt(plug.trace, t);
    assert.ok(Math.abs(b / a - 1) < 0.1, `at ${t} µs: native ${a}, plugin ${b}`);
    compared++;
  }
  assert.ok(compared > 20);
  // The window in the connection is the plugin's.
  const s = plug.server!;
  const state = s.ops.callExtern(s, "cubic_get_state", [BigInt(State.Cwnd)]);
  assert.equal(BigInt(s.congestion.window), state);
  assert.ok(s.ops.callExtern(s, "cubic_get_state", [BigInt(State.Events)]) >= 1n);
});

Deno.test("cubic plugin on a lossy link completes close to native CUBIC", async () => {
  const native = await download("native", 0.005);
  const plug = await download("plugin", 0.005);
  const ratio = plug.durationUs / native.durationUs;
  assert.ok(ratio > 0.75 && ratio < 1.33, `completion time ratio ${ratio}`);
});
