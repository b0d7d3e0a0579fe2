import assert from "node:assert/strict";
import { assemble } from "./assembler.ts";
import { PluginFault } from "./fault.ts";
import { HelperTable } from "./helpers.ts";
import type { Instruction } from "./isa.ts";
import { makeProgram } from "./program.ts";
import { verify } from "./verifier.ts";

const helpers = new HelperTable().register({ id: 3, name: "h", call: () => 0n });

function refusal(text: string | Instruction[], opts = {}): PluginFault {
  const code = typeof text === "string" ? assemble(text) : text;
  try {
    verify(makeProgram(code, opts), helpers);
  } catch (e) {
    if (e instanceof PluginFault) return e;
    throw e;
  }
  assert.fail("verify() accepted the program");
}

Deno.test("verify() accepts a valid program with helper and local calls", () => {
  verify(makeProgram(assemble("call 3\ncall local f\nexit\nf: mov r0, 1\nexit")), helpers);
});

Deno.test("verify() names the pc of an out-of-bounds jump with the program size", () => {
  const f = refusal("mov r0, 0\nja +40\nexit");
  assert.equal(f.kind, "verifier");
  assert.equal(f.pc, 1);
  assert.equal(f.message, "pc 1: jump to 42 is out of bounds (program has 3 instructions)");
});

Deno.test("verify() refuses an empty program", () => {
  assert.equal(refusal([]).message, "pc 0: program is empty");
});

Deno.test("verify() refuses programs above the size limit", () => {
  const code = assemble("mov r0, 0\n".repeat(20) + "exit");
  assert.throws(
    () => verify(makeProgram(code), helpers, { maxInstructions: 16 }),
    /program has 21 instructions, more than the limit of 16/,
  );
});

Deno.test("verify() refuses a write to r10 by a load", () => {
  assert.equal(refusal("ldxdw r10, [r1]\nexit").message, "pc 0: ldxdw: r10 is read-only");
});

Deno.test("verify() allows r10 as a store base and a source", () => {
  verify(makeProgram(assemble("stxdw [r10-8], r10\nmov r0, r10\nexit")), helpers);
});

Deno.test("verify() refuses a bad source register", () => {
  assert.equal(refusal("add r0, r12\nexit").message, "pc 0: add: invalid source register r12");
});

Deno.test("verify() refuses non-zero lddw second-slot fields", () => {
  const code = assemble("lddw r0, 1\nexit");
  code[1]!.dst = 2;
  assert.equal(refusal(code).message, "pc 1: second slot of lddw must be zero except for imm");
});

Deno.test("verify() refuses a program ending with lddw", () => {
  const code = assemble("lddw r0, 1");
  assert.match(refusal(code).message, /pc 0: program falls off the end/);
});

Deno.test("verify() refuses a program ending with a conditional jump", () => {
  assert.match(refusal("jeq r0, 0, -1").message, /pc 0: program falls off the end/);
});

Deno.test("verify() accepts a program ending with ja", () => {
  verify(makeProgram(assemble("l: exit\nja l")), helpers);
});

Deno.test("verify() refuses a local call into the middle of lddw", () => {
  assert.equal(
    refusal("call local +1\nlddw r0, 1\nexit").message,
    "pc 0: call to 2 lands in the second slot of lddw at 1",
  );
});

Deno.test("verify() refuses calls by BTF id", () => {
  const code = assemble("call 3\nexit");
  code[0]!.src = 2;
  assert.match(refusal(code).message, /pc 0: call with src 2 \(BTF or kfunc call\)/);
});

Deno.test("verify() refuses an entry or function outside the program", () => {
  assert.match(refusal("exit", { entry: 5 }).message, /entry to 5 is out of bounds/);
  assert.match(
    refusal("exit", { functions: new Map([["f", 9]]) }).message,
    /function f to 9 is out of bounds/,
  );
});

Deno.test("verify() accepts r10 accesses at both frame edges", () => {
  verify(makeProgram(assemble("stdw [r10-512], 1\nstb [r10-1], 1\nexit")), helpers);
  assert.match(refusal("stb [r10], 1\nexit").message, /outside the 512-byte frame/);
  assert.match(refusal("ldxh r0, [r10-513]\nexit").message, /\[r10-513\] of 2 bytes/);
});

Deno.test("verify() refuses non-zero imm where unused", () => {
  const code = assemble("add r0, r1\nexit");
  code[0]!.imm = 4;
  assert.equal(refusal(code).message, "pc 0: add: imm must be 0, got 4");
});

Deno.test("verify() refuses atomics with an unknown operation", () => {
  const code = assemble("atomic_adddw [r1], r2\nexit");
  code[0]!.imm = 0x02;
  assert.match(refusal(code).message, /pc 0: invalid variant of opcode 0xdb/);
});

Deno.test("verify() refuses legacy indirect packet loads", () => {
  assert.equal(
    refusal(".raw 0x50, 0, 1, 0, 0\nexit").message,
    "pc 0: legacy packet access (ldindb) is not supported",
  );
});
