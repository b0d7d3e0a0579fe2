import assert from "node:assert/strict";
import type { SentPacket } from "../recovery/sent_packet.ts";
import { SpaceId } from "../recovery/space_id.ts";
import { Pair } from "./_test_pair.ts";
import type { Connection } from "./connection.ts";
import { type LossHold, releaseHeld } from "./loss_hold.ts";

/** Holds every lost 1-RTT packet for `holdUs`, then releases it as delivered. */
class DelayedDelivery implements LossHold {
  readonly held: { p: SentPacket; at: number }[] = [];
  readonly released: number[] = [];
  constructor(readonly conn: Connection, readonly holdUs: number) {}
  onLost(p: SentPacket, now: number): boolean {
    if (p.space !== SpaceId.Application) return false;
    this.held.push({ p, at: now });
    return true;
  }
  flush(now: number): void {
    while (this.held.length > 0 && now >= this.held[0]!.at + this.holdUs) {
      releaseHeld(this.conn, this.held.shift()!.p, true);
      this.released.push(now);
    }
  }
  deadline(): number {
    return this.held.length === 0 ? Infinity : this.held[0]!.at + this.holdUs;
  }
}

Deno.test("a held packet is released at its deadline and its stream's events follow at once", async () => {
  const p = await Pair.create();
  assert.ok(p.drive(() => p.client.isHandshakeConfirmed && Pair.has(p.serverEvents, "connected")));
  const hold = new DelayedDelivery(p.client, 30_000);
  p.client.lossHold = hold;
  const id = p.client.openStream(true)!;
  p.client.write(id, new TextEncoder().encode("GET /"), true);
  // The datagram with the request is lost; a PING right after it is acknowledged, which
  // declares the request lost (RFC 9002 §6.1.2) before any PTO could send it again.
  let dropped = 0;
  p.filter = (_d, to) => !(to === "server" && dropped++ === 0);
  p.step();
  assert.equal(dropped, 1);
  p.client.ping();
  assert.ok(p.drive(() => hold.held.length === 1));
  const heldAt = hold.held[0]!.at;
  // From here on nothing reaches either end: only the hold's timer can release the packet.
  p.filter = () => false;
  let finishedAt = -1;
  assert.ok(p.drive(() => {
    if (finishedAt < 0 && p.clientEvents.some((e) => e.type === "streamFinished" && e.id === id)) {
      finishedAt = p.now;
    }
    return finishedAt >= 0;
  }, heldAt + 1_000_000));
  assert.deepEqual(hold.released, [heldAt + 30_000]);
  assert.equal(finishedAt, heldAt + 30_000);
  assert.ok(!Pair.has(p.clientEvents, "closed"));
});
