import assert from "node:assert/strict";
import { packet } from "./_testing.ts";
import { SpaceId } from "./space_id.ts";
import { SpuriousLossDetector } from "./spurious_loss.ts";

const APP = SpaceId.Application;
const HS = SpaceId.Handshake;

Deno.test("SpuriousLossDetector finds lost packets that an ACK acknowledges", () => {
  const d = new SpuriousLossDetector();
  d.onPacketsLost(
    APP,
    [packet(APP, 1, 100), packet(APP, 2, 200), packet(APP, 4, 400)],
    false,
    false,
  );
  assert.deepEqual(d.onAckReceived(APP, [9, 4, 1, 1], 0).map((p) => p.pn), [1, 4]);
  assert.equal(d.undoDue, false);
  assert.equal(d.onAckReceived(APP, [9, 0], 0).length, 1);
  assert.equal(d.onAckReceived(APP, [9, 0], 0).length, 0);
  assert.equal(d.onAckReceived(HS, [9, 0], 0).length, 0);
});

Deno.test("SpuriousLossDetector asks for an undo once the reduction's losses all proved spurious", () => {
  const d = new SpuriousLossDetector();
  const lost = [packet(APP, 1, 100), packet(APP, 2, 200, { inFlight: false, ackEliciting: false })];
  d.onPacketsLost(APP, lost, true, false);
  d.onAckReceived(APP, [2, 2], 0);
  assert.equal(d.undoDue, false); // packet 2 was not in flight: it does not count
  d.onAckReceived(APP, [1, 1], 0);
  assert.equal(d.undoDue, true);
  d.onAckReceived(APP, [9, 0], 0);
  assert.equal(d.undoDue, false);
});

Deno.test("SpuriousLossDetector never undoes persistent congestion and forgets old packets", () => {
  const d = new SpuriousLossDetector();
  d.onPacketsLost(APP, [packet(APP, 1, 100)], true, true);
  d.onAckReceived(APP, [1, 1], 0);
  assert.equal(d.undoDue, false);
  d.onPacketsLost(APP, [packet(APP, 5, 500)], true, false);
  assert.equal(d.onAckReceived(APP, [5, 5], 501).length, 0);
  assert.equal(d.undoDue, false);
  d.onPacketsLost(HS, [packet(HS, 0, 0)], true, false);
  d.discardSpace(HS);
  assert.equal(d.onAckReceived(HS, [0, 0], 0).length, 0);
  assert.equal(d.undoDue, false);
});
