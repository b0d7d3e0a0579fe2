/**
 * The getting-started walk-through with `pquic` in place of `./picoquicdemo`:
 * a server with no arguments, then `pquic -4 -G 10000 ::1 4443`, both as
 * subprocesses (`deno run -A cli.ts`), on a free port.
 */

import assert from "node:assert/strict";
import { freeUdpPort, pquic, tempCache } from "../tests/peers/_util.ts";

Deno.test("seed walk-through: pquic server and pquic -4 -G 10000 ::1 <port> succeed", async () => {
  const port = freeUdpPort();
  const cache = tempCache();
  const server = pquic(["-p", String(port)], cache.env);
  try {
    await server.waitFor(
      `Starting pquic server on port ${port}, server name = ::, just_once = 0, hrr= 0, ` +
        "0 local plugins and 0 both plugins",
    );
    const client = pquic(["-4", "-G", "10000", "::1", String(port)], cache.env);
    const status = await client.done;
    assert.equal(status.code, 0, client.stdout + client.stderr);
    const lines = client.stdout.trim().split("\n");
    assert.match(client.stdout, /Connection established\. Version = 1,/);
    assert.ok(lines.includes("10000 bytes received"), client.stdout);
    assert.equal(lines.at(-1), "Client exit with code = 0");
    await server.waitFor("hq GET /10000 -> 10000 bytes");
  } finally {
    const s = await server.stop();
    assert.equal(s.code, 0, server.stdout + server.stderr);
    assert.match(server.stdout, /Server exit with code = 0/);
    await Deno.remove(cache.dir, { recursive: true });
  }
});
