/**
 * The ack_delay plugin: the local ACK delay (and, where the host offers
 * AK_PKTCTX_ACK_ELICITING_THRESHOLD, the ACK threshold) it sets on a fake
 * host, on both engines; then on the simulator, the ACKs a receiver sends
 * for a sparse flow and for a bulk download, with and without it.
 */

import assert from "node:assert/strict";
import { ConnectionState } from "../../transport/connection/events.ts";
import { SpaceId } from "../../transport/recovery/space_id.ts";
import { type EngineFactory, interpreter, wasmCompiler } from "../../vm/mod.ts";
import { FakeCall, FakeHost } from "../_testing.ts";
import { AK, loadFromDisk } from "../_cc_testing.ts";
import { ACCESS_KEYS } from "../helper_ids.ts";
import { instantiatePlugin } from "../instance.ts";
import { runDownload, simPluginPair } from "../_sim_testing.ts";

const engines: EngineFactory[] = [interpreter, wasmCompiler];
const plugin = loadFromDisk("ack_delay");
const ACK_DELAY_LOCAL = ACCESS_KEYS.find((k) => k.name === "AK_PKTCTX_ACK_DELAY_LOCAL")!.value;
/** The ACK threshold key. */
const THRESHOLD = ACCESS_KEYS.find((k) => k.name === "AK_PKTCTX_ACK_ELICITING_THRESHOLD")!.value;
/** ACK_THRESHOLD in update_ack_delay.c. */
const ACK_THRESHOLD = 8;

/** PQUIC's rule: min_rtt / 4, at least 1 ms, at most min_rtt. */
function expectedDelay(rttMin: number): number {
  return Math.max(Math.min(Math.floor(rttMin / 4), rttMin), 1000);
}

for (const engine of engines) {
  Deno.test(`ack_delay sets the local ACK delay to min_rtt / 4, at least 1 ms (${engine.name})`, () => {
    const host = new FakeHost().set("cnx", AK.PATH, 11n, 0n, 0);
    host.set("path", AK.PKT_CTX, 12n, 11n, 2).set("pkt_ctx", ACK_DELAY_LOCAL, 25_000n, 12n);
    const inst = instantiatePlugin(plugin, host, { engine });
    const sample = (rttMin: number) => {
      host.set("path", AK.RTT_MIN, BigInt(rttMin), 11n);
      inst.run(0, new FakeCall(host, "update_rtt", { args: [2, rttMin, 0, 5], anchor: "post" }));
      return Number(host.get("pkt_ctx", ACK_DELAY_LOCAL, 12n));
    };
    host.set("pkt_ctx", THRESHOLD, 2n, 12n);
    assert.equal(sample(0), 25_000, "no sample: unchanged");
    assert.equal(host.writes.length, 0);
    for (const rtt of [40_000, 10_000, 2_000, 300, 1_000_000]) {
      assert.equal(sample(rtt), expectedDelay(rtt), `min_rtt ${rtt}`);
    }
    assert.equal(host.get("pkt_ctx", THRESHOLD, 12n), BigInt(ACK_THRESHOLD));
    assert.equal(host.writes.filter((w) => w.key === THRESHOLD).length, 1, "written once");
    const writes = host.writes.length;
    sample(1_000_000);
    assert.equal(host.writes.length, writes, "an unchanged delay is not written again");
    assert.equal(host.faults.length, 0);
  });
}

/**
 * The server sends `count` lone packets (200 bytes of a stream), one every
 * `gap` µs, on a 10 ms RTT path; returns the ACK frames the client sent for
 * them and the client's local ACK delay.
 */
async function sparseFlow(withPlugin: boolean, count: number, gap: number) {
  const pair = await simPluginPair({ client: withPlugin ? [plugin] : [], link: { delay: 5_000 } });
  const { sim, clientConn } = pair;
  sim.run({
    until: () =>
      clientConn.state === ConnectionState.Established && clientConn.isHandshakeConfirmed &&
      pair.serverConn()?.state === ConnectionState.Established,
    maxTime: 2_000_000,
  });
  sim.runFor(50_000);
  const server = pair.serverConn()!;
  const id = server.openStream(false)!;
  const acksBefore = clientConn.stats().framesSent.ACK ?? 0;
  const receivedBefore = clientConn.stats().packetsReceived;
  for (let i = 0; i < count; i++) {
    server.write(id, new Uint8Array(200).fill(i));
    sim.runFor(gap);
  }
  sim.runFor(100_000);
  return {
    acks: (clientConn.stats().framesSent.ACK ?? 0) - acksBefore,
    received: clientConn.stats().packetsReceived - receivedBefore,
    delay: clientConn.spaces[SpaceId.Application]!.ackTracker.maxAckDelay,
    rttMin: clientConn.loss.rtt.min,
  };
}

Deno.test("ack_delay: a lone packet is acknowledged after min_rtt / 4, not max_ack_delay", async () => {
  // Packets 8 ms apart: with the default 25 ms delay the second of two arrives first and makes
  // the ACK due (one ACK per two packets); with min_rtt / 4 ≈ 2.5 ms each gets its own.
  const plain = await sparseFlow(false, 40, 8_000);
  const plug = await sparseFlow(true, 40, 8_000);
  assert.equal(plain.delay, 25_000);
  assert.equal(plug.delay, expectedDelay(plug.rttMin));
  assert.ok(plug.rttMin >= 10_000 && plug.rttMin < 12_000, `min_rtt ${plug.rttMin}`);
  assert.ok(plain.received >= 40 && plug.received >= 40);
  assert.ok(plain.acks <= plain.received * 0.6, `${plain.acks} ACKs for ${plain.received}`);
  assert.ok(plug.acks >= plug.received * 0.9, `${plug.acks} ACKs for ${plug.received}`);
});

/** A 1 MB download; returns the client's ACK frames per packet received. */
async function bulk(withPlugin: boolean, loss: number) {
  const pair = await simPluginPair({
    client: withPlugin ? [plugin] : [],
    link: { delay: 10_000, bandwidth: 50_000_000, queue: 100, loss },
    seed: 7,
  });
  const r = runDownload(pair, 1_000_000);
  assert.ok(r.sha256ok, "the download is incomplete");
  const st = r.client.stats();
  return { r, ackRatio: (st.framesSent.ACK ?? 0) / st.packetsReceived };
}

Deno.test("ack_delay: a download with the plugin on the receiver is byte-exact", async () => {
  const { r } = await bulk(true, 0.01);
  const rtt = r.client.loss.rtt.min;
  assert.equal(r.client.spaces[SpaceId.Application]!.ackTracker.maxAckDelay, expectedDelay(rtt));
});

Deno.test({
  name: "ack_delay: fewer ACK frames per packet received in a bulk download",
  async fn() {
    for (const loss of [0, 0.01]) {
      const plain = await bulk(false, loss);
      const plug = await bulk(true, loss);
      assert.ok(plain.ackRatio > 0.4, `without: ${plain.ackRatio} ACKs per packet`);
      assert.ok(plug.ackRatio < 0.25, `with: ${plug.ackRatio} ACKs per packet`);
      assert.ok(
        plug.r.durationUs < 1.25 * plain.r.durationUs,
        `${plug.r.durationUs} µs against ${plain.r.durationUs} µs`,
      );
    }
  },
});
