import assert from "node:assert/strict";
import { CATALOGUE, Op } from "../protoop/mod.ts";
import { Pair } from "./_test_pair.ts";
import { CORE_DEFAULTS } from "./protoop_defaults.ts";

Deno.test("CORE_DEFAULTS has an entry for every catalogue row with a core default", () => {
  const given = CORE_DEFAULTS as Record<number, unknown>;
  for (const spec of CATALOGUE) {
    const has = typeof given[spec.id] === "function";
    assert.equal(has, spec.core === "default", `${spec.name}: core ${spec.core}`);
  }
});

Deno.test("a new connection's table holds the core defaults in every slot", async () => {
  const p = await Pair.create({ seed: 3 });
  const c = p.client;
  for (const spec of CATALOGUE) assert.ok(c.ops.isDefault(spec.id), spec.name);
  assert.equal(c.ops.fns[Op.UPDATE_RTT], CORE_DEFAULTS[Op.UPDATE_RTT]);
  assert.equal(c.ops.plugged.reduce((a, b) => a + b, 0), 0);
  assert.equal(c.reservations.queued, 0);
});

Deno.test("attachPlugin() plugs the slot and detach() puts the default back", async () => {
  const p = await Pair.create({ seed: 4 });
  const c = p.client;
  const a = c.attachPlugin({
    name: "test.obs",
    pluglets: [{ op: "set_next_wake_time", anchor: "post", pluglet: { run: () => 0n } }],
  });
  assert.equal(c.ops.plugged[Op.SET_NEXT_WAKE_TIME], 1);
  a.detach();
  assert.ok(c.ops.isDefault(Op.SET_NEXT_WAKE_TIME));
  assert.equal(a.attached, false);
});

Deno.test("loss recovery goes through update_rtt and congestion_algorithm_notify only while plugged", async () => {
  const p = await Pair.create({ seed: 5, delay: 1_000 });
  const c = p.client;
  // Nothing attached: the configured controller and the RTT estimator directly.
  assert.equal(c.loss.congestion, c.congestion.inner);
  assert.equal(c.loss.rttSample, null);
  let signals = 0, samples = 0;
  const a = c.attachPlugin({
    name: "test.cc",
    pluglets: [
      {
        op: "congestion_algorithm_notify",
        anchor: "post",
        pluglet: { run: () => (signals++, 0n) },
      },
      { op: "update_rtt", anchor: "pre", pluglet: { run: () => (samples++, 0n) } },
    ],
  });
  assert.equal(c.loss.congestion, c.congestion);
  assert.notEqual(c.loss.rttSample, null);
  assert.ok(p.drive(() => c.isHandshakeConfirmed && p.server?.isHandshakeConfirmed === true));
  assert.ok(signals > 0 && samples > 0, `signals ${signals}, samples ${samples}`);
  a.detach();
  assert.equal(c.loss.congestion, c.congestion.inner);
  assert.equal(c.loss.rttSample, null);
  const [s0, r0] = [signals, samples];
  const id = c.openStream(true)!;
  c.write(id, new Uint8Array(20_000));
  c.finish(id);
  p.drive(() => false, p.now + 200_000);
  assert.equal(c.stats().bytesInFlight, 0);
  assert.deepEqual([signals, samples], [s0, r0]);
});
