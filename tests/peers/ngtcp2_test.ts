/**
 * Interop with ngtcp2 0.12.1's example client and server (Debian
 * `ngtcp2-client` / `ngtcp2-server`: `gtlsclient`, `gtlsserver`; HTTP/3 over
 * GnuTLS): both directions, a 5 MB download compared byte for byte, with
 * the default suites, with ChaCha20-Poly1305 only, and with key updates.
 */

import assert from "node:assert/strict";
import { patternByte } from "../../apps/content.ts";
import { freeUdpPort, hasCommand, peerMissing, pquic, Proc, tempCache } from "./_util.ts";

const SIZE = 5_000_000;
const CHACHA_ONLY = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305";

const missing = peerMissing(
  hasCommand("gtlsclient", ["--help"]) && hasCommand("gtlsserver", ["--help"])
    ? null
    : "ngtcp2's gtlsclient/gtlsserver are not installed (apt-get install ngtcp2-client ngtcp2-server)",
);

/** A pquic server in a subprocess, with its certificate cache. */
async function ourServer() {
  const cache = tempCache();
  const port = freeUdpPort();
  const server = pquic(["-p", String(port)], cache.env);
  await server.waitFor("Starting pquic server");
  return { cache, port, server };
}

/** Runs gtlsclient against our server and returns the downloaded bytes. */
async function theirClient(port: number, dir: string, extra: string[]): Promise<Uint8Array> {
  const client = new Proc("gtlsclient", [
    "-q",
    "--exit-on-all-streams-close",
    `--download=${dir}`,
    "--timeout=10s",
    ...extra,
    "127.0.0.1",
    String(port),
    `https://127.0.0.1:${port}/${SIZE}`,
  ]);
  const status = await client.done;
  assert.equal(status.code, 0, client.stdout + client.stderr);
  return Deno.readFileSync(`${dir}/${SIZE}`);
}

function assertPattern(got: Uint8Array) {
  assert.equal(got.length, SIZE);
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== patternByte(i)) assert.fail(`byte ${i} is ${got[i]}, not ${patternByte(i)}`);
  }
}

async function theirClientOurServer(extra: string[], check: (serverLog: string) => void) {
  const { cache, port, server } = await ourServer();
  try {
    assertPattern(await theirClient(port, cache.dir, extra));
    await server.waitFor("Closed. Retrans=");
  } finally {
    await server.stop();
    await Deno.remove(cache.dir, { recursive: true });
  }
  assert.match(server.stdout, new RegExp(`h3 GET /${SIZE} -> ${SIZE} bytes`));
  check(server.stdout);
}

/** Runs gtlsserver on a 5 MB random file and our client against it. */
async function ourClientTheirServer(serverExtra: string[], clientExtra: string[]): Promise<string> {
  const cache = tempCache();
  // Our server makes the demo certificates once; gtlsserver uses them.
  const maker = pquic(["-p", String(freeUdpPort())], cache.env);
  await maker.waitFor("Starting pquic server");
  await maker.stop();
  const pq = cache.dir;
  const htdocs = `${cache.dir}/htdocs`;
  Deno.mkdirSync(htdocs);
  const data = new Uint8Array(SIZE);
  crypto.getRandomValues(data.subarray(0, 65536));
  for (let i = 65536; i < SIZE; i++) data[i] = data[i % 65536]! ^ (i >>> 16);
  Deno.writeFileSync(`${htdocs}/data.bin`, data);
  const port = freeUdpPort("127.0.0.1");
  const server = new Proc("gtlsserver", [
    "-q",
    `--htdocs=${htdocs}`,
    ...serverExtra,
    "127.0.0.1",
    String(port),
    `${pq}/key.pem`,
    `${pq}/cert.pem`,
  ]);
  try {
    await new Promise((r) => setTimeout(r, 300));
    const client = pquic([
      "client",
      `https://127.0.0.1:${port}/data.bin`,
      "-t",
      `${pq}/ca.pem`,
      "-o",
      `${cache.dir}/dl`,
      ...clientExtra,
    ], cache.env);
    const status = await client.done;
    assert.equal(status.code, 0, client.stdout + client.stderr + server.stderr);
    const got = Deno.readFileSync(`${cache.dir}/dl/_data.bin`);
    assert.equal(got.length, SIZE);
    assert.ok(got.every((b, i) => b === data[i]), "the download differs from the file");
    return client.stdout;
  } finally {
    await server.stop();
    await Deno.remove(cache.dir, { recursive: true });
  }
}

Deno.test({
  name: "ngtcp2 client downloads 5 MB from the pquic server over HTTP/3, byte-exact",
  ignore: missing !== null,
  fn: () => theirClientOurServer([], (log) => assert.match(log, /ALPN = h3, suite 0x130[1-3]/)),
});

Deno.test({
  name: "ngtcp2 client with ChaCha20-Poly1305 only downloads 5 MB from the pquic server",
  ignore: missing !== null,
  fn: () =>
    theirClientOurServer([`--ciphers=${CHACHA_ONLY}`], (log) => assert.match(log, /suite 0x1303/)),
});

Deno.test({
  name: "ngtcp2 client with key updates downloads 5 MB from the pquic server",
  ignore: missing !== null,
  fn: () =>
    theirClientOurServer(["--key-update=20ms"], (log) => {
      const m = /key updates (\d+)/.exec(log);
      assert.ok(m !== null && Number(m[1]) >= 1, log);
    }),
});

Deno.test({
  name: "pquic client downloads 5 MB from the ngtcp2 server over HTTP/3, byte-exact",
  ignore: missing !== null,
  fn: async () => {
    const out = await ourClientTheirServer([], []);
    assert.match(out, /Negotiated ALPN h3/);
    assert.match(out, /Client exit with code = 0/);
  },
});

Deno.test({
  name: "pquic client downloads 5 MB from the ngtcp2 server with ChaCha20-Poly1305 only",
  ignore: missing !== null,
  fn: async () => {
    const out = await ourClientTheirServer([`--ciphers=${CHACHA_ONLY}`], []);
    assert.match(out, /suite 0x1303/);
  },
});

Deno.test({
  name: "pquic client updates keys while downloading 5 MB from the ngtcp2 server",
  ignore: missing !== null,
  fn: async () => {
    const out = await ourClientTheirServer([], ["--key-update", "20"]);
    const m = /key updates +(\d+)/.exec(out);
    assert.ok(m !== null && Number(m[1]) >= 2, out);
  },
});
