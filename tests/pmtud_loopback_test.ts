/**
 * DPLPMTUD towards a loopback peer on the simulator (`pmtuLoopback`,
 * transport/connection/pmtud.ts): with loopback addresses and a link that
 * carries 65,535-byte datagrams, the first probe is of the largest size
 * loopback carries and the data goes out in ~64 KB datagrams after a few
 * round trips; a non-loopback peer keeps the configured limit (RFC 9000
 * §14.3, RFC 8899), and FEC (plugins/fec) keeps its packets small.
 */

import assert from "node:assert/strict";
import type { LinkConfig } from "../io/sim/link.ts";
import type { SimDatagram } from "../io/sim/network.ts";
import type { SocketAddress } from "../transport/address.ts";
import type { Connection } from "../transport/connection/connection.ts";
import { LOOPBACK_PLPMTU_V4, LOOPBACK_PLPMTU_V6 } from "../transport/connection/pmtud.ts";
import { loadBuiltinOrFile } from "../plugins/_sim_testing.ts";
import { pluginFactory } from "../plugins/inject.ts";
import { CLIENT, files, InteropPair, SERVER } from "./_interop.ts";

const MB = 1024 * 1024;
/** One-way delay of the loopback-like link, µs (a 1 ms round trip). */
const DELAY = 500;
const RTT = 2 * DELAY;
/** The CLI's limit without `-m` (cli/endpoint_config.ts). */
const CLI_LIMIT = 1452;
const LOOPBACK_LINK = { delay: DELAY, mtu: 65_535 };
const V4 = {
  client: { hostname: "127.0.0.1", port: 50_000 },
  server: { hostname: "127.0.0.1", port: 4443 },
};
const V6 = {
  client: { hostname: "::1", port: 50_000 },
  server: { hostname: "::1", port: 4443 },
};
const LOOPBACK_CONFIG = { pmtuProbeLimit: CLI_LIMIT, pmtuLoopback: true };

/** What the server sent, seen on the wire. */
interface Sent {
  /** Send times of the server's datagrams of at least 60,000 bytes. */
  large: number[];
  largest: number;
  /** Datagrams of more than 1,600 bytes. */
  over1600: number;
  count: number;
}

/** Downloads `size` bytes over a pair at `addresses`; both ends get `config`. */
async function download(
  addresses: { client: SocketAddress; server: SocketAddress },
  size: number,
  config: Record<string, unknown>,
  link: LinkConfig = LOOPBACK_LINK,
  seed = 61,
): Promise<{ p: InteropPair; client: Connection; server: Connection; sent: Sent }> {
  const p = await InteropPair.create({ seed, link, addresses, serverConnection: config });
  const sent: Sent = { large: [], largest: 0, over1600: 0, count: 0 };
  p.sim.onSend = (d: SimDatagram) => {
    if (d.from.port !== addresses.server.port || d.from.hostname !== addresses.server.hostname) {
      return;
    }
    sent.count++;
    sent.largest = Math.max(sent.largest, d.data.length);
    if (d.data.length >= 60_000) sent.large.push(d.sentAt);
    if (d.data.length > 1600) sent.over1600++;
  };
  const { conn, download } = p.connect(files(1, size), config);
  p.finish(conn, download);
  return { p, client: conn, server: p.server.accepted[0]!, sent };
}

Deno.test("pmtud: to a 127.0.0.1 peer the first probe is 65,507 bytes and data follows at that size within 3 round trips", async () => {
  const { server, client, sent } = await download(V4, 8 * MB, LOOPBACK_CONFIG);
  assert.equal(server.pmtud!.limit, LOOPBACK_PLPMTU_V4);
  assert.equal(server.pmtud!.bypassesWindow, true);
  assert.deepEqual(server.pmtud!.history, [LOOPBACK_PLPMTU_V4], "one probe, the largest size");
  assert.equal(server.maxDatagramSize, LOOPBACK_PLPMTU_V4);
  assert.equal(server.congestion.maxDatagramSize, LOOPBACK_PLPMTU_V4);
  assert.equal(client.pmtud!.current, LOOPBACK_PLPMTU_V4, "the client searched too");
  assert.equal(sent.largest, LOOPBACK_PLPMTU_V4);
  // The probe, then data at the new size: the handshake takes 1.5 round
  // trips to the server, the probe one more.
  assert.ok(sent.large.length >= 2, `${sent.large.length} large datagrams`);
  assert.ok(sent.large[1]! <= 3 * RTT + 200, `first large data datagram at ${sent.large[1]} µs`);
  // 8 MB in about 130 datagrams of 64 KB, not 7,000 of 1,200 bytes.
  assert.ok(sent.count < 400, `${sent.count} datagrams`);
});

Deno.test("pmtud: to a ::1 peer the search stops at 65,488 bytes (no IPv6 fragments)", async () => {
  const { server, client, sent } = await download(V6, 4 * MB, LOOPBACK_CONFIG);
  assert.deepEqual(server.pmtud!.history, [LOOPBACK_PLPMTU_V6]);
  assert.equal(client.pmtud!.current, LOOPBACK_PLPMTU_V6);
  assert.equal(sent.largest, LOOPBACK_PLPMTU_V6);
  assert.ok(sent.large[1]! <= 3 * RTT + 200, `first large data datagram at ${sent.large[1]} µs`);
});

Deno.test("pmtud: a non-loopback peer keeps the configured limit and the congestion window", async () => {
  const { server, client, sent } = await download(
    { client: CLIENT, server: SERVER },
    2 * MB,
    LOOPBACK_CONFIG,
  );
  assert.equal(server.pmtud!.limit, CLI_LIMIT);
  assert.equal(server.pmtud!.bypassesWindow, false);
  assert.equal(server.pmtud!.current, CLI_LIMIT);
  assert.equal(client.pmtud!.current, CLI_LIMIT);
  assert.equal(sent.largest, CLI_LIMIT);
});

Deno.test("pmtud: without pmtuLoopback a loopback peer is probed as before", async () => {
  const { server, sent } = await download(V4, 2 * MB, { pmtuProbeLimit: CLI_LIMIT });
  assert.equal(server.pmtud!.limit, CLI_LIMIT);
  assert.equal(server.pmtud!.bypassesWindow, false);
  assert.equal(server.pmtud!.current, CLI_LIMIT);
  assert.equal(sent.largest, CLI_LIMIT);
});

Deno.test("pmtud: a loopback whose MTU is 16,384 (as on macOS) is found by the search", async () => {
  const mtu = 16_384 - 28;
  // 500 Mbit/s, so that the transfer lasts while lost probes are counted.
  const link = { delay: DELAY, mtu, bandwidth: 5e8 };
  const { server, sent } = await download(V4, 8 * MB, LOOPBACK_CONFIG, link);
  const mtud = server.pmtud!;
  // Each size too large is lost MAX_PROBES times first; the last steps come
  // after this transfer, whose queue lengthens the round trip.
  assert.ok(mtud.current <= mtu && mtud.current > 16_000, `${mtud.current}`);
  assert.ok(mtud.history.length >= 4, `${mtud.history}`);
  assert.equal(mtud.blackHoles, 0, "lost probes are not a black hole");
  assert.ok(sent.largest <= mtu + 1 || sent.largest === LOOPBACK_PLPMTU_V4);
  // 8 MB at 1,200 bytes would be 7,000 packets.
  assert.ok(server.stats().packetsSent < 4000, `${server.stats().packetsSent} packets`);
});

Deno.test("pmtud: the peer's max_udp_payload_size bounds a loopback search", async () => {
  const p = await InteropPair.create({
    seed: 62,
    link: LOOPBACK_LINK,
    addresses: V4,
    serverConnection: LOOPBACK_CONFIG,
  });
  // A client started with `-m 9000`: no loopback search, 9,000 advertised.
  const { conn, download } = p.connect(files(1, 2 * MB), {
    pmtuProbeLimit: 9000,
    transportParameters: { maxUdpPayloadSize: 9000 },
  });
  p.finish(conn, download);
  assert.equal(p.server.accepted[0]!.pmtud!.current, 9000);
  assert.equal(conn.pmtud!.current, 9000);
});

Deno.test("pmtud: FEC over a 64 KB loopback path still delivers byte-exact, its source packets small", async () => {
  const fec = loadBuiltinOrFile(new URL("../plugins/fec/fec.plugin", import.meta.url).pathname);
  const config = { ...LOOPBACK_CONFIG, plugins: [pluginFactory(fec)] };
  // download() checks every byte; 2 % of the datagrams are lost.
  const { server, sent } = await download(V4, 400_000, config, {
    delay: DELAY,
    mtu: 65_535,
    loss: 0.02,
  });
  assert.equal(server.pmtud!.current, LOOPBACK_PLPMTU_V4, "the path carries large datagrams");
  const sfpid = server.stats().pluginFramesSent["SFPID"] ?? 0;
  const repair = server.stats().pluginFramesSent["REPAIR"] ?? 0;
  assert.ok(sfpid > 0 && repair > 0, `SFPID ${sfpid}, REPAIR ${repair}`);
  // Source packets stay at about 1,500 bytes (plugins/fec/FRAMES.md); only
  // the probe and packets that carry a REPAIR frame (whose room the stream
  // data fills, unprotected) are larger. The command keeps FEC connections
  // at 1,452 bytes for that reason (cli/endpoint_config.ts).
  assert.ok(sent.over1600 <= repair + 3, `${sent.over1600} large, ${repair} REPAIR`);
});
