/**
 * Every row of the instruction table runs on both engines with the same
 * result (STYLE §15: a coverage test over the one ISA table).
 */

import assert from "node:assert/strict";
import { disassembleOne } from "./disassembler.ts";
import type { EngineFactory } from "./engine.ts";
import { createInstance } from "./instance.ts";
import { interpreter } from "./interpreter.ts";
import { ALL_OPCODES, FORMS, type Instruction, type InstructionForm } from "./isa.ts";
import { makeProgram } from "./program.ts";
import { assemble } from "./assembler.ts";
import { wasmCompiler } from "./wasm/mod.ts";
import { testHelpers } from "./_test_helpers.ts";

/** One instance of a form with valid fields: dst r1 (or r10 as a base), src r2, stack at r10-16. */
function sample(f: InstructionForm): Instruction[] {
  const ins: Instruction = {
    opcode: f.opcode,
    dst: f.dst === "zero" ? 0 : 1,
    src: f.src === "zero" ? 0 : 2,
    offset: f.offset === "fixed" ? f.offsetValue! : f.offset === "jump" ? 1 : 0,
    imm: f.imm === "fixed" ? f.immValue! : f.imm === "any" ? -7 : f.imm === "jump" ? 1 : 0,
  };
  if (f.kind === "load") {
    ins.src = 10;
    ins.offset = -16;
  }
  if (f.kind === "store" || f.kind === "atomic") {
    ins.dst = 10;
    ins.offset = -16;
  }
  if (f.kind === "call") ins.imm = 1; // helper mix_args
  if (f.kind === "lddw") {
    ins.imm64 = 0x8765_4321_0fed_cba9n;
    ins.imm = 0x0fed_cba9;
    return [ins, { opcode: 0, dst: 0, src: 0, offset: 0, imm: -0x789a_bcdf }];
  }
  return [ins];
}

function programFor(f: InstructionForm): string {
  const body = sample(f);
  const text = f.kind === "exit" ? "exit" : disassembleOne(body[0]!);
  return [
    "lddw r0, 0x0123456789abcdef",
    "lddw r1, 0xfedcba9876543210",
    "mov r2, -3",
    "lddw r3, 0x8000000000000001",
    "stdw [r10-16], 0x12345",
    "stw [r10-12], -5",
    text,
    "mov r5, 0", // a jump with offset +1 lands here or skips it
    "ldxdw r4, [r10-16]",
    "xor r0, r1",
    "xor r0, r2",
    "xor r0, r4",
    "exit",
  ].join("\n");
}

function runOn(engine: EngineFactory, asm: string): bigint {
  const inst = createInstance(makeProgram(assemble(asm)), testHelpers(), {
    engine,
    data: { log: [] },
  });
  return inst.run(0, [], { fuel: 1000 });
}

Deno.test("FORMS covers every opcode in ALL_OPCODES and nothing else", () => {
  const seen = new Set(FORMS.map((f) => f.opcode));
  assert.deepEqual([...seen].sort((a, b) => a - b), [...ALL_OPCODES]);
  assert.ok(FORMS.length > 150, `only ${FORMS.length} forms`);
});

for (const f of FORMS) {
  const name = `${f.mnemonic} (opcode 0x${f.opcode.toString(16).padStart(2, "0")}${
    f.src === "read" ? ", X" : ""
  })`;
  Deno.test(`form ${name} gives the same result on the interpreter and wasm`, () => {
    const asm = programFor(f);
    const a = runOn(interpreter, asm);
    const b = runOn(wasmCompiler, asm);
    assert.equal(b, a, asm);
  });
}
