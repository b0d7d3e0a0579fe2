import assert from "node:assert/strict";
import { TlsAlert } from "../session.ts";
import { frameHandshake, HandshakeReassembler, MAX_HANDSHAKE_MESSAGE } from "./handshake.ts";
import { CLIENT_HELLO, SERVER_HELLO } from "../testdata/rfc8448.ts";

Deno.test("HandshakeReassembler yields messages split byte by byte", () => {
  const all = new Uint8Array([...CLIENT_HELLO, ...SERVER_HELLO]);
  const r = new HandshakeReassembler();
  const out: Uint8Array[] = [];
  for (const b of all) {
    r.push(new Uint8Array([b]));
    for (let m = r.next(); m !== null; m = r.next()) out.push(m.raw);
  }
  assert.equal(out.length, 2);
  assert.deepEqual(out[0], CLIENT_HELLO);
  assert.deepEqual(out[1], SERVER_HELLO);
  assert.equal(r.buffered, 0);
});

Deno.test("HandshakeReassembler yields two messages pushed in one chunk", () => {
  const r = new HandshakeReassembler();
  r.push(
    new Uint8Array([
      ...frameHandshake(20, new Uint8Array(3)),
      ...frameHandshake(8, new Uint8Array(0)),
      4,
    ]),
  );
  assert.equal(r.next()?.type, 20);
  const ee = r.next();
  assert.equal(ee?.type, 8);
  assert.equal(ee?.body.length, 0);
  assert.equal(r.next(), null);
  assert.equal(r.buffered, 1);
});

Deno.test("HandshakeReassembler refuses a length over the limit with decode_error", () => {
  const r = new HandshakeReassembler();
  const n = MAX_HANDSHAKE_MESSAGE + 1;
  r.push(new Uint8Array([11, n >>> 16, (n >>> 8) & 0xff, n & 0xff]));
  assert.throws(() => r.next(), (e) => e instanceof TlsAlert && e.alert === 50);
});

Deno.test("frameHandshake() writes the 24-bit length", () => {
  const m = frameHandshake(11, new Uint8Array(0x10203));
  assert.deepEqual(m.subarray(0, 4), new Uint8Array([11, 1, 2, 3]));
});
