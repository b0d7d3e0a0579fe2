/**
 * The datagram plugin (plugins/datagram: RFC 9221 in eBPF) against an
 * implementation no one here wrote: Deno's built-in QUIC (quinn,
 * `Deno.QuicEndpoint` / `Deno.connectQuic`, `--unstable-net`), over real UDP
 * on loopback, in both directions. Our side has no native datagram support
 * configured (`maxDatagramFrameSize: 0`): the plugin writes the
 * max_datagram_frame_size transport parameter, reads quinn's, writes and
 * parses the DATAGRAM frames; the application uses `QuicConn.sendDatagram` /
 * `readDatagram` as it would without the plugin.
 */

import assert from "node:assert/strict";
import { connectQuic, type QuicConn } from "../quic.ts";
import { loadBuiltin } from "../plugins/builtins.ts";
import { injectedPlugins, pluginFactory } from "../plugins/inject.ts";
import { datagramCounters } from "../plugins/datagram/datagram.ts";
import {
  denoLoopbackServer,
  denoQuicMissing,
  loopbackClientOptions,
  loopbackServer,
  within,
} from "../io/_quic_test_util.ts";

const ALPN = ["pquic-datagram"];
const ignore = denoQuicMissing() !== null;

/** Payloads of assorted sizes, each starting with its index. */
function payloads(n: number, tag: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const d = new Uint8Array(1 + ((i * 397) % 1100));
    d.fill(tag);
    d[0] = i;
    return d;
  });
}

/** Reads `n` datagrams. */
async function readN(
  read: () => Promise<Uint8Array>,
  n: number,
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  while (out.length < n) out.push(await read());
  return out;
}

/** Sorted by first byte: datagrams may be reordered (not on loopback, but nothing promises it). */
function byIndex(ds: Uint8Array[]): Uint8Array[] {
  return [...ds].sort((a, b) => a[0]! - b[0]!);
}

/** The plugin attached to our side of the connection carried the datagrams. */
function assertThroughPlugin(conn: QuicConn, sent: number, received: number): void {
  const [injected] = injectedPlugins(conn.connection);
  assert.equal(injected?.name, "be.mpiraux.datagram");
  assert.equal(injected.fault, null);
  const c = datagramCounters(conn.connection);
  assert.ok(c !== null);
  assert.equal(c.Sent, sent);
  assert.equal(c.Received, received);
  // quinn's transport parameter, as the plugin read it.
  assert.ok(c.PeerMaxFrameSize > 1200, `quinn's max_datagram_frame_size ${c.PeerMaxFrameSize}`);
}

Deno.test({
  name: "datagram plugin: our client and Deno's QUIC server exchange datagrams both ways",
  ignore,
  async fn() {
    const { endpoint, listener, port } = await denoLoopbackServer(ALPN);
    const up = payloads(5, 0xa1);
    const down = payloads(4, 0xb2);
    const serverSide = (async () => {
      const conn = await listener.accept();
      const maxSize = conn.maxDatagramSize;
      const got = await readN(() => conn.readDatagram(), up.length);
      for (const d of down) await conn.sendDatagram(d);
      const closed = await conn.closed;
      return { got, maxSize, closed };
    })();
    const conn = await connectQuic({
      ...(await loopbackClientOptions(port, ALPN)),
      maxDatagramFrameSize: 0,
      plugins: [pluginFactory(loadBuiltin("datagram"))],
    });
    assert.ok(conn.maxDatagramSize >= 1100, `max ${conn.maxDatagramSize}`);
    for (const d of up) await conn.sendDatagram(d);
    const got = await within(readN(() => conn.readDatagram(), down.length), 10_000, "from Deno");
    assert.deepEqual(byIndex(got), down);
    conn.close({ closeCode: 0, reason: "done" });
    const server = await within(serverSide, 10_000, "Deno's server side");
    assert.deepEqual(byIndex(server.got), up);
    // Deno saw the plugin's max_datagram_frame_size (65535).
    assert.ok(server.maxSize > 1100, `Deno's max ${server.maxSize}`);
    assertThroughPlugin(conn, up.length, down.length);
    await conn.closed;
    endpoint.close();
  },
});

Deno.test({
  name: "datagram plugin: Deno's QUIC client and our server exchange datagrams both ways",
  ignore,
  async fn() {
    const { endpoint, listener, port } = await loopbackServer(ALPN, {
      maxDatagramFrameSize: 0,
      plugins: [pluginFactory(loadBuiltin("datagram"))],
    });
    const up = payloads(4, 0xc3);
    const down = payloads(5, 0xd4);
    const serverSide = (async () => {
      const conn = await listener.accept();
      const got = await readN(() => conn.readDatagram(), up.length);
      for (const d of down) await conn.sendDatagram(d);
      await conn.closed;
      return { conn, got };
    })();
    const conn = await Deno.connectQuic(await loopbackClientOptions(port, ALPN));
    assert.ok(conn.maxDatagramSize > 1100, `Deno's max ${conn.maxDatagramSize}`);
    for (const d of up) await conn.sendDatagram(d);
    const got = await within(readN(() => conn.readDatagram(), down.length), 10_000, "from us");
    assert.deepEqual(byIndex(got), down);
    conn.close({ closeCode: 0, reason: "done" });
    const server = await within(serverSide, 10_000, "our server side");
    assert.deepEqual(byIndex(server.got), up);
    assertThroughPlugin(server.conn, down.length, up.length);
    await endpoint.close();
  },
});
