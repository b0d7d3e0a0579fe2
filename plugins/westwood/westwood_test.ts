/**
 * The westwood plugin (TCP Westwood+): its bandwidth estimate and its
 * reaction to congestion on a fake host, on both engines, against a model
 * of the estimator; then on the simulator with a lossy link, against the
 * NewReno the connection would use without it.
 */

import assert from "node:assert/strict";
import { type EngineFactory, interpreter, wasmCompiler } from "../../vm/mod.ts";
import { CcHarness, cwndTrace, loadFromDisk, Notify } from "../_cc_testing.ts";
import { runDownload, simPluginPair } from "../_sim_testing.ts";

const MSS = 1200;
const engines: EngineFactory[] = [interpreter, wasmCompiler];
const plugin = loadFromDisk("westwood");

/** westwood_get_state's indices (plugins/westwood/westwood.h). */
const State = {
  Cwnd: 0,
  Ssthresh: 1,
  Bwe: 2,
  RttMin: 3,
  Events: 4,
  LastBefore: 5,
  LastAfter: 6,
  LastBwe: 7,
  Samples: 8,
} as const;

/** Westwood+'s estimator as the plugin computes it (one sample per RTT, two 7/8 filters). */
class BweModel {
  bwe = 0;
  #ns = 0;
  #bk = 0;
  #start = 0;
  samples = 0;

  ack(bytes: number, rtt: number, now: number): void {
    if (this.#start === 0) {
      this.#start = now;
      return;
    }
    this.#bk += bytes;
    const delta = now - this.#start;
    if (delta <= Math.max(rtt, 1000)) return;
    const sample = Math.floor((this.#bk * 1e6) / delta);
    if (this.samples === 0) this.#ns = this.bwe = sample;
    else {
      this.#ns = Math.floor((7 * this.#ns + sample) / 8);
      this.bwe = Math.floor((7 * this.bwe + this.#ns) / 8);
    }
    this.samples++;
    this.#bk = 0;
    this.#start = now;
  }
}

/** The window Westwood+ sets on a congestion event. */
function afterLoss(cwnd: number, bwe: number, rttMin: number): number {
  const target = bwe === 0 || rttMin === 0 ? Math.floor(cwnd / 2) : Math.floor(bwe * rttMin / 1e6);
  return Math.max(Math.min(target, cwnd), 2 * MSS);
}

for (const engine of engines) {
  Deno.test(`westwood estimates the bandwidth once per RTT, filtered (${engine.name})`, () => {
    const h = new CcHarness(plugin, engine, { srtt: 50_000, rttMin: 40_000 });
    const model = new BweModel();
    // 1.2 MB/s for 1.5 s, then 0.6 MB/s for 1.5 s: 1200 bytes per ACK every 1 or 2 ms.
    let now = 1000;
    for (; now < 1_500_000; now += 1000) {
      h.notify(Notify.Acknowledgement, MSS, now, now - 50_000, 50_000);
      model.ack(MSS, 50_000, now);
    }
    assert.ok(Math.abs(model.bwe / 1_200_000 - 1) < 0.05, `model ${model.bwe}`);
    assert.equal(h.extern("westwood_get_state", State.Bwe), BigInt(model.bwe));
    for (; now < 3_000_000; now += 2000) {
      h.notify(Notify.Acknowledgement, MSS, now, now - 50_000, 50_000);
      model.ack(MSS, 50_000, now);
    }
    assert.equal(h.extern("westwood_get_state", State.Bwe), BigInt(model.bwe));
    assert.equal(h.extern("westwood_get_state", State.Samples), BigInt(model.samples));
    assert.ok(model.bwe < 800_000, "the estimate follows the rate down");
    assert.ok(model.samples >= 55 && model.samples <= 60, `${model.samples} samples in 3 s`);
    // Slow start grew the window by every byte acknowledged.
    assert.equal(h.window, 12_000 + (1499 + 750) * MSS);
  });

  Deno.test(`westwood sets cwnd = ssthresh = BWE × RTTmin on loss, not half (${engine.name})`, () => {
    const h = new CcHarness(plugin, engine, { srtt: 50_000, rttMin: 40_000 });
    for (let now = 1000; now < 1_000_000; now += 1000) {
      h.notify(Notify.Acknowledgement, MSS, now, now - 50_000, 50_000);
    }
    const before = h.window;
    const bwe = Number(h.extern("westwood_get_state", State.Bwe));
    h.notify(Notify.Repeat, MSS, 1_000_000, 950_000);
    const expected = afterLoss(before, bwe, 40_000);
    assert.equal(h.window, expected);
    assert.notEqual(expected, Math.floor(before / 2));
    assert.equal(h.extern("westwood_get_state", State.Ssthresh), BigInt(expected));
    assert.equal(h.extern("westwood_get_state", State.LastBefore), BigInt(before));
    assert.equal(h.extern("westwood_get_state", State.LastAfter), BigInt(expected));
    assert.equal(h.extern("westwood_get_state", State.LastBwe), BigInt(bwe));
    assert.equal(h.extern("westwood_get_state", State.RttMin), 40_000n);
    assert.deepEqual(h.host.qlogs.map((q) => [q.name, q.data]), [[
      "westwood:congestion",
      {
        cwnd_before: BigInt(before),
        cwnd: BigInt(expected),
        ssthresh: BigInt(expected),
        bwe: BigInt(bwe),
        rtt_min: 40_000n,
      },
    ]]);
    // A loss of a packet sent before the reduction: the same recovery period.
    h.notify(Notify.Repeat, MSS, 1_010_000, 960_000);
    assert.equal(h.extern("westwood_get_state", State.Events), 1n);
    // Congestion avoidance: one datagram per window acknowledged.
    h.notify(Notify.Acknowledgement, expected, 1_100_000, 1_050_000, 50_000);
    assert.equal(h.window, expected + MSS);
    // A spurious loss restores the window from before the reduction.
    h.notify(Notify.SpuriousRepeat, 0, 1_110_000, 1_050_000);
    assert.equal(h.window, before);
    assert.equal(h.extern("westwood_get_state", State.Ssthresh), 0xffff_ffff_ffff_ffffn);
  });

  Deno.test(`westwood halves before any estimate and collapses on persistent congestion (${engine.name})`, () => {
    const h = new CcHarness(plugin, engine, { srtt: 50_000, rttMin: 40_000 });
    h.notify(Notify.Acknowledgement, 8400, 10_000, 0, 50_000); // starts sampling only
    assert.equal(h.window, 20_400);
    h.notify(Notify.Repeat, MSS, 20_000, 10_000);
    assert.equal(h.window, 10_200); // no sample yet: Reno's halving
    h.notify(Notify.Timeout, MSS, 500_000, 400_000);
    assert.equal(h.window, 2 * MSS);
    assert.equal(h.extern("westwood_get_state", State.Ssthresh), 5100n);
    assert.equal(h.extern("westwood_get_state", State.Events), 2n);
    assert.equal(h.host.faults.length, 0);
  });
}

// ---- on the simulator: a lossy link (random loss, not congestion) ---------------------------

/** 20 Mbit/s, 40 ms RTT, 0.5 % random loss, a 60-packet queue. */
const LINK = { delay: 20_000, bandwidth: 20_000_000, queue: 60, loss: 0.005 };
const SIZE = 4_000_000;

async function download(withPlugin: boolean) {
  const trace = cwndTrace();
  const pair = await simPluginPair({
    server: withPlugin ? [plugin] : [],
    link: LINK,
    seed: 3,
    serverConfig: { qlog: trace.sink },
  });
  const r = runDownload(pair, SIZE, { maxTime: 60_000_000 });
  assert.ok(r.sha256ok, "the download is incomplete");
  return { ...r, trace };
}

Deno.test("westwood on a lossy link: cwnd after each loss is BWE × RTTmin, and it beats halving", async () => {
  const reno = await download(false);
  const ww = await download(true);
  const events = ww.trace.events.filter((e) => e.name === "westwood:congestion");
  assert.ok(events.length >= 10, `${events.length} congestion events`);
  const mss = ww.server!.maxDatagramSize;
  let ratios = 0;
  for (const e of events) {
    const d = e.data as Record<string, bigint>;
    const before = Number(d.cwnd_before);
    const after = Number(d.cwnd);
    assert.equal(
      after,
      Math.max(Math.min(Math.floor(Number(d.bwe) * Number(d.rtt_min) / 1e6), before), 2 * mss),
    );
    assert.equal(d.ssthresh, d.cwnd);
    // The connection's window at the next ACK (still in recovery) is the plugin's.
    assert.equal(ww.trace.points[e.next]?.[1], after, `window after the event at ${e.now} µs`);
    ratios += after / before;
  }
  const meanRatio = ratios / events.length;
  assert.ok(meanRatio > 0.65, `mean cwnd after/before a loss ${meanRatio} (NewReno: 0.5)`);
  const s = ww.server!;
  assert.equal(
    BigInt(s.congestion.window),
    s.ops.callExtern(s, "westwood_get_state", [BigInt(State.Cwnd)]),
  );
  assert.ok(
    ww.durationUs < 0.8 * reno.durationUs,
    `westwood ${ww.durationUs} µs, NewReno ${reno.durationUs} µs`,
  );
});
