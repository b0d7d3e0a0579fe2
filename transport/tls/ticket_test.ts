import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { openTicket, sealTicket, type TicketState } from "./ticket.ts";

const KEY = new Uint8Array(32).fill(7);
const STATE: TicketState = {
  suite: 0x1303,
  issuedAtMs: 1767225600000,
  lifetime: 86400,
  ageAdd: 0x89abcdef,
  maxEarlyData: 0xffffffff,
  psk: new Uint8Array(32).fill(1),
  alpn: "h3",
  serverName: "localhost",
};

Deno.test("sealTicket() output opens with openTicket() under the same key", () => {
  const t = sealTicket(KEY, STATE, new SeededRandom(1));
  assert.deepEqual(openTicket(KEY, t), STATE);
});

Deno.test("sealTicket() uses a fresh nonce per ticket", () => {
  const r = new SeededRandom(1);
  assert.notDeepEqual(sealTicket(KEY, STATE, r), sealTicket(KEY, STATE, r));
});

Deno.test("openTicket() returns null for another key, tampering or garbage", () => {
  const t = sealTicket(KEY, STATE, new SeededRandom(1));
  assert.equal(openTicket(new Uint8Array(32), t), null);
  for (const at of [0, 12, t.length - 1]) {
    const bad = t.slice();
    bad[at] = bad[at]! ^ 1;
    assert.equal(openTicket(KEY, bad), null);
  }
  assert.equal(openTicket(KEY, new Uint8Array(10)), null);
  assert.equal(openTicket(KEY, t.subarray(0, t.length - 1)), null);
});

Deno.test("sealTicket() refuses a key that is not 32 bytes", () => {
  assert.throws(() => sealTicket(new Uint8Array(16), STATE, new SeededRandom(1)), RangeError);
});
