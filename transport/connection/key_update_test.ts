import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { testIdentity, WALL_CLOCK_BASE } from "./_test_pair.ts";
import { establishedForTesting, sealAsPeer } from "./_testing.ts";
import type { Connection } from "./connection.ts";
import { ConnectionState } from "./events.ts";

const PEER = { hostname: "10.9.0.2", port: 2 };
const PING = new Uint8Array([0x01]);

async function established(): Promise<Connection> {
  const { ca } = await testIdentity();
  return establishedForTesting(true, {
    random: new SeededRandom(4),
    serverName: "localhost",
    trustAnchors: [ca],
    wallClockMs: () => WALL_CLOCK_BASE,
  }, 0);
}

function closeCode(c: Connection): number | null {
  for (let e = c.pollEvent(); e !== null; e = c.pollEvent()) {
    if (e.type === "closed" && e.error.kind === "transportError") return e.error.code;
  }
  return null;
}

Deno.test("KeyUpdate: a peer-initiated update is followed by our write keys", async () => {
  const c = await established();
  const writeBefore = c.oneRtt!.write;
  c.receive(sealAsPeer(c, "1rtt", PING, { pn: 1 })!, PEER, 1000);
  c.receive(sealAsPeer(c, "1rtt", PING, { keyUpdate: true, pn: 3 })!, PEER, 2000);
  assert.equal(c.state, ConnectionState.Established);
  assert.equal(c.oneRtt!.readPhase, 1);
  assert.equal(c.oneRtt!.writePhase, 1);
  assert.notEqual(c.oneRtt!.write, writeBefore);
  assert.equal(c.stats().keyUpdates, 1);
  // A reordered packet of the old phase still opens with the kept previous keys (§6.5).
  const before = c.stats().packetsReceived;
  c.receive(sealAsPeer(c, "1rtt", PING, { previous: true, pn: 0 })!, PEER, 2500);
  assert.equal(c.stats().packetsReceived, before + 1);
  assert.equal(c.oneRtt!.readPhase, 1, "a late packet does not flip the phase back");
});

Deno.test("KeyUpdate: a second peer update before we acknowledged the first is KEY_UPDATE_ERROR", async () => {
  const c = await established();
  c.receive(sealAsPeer(c, "1rtt", PING, { keyUpdate: true })!, PEER, 1000);
  assert.equal(c.oneRtt!.readPhase, 1);
  c.receive(sealAsPeer(c, "1rtt", PING, { keyUpdate: true })!, PEER, 2000);
  assert.equal(closeCode(c), 0x0e);
  assert.equal(c.state, ConnectionState.Closing);
});

Deno.test("KeyUpdate: a second peer update after our ACK in the new phase is accepted", async () => {
  const c = await established();
  c.receive(sealAsPeer(c, "1rtt", PING, { keyUpdate: true })!, PEER, 1000);
  // The ACK for the packet that started the update goes out under the new keys.
  assert.ok(c.pollTransmit(100_000) !== null);
  assert.equal(c.oneRtt!.ackedPhaseStart, true);
  c.receive(sealAsPeer(c, "1rtt", PING, { keyUpdate: true })!, PEER, 200_000);
  assert.equal(c.state, ConnectionState.Established);
  assert.equal(c.oneRtt!.readPhase, 0);
  assert.equal(c.stats().keyUpdates, 2);
});

Deno.test("KeyUpdate: previous read keys are dropped 3×PTO after an update", async () => {
  const c = await established();
  c.receive(sealAsPeer(c, "1rtt", PING, { keyUpdate: true })!, PEER, 1000);
  assert.ok(c.oneRtt!.prev !== null);
  const at = c.oneRtt!.prevDiscardAt;
  assert.ok(at > 1000 && at < Infinity);
  assert.ok(c.nextTimeout() <= at);
  c.onTimeout(at);
  assert.equal(c.oneRtt!.prev, null);
});

Deno.test("initiateKeyUpdate() waits for an acknowledgement of the current phase", async () => {
  const c = await established();
  assert.equal(c.initiateKeyUpdate(), false, "nothing of ours acknowledged yet");
  c.ping();
  assert.ok(c.pollTransmit(1000) !== null);
  // ACK of our packet 0: ACK frame type 0x02, largest 0, delay 0, 0 extra ranges, first range 0.
  c.receive(sealAsPeer(c, "1rtt", new Uint8Array([0x02, 0, 0, 0, 0]))!, PEER, 50_000);
  assert.equal(c.initiateKeyUpdate(), true);
  assert.equal(c.oneRtt!.writePhase, 1);
  assert.equal(c.oneRtt!.readPhase, 0);
  assert.equal(c.initiateKeyUpdate(), false);
});
