/**
 * Headless Chromium (Debian `chromium`) fetches a page from the pquic
 * server over HTTP/3: QUIC forced for the origin, our demo leaf accepted by
 * its SPKI hash, `localhost` mapped to 127.0.0.1.
 */

import assert from "node:assert/strict";
import { certificatesFromPem } from "../../transport/crypto/certificates.ts";
import { spkiHash } from "../../cli/certs.ts";
import { freeUdpPort, hasCommand, peerMissing, pquic, Proc, tempCache } from "./_util.ts";

const missing = peerMissing(
  hasCommand("chromium", ["--version"])
    ? null
    : "chromium is not installed (apt-get install chromium)",
);

Deno.test({
  name: "headless Chromium loads a page from the pquic server over HTTP/3",
  ignore: missing !== null,
  fn: async () => {
    const cache = tempCache();
    const www = `${cache.dir}/www`;
    const marker = `pquic page ${crypto.randomUUID()}`;
    Deno.mkdirSync(www);
    Deno.writeTextFileSync(
      `${www}/index.html`,
      `<html><body><p id="m">${marker}</p></body></html>\n`,
    );
    const port = freeUdpPort();
    const server = pquic(["-p", String(port), "-w", www], cache.env);
    const profile = Deno.makeTempDirSync({ prefix: "pquic-chromium-" });
    try {
      await server.waitFor("Starting pquic server");
      const leaf = certificatesFromPem(Deno.readTextFileSync(`${cache.dir}/cert.pem`))[0]!;
      const browser = new Proc("chromium", [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        "--enable-quic",
        `--origin-to-force-quic-on=localhost:${port}`,
        `--ignore-certificate-errors-spki-list=${spkiHash(leaf)}`,
        "--host-resolver-rules=MAP localhost 127.0.0.1",
        "--dump-dom",
        `https://localhost:${port}/`,
      ]);
      const timer = setTimeout(() => browser.child.kill("SIGKILL"), 20_000);
      const status = await browser.done;
      clearTimeout(timer);
      assert.equal(status.code, 0, browser.stderr.slice(-2000));
      assert.ok(browser.stdout.includes(marker), `page content:\n${browser.stdout}`);
      await server.waitFor(/: h3 GET \/ -> \d+ bytes/);
      assert.match(server.stdout, /ALPN = h3/);
    } finally {
      await server.stop();
      await Deno.remove(profile, { recursive: true });
      await Deno.remove(cache.dir, { recursive: true });
    }
  },
});
