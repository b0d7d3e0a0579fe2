/**
 * Path MTU discovery towards loopback over real UDP, through the public API
 * (`quic.ts`): without `maxDatagramSize`, a client and a server on ::1 (and
 * 127.0.0.1) move a download in ~64 KB datagrams; with `maxDatagramSize`
 * set, that size is kept (io/quic_options.ts, transport/connection/pmtud.ts).
 */

import assert from "node:assert/strict";
import { connectQuic, type QuicConn, QuicEndpoint, type QuicTransportOptions } from "../quic.ts";
import {
  hasIpv6,
  readPattern,
  testCertificates,
  within,
  writePattern,
} from "../io/_quic_test_util.ts";
import { LOOPBACK_PLPMTU_V4, LOOPBACK_PLPMTU_V6 } from "../transport/connection/pmtud.ts";

const ALPN = ["pquic-pmtud-test"];
const SIZE = 8 * 1024 * 1024;

/** What both ends saw of one download of {@link SIZE} bytes from `hostname`. */
interface Seen {
  client: QuicConn;
  server: QuicConn;
  /** Average size of the datagrams the client received, bytes. */
  averageReceived: number;
}

/** A server on `hostname` sends SIZE pattern bytes on the client's stream; both use `options`. */
async function download(hostname: string, options: QuicTransportOptions = {}): Promise<Seen> {
  const certs = await testCertificates();
  const endpoint = new QuicEndpoint({ hostname });
  const listener = endpoint.listen({
    ...options,
    alpnProtocols: ALPN,
    cert: certs.certPem,
    key: certs.keyPem,
  });
  const accepted = (async () => {
    for await (const conn of listener) {
      for await (const s of conn.incomingBidirectionalStreams) {
        await s.readable.cancel();
        await writePattern(s.writable, SIZE);
        return conn;
      }
    }
    throw new Error("listener ended");
  })();
  try {
    const client = await connectQuic({
      ...options,
      hostname,
      port: endpoint.addr.port,
      serverName: "localhost",
      alpnProtocols: ALPN,
      caCerts: [certs.caPem],
    });
    const s = await client.createBidirectionalStream();
    await s.writable.close();
    const got = await within(readPattern(s.readable), 20_000, "download");
    assert.deepEqual(got, { bytes: SIZE, firstMismatch: -1 });
    const server = await accepted;
    const st = client.stats();
    const seen = { client, server, averageReceived: st.bytesReceived / st.datagramsReceived };
    client.close();
    await client.closed;
    return seen;
  } finally {
    await endpoint.close();
  }
}

Deno.test({
  name: "connectQuic() on ::1 without maxDatagramSize: DPLPMTUD reaches 65,488-byte datagrams",
  ignore: !hasIpv6(),
  async fn() {
    const { client, server, averageReceived } = await download("::1");
    assert.equal(server.connection.maxDatagramSize, LOOPBACK_PLPMTU_V6);
    assert.equal(client.connection.maxDatagramSize, LOOPBACK_PLPMTU_V6);
    assert.ok(averageReceived > 16_000, `${averageReceived.toFixed(0)} B per datagram`);
  },
});

Deno.test("connectQuic() on 127.0.0.1 without maxDatagramSize: datagrams above 16 KB", async () => {
  const { server, averageReceived } = await download("127.0.0.1");
  assert.equal(server.connection.maxDatagramSize, LOOPBACK_PLPMTU_V4);
  assert.ok(averageReceived > 16_000, `${averageReceived.toFixed(0)} B per datagram`);
});

Deno.test("connectQuic() on 127.0.0.1 with maxDatagramSize keeps that size", async () => {
  const { server, averageReceived } = await download("127.0.0.1", { maxDatagramSize: 1200 });
  assert.equal(server.connection.maxDatagramSize, 1200);
  assert.equal(server.connection.pmtud, null, "no discovery");
  assert.ok(averageReceived <= 1200, `${averageReceived.toFixed(0)} B per datagram`);
});
