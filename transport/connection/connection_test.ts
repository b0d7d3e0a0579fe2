import assert from "node:assert/strict";
import { Pair } from "./_test_pair.ts";
import { ConnectionState } from "./events.ts";

Deno.test("Connection completes a handshake and both ends see connected", async () => {
  const p = await Pair.create();
  const ok = p.drive(() =>
    Pair.has(p.clientEvents, "connected") && Pair.has(p.serverEvents, "connected") &&
    p.client.isHandshakeConfirmed
  );
  assert.ok(
    ok,
    `events: ${JSON.stringify(p.clientEvents.map((e) => e.type))} / ${
      JSON.stringify(p.serverEvents.map((e) => e.type))
    }`,
  );
  assert.equal(p.client.state, ConnectionState.Established);
  assert.equal(p.server!.state, ConnectionState.Established);
});
