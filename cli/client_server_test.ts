/**
 * The command's client against its server, in one process over loopback UDP:
 * each option does what it says.
 */

import assert from "node:assert/strict";
import { patternByte } from "../apps/content.ts";
import { type ClientOptions, parseCommand, type ServerOptions } from "./args.ts";
import { runClient } from "./client.ts";
import { Log } from "./log.ts";
import { runServer } from "./server.ts";
import { generateDemoCertificates } from "../transport/crypto/certificates.ts";
import { freeUdpPort } from "../tests/peers/_util.ts";

interface Env {
  readonly dir: string;
  readonly env: (n: string) => string | undefined;
}

function tempEnv(): Env {
  const dir = Deno.makeTempDirSync({ prefix: "pquic-cli-" });
  return { dir, env: (n) => (n === "PQUIC_CACHE_DIR" ? dir : undefined) };
}

/** Runs a server with `serverArgs`, then `body` with a client runner; stops the server. */
async function withServer(
  e: Env,
  serverArgs: string[],
  body: (
    port: number,
    client: (args: string[]) => Promise<{ code: number; out: string }>,
  ) => Promise<void>,
): Promise<string> {
  const port = freeUdpPort();
  const s = parseCommand(["-p", String(port), ...serverArgs, "-l", `${e.dir}/server.log`], e.env);
  assert.equal(s.mode, "server");
  const stop = new AbortController();
  const log = Log.open(`${e.dir}/server.log`);
  let listening!: () => void;
  const ready = new Promise<void>((r) => listening = r);
  const running = runServer(s as ServerOptions, {
    log,
    env: e.env,
    stop: stop.signal,
    onListening: () => listening(),
  });
  await ready;
  let n = 0;
  const client = async (args: string[]) => {
    const file = `${e.dir}/client${n++}.log`;
    const c = parseCommand([...args, "-l", file], e.env);
    assert.equal(c.mode, "client", JSON.stringify(c));
    const clog = Log.open(file);
    const code = await runClient(c as ClientOptions, { log: clog, env: e.env, progress: null });
    clog.close();
    return { code, out: Deno.readTextFileSync(file) };
  };
  try {
    await body(port, client);
  } finally {
    stop.abort();
    assert.equal(await running, 0);
    log.close();
  }
  return Deno.readTextFileSync(`${e.dir}/server.log`);
}

Deno.test("pquic client -G fetches over hq-interop and writes a key log (-X)", async () => {
  const e = tempEnv();
  const serverLog = await withServer(e, [], async (port, client) => {
    const r = await client(["-G", "200000", "-X", `${e.dir}/keys.txt`, "127.0.0.1", String(port)]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^200000 bytes received$/m);
    assert.match(r.out, /Negotiated ALPN hq-interop/);
    assert.match(r.out, /frames received .*STREAM \d+/);
    assert.match(r.out, /Client exit with code = 0\n$/);
    const keys = Deno.readTextFileSync(`${e.dir}/keys.txt`);
    assert.match(keys, /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64}$/m);
    assert.match(keys, /^SERVER_TRAFFIC_SECRET_0 /m);
  });
  assert.match(serverLog, /hq GET \/200000 -> 200000 bytes/);
  assert.match(serverLog, /Server exit with code = 0/);
});

Deno.test("pquic client https:// URL verifies the demo CA (-t) and speaks HTTP/3", async () => {
  const e = tempEnv();
  await withServer(e, [], async (port, client) => {
    const ca = `${e.dir}/ca.pem`;
    const r = await client(["client", `https://localhost:${port}/123456`, "-t", ca, "-D"]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Negotiated ALPN h3/);
    assert.match(r.out, /status 200, 123456 bytes/);
    assert.doesNotMatch(r.out, /not verified/);
    // A trust file that does not hold the server's CA: the handshake fails, exit 1.
    const other = `${e.dir}/other.pem`;
    Deno.writeTextFileSync(other, (await generateDemoCertificates({ names: ["localhost"] })).caPem);
    const bad = await client(["client", `https://localhost:${port}/10`, "-t", other, "-R"]);
    assert.equal(bad.code, 1, bad.out);
    assert.match(bad.out, /Connection closed by us: .*CRYPTO_ERROR|Connection closed/);
  });
});

Deno.test("pquic server -w serves files; the client saves them in -o", async () => {
  const e = tempEnv();
  const www = `${e.dir}/www`;
  Deno.mkdirSync(`${www}/sub`, { recursive: true });
  const content = new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff);
  Deno.writeFileSync(`${www}/sub/data.bin`, content);
  await withServer(e, ["-w", www], async (port, client) => {
    const r = await client([
      "-o",
      `${e.dir}/dl`,
      "-a",
      "hq",
      "localhost",
      String(port),
      "0:/sub/data.bin;4:/1000",
    ]);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(Deno.readFileSync(`${e.dir}/dl/_sub_data.bin`), content);
    const pattern = Deno.readFileSync(`${e.dir}/dl/_1000`);
    assert.equal(pattern.length, 1000);
    assert.ok(pattern.every((b, i) => b === patternByte(i)));
  });
});

Deno.test("pquic resumes with a stored ticket; -R neither uses nor stores one", async () => {
  const e = tempEnv();
  await withServer(e, [], async (port, client) => {
    const first = await client(["-G", "1000", "::1", String(port)]);
    assert.equal(first.code, 0, first.out);
    assert.doesNotMatch(first.out, /resumed/);
    const second = await client(["-G", "1000", "::1", String(port)]);
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /Resuming with a stored session ticket/);
    assert.match(second.out, /, resumed/);
    const third = await client(["-R", "-G", "1000", "::1", String(port)]);
    assert.equal(third.code, 0, third.out);
    assert.doesNotMatch(third.out, /resumed/);
  });
});

Deno.test("pquic server -r (Retry), client -z (HelloRetryRequest), v2 and draft-29 all connect", async () => {
  const e = tempEnv();
  const log = await withServer(e, ["-r"], async (port, client) => {
    for (const extra of [["-z"], ["-v", "6b3343cf"], ["-v", "ff00001d"]]) {
      const r = await client(["-R", "-G", "5000", ...extra, "127.0.0.1", String(port)]);
      assert.equal(r.code, 0, r.out);
      if (extra[0] === "-v") assert.match(r.out, new RegExp(`Version = ${extra[1]}`));
    }
  });
  assert.match(log, /hrr= 1/);
  assert.match(log, /validated with a Retry/);
  assert.match(log, /Served 3 connections; sent 3 Retry/);
});

Deno.test("pquic server -1 exits after one connection", async () => {
  const e = tempEnv();
  const port = freeUdpPort();
  const s = parseCommand(["-1", "-p", String(port)], e.env) as ServerOptions;
  const log = Log.open(`${e.dir}/s.log`);
  const running = runServer(s, { log, env: e.env });
  await new Promise((r) => setTimeout(r, 300));
  const c = parseCommand(["-G", "100", "::1", String(port)], e.env) as ClientOptions;
  const clog = Log.open("/dev/null");
  assert.equal(await runClient(c, { log: clog, env: e.env, progress: null }), 0);
  assert.equal(await running, 0);
  log.close();
  assert.match(
    Deno.readTextFileSync(`${e.dir}/s.log`),
    /just_once = 1[\s\S]*Server exit with code = 0/,
  );
});

Deno.test("pquic -q writes qlog JSON-SEQ on both sides, one packet_sent per packet sent", async () => {
  const e = tempEnv();
  const serverQlog = `${e.dir}/server.sqlog`;
  await withServer(e, ["-q", serverQlog, "-m", "1400"], async (port, client) => {
    const file = `${e.dir}/client.sqlog`;
    const r = await client(["-q", file, "-G", "300000", "127.0.0.1", String(port)]);
    assert.equal(r.code, 0, r.out);
    const records = Deno.readTextFileSync(file).split("\x1e").filter((x) => x !== "");
    assert.ok(records.every((x) => x.endsWith("\n")));
    const [header, ...events] = records.map((x) => JSON.parse(x));
    assert.equal(header.qlog_format, "JSON-SEQ");
    assert.equal(header.trace.vantage_point.type, "client");
    const count = (name: string) => events.filter((ev) => ev.name === name).length;
    const sent = Number(/packets +sent (\d+), received (\d+)/.exec(r.out)![1]);
    const received = Number(/packets +sent \d+, received (\d+)/.exec(r.out)![1]);
    assert.equal(count("quic:packet_sent"), sent);
    assert.equal(count("quic:packet_received"), received);
    assert.ok(count("recovery:metrics_updated") > 0);
    const first = events.find((ev) => ev.name === "quic:packet_sent");
    assert.equal(first.data.header.packet_type, "initial");
    assert.equal(first.data.frames[0].frame_type, "crypto");
    assert.ok(
      events.every((ev) => typeof ev.time === "number" && ev.group_id === events[0].group_id),
    );
    const times = events.map((ev) => ev.time);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
  });
  const server = Deno.readTextFileSync(serverQlog);
  assert.match(server, /"type":"server"/);
  assert.match(server, /"frame_type":"stream","stream_id":0,"offset":0/);
  // -m 1400: no datagram above it.
  const sizes = server.split("\x1e").filter((x) => x.includes("packet_sent")).map((x) =>
    JSON.parse(x).data.raw.length as number
  );
  assert.ok(Math.max(...sizes) <= 1400, `largest packet ${Math.max(...sizes)}`);
});

Deno.test("pquic server -c/-k serves its own certificate, which the client checks with -t", async () => {
  const e = tempEnv();
  const made = await generateDemoCertificates({ names: ["pquic.test"], keyType: "ed25519" });
  Deno.writeTextFileSync(`${e.dir}/c.pem`, made.certPem);
  Deno.writeTextFileSync(`${e.dir}/k.pem`, made.keyPem);
  Deno.writeTextFileSync(`${e.dir}/ca.pem`, made.caPem);
  const log = await withServer(
    e,
    ["-c", `${e.dir}/c.pem`, "-k", `${e.dir}/k.pem`],
    async (port, client) => {
      const ok = await client([
        "-n",
        "pquic.test",
        "-t",
        `${e.dir}/ca.pem`,
        "-G",
        "10",
        "127.0.0.1",
        String(port),
      ]);
      assert.equal(ok.code, 0, ok.out);
      // The wrong name: the certificate check fails and so does the run.
      const bad = await client([
        "-R",
        "-t",
        `${e.dir}/ca.pem`,
        "-G",
        "10",
        "127.0.0.1",
        String(port),
      ]);
      assert.equal(bad.code, 1, bad.out);
    },
  );
  assert.doesNotMatch(log, /demo certificates/);
  assert.throws(() => Deno.statSync(`${e.dir}/cert.pem`));
});
