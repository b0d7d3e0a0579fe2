// deno-lint-ignore-file no-console -- the goodput scenarios print what they measured
/**
 * DPLPMTUD on the simulator (RFC 9000 §14.3, RFC 8899): the search finds the
 * link's MTU, probe loss is not congestion, and a black hole (the MTU
 * shrinking mid-transfer) falls back to 1200 bytes without stalling.
 */

import assert from "node:assert/strict";
import type { SimDatagram } from "../io/sim/network.ts";
import { files, goodputMbps, InteropPair, RUNNER_LINK } from "./_interop.ts";

const MB = 1024 * 1024;
/** UDP payload of a 1500-byte IPv4 packet. */
const ETHERNET_UDP = 1472;

Deno.test("pmtud: the search finds a 1472-byte path under a 1500-byte limit", async () => {
  const p = await InteropPair.create({
    seed: 41,
    link: { ...RUNNER_LINK, mtu: ETHERNET_UDP },
    serverConnection: { pmtuProbeLimit: 1500 },
  });
  let largest = 0;
  p.sim.onSend = (d: SimDatagram) => {
    if (d.from.port === 443 && d.data.length <= ETHERNET_UDP) {
      largest = Math.max(largest, d.data.length);
    }
  };
  const { conn, download } = p.connect(files(1, 2 * MB), { pmtuProbeLimit: 1500 });
  p.finish(conn, download);
  const server = p.server.accepted[0]!;
  const mtu = server.pmtud!;
  assert.ok(mtu.current > ETHERNET_UDP - 20 && mtu.current <= ETHERNET_UDP, `${mtu.current}`);
  assert.equal(largest, mtu.current, "data went out at the discovered size");
  assert.equal(server.congestion.maxDatagramSize, mtu.current);
  assert.ok(conn.pmtud!.current > 1400, "the client searched too");
  assert.ok(p.sim.link("10.0.0.2", "10.0.0.1").stats.dropped.mtu >= 3, "probes above it were lost");
  assert.equal(mtu.blackHoles, 0, "lost probes are not a black hole");
});

Deno.test("pmtud: the peer's max_udp_payload_size bounds the search", async () => {
  const p = await InteropPair.create({
    seed: 42,
    link: { delay: 10_000 },
    serverConnection: { pmtuProbeLimit: 9000 },
  });
  const { conn, download } = p.connect(files(1, 256 * 1024), {
    transportParameters: { maxUdpPayloadSize: 4000 },
  });
  p.finish(conn, download);
  assert.equal(p.server.accepted[0]!.pmtud!.current, 4000);
});

Deno.test("pmtud: loopback-like links carry large datagrams: 10 MB at 9000 bytes", async () => {
  const p = await InteropPair.create({
    seed: 43,
    link: { delay: 50 },
    serverConnection: { pmtuProbeLimit: 9000 },
  });
  const { conn, download } = p.connect(files(1, 10 * MB), { pmtuProbeLimit: 9000 });
  p.finish(conn, download);
  const server = p.server.accepted[0]!;
  assert.equal(server.pmtud!.current, 9000);
  assert.ok(server.stats().packetsSent < 3000, `${server.stats().packetsSent} packets`);
});

Deno.test("pmtud: a black hole (MTU shrinks mid-transfer) falls back to 1200", async () => {
  const p = await InteropPair.create({
    seed: 44,
    link: { ...RUNNER_LINK, mtu: ETHERNET_UDP },
    serverConnection: { pmtuProbeLimit: ETHERNET_UDP },
  });
  const { conn, download } = p.connect(files(1, 4 * MB), { pmtuProbeLimit: ETHERNET_UDP });
  p.sim.run({ until: () => download.bytes > MB, maxTime: 20_000_000 });
  const server = p.server.accepted[0]!;
  assert.equal(server.pmtud!.current, ETHERNET_UDP);
  // The path now drops anything over 1280 bytes.
  p.sim.setPath("10.0.0.1", "10.0.0.2", { ...RUNNER_LINK, mtu: 1280 });
  p.finish(conn, download);
  assert.equal(server.pmtud!.blackHoles, 1);
  assert.ok(server.pmtud!.current <= 1280);
  console.log(`black hole: ${goodputMbps(download.bytes, 0, download.doneAt).toFixed(2)} Mbit/s`);
});

Deno.test("interop goodput with DPLPMTUD: 10 MB over 10 Mbit/s at 1472 bytes", async () => {
  const p = await InteropPair.create({
    seed: 8,
    link: { ...RUNNER_LINK, mtu: ETHERNET_UDP },
    serverConnection: { pmtuProbeLimit: ETHERNET_UDP },
  });
  const { conn, download } = p.connect(files(1, 10 * MB), { pmtuProbeLimit: ETHERNET_UDP });
  p.finish(conn, download);
  const mbps = goodputMbps(download.bytes, 0, download.doneAt);
  console.log(
    `goodput (PMTUD): ${mbps.toFixed(2)} Mbit/s (${(download.doneAt / 1e6).toFixed(2)} s)`,
  );
  assert.ok(mbps > 9.3, `goodput ${mbps.toFixed(2)} Mbit/s`);
});
