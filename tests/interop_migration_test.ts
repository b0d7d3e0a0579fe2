/**
 * quic-interop-runner scenarios, part 4: paths — rebind-port, rebind-addr
 * (NAT rebinding during a download) and connectionmigration (the client
 * moves to a new address) — on the runner's link.
 */

import assert from "node:assert/strict";
import type { SimDatagram } from "../io/sim/network.ts";
import { CLIENT, files, InteropPair, SERVER } from "./_interop.ts";

const MB = 1024 * 1024;

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Short-header DCIDs (8 bytes) seen from one side, in order of first use. */
function dcidLog(p: InteropPair, fromPort: number | null, fromServer: boolean): string[] {
  const seen: string[] = [];
  p.sim.onSend = (d: SimDatagram) => {
    const server = d.from.port === SERVER.port && d.from.hostname === SERVER.hostname;
    if (server !== fromServer || (fromPort !== null && d.from.port !== fromPort)) return;
    if ((d.data[0]! & 0x80) !== 0) return;
    const id = hex(d.data.subarray(1, 9));
    if (seen[seen.length - 1] !== id) seen.push(id);
  };
  return seen;
}

async function rebinding(
  seed: number,
  newAddress: (i: number) => { hostname: string; port: number },
) {
  const p = await InteropPair.create({ seed });
  const { conn, download } = p.connect(files(1, 5 * MB));
  const serverDcids = dcidLog(p, null, true);
  const log = p.sim.onSend!;
  // Anti-amplification on each new path until it is validated (RFC 9000 §9.3, §8.1).
  let current = CLIENT;
  let fromNew = 0;
  let toNew = 0;
  let worst = 0;
  p.sim.onSend = (d: SimDatagram) => {
    log(d);
    const server = p.server.accepted[0];
    if (server === undefined || current === CLIENT || server.pathsValidated >= rebinds) return;
    const same = (a: { hostname: string; port: number }) =>
      a.hostname === current.hostname && a.port === current.port;
    if (same(d.from)) fromNew += d.data.length;
    if (same(d.to)) {
      toNew += d.data.length;
      worst = Math.max(worst, toNew / fromNew);
    }
  };
  let rebinds = 0;
  for (let t = 1_000_000; !download.done && t < 60_000_000; t += 1_000_000) {
    p.sim.run({ until: () => download.done, maxTime: t });
    if (download.done) break;
    current = newAddress(++rebinds);
    fromNew = 0;
    toNew = 0;
    p.sim.rebind(CLIENT, current);
  }
  p.finish(conn, download);
  assert.ok(worst <= 3, `sent ${worst.toFixed(2)}× what an unvalidated path sent`);
  assert.ok(worst > 0, "the server answered on unvalidated paths");
  const server = p.server.accepted[0]!;
  return { p, conn, server, rebinds, serverDcids };
}

Deno.test("interop rebind-port: the client's port changes every second during 5 MB", async () => {
  const { server, rebinds, serverDcids } = await rebinding(
    31,
    (i) => ({ hostname: CLIENT.hostname, port: 6000 + i }),
  );
  assert.ok(rebinds >= 3, `rebinds ${rebinds}`);
  assert.equal(server.pathChanges, rebinds);
  assert.equal(server.pathsValidated, rebinds, "every new path validated");
  assert.ok(server.stats().framesSent["PATH_CHALLENGE"]! >= rebinds);
  // A NAT rebinding keeps the CIDs (RFC 9000 §9.5 allows it).
  assert.equal(serverDcids.length, 1);
});

Deno.test("interop rebind-addr: the client's address changes every second during 5 MB", async () => {
  const { server, rebinds } = await rebinding(
    32,
    (i) => ({ hostname: `10.0.1.${i}`, port: CLIENT.port }),
  );
  assert.ok(rebinds >= 3);
  assert.equal(server.pathChanges, rebinds);
  assert.equal(server.pathsValidated, rebinds);
});

Deno.test("interop connectionmigration: the client migrates to a new address and CID", async () => {
  const p = await InteropPair.create({ seed: 33 });
  const { conn, download } = p.connect(files(1, 3 * MB));
  const clientDcids = dcidLog(p, null, false);
  p.sim.run({ until: () => download.bytes > 1 * MB, maxTime: 10_000_000 });
  assert.ok(download.bytes > MB);
  p.sim.rebind(CLIENT, { hostname: "10.0.9.9", port: 7000 });
  assert.equal(conn.migrate(), true);
  const before = clientDcids.length;
  p.finish(conn, download);
  const server = p.server.accepted[0]!;
  assert.equal(server.pathChanges, 1);
  assert.equal(server.pathsValidated, 1);
  assert.equal(conn.pathsValidated, 1, "the client validated its new path too");
  // The client switched to a CID the server issued (§9.5) and retired the old one.
  assert.equal(clientDcids.length, before + 1);
  assert.ok(conn.stats().framesSent["RETIRE_CONNECTION_ID"]! >= 1);
});

Deno.test("interop preferred address: the client moves to the server's preferred_address", async () => {
  const preferred = { hostname: "10.0.0.3", port: 8443 };
  const p = await InteropPair.create({
    seed: 34,
    serverConnection: { preferredAddress: preferred },
  });
  let fromPreferred = 0;
  let fromMain = 0;
  p.sim.onSend = (d: SimDatagram) => {
    if (d.from.hostname === preferred.hostname && d.from.port === preferred.port) {
      fromPreferred += d.data.length;
    } else if (d.from.port === SERVER.port) fromMain += d.data.length;
  };
  const { conn, download } = p.connect(files(1, 2 * MB));
  p.finish(conn, download);
  assert.deepEqual(conn.remote, preferred);
  assert.equal(conn.pathsValidated, 1, "the client validated the preferred address");
  assert.ok(fromPreferred > 2 * MB, `${fromPreferred} bytes from the preferred address`);
  assert.ok(fromMain < 64 * 1024, `${fromMain} bytes from the handshake address`);
  const server = p.server.accepted[0]!;
  assert.deepEqual(server.localAddress, preferred);
});

Deno.test("interop preferred address: an unreachable one fails validation and the client goes back", async () => {
  const preferred = { hostname: "10.0.0.4", port: 8443 };
  const p = await InteropPair.create({
    seed: 35,
    serverConnection: { preferredAddress: preferred },
    preferredReachable: false, // nothing listens there
  });
  const { conn, download } = p.connect(files(1, 1 * MB));
  p.finish(conn, download);
  assert.deepEqual(conn.remote, SERVER, "back on the handshake address");
  assert.equal(conn.pathValidationFailures, 1);
  assert.equal(conn.pathsValidated, 0);
  assert.ok(p.sim.undeliverable > 0, "packets to the preferred address went nowhere");
});
