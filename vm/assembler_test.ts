import assert from "node:assert/strict";
import { assemble, assembleBytes } from "./assembler.ts";
import { decodeProgram } from "./decode.ts";
import { disassemble, disassembleOne } from "./disassembler.ts";
import { FORMS, type Instruction, OP_LDDW } from "./isa.ts";

function sampleOf(opcode: number, f: (typeof FORMS)[number]): Instruction {
  return {
    opcode,
    dst: f.dst === "zero" ? 0 : 3,
    src: f.src === "zero" ? 0 : 4,
    offset: f.offset === "fixed" ? f.offsetValue! : f.offset === "zero" ? 0 : -9,
    imm: f.imm === "fixed" ? f.immValue! : f.imm === "zero" ? 0 : -123456,
  };
}

Deno.test("assemble(disassemble()) gives back every form of the table", () => {
  for (const f of FORMS) {
    const ins = sampleOf(f.opcode, f);
    if (f.kind === "call") ins.imm = 5;
    const prog: Instruction[] = [ins];
    if (f.opcode === OP_LDDW) {
      ins.imm64 = 0xfedcba98_76543210n;
      ins.imm = 0x76543210;
      prog.push({ opcode: 0, dst: 0, src: 0, offset: 0, imm: 0xfedcba98 | 0 });
    }
    const text = disassemble(prog).join("\n");
    assert.deepEqual(assemble(text), prog, `${f.mnemonic}: ${text}`);
  }
});

Deno.test("assemble() resolves labels forwards and backwards", () => {
  const p = assemble(`
    start: mov r0, 0
    loop:
      add r0, 1
      jlt r0, 10, loop   # backwards
      ja end
      mov r0, 99
    end: exit
  `);
  assert.equal(p[2]!.offset, -2);
  assert.equal(p[3]!.offset, 1);
});

Deno.test("assemble() encodes call local with a label as a relative imm", () => {
  const p = assemble("call local f\nexit\nf: exit");
  assert.equal(p[0]!.src, 1);
  assert.equal(p[0]!.imm, 1);
});

Deno.test("assemble() accepts unsigned 32-bit immediates and stores them signed", () => {
  assert.equal(assemble("mov32 r0, 0xffffffff")[0]!.imm, -1);
});

Deno.test("assemble() reports the line of an unknown mnemonic", () => {
  assert.throws(() => assemble("mov r0, 1\nfrob r1"), /line 2: unknown mnemonic "frob"/);
});

Deno.test("assemble() reports an unknown label", () => {
  assert.throws(() => assemble("ja nowhere\nexit"), /line 1: unknown label "nowhere"/);
});

Deno.test("assemble() refuses an immediate wider than 32 bits", () => {
  assert.throws(() => assemble("mov r0, 0x100000000"), /does not fit 32 bits/);
});

Deno.test("assemble() refuses a malformed memory operand", () => {
  assert.throws(() => assemble("ldxw r0, r1+4"), /expected a memory operand/);
});

Deno.test("assembleBytes() produces decodable bytecode", () => {
  const bytes = assembleBytes("lddw r1, 0x100000000\nmov r0, r1\nexit");
  assert.equal(bytes.length, 32);
  assert.equal(decodeProgram(bytes)[0]!.imm64, 0x100000000n);
});

Deno.test("disassembleOne() names unknown opcodes and helper calls", () => {
  assert.match(disassembleOne({ opcode: 0xff, dst: 0, src: 0, offset: 0, imm: 0 }), /unknown/);
  assert.equal(
    disassembleOne({ opcode: 0x85, dst: 0, src: 0, offset: 0, imm: 2 }, new Map([[2, "sum"]])),
    "call 2 # sum",
  );
});

Deno.test("disassemble() prints function labels and pcs, skipping lddw's second slot", () => {
  const lines = disassemble(assemble("lddw r0, 1\nexit"), {
    pc: true,
    functions: new Map([["main", 0]]),
  });
  assert.deepEqual(lines, ["main:", "    0: lddw r0, 0x1", "    2: exit"]);
});
