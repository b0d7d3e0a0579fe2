/**
 * `deno run` on a URL, as a user of a remote module would: the checkout is
 * served over HTTP on loopback and the client is run from
 * `http://127.0.0.1:PORT/cli.ts` against a local pquic server.
 *
 * No import map is passed: every npm dependency is imported with a full
 * `npm:` specifier, so the remote module resolves as it is.
 */

import assert from "node:assert/strict";
import { freeTcpPort, freeUdpPort, pquic, Proc, ROOT, tempCache } from "./_util.ts";

const TYPES: Record<string, string> = {
  ts: "application/typescript; charset=utf-8",
  json: "application/json",
};

Deno.test("deno run http://127.0.0.1:PORT/cli.ts fetches /100000 from a pquic server", async () => {
  const httpPort = freeTcpPort();
  // The checkout is served under a fresh prefix, so that no module of an earlier run (on the
  // same port) is in Deno's cache: every one is downloaded.
  const prefix = `/${crypto.randomUUID().slice(0, 8)}/`;
  const files = Deno.serve(
    { hostname: "127.0.0.1", port: httpPort, onListen() {} },
    async (req) => {
      const path = decodeURIComponent(new URL(req.url).pathname);
      if (path.includes("..") || !path.startsWith(prefix)) {
        return new Response("bad path", { status: 400 });
      }
      try {
        const body = await Deno.readFile(`${ROOT}${path.slice(prefix.length)}`);
        const ext = path.slice(path.lastIndexOf(".") + 1);
        return new Response(body, { headers: { "content-type": TYPES[ext] ?? "text/plain" } });
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  const cache = tempCache();
  const port = freeUdpPort();
  const server = pquic(["-p", String(port)], cache.env);
  const base = `http://127.0.0.1:${httpPort}${prefix.slice(0, -1)}`;
  try {
    await server.waitFor("Starting pquic server");
    const client = new Proc(Deno.execPath(), [
      "run",
      "-A",
      "--unstable-net",
      `${base}/cli.ts`,
      "::1",
      String(port),
      "-G",
      "100000",
    ], { cwd: cache.dir, env: { ...cache.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" } });
    const status = await client.done;
    assert.equal(status.code, 0, client.stdout + client.stderr);
    assert.match(client.stdout, /^100000 bytes received$/m);
    assert.match(client.stdout, /Client exit with code = 0/);
    assert.match(client.stderr, new RegExp(`Download ${base}/cli\\.ts`));
  } finally {
    await server.stop();
    await files.shutdown();
    await Deno.remove(cache.dir, { recursive: true });
  }
});
