/**
 * `-Q`, `-C` and `--plugin-trust`: the command's server and client in one
 * process over loopback UDP, and the option loaders.
 */

import assert from "node:assert/strict";
import { type ClientOptions, parseCommand, type ServerOptions } from "./args.ts";
import { runClient } from "./client.ts";
import { exchangeEventLine, loadCliExchange, loadInjectPlugin } from "./exchange.ts";
import { Log } from "./log.ts";
import { runServer } from "./server.ts";
import { freeUdpPort } from "../tests/peers/_util.ts";

const XPING = new URL("../plugins/testdata/xping/xping.plugin", import.meta.url).pathname;

/** Runs `pquic <serverArgs>` and then each client in turn; returns the logs. */
async function run(
  serverArgs: string[],
  clients: (dir: string) => string[][],
): Promise<{ server: string; clients: { code: number; out: string }[]; dir: string }> {
  const dir = Deno.makeTempDirSync({ prefix: "pquic-cli-x-" });
  const env = (n: string) => (n === "PQUIC_CACHE_DIR" ? dir : undefined);
  const port = freeUdpPort();
  const s = parseCommand(["-p", String(port), ...serverArgs, "-l", `${dir}/server.log`], env);
  assert.equal(s.mode, "server", JSON.stringify(s));
  const stop = new AbortController();
  const log = Log.open(`${dir}/server.log`);
  let listening!: () => void;
  const ready = new Promise<void>((r) => listening = r);
  const running = runServer(s as ServerOptions, {
    log,
    env,
    stop: stop.signal,
    onListening: () => listening(),
  });
  await ready;
  const results: { code: number; out: string }[] = [];
  try {
    for (const [i, args] of clients(dir).entries()) {
      const file = `${dir}/client${i}.log`;
      const c = parseCommand([...args, "127.0.0.1", String(port), "-l", file], env);
      assert.equal(c.mode, "client", JSON.stringify(c));
      const clog = Log.open(file);
      const code = await runClient(c as ClientOptions, { log: clog, env, progress: null });
      clog.close();
      results.push({ code, out: Deno.readTextFileSync(file) });
    }
  } finally {
    stop.abort();
    assert.equal(await running, 0);
    log.close();
  }
  return { server: Deno.readTextFileSync(`${dir}/server.log`), clients: results, dir };
}

Deno.test("pquic -Q serves a plugin that a client with -C fetches, caches and reuses", async () => {
  const r = await run(["-Q", XPING], (dir) => [
    ["-G", "300000", "-C", `${dir}/plugins`],
    ["-G", "300000", "-C", `${dir}/plugins`],
  ]);
  try {
    const [first, second] = r.clients;
    assert.equal(first!.code, 0, first!.out);
    assert.match(first!.out, /Plugin be\.pquic\.xping: requested from the peer/);
    assert.match(first!.out, /Plugin be\.pquic\.xping: received 12\.\d+ kB in/);
    assert.match(r.server, /1 both plugins/);
    assert.match(r.server, /Plugin be\.pquic\.xping: sending its bundle/);
    assert.match(r.server, /Plugin be\.pquic\.xping: active at both ends/);
    assert.equal(second!.code, 0, second!.out);
    assert.doesNotMatch(second!.out, /requested from the peer/);
    assert.match(second!.out, /plugin cache .*\(1 cached\)/);
    assert.equal((r.server.match(/sending its bundle/g) ?? []).length, 1, "sent once");
  } finally {
    Deno.removeSync(r.dir, { recursive: true });
  }
});

Deno.test("pquic --plugin-trust refuses a plugin outside the allow list at both ends", async () => {
  const allow = Deno.makeTempFileSync({ suffix: ".txt" });
  Deno.writeTextFileSync(allow, "# nothing allowed\n");
  try {
    const r = await run(
      ["-Q", XPING],
      () => [["-G", "300000", "--plugin-trust", `allow:${allow}`]],
    );
    try {
      const out = r.clients[0]!.out;
      assert.equal(r.clients[0]!.code, 0, out);
      assert.match(out, /plugin trust: allow list of 0 digest/);
      assert.match(out, /Plugin be\.pquic\.xping: refused by us: .*not in the allow list/);
      assert.match(r.server, /Plugin be\.pquic\.xping: refused by the peer: .*allow list/);
      assert.doesNotMatch(r.server, /active at both ends/);
    } finally {
      Deno.removeSync(r.dir, { recursive: true });
    }
  } finally {
    Deno.removeSync(allow);
  }
});

Deno.test("loadInjectPlugin() takes a .plugin path or a built-in, and names what fails", () => {
  assert.equal(loadInjectPlugin(XPING).name, "be.pquic.xping");
  assert.equal(loadInjectPlugin("no_pacing").name, "be.michelfra.no_pacing");
  assert.throws(() => loadInjectPlugin("/nonexistent/x.plugin"), /^Error: -Q \/nonexistent/);
  assert.throws(() => loadInjectPlugin("/nonexistent/x.bundle"), /cannot be read/);
  assert.equal(loadCliExchange({ injectPlugins: [], pluginCache: null, pluginTrust: null }), null);
  assert.throws(
    () => loadCliExchange({ injectPlugins: [], pluginCache: null, pluginTrust: "maybe" }),
    /--plugin-trust maybe/,
  );
});

Deno.test("exchangeEventLine() describes refusals with who refused and why", () => {
  const plugin = { name: "be.example.p", digest: new Uint8Array(32) };
  assert.equal(
    exchangeEventLine({ type: "refused", plugin, reason: "bad", by: "peer", now: 0 }),
    "Plugin be.example.p: refused by the peer: bad",
  );
  assert.equal(exchangeEventLine({ type: "negotiated", plugins: [], now: 0 }), null);
});
