import assert from "node:assert/strict";
import { CidManager } from "./cids.ts";

const cid = (n: number) => new Uint8Array(8).fill(n);
const token = (n: number) => new Uint8Array(16).fill(n);

Deno.test("CidManager.onNewConnectionId() stores CIDs and retires those below retire_prior_to", () => {
  const m = new CidManager(4);
  m.setInitialRemote(cid(0), token(0));
  assert.deepEqual(
    m.onNewConnectionId({
      type: 0x18,
      seq: 1,
      retirePriorTo: 0,
      cid: cid(1),
      resetToken: token(1),
    }),
    [],
  );
  assert.deepEqual(m.remoteCid, cid(0));
  const retire = m.onNewConnectionId({
    type: 0x18,
    seq: 2,
    retirePriorTo: 2,
    cid: cid(2),
    resetToken: token(2),
  });
  assert.deepEqual(retire.sort(), [0, 1]);
  assert.deepEqual(m.remoteCid, cid(2), "moves to a live CID");
  assert.ok(m.isStatelessReset(token(2)));
  assert.ok(!m.isStatelessReset(token(0)), "retired tokens no longer count");
});

Deno.test("CidManager.onNewConnectionId() refuses a reused sequence number with another CID", () => {
  const m = new CidManager(4);
  m.setInitialRemote(cid(0));
  m.onNewConnectionId({ type: 0x18, seq: 1, retirePriorTo: 0, cid: cid(1), resetToken: token(1) });
  assert.throws(
    () =>
      m.onNewConnectionId({
        type: 0x18,
        seq: 1,
        retirePriorTo: 0,
        cid: cid(9),
        resetToken: token(1),
      }),
    (e: { code?: number }) => e.code === 0x0a,
  );
});

Deno.test("CidManager.onNewConnectionId() enforces active_connection_id_limit", () => {
  const m = new CidManager(2);
  m.setInitialRemote(cid(0));
  m.onNewConnectionId({ type: 0x18, seq: 1, retirePriorTo: 0, cid: cid(1), resetToken: token(1) });
  assert.throws(
    () =>
      m.onNewConnectionId({
        type: 0x18,
        seq: 2,
        retirePriorTo: 0,
        cid: cid(2),
        resetToken: token(2),
      }),
    (e: { code?: number }) => e.code === 0x09,
  );
});

Deno.test("CidManager.onRetireConnectionId() returns the retired CID once", () => {
  const m = new CidManager(4);
  m.addLocal(cid(0), token(0));
  m.addLocal(cid(1), token(1));
  assert.deepEqual(m.onRetireConnectionId({ type: 0x19, seq: 1 }, cid(0)), cid(1));
  assert.equal(m.onRetireConnectionId({ type: 0x19, seq: 1 }, cid(0)), null);
  assert.throws(
    () => m.onRetireConnectionId({ type: 0x19, seq: 0 }, cid(0)),
    (e: { code?: number }) => e.code === 0x0a,
  );
  assert.throws(
    () => m.onRetireConnectionId({ type: 0x19, seq: 5 }, cid(0)),
    (e: { code?: number }) => e.code === 0x0a,
  );
});

Deno.test("CidManager.rotate() moves to the lowest spare peer CID and returns the old sequence", () => {
  const m = new CidManager(4);
  m.setInitialRemote(cid(0), token(0));
  assert.equal(m.rotate(), -1, "no spare CID");
  for (const seq of [2, 1]) {
    m.onNewConnectionId({
      type: 0x18,
      seq,
      retirePriorTo: 0,
      cid: cid(seq),
      resetToken: token(seq),
    });
  }
  assert.equal(m.spareRemote, 2);
  assert.equal(m.rotate(), 0);
  assert.deepEqual(m.remoteCid, cid(1));
  assert.equal(m.spareRemote, 1);
  assert.equal(m.isStatelessReset(token(0)), false, "the old CID's token is gone");
});

Deno.test("CidManager.useSeq() switches to a given peer CID (preferred_address uses 1)", () => {
  const m = new CidManager(4);
  m.setInitialRemote(cid(0), token(0));
  m.onNewConnectionId({ type: 0x18, seq: 1, retirePriorTo: 0, cid: cid(1), resetToken: token(1) });
  m.onNewConnectionId({ type: 0x18, seq: 2, retirePriorTo: 0, cid: cid(2), resetToken: token(2) });
  assert.equal(m.useSeq(7), -1);
  assert.equal(m.useSeq(2), 0);
  assert.deepEqual(m.remoteCid, cid(2));
  assert.equal(m.useSeq(2), -1, "already current");
});
