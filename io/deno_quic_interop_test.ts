/**
 * Interoperability with Deno's built-in QUIC (quinn, `Deno.QuicEndpoint` /
 * `Deno.connectQuic`, `--unstable-net`), over real UDP on loopback: our
 * client with Deno's server and Deno's client with our server, streams
 * opened by either side, close codes, and 50 MB byte-exact each way (quinn
 * starts a key update early, so the long transfers also cross key updates).
 */

import assert from "node:assert/strict";
import { connectQuic } from "../quic.ts";
import {
  denoLoopbackServer,
  denoQuicMissing,
  loopbackClientOptions,
  loopbackServer,
  readPattern,
  readText,
  within,
  writePattern,
  writeText,
} from "./_quic_test_util.ts";

const ALPN = ["pquic-interop"];
const BIG = 50_000_000;
const ignore = denoQuicMissing() !== null;

Deno.test({
  name: "our client talks to Deno's QUIC server: streams both ways and close codes",
  ignore,
  async fn() {
    const server = await denoLoopbackServer(ALPN);
    const serverSide = (async () => {
      const conn = await server.listener.accept();
      const bidi = conn.incomingBidirectionalStreams.getReader();
      // Our bidi stream: echoed.
      const s = (await bidi.read()).value!;
      await s.readable.pipeTo(s.writable);
      // Our uni stream: read.
      const uni = conn.incomingUnidirectionalStreams.getReader();
      const fromUs = await readText((await uni.read()).value!);
      // Deno-opened bidi stream: we echo it.
      const mine = await conn.createBidirectionalStream();
      await writeText(mine.writable, "from deno");
      const echoed = await readText(mine.readable);
      // Deno-opened uni stream.
      await writeText(await conn.createUnidirectionalStream(), "uni from deno");
      const closed = await conn.closed;
      return { fromUs, echoed, closed };
    })();
    const conn = await connectQuic(await loopbackClientOptions(server.port, ALPN));
    assert.equal(conn.protocol, ALPN[0]);
    const s = await conn.createBidirectionalStream();
    await writeText(s.writable, "hello quinn");
    assert.equal(await readText(s.readable), "hello quinn");
    await writeText(await conn.createUnidirectionalStream(), "uni from us");
    const theirs = (await conn.incomingBidirectionalStreams.getReader().read()).value!;
    await theirs.readable.pipeTo(theirs.writable);
    const uni = (await conn.incomingUnidirectionalStreams.getReader().read()).value!;
    assert.equal(await readText(uni), "uni from deno");
    conn.close({ closeCode: 17, reason: "bye quinn" });
    const result = await within(serverSide, 10_000, "Deno's server side");
    assert.equal(result.fromUs, "uni from us");
    assert.equal(result.echoed, "from deno");
    assert.equal(result.closed.closeCode, 17);
    assert.equal(result.closed.reason, "bye quinn");
    await conn.closed;
    server.endpoint.close();
  },
});

Deno.test({
  name: "Deno's QUIC client talks to our server: streams both ways and close codes",
  ignore,
  async fn() {
    const { endpoint, listener, port } = await loopbackServer(ALPN);
    const serverSide = (async () => {
      const conn = await listener.accept();
      const s = (await conn.incomingBidirectionalStreams.getReader().read()).value!;
      await s.readable.pipeTo(s.writable);
      const fromDeno = await readText(
        (await conn.incomingUnidirectionalStreams.getReader().read()).value!,
      );
      const mine = await conn.createBidirectionalStream();
      await writeText(mine.writable, "from pquic");
      const echoed = await readText(mine.readable);
      await writeText(await conn.createUnidirectionalStream(), "uni from pquic");
      return { fromDeno, echoed, closed: await conn.closed };
    })();
    const conn = await Deno.connectQuic(await loopbackClientOptions(port, ALPN));
    assert.equal(conn.protocol, ALPN[0]);
    const s = await conn.createBidirectionalStream();
    await writeText(s.writable, "hello pquic");
    assert.equal(await readText(s.readable), "hello pquic");
    await writeText(await conn.createUnidirectionalStream(), "uni from deno");
    const theirs = (await conn.incomingBidirectionalStreams.getReader().read()).value!;
    await theirs.readable.pipeTo(theirs.writable);
    const uni = (await conn.incomingUnidirectionalStreams.getReader().read()).value!;
    assert.equal(await readText(uni), "uni from pquic");
    conn.close({ closeCode: 23, reason: "bye pquic" });
    const result = await within(serverSide, 10_000, "our server side");
    assert.equal(result.fromDeno, "uni from deno");
    assert.equal(result.echoed, "from pquic");
    assert.deepEqual(result.closed, {
      closeCode: 23,
      reason: "bye pquic",
      kind: "applicationClosed",
      remote: true,
    });
    await endpoint.close();
  },
});

Deno.test({
  name: "our client and Deno's QUIC server move 50 MB each way byte-exact across key updates",
  ignore,
  async fn() {
    const server = await denoLoopbackServer(ALPN);
    const serverSide = (async () => {
      const conn = await server.listener.accept();
      const streams = conn.incomingBidirectionalStreams.getReader();
      // Download: we ask, Deno sends.
      const down = (await streams.read()).value!;
      await readText(down.readable);
      await writePattern(down.writable, BIG);
      // Upload: we send, Deno checks.
      const up = (await streams.read()).value!;
      const got = await readPattern(up.readable);
      await writeText(up.writable, `${got.bytes} ${got.firstMismatch}`);
      await conn.closed;
    })();
    const conn = await connectQuic(await loopbackClientOptions(server.port, ALPN));
    const down = await conn.createBidirectionalStream();
    await writeText(down.writable, "GET");
    const got = await within(readPattern(down.readable), 15_000, "50 MB from Deno");
    assert.deepEqual(got, { bytes: BIG, firstMismatch: -1 });
    const up = await conn.createBidirectionalStream();
    await within(writePattern(up.writable, BIG), 15_000, "50 MB to Deno");
    assert.equal(await readText(up.readable), `${BIG} -1`);
    assert.ok(conn.stats().keyUpdates >= 1, `key updates: ${conn.stats().keyUpdates}`);
    conn.close();
    await conn.closed;
    await serverSide;
    server.endpoint.close();
  },
});

Deno.test({
  name: "Deno's QUIC client and our server move 50 MB each way byte-exact across key updates",
  ignore,
  async fn() {
    const { endpoint, listener, port } = await loopbackServer(ALPN);
    let keyUpdates = -1;
    const serverSide = (async () => {
      const conn = await listener.accept();
      const streams = conn.incomingBidirectionalStreams.getReader();
      const down = (await streams.read()).value!;
      await readText(down.readable);
      await writePattern(down.writable, BIG);
      const up = (await streams.read()).value!;
      const got = await readPattern(up.readable);
      await writeText(up.writable, `${got.bytes} ${got.firstMismatch}`);
      keyUpdates = conn.stats().keyUpdates;
      await conn.closed;
    })();
    const conn = await Deno.connectQuic(await loopbackClientOptions(port, ALPN));
    const down = await conn.createBidirectionalStream();
    await writeText(down.writable, "GET");
    const got = await within(readPattern(down.readable), 15_000, "50 MB from us");
    assert.deepEqual(got, { bytes: BIG, firstMismatch: -1 });
    const up = await conn.createBidirectionalStream();
    await within(writePattern(up.writable, BIG), 15_000, "50 MB from Deno");
    assert.equal(await readText(up.readable), `${BIG} -1`);
    conn.close({ closeCode: 0, reason: "" });
    await within(serverSide, 5_000, "our server sees the close");
    assert.ok(keyUpdates >= 1, `key updates: ${keyUpdates}`);
    await endpoint.close();
  },
});

Deno.test({
  name: "datagrams go both ways between our client and Deno's QUIC server",
  ignore,
  async fn() {
    const server = await denoLoopbackServer(ALPN);
    const serverSide = (async () => {
      const conn = await server.listener.accept();
      const d = await conn.readDatagram();
      await conn.sendDatagram(new Uint8Array([...d].reverse()));
      return await conn.closed;
    })();
    const conn = await connectQuic(await loopbackClientOptions(server.port, ALPN));
    assert.ok(conn.maxDatagramSize > 1000, `maxDatagramSize ${conn.maxDatagramSize}`);
    const answer = conn.readDatagram();
    await conn.sendDatagram(new Uint8Array([4, 5, 6]));
    assert.deepEqual(await within(answer, 5_000, "Deno's datagram"), new Uint8Array([6, 5, 4]));
    conn.close({ closeCode: 1, reason: "" });
    await conn.closed;
    await serverSide;
    server.endpoint.close();
  },
});
