import assert from "node:assert/strict";
import { alpnsFor, type Command, defaultAlpns, parseCommand, parseVersion } from "./args.ts";
import { QuicVersion } from "../transport/version.ts";

function client(argv: string[], env: Record<string, string> = {}) {
  const c: Command = parseCommand(argv, (n) => env[n]);
  assert.equal(c.mode, "client", JSON.stringify(c));
  return c as Extract<Command, { mode: "client" }>;
}

function server(argv: string[]) {
  const c: Command = parseCommand(argv);
  assert.equal(c.mode, "server", JSON.stringify(c));
  return c as Extract<Command, { mode: "server" }>;
}

function error(argv: string[]) {
  const c: Command = parseCommand(argv);
  assert.equal(c.mode, "error", JSON.stringify(c));
  return c as Extract<Command, { mode: "error" }>;
}

Deno.test("parseCommand() with no arguments is picoquicdemo's server on :: port 4443", () => {
  const s = server([]);
  assert.equal(s.port, 4443);
  assert.equal(s.host, "::");
  assert.equal(s.justOnce, false);
  assert.equal(s.retry, false);
  assert.equal(s.certFile, null);
});

Deno.test("parseCommand() reads the server options -p -c -k -w -1 -r -R -l -q -X -m", () => {
  const s = server(["-p", "5000", "-c", "c.pem", "-k", "k.pem", "-w", "www", "-1", "-r", "-R"]);
  assert.deepEqual(
    [s.port, s.certFile, s.keyFile, s.webRoot, s.justOnce, s.retry, s.noResumption],
    [5000, "c.pem", "k.pem", "www", true, true, true],
  );
  const t = server([
    "server",
    "--port",
    "6000",
    "-l",
    "log.txt",
    "-q",
    "q.sqlog",
    "-X",
    "keys",
    "-m",
    "1400",
  ]);
  assert.deepEqual([t.port, t.logFile, t.qlogFile, t.keyLogFile, t.mtu], [
    6000,
    "log.txt",
    "q.sqlog",
    "keys",
    1400,
  ]);
});

Deno.test("parseCommand() reads the seed's client command -4 -G 10000 ::1 4443", () => {
  const c = client(["-4", "-G", "10000", "::1", "4443"]);
  assert.equal(c.serverName, "::1");
  assert.equal(c.port, 4443);
  assert.equal(c.scenario.length, 1);
  assert.equal(c.scenario[0]!.path, "/10000");
  assert.equal(c.noSave, true);
  assert.deepEqual(c.alpns, ["hq-interop"]);
  assert.equal(c.version, QuicVersion.V1);
});

Deno.test("parseCommand() takes the default scenario and ALPN order without -G", () => {
  const c = client(["localhost"]);
  assert.equal(c.port, 4443);
  assert.equal(c.scenario.length, 7);
  assert.deepEqual(c.alpns, ["h3", "hq-interop"]);
  assert.equal(c.noSave, false);
  assert.equal(c.sni, "localhost");
  assert.equal(c.trustFile, null);
});

Deno.test("parseCommand() takes a scenario as the third positional", () => {
  const c = client(["::1", "4443", "0:/100;4:-:/200"]);
  assert.deepEqual(c.scenario.map((e) => [e.path, e.previous]), [["/100", null], ["/200", null]]);
});

Deno.test("parseCommand() reads -v in hex and picks draft-29 ALPN names", () => {
  assert.equal(client(["h", "-v", "6b3343cf"]).version, QuicVersion.V2);
  const d = client(["h", "-v", "ff00001d", "-a", "hq-29"]);
  assert.equal(d.version, QuicVersion.DRAFT_29);
  assert.deepEqual(d.alpns, ["hq-29", "hq-interop"]);
  assert.deepEqual(client(["h", "-a", "hq-29"]).alpns, ["hq-interop"]);
  assert.deepEqual(client(["h", "-v", "0xff00001d"]).alpns, defaultAlpns(QuicVersion.DRAFT_29));
  assert.match(error(["h", "-v", "xyz"]).message, /hex/);
});

Deno.test("parseCommand() reads client -n -t -R -z -o -D -a", () => {
  const c = client([
    "-n",
    "example.org",
    "-t",
    "ca.pem",
    "-R",
    "-z",
    "-o",
    "dl",
    "-D",
    "-a",
    "h3",
    "127.0.0.1",
    "443",
  ]);
  assert.deepEqual(
    [c.sni, c.trustFile, c.noResumption, c.zeroShare, c.outDir, c.noSave, c.alpns],
    ["example.org", "ca.pem", true, true, "dl", true, ["h3"]],
  );
});

Deno.test("parseCommand() takes SSLKEYLOGFILE when -X is absent", () => {
  assert.equal(client(["h"], { SSLKEYLOGFILE: "/tmp/k" }).keyLogFile, "/tmp/k");
  assert.equal(client(["h", "-X", "x"], { SSLKEYLOGFILE: "/tmp/k" }).keyLogFile, "x");
});

Deno.test("parseCommand() reads pquic client URLs", () => {
  const h3 = client(["client", "https://localhost:4443/1000000"]);
  assert.deepEqual([h3.serverName, h3.port, h3.scenario[0]!.path, h3.alpns], [
    "localhost",
    4443,
    "/1000000",
    ["h3"],
  ]);
  const hq = client(["client", "hq://[::1]:5000/index.html"]);
  assert.deepEqual([hq.serverName, hq.port, hq.alpns], ["::1", 5000, ["hq-interop"]]);
  assert.equal(client(["client", "https://example.org/x"]).port, 443);
  assert.match(error(["client", "ftp://x/"]).message, /not supported/);
  assert.match(error(["client"]).message, /one URL/);
});

Deno.test("parseCommand() refuses the plugin options with a clear message", () => {
  for (const argv of [["-L"], ["h", "-L"]]) {
    const e = error(argv);
    assert.match(e.message, /plugins are not available yet/);
    assert.equal(e.showUsage, false);
  }
});

Deno.test("parseCommand() takes -P (repeatable) and -S on both sides", () => {
  const s = parseCommand(["-P", "monitoring", "-P", "x/y.plugin", "-S", "-"]);
  assert.equal(s.mode, "server");
  if (s.mode === "server") {
    assert.deepEqual(s.plugins, ["monitoring", "x/y.plugin"]);
    assert.equal(s.pluginStatsFile, "-");
  }
  const c = parseCommand(["-G", "10", "-P", "no_pacing", "::1", "4443"]);
  assert.equal(c.mode, "client");
  if (c.mode === "client") {
    assert.deepEqual(c.plugins, ["no_pacing"]);
    assert.equal(c.pluginStatsFile, null);
  }
  assert.match(error(["-S"]).message, /argument missing/);
});

Deno.test("parseCommand() takes -Q (repeatable), -C and --plugin-trust on both sides", () => {
  const s = parseCommand(["-Q", "x.plugin", "-Q", "datagram", "--plugin-trust", "any"]);
  assert.equal(s.mode, "server");
  if (s.mode === "server") {
    assert.deepEqual(s.injectPlugins, ["x.plugin", "datagram"]);
    assert.equal(s.pluginCache, null);
    assert.equal(s.pluginTrust, "any");
  }
  const c = parseCommand(["-G", "10", "-C", "/tmp/cache", "::1", "4443"]);
  assert.equal(c.mode, "client");
  if (c.mode === "client") {
    assert.deepEqual(c.injectPlugins, []);
    assert.equal(c.pluginCache, "/tmp/cache");
    assert.equal(c.pluginTrust, null);
  }
});

Deno.test("parseCommand() says what is wrong with a bad command line", () => {
  assert.match(error(["-x"]).message, /Unknown option '-x'/);
  assert.match(error(["-G"]).message, /argument missing/);
  assert.match(error(["-G", "0", "h"]).message, /above 0/);
  assert.match(error(["-p", "99999"]).message, /not a port/);
  assert.match(error(["h", "notaport"]).message, /not a port/);
  assert.match(error(["-c", "c.pem"]).message, /-c and -k go together/);
  assert.match(error(["-G", "10", "-w", "d", "h"]).message, /server option/);
  assert.match(error(["-G", "10"]).message, /client option/);
  assert.match(error(["-m", "100", "h"]).message, /MTU/);
  assert.match(error(["h", "1", "0:a", "extra"]).message, /unexpected/);
});

Deno.test("parseCommand() knows help, version and vm", () => {
  assert.equal(parseCommand(["-h"]).mode, "help");
  assert.equal(parseCommand(["--help"]).mode, "help");
  assert.equal(parseCommand(["--version"]).mode, "version");
  assert.deepEqual(parseCommand(["vm", "disasm", "f.o"]), { mode: "vm", args: ["disasm", "f.o"] });
});

Deno.test("parseVersion() and alpnsFor() map names and numbers", () => {
  assert.equal(parseVersion("1"), 1);
  assert.equal(parseVersion("ff00001d"), 0xff00001d);
  assert.equal(parseVersion("123456789"), null);
  assert.deepEqual(alpnsFor("h3-29", QuicVersion.V1), ["h3"]);
  assert.deepEqual(alpnsFor("h3", QuicVersion.DRAFT_29), ["h3-29", "h3"]);
  assert.deepEqual(alpnsFor("custom", QuicVersion.V1), ["custom"]);
});
