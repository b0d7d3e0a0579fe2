import assert from "node:assert/strict";
import { assemble } from "./assembler.ts";
import { PluginFault } from "./fault.ts";
import { HelperTable } from "./helpers.ts";
import { createInstance } from "./instance.ts";
import { aluOp, byteSwap, jumpTaken } from "./interpreter.ts";
import * as I from "./isa.ts";
import { makeProgram } from "./program.ts";

function inst(text: string, helpers = new HelperTable()) {
  return createInstance(makeProgram(assemble(text)), helpers);
}

Deno.test("interpreter counts one unit of fuel per instruction", () => {
  const i = inst("mov r0, 1\nadd r0, 1\nadd r0, 1\nadd r0, 1\nexit");
  assert.equal(i.run(0, [], { fuel: 5 }), 4n);
  assert.throws(
    () => i.run(0, [], { fuel: 4 }),
    (e: unknown) =>
      e instanceof PluginFault && e.kind === "fuel" && e.pc === 4 &&
      e.message === "fuel exhausted: instruction budget of 4 spent (pc 4)",
  );
});

Deno.test("interpreter starts with r1..r5 = args (mod 2^64) and r10 = the frame top", () => {
  const i = inst("mov r0, r10\nsub r0, r5\nexit");
  const top = i.memory.frameTop;
  assert.equal(i.run(0, [0n, 0n, 0n, 0n, 1n]), top - 1n);
  assert.equal(inst("mov r0, r1\nexit").run(0, [-1n]), 0xffffffffffffffffn);
});

Deno.test("interpreter fills in the pc of a helper fault", () => {
  const h = new HelperTable().register({
    id: 1,
    name: "bad",
    call() {
      throw new PluginFault("helper", "bad argument");
    },
  });
  assert.throws(
    () => inst("mov r0, 0\ncall 1\nexit", h).run(),
    (e: unknown) => e instanceof PluginFault && e.kind === "helper" && e.pc === 1,
  );
});

Deno.test("interpreter lets other helper exceptions through unchanged", () => {
  class Custom extends Error {}
  const h = new HelperTable().register({
    id: 1,
    name: "boom",
    call() {
      throw new Custom("x");
    },
  });
  assert.throws(() => inst("call 1\nexit", h).run(), Custom);
});

Deno.test("interpreter truncates a helper's result to 64 bits", () => {
  const h = new HelperTable().register({ id: 1, name: "neg", call: () => -1n });
  assert.equal(inst("call 1\nexit", h).run(), 0xffffffffffffffffn);
});

Deno.test("byteSwap() reverses 16, 32 and 64-bit values", () => {
  assert.equal(byteSwap(0xaabb1122n, 16), 0x2211n);
  assert.equal(byteSwap(0x11223344n, 32), 0x44332211n);
  assert.equal(byteSwap(0x0102030405060708n, 64), 0x0807060504030201n);
});

/** ALU32 reference on JS int32 numbers, independent of the BigInt code. */
function alu32Ref(op: number, signed: boolean, a: number, b: number): number {
  const ua = a >>> 0, ub = b >>> 0;
  switch (op) {
    case I.ALU_ADD:
      return (ua + ub) >>> 0;
    case I.ALU_SUB:
      return (ua - ub) >>> 0;
    case I.ALU_MUL:
      return Math.imul(ua, ub) >>> 0;
    case I.ALU_DIV:
      if (ub === 0) return 0;
      if (signed) {
        return (a | 0) === -0x80000000 && (b | 0) === -1
          ? 0x80000000
          : Math.trunc((a | 0) / (b | 0)) >>> 0;
      }
      return Math.floor(ua / ub) >>> 0;
    case I.ALU_MOD:
      if (ub === 0) return ua;
      if (signed) return (b | 0) === -1 ? 0 : ((a | 0) % (b | 0)) >>> 0;
      return (ua % ub) >>> 0;
    case I.ALU_LSH:
      return (ua << (ub & 31)) >>> 0;
    case I.ALU_RSH:
      return ua >>> (ub & 31);
    case I.ALU_ARSH:
      return ((a | 0) >> (ub & 31)) >>> 0;
    case I.ALU_XOR:
      return (ua ^ ub) >>> 0;
  }
  throw new Error("op");
}

Deno.test("aluOp() agrees with an int32 reference for 32-bit operations", () => {
  let x = 7;
  const rnd = () => {
    x = (x * 1103515245 + 12345) >>> 0;
    const pick = x % 6;
    return [0, 1, 0xffffffff, 0x80000000, 0x7fffffff, (x * 2654435761) >>> 0][pick]!;
  };
  const ops = [
    I.ALU_ADD,
    I.ALU_SUB,
    I.ALU_MUL,
    I.ALU_DIV,
    I.ALU_MOD,
    I.ALU_LSH,
    I.ALU_RSH,
    I.ALU_ARSH,
    I.ALU_XOR,
  ];
  for (let n = 0; n < 3000; n++) {
    const a = rnd(), b = rnd();
    const hi = BigInt(rnd()) << 32n; // upper halves must be ignored
    for (const op of ops) {
      for (const signed of op === I.ALU_DIV || op === I.ALU_MOD ? [false, true] : [false]) {
        const got = aluOp(op, signed ? 1 : 0, hi | BigInt(a), hi | BigInt(b), true);
        assert.equal(got, BigInt(alu32Ref(op, signed, a, b)), `op ${op} ${signed} ${a} ${b}`);
      }
    }
  }
});

Deno.test("jumpTaken() distinguishes signed and unsigned comparisons", () => {
  const m1 = 0xffffffffffffffffn;
  assert.equal(jumpTaken(I.JMP_JGT, m1, 1n, false), true);
  assert.equal(jumpTaken(I.JMP_JSGT, m1, 1n, false), false);
  assert.equal(jumpTaken(I.JMP_JSLT, 0xffffffffn, 0n, true), true);
  assert.equal(jumpTaken(I.JMP_JSLT, 0xffffffffn, 0n, false), false);
});
