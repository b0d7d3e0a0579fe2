import assert from "node:assert/strict";
import { Endpoint, type EndpointEvent } from "../transport/endpoint/endpoint.ts";
import { PacketType, parsePacketHeader } from "../transport/packet/header.ts";
import { CryptoRandom } from "../transport/random.ts";
import { testCertificates, within } from "./_quic_test_util.ts";
import { bindUdp, setReceiveBufferSize, unmapIpv4 } from "./udp.ts";
import { COPY_BELOW, RECEIVERS, UdpDriver } from "./udp_driver.ts";

/** A server endpoint driven on 127.0.0.1 and a raw socket to poke it with. */
async function setup() {
  const certs = await testCertificates();
  const endpoint = new Endpoint({
    random: new CryptoRandom(),
    server: { identity: certs.identity },
  });
  const events: EndpointEvent[] = [];
  const driver = UdpDriver.bind(endpoint, { hostname: "127.0.0.1" }, {
    onEvent: (e) => events.push(e),
  });
  const raw = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to: Deno.NetAddr = { transport: "udp", ...driver.local };
  return { endpoint, driver, raw, to, events };
}

/** A 1200-byte long-header datagram of an unknown version: the server answers with VN. */
function unknownVersionInitial(): Uint8Array {
  const d = new Uint8Array(1200);
  d.set([0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 8, 1, 2, 3, 4, 5, 6, 7, 8, 4, 9, 9, 9, 9]);
  return d;
}

Deno.test("UdpDriver hands a datagram to the endpoint and sends its answer", async () => {
  const { endpoint, driver, raw, to } = await setup();
  await raw.send(unknownVersionInitial(), to);
  const [answer, from] = await within(raw.receive(), 5_000, "Version Negotiation");
  const h = parsePacketHeader(answer, 0, 8);
  assert.equal(h.type, PacketType.VersionNegotiation);
  assert.deepEqual(h.dcid, new Uint8Array([9, 9, 9, 9]));
  assert.equal((from as Deno.NetAddr).port, driver.local.port);
  assert.equal(endpoint.stats.versionNegotiationsSent, 1);
  assert.equal(driver.stats.datagramsReceived, 1);
  assert.equal(driver.stats.datagramsSent, 1);
  raw.close();
  await driver.close();
});

Deno.test("UdpDriver.hold() queues datagrams until release()", async () => {
  const { endpoint, driver, raw, to } = await setup();
  driver.hold();
  await raw.send(unknownVersionInitial(), to);
  // The datagram reaches the driver but not the endpoint.
  for (let i = 0; i < 100 && driver.stats.datagramsReceived === 0; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(driver.stats.datagramsReceived, 1);
  assert.equal(endpoint.stats.datagramsIn, 0);
  driver.release();
  assert.equal(endpoint.stats.datagramsIn, 1);
  const [answer] = await within(raw.receive(), 5_000, "Version Negotiation after release");
  assert.equal(parsePacketHeader(answer, 0, 8).type, PacketType.VersionNegotiation);
  raw.close();
  await driver.close();
});

Deno.test("UdpDriver's timer retransmits a client's Initial to a silent server", async () => {
  const certs = await testCertificates();
  const silent = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (silent.addr as Deno.NetAddr).port;
  const endpoint = new Endpoint({ random: new CryptoRandom() });
  const driver = UdpDriver.bind(endpoint, { hostname: "127.0.0.1" }, { onEvent: () => {} });
  endpoint.connect(
    { serverName: "localhost", trustAnchors: [certs.caCertificate] },
    { hostname: "127.0.0.1", port },
    driver.now(),
  );
  driver.wake();
  const [first] = await within(silent.receive(), 5_000, "first Initial");
  const t0 = performance.now();
  const [second] = await within(silent.receive(), 5_000, "retransmitted Initial");
  const waited = performance.now() - t0;
  assert.equal(parsePacketHeader(first, 0, 8).type, PacketType.Initial);
  assert.equal(parsePacketHeader(second, 0, 8).type, PacketType.Initial);
  // RFC 9002 §6.2: the first PTO is at least the initial RTT (333 ms) away.
  assert.ok(waited > 200, `retransmitted after ${waited.toFixed(0)} ms`);
  silent.close();
  await driver.close();
});

Deno.test("UdpDriver.close() settles with the socket closed, twice in a row", async () => {
  const endpoint = new Endpoint({ random: new CryptoRandom() });
  const driver = UdpDriver.bind(endpoint, { hostname: "127.0.0.1" }, { onEvent: () => {} });
  const port = driver.local.port;
  await driver.close();
  await driver.close();
  assert.ok(driver.closed);
  // The port is free again.
  const again = bindUdp({ hostname: "127.0.0.1", port });
  assert.equal(again.local.port, port);
  again.socket.close();
});

Deno.test("bindUdp() on :: is dual-stack and reports IPv4 peers as plain IPv4", async () => {
  let bound;
  try {
    bound = bindUdp({ hostname: "::" });
  } catch {
    return; // No IPv6 here: nothing to check.
  }
  const v4 = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  await v4.send(new Uint8Array([1]), {
    transport: "udp",
    hostname: "127.0.0.1",
    ...{ port: bound.local.port },
  });
  const [, from] = await within(bound.socket.receive(), 5_000, "IPv4 datagram on ::");
  assert.equal(unmapIpv4((from as Deno.NetAddr).hostname), "127.0.0.1");
  v4.close();
  bound.socket.close();
});

Deno.test("unmapIpv4() unmaps IPv4-mapped IPv6 and leaves the rest", () => {
  assert.equal(unmapIpv4("::ffff:10.1.2.3"), "10.1.2.3");
  assert.equal(unmapIpv4("::ffff:abcd"), "::ffff:abcd");
  assert.equal(unmapIpv4("::1"), "::1");
  assert.equal(unmapIpv4("127.0.0.1"), "127.0.0.1");
});

Deno.test("UdpDriver hands datagrams over as slab views that later datagrams leave intact", async () => {
  const { endpoint, driver, raw, to } = await setup();
  const seen: Uint8Array[] = [];
  const handle = endpoint.handle.bind(endpoint);
  endpoint.handle = (d, from, now) => {
    seen.push(d);
    handle(d, from, now);
  };
  // 30 × 30,000 bytes fill several slabs per receive loop.
  const count = 30;
  for (let i = 0; i < count; i++) {
    const d = new Uint8Array(30_000).fill(i + 1);
    d[0] = 0x40; // a short header for no connection
    await raw.send(d, to);
  }
  for (let i = 0; i < 200 && seen.length < count; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(seen.length, count);
  const bytes = seen.map((d) => d[d.length - 1]!).sort((a, b) => a - b);
  assert.deepEqual(bytes, Array.from({ length: count }, (_, i) => i + 1));
  for (const d of seen) {
    assert.equal(d.length, 30_000);
    assert.ok(d.subarray(1).every((b) => b === d[1]), "a datagram was overwritten");
  }
  // Shared slabs, not one buffer per datagram.
  const buffers = new Set(seen.map((d) => d.buffer));
  assert.ok(buffers.size >= RECEIVERS && buffers.size <= count / 4, `${buffers.size} buffers`);
  // A long header (the handshake) gets a buffer of its own: the transport keeps views of it.
  const long = unknownVersionInitial();
  await raw.send(long, to);
  for (let i = 0; i < 200 && seen.length < count + 1; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const copy = seen[count]!;
  assert.deepEqual(copy, long);
  assert.equal(copy.buffer.byteLength, long.length);
  // So does a small short-header datagram (ACKs, NEW_CONNECTION_ID).
  const small = new Uint8Array(COPY_BELOW - 1).fill(7);
  small[0] = 0x40;
  await raw.send(small, to);
  for (let i = 0; i < 200 && seen.length < count + 2; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(seen[count + 1]!.buffer.byteLength, small.length);
  raw.close();
  await driver.close();
});

Deno.test("setReceiveBufferSize() grows a socket's receive buffer where the system allows", () => {
  const { socket, receiveBufferSize } = bindUdp({ hostname: "127.0.0.1", receiveBufferSize: 0 });
  try {
    assert.equal(receiveBufferSize, -1);
    const small = setReceiveBufferSize(socket, 64 * 1024);
    const large = setReceiveBufferSize(socket, 1024 * 1024);
    if (Deno.build.os !== "linux") {
      assert.equal(large, -1);
      return;
    }
    // Linux reports twice what it granted; net.core.rmem_max may cap an
    // unprivileged process, but not below the 64 KiB asked first.
    assert.ok(small >= 64 * 1024, `small ${small}`);
    assert.ok(large > small, `large ${large} after ${small}`);
  } finally {
    socket.close();
  }
});

Deno.test("bindUdp() asks for a larger receive buffer by default", () => {
  const bound = bindUdp({ hostname: "127.0.0.1" });
  const plain = bindUdp({ hostname: "127.0.0.1", receiveBufferSize: 0 });
  try {
    if (Deno.build.os === "linux") assert.ok(bound.receiveBufferSize! > 0);
    assert.equal(plain.receiveBufferSize, -1);
  } finally {
    bound.socket.close();
    plain.socket.close();
  }
});
