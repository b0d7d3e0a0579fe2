/**
 * pquic client and server over real UDP on loopback (IPv4 and IPv6), with
 * real TLS and generated certificates, through the public API of `quic.ts`.
 */

import assert from "node:assert/strict";
import {
  connectQuic,
  generateCertificates,
  type QuicConn,
  QuicConnectionError,
  QuicEndpoint,
  type QuicListenOptions,
  QuicStreamError,
} from "../quic.ts";
import {
  hasIpv6,
  readPattern,
  readText,
  testCertificates,
  within,
  writePattern,
  writeText,
} from "../io/_quic_test_util.ts";

const ALPN = ["pquic-test"];

/** A server echoing every bidirectional stream of every connection. */
async function echoServer(hostname: string, extra: Partial<QuicListenOptions> = {}) {
  const certs = await testCertificates();
  const endpoint = new QuicEndpoint({ hostname });
  const listener = endpoint.listen({
    alpnProtocols: ALPN,
    cert: certs.certPem,
    key: certs.keyPem,
    ...extra,
  });
  const conns: QuicConn[] = [];
  const served = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        for await (const { readable, writable } of conn.incomingBidirectionalStreams) {
          readable.pipeTo(writable).catch(() => {});
        }
      })();
    }
  })();
  return {
    endpoint,
    listener,
    conns,
    port: endpoint.addr.port,
    async close() {
      await endpoint.close();
      await served;
    },
  };
}

async function connect(hostname: string, port: number, extra = {}) {
  const certs = await testCertificates();
  return await connectQuic({
    hostname,
    port,
    alpnProtocols: ALPN,
    caCerts: [certs.caPem],
    ...extra,
  });
}

async function echoOnce(conn: QuicConn, text: string): Promise<string> {
  const { readable, writable } = await conn.createBidirectionalStream();
  await writeText(writable, text);
  return await readText(readable);
}

Deno.test("connectQuic() completes a handshake with a QuicEndpoint on 127.0.0.1 and echoes", async () => {
  const server = await echoServer("127.0.0.1");
  const conn = await connect("127.0.0.1", server.port, { serverName: "localhost" });
  assert.equal(conn.protocol, "pquic-test");
  assert.equal(conn.remoteAddr.hostname, "127.0.0.1");
  assert.equal(conn.remoteAddr.port, server.port);
  assert.equal(await echoOnce(conn, "hello over IPv4"), "hello over IPv4");
  assert.equal(await echoOnce(conn, "second stream"), "second stream");
  assert.ok(conn.stats().packetsReceived > 0);
  conn.close({ closeCode: 0, reason: "done" });
  const info = await conn.closed;
  assert.equal(info.kind, "localClose");
  await server.close();
});

Deno.test({
  name: "connectQuic() completes a handshake over ::1 and echoes",
  ignore: !hasIpv6(),
  async fn() {
    const server = await echoServer("::1");
    const conn = await connect("::1", server.port, { serverName: "localhost" });
    assert.equal(conn.remoteAddr.hostname, "::1");
    assert.equal(await echoOnce(conn, "hello over IPv6"), "hello over IPv6");
    conn.close();
    await conn.closed;
    await server.close();
  },
});

Deno.test({
  name: "QuicEndpoint on :: accepts IPv4 and IPv6 clients on one socket",
  ignore: !hasIpv6(),
  async fn() {
    const server = await echoServer("::");
    const v4 = await connect("127.0.0.1", server.port, { serverName: "localhost" });
    const v6 = await connect("::1", server.port, { serverName: "localhost" });
    assert.equal(await echoOnce(v4, "four"), "four");
    assert.equal(await echoOnce(v6, "six"), "six");
    const remotes = server.conns.map((c) => c.remoteAddr.hostname).sort();
    // IPv4-mapped addresses are shown as plain IPv4.
    assert.deepEqual(remotes, ["127.0.0.1", "::1"]);
    v4.close();
    v6.close();
    await Promise.all([v4.closed, v6.closed]);
    await server.close();
  },
});

Deno.test("QuicConn streams opened by the server reach the client, bidirectional and unidirectional", async () => {
  const certs = await testCertificates();
  const endpoint = new QuicEndpoint({ hostname: "127.0.0.1" });
  const listener = endpoint.listen({ alpnProtocols: ALPN, cert: certs.certPem, key: certs.keyPem });
  const serverSide = (async () => {
    const conn = await listener.accept();
    // Server → client unidirectional.
    await writeText(await conn.createUnidirectionalStream(), "uni from server");
    // Server-opened bidirectional: the client echoes it back.
    const { readable, writable } = await conn.createBidirectionalStream();
    await writeText(writable, "bidi from server");
    const echoed = await readText(readable);
    // Client → server unidirectional.
    const uniReader = conn.incomingUnidirectionalStreams.getReader();
    const fromClient = await readText((await uniReader.read()).value!);
    uniReader.releaseLock();
    return { echoed, fromClient };
  })();
  const conn = await connect("127.0.0.1", endpoint.addr.port, { serverName: "localhost" });
  const uni = conn.incomingUnidirectionalStreams.getReader();
  const first = (await uni.read()).value!;
  assert.equal(await readText(first), "uni from server");
  uni.releaseLock();
  const bidi = conn.incomingBidirectionalStreams.getReader();
  const s = (await bidi.read()).value!;
  bidi.releaseLock();
  await s.readable.pipeTo(s.writable);
  await writeText(await conn.createUnidirectionalStream(), "uni from client");
  const result = await serverSide;
  assert.equal(result.echoed, "bidi from server");
  assert.equal(result.fromClient, "uni from client");
  conn.close();
  await conn.closed;
  await endpoint.close();
});

Deno.test("QuicConn moves 20 MB on one stream byte-exact with backpressure", async () => {
  const certs = await testCertificates();
  const size = 20_000_000;
  const endpoint = new QuicEndpoint({ hostname: "127.0.0.1" });
  const listener = endpoint.listen({ alpnProtocols: ALPN, cert: certs.certPem, key: certs.keyPem });
  const serverSide = listener.accept().then(async (conn) => {
    const { value } = await conn.incomingBidirectionalStreams.getReader().read();
    await readText(value!.readable);
    await writePattern(value!.writable, size);
  });
  const conn = await connect("127.0.0.1", endpoint.addr.port, { serverName: "localhost" });
  const { readable, writable } = await conn.createBidirectionalStream();
  await writeText(writable, "GET");
  const got = await within(readPattern(readable), 18_000, "20 MB transfer");
  await serverSide;
  assert.equal(got.bytes, size);
  assert.equal(got.firstMismatch, -1);
  conn.close();
  await conn.closed;
  await endpoint.close();
});

Deno.test("QuicEndpoint serves 20 concurrent connections", async () => {
  const server = await echoServer("127.0.0.1");
  const conns = await Promise.all(
    Array.from(
      { length: 20 },
      () => connect("127.0.0.1", server.port, { serverName: "localhost" }),
    ),
  );
  const answers = await Promise.all(conns.map((c, i) => echoOnce(c, `client ${i}`)));
  assert.deepEqual(answers, conns.map((_, i) => `client ${i}`));
  assert.equal(server.endpoint.endpoint.stats.accepted, 20);
  assert.equal(server.endpoint.endpoint.connections.size, 20);
  for (const c of conns) c.close();
  await Promise.all(conns.map((c) => c.closed));
  await server.close();
});

Deno.test("QuicEndpoint with retry: true validates the client with one Retry", async () => {
  const server = await echoServer("127.0.0.1", { retry: true });
  const conn = await connect("127.0.0.1", server.port, { serverName: "localhost" });
  assert.equal(await echoOnce(conn, "after retry"), "after retry");
  assert.equal(server.endpoint.endpoint.stats.retriesSent, 1);
  assert.equal(server.endpoint.endpoint.stats.accepted, 1);
  conn.close();
  await conn.closed;
  await server.close();
});

Deno.test("QuicConn.close() code and reason reach the peer, both ways", async () => {
  const server = await echoServer("127.0.0.1");
  // Client closes.
  const a = await connect("127.0.0.1", server.port, { serverName: "localhost" });
  await echoOnce(a, "x");
  a.close({ closeCode: 42, reason: "client says bye" });
  const serverA = server.conns[0]!;
  const seenByServer = await within(serverA.closed, 5_000, "server sees the close");
  assert.deepEqual(seenByServer, {
    closeCode: 42,
    reason: "client says bye",
    kind: "applicationClosed",
    remote: true,
  });
  await a.closed;
  // Server closes.
  const b = await connect("127.0.0.1", server.port, { serverName: "localhost" });
  await echoOnce(b, "y");
  server.conns[1]!.close({ closeCode: 7, reason: "server says bye" });
  const seenByClient = await within(b.closed, 5_000, "client sees the close");
  assert.deepEqual(seenByClient, {
    closeCode: 7,
    reason: "server says bye",
    kind: "applicationClosed",
    remote: true,
  });
  await server.close();
});

Deno.test("QuicConn maps RESET_STREAM and STOP_SENDING to stream errors with their codes", async () => {
  const certs = await testCertificates();
  const endpoint = new QuicEndpoint({ hostname: "127.0.0.1" });
  const listener = endpoint.listen({ alpnProtocols: ALPN, cert: certs.certPem, key: certs.keyPem });
  let resetSeen!: (e: unknown) => void;
  const r1Promise = new Promise<unknown>((resolve) => resetSeen = resolve);
  const serverSide = listener.accept().then(async (conn) => {
    const streams = conn.incomingBidirectionalStreams.getReader();
    // 1: the client aborts its writable: our reader errors with the code.
    const s1 = (await streams.read()).value!;
    resetSeen(await readText(s1.readable).then(() => null, (e) => e));
    // 2: we cancel our readable: the client's writer errors with STOP_SENDING.
    const s2 = (await streams.read()).value!;
    const reader = s2.readable.getReader();
    await reader.read();
    await reader.cancel(99n);
  });
  const conn = await connect("127.0.0.1", endpoint.addr.port, { serverName: "localhost" });
  const s1 = await conn.createBidirectionalStream();
  const w1 = s1.writable.getWriter();
  await w1.write(new Uint8Array(10));
  await w1.abort(13n);
  const r1 = await within(r1Promise, 5_000, "reset reaches the server");
  assert.ok(r1 instanceof QuicStreamError, `expected a QuicStreamError, got ${r1}`);
  assert.equal(r1.kind, "reset");
  assert.equal(r1.code, 13n);
  const s2 = await conn.createBidirectionalStream();
  const w2 = s2.writable.getWriter();
  let error: unknown = null;
  for (let i = 0; i < 2000 && error === null; i++) {
    await w2.write(new Uint8Array(1000)).catch((e) => error = e);
  }
  assert.ok(error instanceof QuicStreamError, `expected a QuicStreamError, got ${error}`);
  assert.equal(error.kind, "stopSending");
  assert.equal(error.code, 99n);
  await serverSide;
  conn.close();
  await conn.closed;
  await endpoint.close();
});

Deno.test("a restarted server's stateless reset closes the client's connection", async () => {
  const certs = await testCertificates();
  const secret = new Uint8Array(32).fill(7);
  const options = { alpnProtocols: ALPN, cert: certs.certPem, key: certs.keyPem };
  const first = new QuicEndpoint({ hostname: "127.0.0.1", secret });
  const port = first.addr.port;
  first.listen(options).accept().then(async (c) => {
    for await (const { readable, writable } of c.incomingBidirectionalStreams) {
      readable.pipeTo(writable).catch(() => {});
    }
  });
  const conn = await connect("127.0.0.1", port, { serverName: "localhost" });
  assert.equal(await echoOnce(conn, "before"), "before");
  // A crash: the socket goes, the connections are lost without a word.
  await first.driver.close();
  const second = new QuicEndpoint({ hostname: "127.0.0.1", port, secret });
  second.listen(options);
  const { writable } = await conn.createBidirectionalStream();
  writable.getWriter().write(new TextEncoder().encode("after")).catch(() => {});
  const info = await within(conn.closed, 5_000, "client sees the reset");
  assert.equal(info.kind, "reset");
  assert.ok(second.endpoint.stats.statelessResetsSent >= 1);
  await second.close();
});

Deno.test("garbage datagrams to the server socket do not disturb a live connection", async () => {
  const server = await echoServer("127.0.0.1");
  const conn = await connect("127.0.0.1", server.port, { serverName: "localhost" });
  assert.equal(await echoOnce(conn, "before"), "before");
  const junk = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: server.port };
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const longHeader = random(1200);
  longHeader[0] = 0xc0; // an Initial of an unknown version
  const shortHeader = random(60);
  shortHeader[0] = 0x40;
  for (
    const d of [new Uint8Array(0), random(1), random(30), longHeader, shortHeader, random(1500)]
  ) {
    await junk.send(d, to);
  }
  junk.close();
  assert.equal(await echoOnce(conn, "after"), "after");
  assert.equal(server.endpoint.endpoint.stats.accepted, 1);
  conn.close();
  const info = await conn.closed;
  assert.equal(info.kind, "localClose");
  await server.close();
});

Deno.test("QuicConn.sendDatagram() and readDatagram() carry datagrams both ways", async () => {
  const certs = await testCertificates();
  const endpoint = new QuicEndpoint({ hostname: "127.0.0.1" });
  const listener = endpoint.listen({ alpnProtocols: ALPN, cert: certs.certPem, key: certs.keyPem });
  const serverSide = listener.accept().then(async (conn) => {
    const d = await conn.readDatagram();
    await conn.sendDatagram(new Uint8Array([...d].reverse()));
  });
  const conn = await connect("127.0.0.1", endpoint.addr.port, { serverName: "localhost" });
  assert.ok(conn.maxDatagramSize > 1000, `maxDatagramSize ${conn.maxDatagramSize}`);
  await assert.rejects(conn.sendDatagram(new Uint8Array(70_000)), RangeError);
  // Datagrams are unreliable, but loopback does not drop one alone.
  const answer = conn.readDatagram();
  await conn.sendDatagram(new Uint8Array([1, 2, 3]));
  assert.deepEqual(await within(answer, 5_000, "datagram answer"), new Uint8Array([3, 2, 1]));
  await serverSide;
  conn.close();
  await conn.closed;
  await endpoint.close();
});

Deno.test("QuicConn without datagrams refuses to send one", async () => {
  const server = await echoServer("127.0.0.1", { maxDatagramFrameSize: 0 });
  const conn = await connect("127.0.0.1", server.port, { serverName: "localhost" });
  assert.equal(conn.maxDatagramSize, 0);
  await assert.rejects(conn.sendDatagram(new Uint8Array(1)), RangeError);
  conn.close();
  await conn.closed;
  await server.close();
});

Deno.test("listen() without cert and key makes demo certificates, and keyLog gets NSS lines", async () => {
  const endpoint = new QuicEndpoint({ hostname: "127.0.0.1" });
  const serverLines: string[] = [];
  const listener = endpoint.listen({ alpnProtocols: ALPN, keyLog: (l) => serverLines.push(l) });
  const clientLines: string[] = [];
  // The client connects before the certificates exist: its Initial waits for them.
  const connecting = connectQuic({
    hostname: "127.0.0.1",
    port: endpoint.addr.port,
    serverName: "localhost",
    alpnProtocols: ALPN,
    insecure: true,
    keyLog: (l) => clientLines.push(l),
  });
  assert.match((await listener.certificates)!.caPem, /BEGIN CERTIFICATE/);
  const conn = await within(connecting, 10_000, "handshake with demo certificates");
  const accepted = await listener.accept();
  assert.equal(accepted.protocol, ALPN[0]);
  for (const lines of [clientLines, serverLines]) {
    assert.ok(lines.some((l) => l.startsWith("CLIENT_TRAFFIC_SECRET_0 ")), lines.join("\n"));
    assert.ok(lines.some((l) => l.startsWith("SERVER_HANDSHAKE_TRAFFIC_SECRET ")));
  }
  // Both ends log the same secrets.
  assert.deepEqual([...clientLines].sort(), [...serverLines].sort());
  conn.close();
  await conn.closed;
  await endpoint.close();
});

Deno.test("connectQuic() rejects a server whose certificate it does not trust", async () => {
  const server = await echoServer("127.0.0.1");
  const other = await generateCertificates(["localhost"]);
  await assert.rejects(
    connectQuic({
      hostname: "127.0.0.1",
      port: server.port,
      serverName: "localhost",
      alpnProtocols: ALPN,
      caCerts: [other.caPem],
    }),
    (e: unknown) => e instanceof QuicConnectionError && e.info.kind === "transportError",
  );
  await server.close();
});
