import assert from "node:assert/strict";
import {
  ALU_DIV,
  ALU_MOV,
  ATOMIC_CMPXCHG,
  CLASS_ALU64,
  CLASS_STX,
  FORMS,
  formsByMnemonic,
  isWide,
  lookupForm,
  MODE_ATOMIC,
  OP_LDDW,
  REFUSED_OPCODES,
  SIZE_DW,
  SRC_K,
  SRC_X,
} from "./isa.ts";

Deno.test("FORMS has one row per (opcode, variant) and unique K/X pairs per mnemonic", () => {
  const keys = FORMS.map((f) => `${f.opcode}/${f.offsetValue ?? "-"}/${f.immValue ?? "-"}`);
  assert.equal(new Set(keys).size, keys.length);
  for (const f of FORMS) {
    const same = formsByMnemonic(f.mnemonic);
    assert.ok(same.length <= 2, f.mnemonic);
  }
});

Deno.test("lookupForm() tells variants apart by offset and imm", () => {
  const div = CLASS_ALU64 | SRC_K | ALU_DIV;
  assert.equal(lookupForm({ opcode: div, dst: 0, src: 0, offset: 0, imm: 3 })?.mnemonic, "div");
  assert.equal(lookupForm({ opcode: div, dst: 0, src: 0, offset: 1, imm: 3 })?.mnemonic, "sdiv");
  const mov = CLASS_ALU64 | SRC_X | ALU_MOV;
  assert.equal(
    lookupForm({ opcode: mov, dst: 0, src: 1, offset: 16, imm: 0 })?.mnemonic,
    "movsx16",
  );
  const atomic = CLASS_STX | MODE_ATOMIC | SIZE_DW;
  assert.equal(
    lookupForm({ opcode: atomic, dst: 0, src: 1, offset: 0, imm: ATOMIC_CMPXCHG })?.mnemonic,
    "atomic_cmpxchgdw",
  );
  assert.equal(lookupForm({ opcode: atomic, dst: 0, src: 1, offset: 0, imm: 0x33 }), undefined);
  assert.equal(lookupForm({ opcode: 0xd4, dst: 0, src: 0, offset: 0, imm: 24 }), undefined);
  assert.equal(lookupForm({ opcode: 0xff, dst: 0, src: 0, offset: 0, imm: 0 }), undefined);
});

Deno.test("the table holds the RFC 9669 newer instructions", () => {
  for (const m of ["sdiv32", "smod", "movsx32", "mov32sx8", "ldxsw", "bswap64", "ja32", "jslt32"]) {
    assert.ok(formsByMnemonic(m).length > 0, m);
  }
});

Deno.test("REFUSED_OPCODES lists the eight legacy packet loads and isWide() only lddw", () => {
  assert.equal(REFUSED_OPCODES.size, 8);
  for (const op of REFUSED_OPCODES.keys()) {
    assert.equal(lookupForm({ opcode: op, dst: 0, src: 0, offset: 0, imm: 0 }), undefined);
  }
  assert.ok(isWide(OP_LDDW));
  assert.ok(!isWide(0x95));
});
