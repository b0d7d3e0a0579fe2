import assert from "node:assert/strict";
import type { PluginFactory } from "../transport/connection/config.ts";
import { transportConfig } from "./quic_options.ts";

Deno.test("transportConfig() without maxDatagramSize turns on DPLPMTUD towards loopback only", () => {
  const c = transportConfig({});
  assert.equal(c.pmtuLoopback, true);
  assert.equal(c.maxDatagramSize, undefined);
  assert.equal(c.pmtuProbeLimit, undefined, "no discovery towards other peers");
});

Deno.test("transportConfig() with maxDatagramSize keeps that size, without discovery", () => {
  const c = transportConfig({ maxDatagramSize: 16_000 });
  assert.equal(c.maxDatagramSize, 16_000);
  assert.equal(c.pmtuLoopback, undefined);
});

Deno.test("transportConfig() with plugins keeps 1200 bytes towards loopback too", () => {
  const factory: PluginFactory = () => {
    throw new Error("not called here");
  };
  assert.equal(transportConfig({ plugins: [factory] }).pmtuLoopback, undefined);
  assert.equal(transportConfig({ pluginExchange: {} }).pmtuLoopback, undefined);
  assert.equal(transportConfig({ plugins: [] }).pmtuLoopback, true, "an empty list is none");
});
