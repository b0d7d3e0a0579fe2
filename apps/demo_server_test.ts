import assert from "node:assert/strict";
import { simPair } from "./_sim.ts";
import { DEMO_ALPNS, DemoServer } from "./demo_server.ts";
import { H3Client } from "./h3/client.ts";
import { HqClient } from "./hq/client.ts";

Deno.test("DemoServer serves HTTP/3 and hq-interop by ALPN", async () => {
  for (const alpn of ["h3", "hq-interop"]) {
    const seen: string[] = [];
    const server = new DemoServer({
      onRequest: (_c, proto, path) => seen.push(`${proto} ${path}`),
    });
    const hq = new HqClient();
    const h3 = new H3Client();
    const pair = await simPair({
      alpn: [...DEMO_ALPNS],
      clientAlpn: [alpn],
      server: (c, e, now) => server.onEvent(c, e, now),
      client: (c, e, now) => (alpn === "h3" ? h3 : hq).onEvent(c, e, now),
    });
    // The client offers one protocol; the server picks it.
    const { sim, conn } = pair;
    const req = alpn === "h3" ? h3.request(conn, "/777", 0) : hq.request(conn, "/777", 0);
    sim.run({
      until: () => (alpn === "h3" ? h3 : hq).isIdle(conn) && req.state !== "queued",
      maxTime: 10e6,
    });
    assert.equal(req.state, "done");
    assert.equal(req.bytes, 777);
    assert.deepEqual(seen, [`${alpn === "h3" ? "h3" : "hq"} /777`]);
  }
});
