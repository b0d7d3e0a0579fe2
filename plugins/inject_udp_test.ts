/**
 * Plugins on connections over real UDP on loopback, through the public API
 * (`QuicEndpoint.listen` and `connectQuic` with `plugins`): monitoring on
 * both sides counts what the connections count; a faulting plugin closes
 * only its own connection and the listener serves the next client.
 */

import assert from "node:assert/strict";
import { connectQuic } from "../quic.ts";
import {
  loopbackClientOptions,
  loopbackServer,
  readPattern,
  readText,
  writePattern,
  writeText,
} from "../io/_quic_test_util.ts";
import { loadBuiltinOrFile, MON as C, monitoringCounter as counter } from "./_sim_testing.ts";
import { injectedPlugins, pluginFactory } from "./inject.ts";

const ALPN = ["pquic-test"];
const MON = loadBuiltinOrFile("monitoring");

async function echoServer(plugins: ReturnType<typeof pluginFactory>[]) {
  const { endpoint, listener, port } = await loopbackServer(ALPN, { plugins });
  const served = (async () => {
    for await (const conn of listener) {
      (async () => {
        for await (const { readable, writable } of conn.incomingBidirectionalStreams) {
          readable.pipeTo(writable).catch(() => {});
        }
      })().catch(() => {});
    }
  })();
  return {
    endpoint,
    port,
    async close() {
      await endpoint.close();
      await served;
    },
  };
}

Deno.test("monitoring over real UDP on both sides: its counters equal the connections' stats", async () => {
  const server = await echoServer([pluginFactory(MON)]);
  const conn = await connectQuic({
    ...(await loopbackClientOptions(server.port, ALPN)),
    plugins: [pluginFactory(MON)],
  });
  const { readable, writable } = await conn.createBidirectionalStream();
  const [, got] = await Promise.all([writePattern(writable, 300_000), readPattern(readable)]);
  assert.deepEqual(got, { bytes: 300_000, firstMismatch: -1 });
  const client = conn.connection;
  const [peer] = [...server.endpoint.endpoint.connections];
  assert.ok(peer !== undefined);
  for (const c of [client, peer]) {
    const s = c.stats();
    assert.equal(injectedPlugins(c)[0]!.name, MON.name);
    assert.equal(counter(c, C.packetsSent), s.packetsSent);
    assert.equal(counter(c, C.packetsReceived), s.packetsReceived);
    assert.equal(counter(c, C.packetsLost), s.packetsLost);
    assert.equal(counter(c, C.streamsOpened), 1, "one stream opened");
  }
  conn.close();
  await server.close();
});

Deno.test("a faulting plugin over real UDP closes its connection only; the listener goes on", async () => {
  const oob = loadBuiltinOrFile(new URL("./testdata/hostile/oob.plugin", import.meta.url).pathname);
  let n = 0;
  const factory = pluginFactory(oob);
  const mon = pluginFactory(MON);
  // The first connection gets the hostile plugin, later ones monitoring.
  const server = await echoServer([(c) => (n++ === 0 ? factory(c) : mon(c))]);
  const opts = await loopbackClientOptions(server.port, ALPN);
  const first = await connectQuic(opts).catch((e) => e as Error);
  let reason: string;
  if (first instanceof Error) reason = String(first.message);
  else {
    const info = await first.closed;
    reason = info.reason;
  }
  assert.match(reason, /plugin "be\.hostile\.oob" faulted in update_rtt post \(oob\.o\)/);
  const second = await connectQuic(opts);
  const { readable, writable } = await second.createBidirectionalStream();
  await writeText(writable, "still here");
  assert.equal(await readText(readable), "still here");
  second.close();
  await server.close();
});
