import assert from "node:assert/strict";
import { decodeProgram, encodeProgram, insn } from "./decode.ts";
import { PluginFault } from "./fault.ts";
import { OP_EXIT, OP_LDDW } from "./isa.ts";

Deno.test("decodeProgram() reads fields little-endian with signed offset and imm", () => {
  const bytes = new Uint8Array([0x07, 0x21, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x7f]);
  const [i] = decodeProgram(bytes);
  assert.deepEqual(i, { opcode: 0x07, dst: 1, src: 2, offset: -2, imm: 0x7fffffff });
});

Deno.test("decodeProgram() joins lddw's two slots into imm64 and keeps slot indices", () => {
  const bytes = new Uint8Array([
    0x18,
    0x01,
    0,
    0,
    0xef,
    0xcd,
    0xab,
    0x89,
    0x00,
    0x00,
    0,
    0,
    0x67,
    0x45,
    0x23,
    0xf1,
    0x95,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  const p = decodeProgram(bytes);
  assert.equal(p.length, 3);
  assert.equal(p[0]!.opcode, OP_LDDW);
  assert.equal(p[0]!.imm64, 0xf1234567_89abcdefn);
  assert.equal(p[1]!.opcode, 0);
  assert.equal(p[2]!.opcode, OP_EXIT);
});

Deno.test("decodeProgram() refuses a length that is not a multiple of 8", () => {
  assert.throws(
    () => decodeProgram(new Uint8Array(12)),
    (e: unknown) =>
      e instanceof PluginFault && e.kind === "elf" && /not a multiple of 8/.test(e.message),
  );
});

Deno.test("decodeProgram() refuses lddw without its second slot", () => {
  assert.throws(
    () => decodeProgram(new Uint8Array([0x18, 0, 0, 0, 1, 0, 0, 0])),
    /pc 0: lddw is missing its second slot/,
  );
});

Deno.test("encodeProgram() round-trips random slots", () => {
  let x = 12345;
  const next = () => (x = (x * 1103515245 + 12345) >>> 0);
  for (let n = 0; n < 200; n++) {
    const bytes = new Uint8Array(64);
    for (let i = 0; i < bytes.length; i++) bytes[i] = next() >>> 24;
    // Avoid a trailing lddw without a second slot.
    if (bytes[56] === OP_LDDW) bytes[56] = 0;
    assert.deepEqual(encodeProgram(decodeProgram(bytes)), bytes);
  }
});

Deno.test("encodeProgram() writes lddw's imm64 into both slots", () => {
  const lo = insn(OP_LDDW, 3);
  lo.imm64 = 0x1122334455667788n;
  const bytes = encodeProgram([lo, insn(0)]);
  assert.equal(decodeProgram(bytes)[0]!.imm64, 0x1122334455667788n);
});

Deno.test("insn() normalises offset and imm to signed widths", () => {
  const i = insn(0x07, 1, 0, 0xffff, 0xffffffff);
  assert.equal(i.offset, -1);
  assert.equal(i.imm, -1);
});
