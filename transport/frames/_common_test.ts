import assert from "node:assert/strict";
import { Reader } from "../wire/reader.ts";
import { varintSat } from "./_common.ts";
import { hex } from "./_testing.ts";

// RFC 9000 Appendix A.1, https://www.rfc-editor.org/rfc/rfc9000.html#appendix-A.1
Deno.test("varints decode the RFC 9000 Appendix A.1 examples", () => {
  assert.equal(new Reader(hex("c2197c5eff14e88c")).varintBig(), 151288809941952652n);
  assert.equal(new Reader(hex("9d7f3e7d")).varint(), 494878333);
  assert.equal(new Reader(hex("7bbd")).varint(), 15293);
  assert.equal(new Reader(hex("25")).varint(), 37);
  assert.equal(new Reader(hex("4025")).varint(), 37);
});

Deno.test("varintSat() agrees with varint() below 2^53 and saturates above", () => {
  for (const s of ["25", "4025", "7bbd", "9d7f3e7d", "c01fffffffffffff", "c000000000000001"]) {
    const b = hex(s);
    const r = new Reader(b);
    assert.equal(varintSat(r), new Reader(b).varint());
    assert.equal(r.pos, b.length);
  }
  for (const s of ["c2197c5eff14e88c", "c020000000000000", "ffffffffffffffff"]) {
    const r = new Reader(hex(s));
    assert.equal(varintSat(r), Number.MAX_SAFE_INTEGER);
    assert.equal(r.pos, 8);
  }
});

Deno.test("varintSat() throws UnexpectedEnd on a truncated 8-byte varint", () => {
  assert.throws(() => varintSat(new Reader(hex("ffffffffffffff"))), RangeError);
});
