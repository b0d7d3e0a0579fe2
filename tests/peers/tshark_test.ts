/**
 * tshark (Debian) as an independent dissector: capture pquic's loopback
 * traffic (a capture filter on our port), decrypt it with the key log the
 * client writes through SSLKEYLOGFILE, and check that every packet parses as
 * QUIC, none is malformed, and the decrypted frames are seen.
 */

import assert from "node:assert/strict";
import { freeUdpPort, hasCommand, peerMissing, pquic, Proc, tempCache } from "./_util.ts";

const missing = peerMissing(
  !hasCommand("tshark", ["--version"])
    ? "tshark is not installed (apt-get install tshark)"
    : Deno.uid() !== 0
    ? "capturing on the loopback interface needs root"
    : null,
);

const HRR_RANDOM = "cf:21:ad:74:e5:9a:61:11:be:1d:8c:02:1e:65:b8:91:" +
  "c2:a2:11:16:7a:bb:8c:5e:07:9e:09:e2:c8:a8:33:9c";

async function tshark(args: string[]): Promise<string> {
  const out = await new Deno.Command("tshark", { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return text;
}

Deno.test({
  name: "tshark parses and decrypts every QUIC packet of a pquic transfer (Retry, HRR, hq, h3)",
  ignore: missing !== null,
  fn: async () => {
    const cache = tempCache();
    const port = freeUdpPort();
    const capture = `${cache.dir}/capture.pcapng`;
    const keys = `${cache.dir}/keys.txt`;
    const dumper = new Proc("tshark", ["-i", "lo", "-f", `udp port ${port}`, "-w", capture]);
    const server = pquic(["-p", String(port), "-r"], cache.env);
    try {
      await dumper.waitFor("Capturing on");
      await server.waitFor("Starting pquic server");
      const env = { ...cache.env, SSLKEYLOGFILE: keys };
      // hq in a real path's 1,452-byte packets, h3 in loopback's ~64 KB ones.
      const hq = pquic(["-z", "-G", "200000", "-m", "1452", "127.0.0.1", String(port)], env);
      assert.equal((await hq.done).code, 0, hq.stdout);
      const h3 = pquic(["client", `https://127.0.0.1:${port}/200000`, "-D"], env);
      assert.equal((await h3.done).code, 0, h3.stdout);
      // Let the last packets reach the capture.
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      dumper.child.kill("SIGINT");
      await dumper.done;
      await server.stop();
    }
    try {
      const keylog = `tls.keylog_file:${keys}`;
      const udp = (await tshark(["-r", capture, "-Y", "udp", "-T", "fields", "-e", "frame.number"]))
        .trim().split("\n").filter((l) => l !== "");
      const quic = (await tshark([
        "-r",
        capture,
        "-o",
        keylog,
        "-Y",
        "quic",
        "-T",
        "fields",
        "-e",
        "frame.number",
      ]))
        .trim().split("\n").filter((l) => l !== "");
      assert.ok(udp.length > 100, `only ${udp.length} datagrams captured`);
      assert.equal(quic.length, udp.length, "some datagrams were not dissected as QUIC");
      const bad = await tshark([
        "-r",
        capture,
        "-o",
        keylog,
        "-Y",
        "_ws.malformed || _ws.expert.severity >= error",
      ]);
      assert.equal(bad.trim(), "", `malformed or erroneous packets:\n${bad}`);
      const fields = await tshark([
        "-r",
        capture,
        "-o",
        keylog,
        "-Y",
        "quic",
        "-T",
        "fields",
        "-e",
        "quic.long.packet_type",
        "-e",
        "quic.frame_type",
      ]);
      const types = new Set<number>();
      const longTypes = new Set<number>();
      for (const line of fields.split("\n")) {
        const [long = "", frames = ""] = line.split("\t");
        for (const t of long.split(",")) if (t !== "") longTypes.add(Number(t));
        for (const t of frames.split(",")) if (t !== "") types.add(Number(t));
      }
      assert.ok(longTypes.has(3), "no Retry packet seen");
      assert.ok(types.has(0x06), "no CRYPTO frame decrypted");
      assert.ok(types.has(0x02) || types.has(0x03), "no ACK frame decrypted");
      assert.ok([...types].some((t) => t >= 0x08 && t <= 0x0f), "no STREAM frame decrypted");
      assert.ok(types.has(0x1c) || types.has(0x1d), "no CONNECTION_CLOSE decrypted");
      // -z: the server's HelloRetryRequest (a ServerHello with RFC 8446 §4.1.3's random).
      const hrr = await tshark([
        "-r",
        capture,
        "-o",
        keylog,
        "-Y",
        `tls.handshake.type == 2 && tls.handshake.random == ${HRR_RANDOM}`,
      ]);
      assert.notEqual(hrr.trim(), "", "no HelloRetryRequest seen");
    } finally {
      await Deno.remove(cache.dir, { recursive: true });
    }
  },
});
