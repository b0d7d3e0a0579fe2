import assert from "node:assert/strict";
import {
  BASE_PLPMTU,
  BLACK_HOLE_LOSSES,
  BLACK_HOLE_PTOS,
  BLACK_HOLE_RETRY,
  LOOPBACK_PLPMTU_V4,
  LOOPBACK_PLPMTU_V6,
  loopbackPlpmtu,
  MAX_PROBES,
  PmtuChange,
  PmtuDiscovery,
  pmtuProbeLimit,
  RAISE_INTERVAL,
  SEARCH_GRANULARITY,
} from "./pmtud.ts";

/** Runs a search against a path carrying `pathMtu`; returns the probe sizes tried. */
function search(d: PmtuDiscovery, pathMtu: number, now = 0): number[] {
  const tried: number[] = [];
  let pn = 100;
  for (let size = d.probeSize(now); size > 0; size = d.probeSize(now)) {
    tried.push(size);
    d.onProbeSent(pn);
    if (size <= pathMtu) d.onProbeAcked(pn, size);
    else d.onProbeLost(pn, size);
    pn++;
    assert.ok(tried.length < 100, "the search ends");
  }
  return tried;
}

Deno.test("PmtuDiscovery tries the limit first and keeps it when the path carries it", () => {
  const d = new PmtuDiscovery(1500);
  assert.deepEqual(search(d, 9000), [1500]);
  assert.equal(d.current, 1500);
  assert.deepEqual(d.history, [1500]);
});

Deno.test("PmtuDiscovery binary-searches to within SEARCH_GRANULARITY of the path MTU", () => {
  const d = new PmtuDiscovery(9000);
  const tried = search(d, 1472);
  // The top is tried MAX_PROBES times before it counts as too large.
  assert.deepEqual(tried.slice(0, MAX_PROBES), [9000, 9000, 9000]);
  assert.ok(d.current <= 1472 && d.current > 1472 - SEARCH_GRANULARITY, `${d.current}`);
  assert.ok(tried.every((s) => s > BASE_PLPMTU));
});

Deno.test("PmtuDiscovery.probeSize() is 0 while a probe is in flight and after the search", () => {
  const d = new PmtuDiscovery(1400);
  assert.equal(d.probeSize(0), 1400);
  d.onProbeSent(7);
  assert.equal(d.probing, true);
  assert.equal(d.probeSize(0), 0);
  assert.equal(d.onProbeAcked(6, 1400), PmtuChange.None, "another packet number");
  assert.equal(d.onProbeAcked(7, 1400), PmtuChange.Raised);
  assert.equal(d.probeSize(1), 0, "complete");
  assert.equal(d.probeSize(RAISE_INTERVAL), 0, "still waiting");
  assert.equal(d.current, 1400);
});

Deno.test("PmtuDiscovery.setMax() lowers the bound to the peer's max_udp_payload_size", () => {
  const d = new PmtuDiscovery(9000);
  d.setMax(1350);
  assert.deepEqual(search(d, 9000), [1350]);
  assert.equal(d.current, 1350);
});

Deno.test("PmtuDiscovery declares a black hole after losses of large packets sent after the last large ACK", () => {
  const d = new PmtuDiscovery(1500);
  search(d, 1500);
  d.onPacketAcked(1500, 1000);
  // Losses of packets sent before the last acknowledged large one are congestion, not a black hole.
  for (let i = 0; i < 10; i++) assert.equal(d.onPacketLost(1500, 900, 2000), PmtuChange.None);
  // Small packets never count.
  for (let i = 0; i < 10; i++) assert.equal(d.onPacketLost(1200, 1100, 2000), PmtuChange.None);
  for (let i = 1; i < BLACK_HOLE_LOSSES; i++) {
    assert.equal(d.onPacketLost(1500, 1000 + i, 3000), PmtuChange.None);
  }
  assert.equal(d.onPacketLost(1500, 1100, 3000), PmtuChange.Lowered);
  assert.equal(d.current, BASE_PLPMTU);
  assert.equal(d.blackHoles, 1);
  assert.equal(d.probeSize(3000), 0, "no search right after a black hole");
  assert.equal(d.probeSize(3000 + BLACK_HOLE_RETRY), 1500, "searching again later");
});

Deno.test("PmtuDiscovery declares a black hole after BLACK_HOLE_PTOS consecutive PTOs", () => {
  const d = new PmtuDiscovery(1500);
  assert.equal(d.onPto(BLACK_HOLE_PTOS, 0), PmtuChange.None, "already at the base size");
  search(d, 1500);
  assert.equal(d.onPto(BLACK_HOLE_PTOS - 1, 0), PmtuChange.None);
  assert.equal(d.onPto(BLACK_HOLE_PTOS, 0), PmtuChange.Lowered);
  assert.equal(d.current, BASE_PLPMTU);
});

Deno.test("loopbackPlpmtu() knows 127.0.0.0/8, ::1 in any spelling and IPv4-mapped loopback", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "::ffff:127.0.0.1", "::FFFF:127.0.0.9"]) {
    assert.equal(loopbackPlpmtu(h), LOOPBACK_PLPMTU_V4, h);
  }
  for (const h of ["::1", "0:0:0:0:0:0:0:1", "0::1", "::0:1", "::1%lo", "0000::0001"]) {
    assert.equal(loopbackPlpmtu(h), LOOPBACK_PLPMTU_V6, h);
  }
  const others = [
    "10.0.0.1",
    "128.0.0.1",
    "127.0.0",
    "1127.0.0.1",
    "::",
    "::2",
    "1::1",
    "::1:1",
    "fe80::1",
    "::ffff:10.0.0.1",
    "0:0:0:0:0:0:0:0:1",
    "::1::",
    "localhost",
  ];
  for (const h of others) assert.equal(loopbackPlpmtu(h), 0, h);
});

Deno.test("pmtuProbeLimit() raises the limit to loopback's only with the flag and a loopback peer", () => {
  const v4 = { hostname: "127.0.0.1", port: 1 };
  const v6 = { hostname: "::1", port: 1 };
  const lan = { hostname: "192.168.1.2", port: 1 };
  assert.equal(pmtuProbeLimit(1452, true, v4), LOOPBACK_PLPMTU_V4);
  assert.equal(pmtuProbeLimit(0, true, v6), LOOPBACK_PLPMTU_V6);
  assert.equal(pmtuProbeLimit(1452, true, lan), 1452);
  assert.equal(pmtuProbeLimit(0, true, lan), 0);
  assert.equal(pmtuProbeLimit(1452, false, v4), 1452);
  assert.equal(pmtuProbeLimit(0, false, v6), 0);
});

Deno.test("PmtuDiscovery.bytesOutsideWindow is the probe in flight only when it bypasses the window", () => {
  const loop = new PmtuDiscovery(LOOPBACK_PLPMTU_V4, true);
  assert.equal(loop.limit, LOOPBACK_PLPMTU_V4);
  assert.equal(loop.bypassesWindow, true);
  assert.equal(loop.bytesOutsideWindow, 0, "nothing in flight");
  const size = loop.probeSize(0);
  assert.equal(size, LOOPBACK_PLPMTU_V4, "the largest size first");
  loop.onProbeSent(3);
  assert.equal(loop.bytesOutsideWindow, size);
  loop.onProbeAcked(3, size);
  assert.equal(loop.bytesOutsideWindow, 0, "acknowledged");
  assert.equal(loop.current, size);

  const lost = new PmtuDiscovery(LOOPBACK_PLPMTU_V6, true);
  assert.equal(lost.probeSize(0), LOOPBACK_PLPMTU_V6);
  lost.onProbeSent(5);
  lost.onProbeLost(5, LOOPBACK_PLPMTU_V6);
  assert.equal(lost.bytesOutsideWindow, 0, "lost");

  const plain = new PmtuDiscovery(1452);
  assert.equal(plain.bypassesWindow, false);
  assert.equal(plain.probeSize(0), 1452);
  plain.onProbeSent(1);
  assert.equal(plain.bytesOutsideWindow, 0, "counted in the window");
});

Deno.test("PmtuDiscovery.limit stays the configured size when setMax() lowers the search", () => {
  const d = new PmtuDiscovery(LOOPBACK_PLPMTU_V4, true);
  d.setMax(9000);
  assert.equal(d.limit, LOOPBACK_PLPMTU_V4);
  assert.deepEqual(search(d, 65_535), [9000]);
});
