import assert from "node:assert/strict";
import { Pair } from "./_test_pair.ts";

Deno.test("pollTransmit() copies large datagrams into a shared slab, each left intact", async () => {
  const config = { maxDatagramSize: 20_000 };
  const pair = await Pair.create({ seed: 3, delay: 1_000, client: config, server: config });
  pair.drive(() => pair.client.isHandshakeConfirmed && pair.server?.isHandshakeConfirmed === true);
  const server = pair.server!;
  const id = server.openStream(false)!;
  assert.equal(server.write(id, new Uint8Array(100_000).fill(0x5a)), 100_000);
  const first = server.pollTransmit(pair.now)!.datagram;
  const kept = first.slice();
  const second = server.pollTransmit(pair.now)!.datagram;
  assert.equal(first.length, 20_000);
  assert.equal(second.length, 20_000);
  // Views of slabs (a 20,000-byte copy once got a buffer of its own).
  assert.ok(first.buffer.byteLength > 2 * first.length);
  assert.ok(second.buffer.byteLength > 2 * second.length);
  if (first.buffer === second.buffer) assert.notEqual(first.byteOffset, second.byteOffset);
  assert.deepEqual(first, kept);
  // The peer opens both: the copies are whole packets.
  pair.deliver(first, "client");
  pair.deliver(second, "client");
  let received = 0;
  for (let r = pair.client.read(id); r !== null; r = pair.client.read(id)) {
    received += r.data.length;
  }
  assert.ok(received > 39_000, `received ${received}`);
});
