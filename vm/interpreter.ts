/**
 * The reference interpreter: a plain switch over opcodes with BigInt
 * registers, written to be obviously right rather than fast (uBPF's
 * `ubpf_exec` and rbpf's `interpreter.rs` are the model). Every semantic rule
 * cites RFC 9669; the Wasm engine must agree with it on every program.
 *
 * Registers hold unsigned 64-bit values (0 ≤ r < 2^64). Every load, store and
 * atomic goes through `InstanceMemory.check`. Each executed instruction costs
 * one unit of fuel.
 *
 * @module
 */

import type { Engine, EngineFactory, RunOptions } from "./engine.ts";
import { DEFAULT_FUEL } from "./engine.ts";
import { fuelFault, PluginFault, stackOverflowFault } from "./fault.ts";
import { type HelperContext, type HelperTable, invokeHelper } from "./helpers.ts";
import * as I from "./isa.ts";
import { type InstanceMemory, MAX_CALL_DEPTH, STACK_FRAME_SIZE } from "./memory.ts";
import type { Program } from "./program.ts";

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const u32 = (v: bigint): bigint => BigInt.asUintN(32, v);
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);

/** Reverses the low `bits` bits' bytes of v (RFC 9669 §4.2); the result is zero-extended. */
export function byteSwap(v: bigint, bits: number): bigint {
  let out = 0n;
  for (let i = 0; i < bits / 8; i++) {
    out = (out << 8n) | ((v >> BigInt(i * 8)) & 0xffn);
  }
  return out;
}

/**
 * One ALU operation (RFC 9669 §4.1) on unsigned inputs; `is32` applies the
 * 32-bit rules (operands truncated, result zero-extended).
 *
 * @param op ALU operation code (high nibble of the opcode)
 * @param offset the instruction's offset (1 = signed div/mod, 8/16/32 = movsx)
 * @param a dst value (unsigned 64)
 * @param b operand: src value, or imm sign-extended to 64 bits, unsigned
 * @param is32 ALU (32-bit) class
 * @returns the new dst value, unsigned 64
 */
export function aluOp(op: number, offset: number, a: bigint, b: bigint, is32: boolean): bigint {
  const w = is32 ? 32 : 64;
  const trunc = (v: bigint) => BigInt.asUintN(w, v);
  const sgn = (v: bigint) => BigInt.asIntN(w, v);
  if (is32) {
    a = u32(a);
    b = u32(b);
  }
  switch (op) {
    case I.ALU_ADD:
      return trunc(a + b);
    case I.ALU_SUB:
      return trunc(a - b);
    case I.ALU_MUL:
      return trunc(a * b);
    case I.ALU_DIV:
      if (b === 0n) return 0n; // RFC 9669 §4.1: division by zero yields 0
      if (offset === 1) return trunc(sgn(a) / sgn(b)); // INT_MIN / -1 wraps to INT_MIN
      return a / b;
    case I.ALU_MOD:
      if (b === 0n) return a; // RFC 9669 §4.1: dst unchanged (truncated to 32 for ALU)
      if (offset === 1) return trunc(sgn(a) % sgn(b)); // sign of the dividend
      return a % b;
    case I.ALU_OR:
      return a | b;
    case I.ALU_AND:
      return a & b;
    case I.ALU_XOR:
      return a ^ b;
    case I.ALU_LSH:
      return trunc(a << (b & BigInt(w - 1))); // shift amounts masked to width
    case I.ALU_RSH:
      return a >> (b & BigInt(w - 1));
    case I.ALU_ARSH:
      return trunc(sgn(a) >> (b & BigInt(w - 1)));
    case I.ALU_NEG:
      return trunc(-a);
    case I.ALU_MOV:
      if (offset === 0) return b;
      // MOVSX (RFC 9669 §4.1): sign-extend the low `offset` bits of src.
      return trunc(BigInt.asIntN(offset, b));
  }
  throw new PluginFault("unsupported", `unknown ALU operation 0x${op.toString(16)}`);
}

/**
 * Evaluates a conditional jump's condition (RFC 9669 §4.3).
 *
 * @param op jump operation code
 * @param a dst value (unsigned 64)
 * @param b operand (unsigned 64: src, or imm sign-extended)
 * @param is32 JMP32 class: compare the low 32 bits
 * @returns whether the jump is taken
 */
export function jumpTaken(op: number, a: bigint, b: bigint, is32: boolean): boolean {
  if (is32) {
    a = u32(a);
    b = u32(b);
  }
  const sa = is32 ? s32(a) : s64(a);
  const sb = is32 ? s32(b) : s64(b);
  switch (op) {
    case I.JMP_JEQ:
      return a === b;
    case I.JMP_JNE:
      return a !== b;
    case I.JMP_JGT:
      return a > b;
    case I.JMP_JGE:
      return a >= b;
    case I.JMP_JLT:
      return a < b;
    case I.JMP_JLE:
      return a <= b;
    case I.JMP_JSET:
      return (a & b) !== 0n;
    case I.JMP_JSGT:
      return sa > sb;
    case I.JMP_JSGE:
      return sa >= sb;
    case I.JMP_JSLT:
      return sa < sb;
    case I.JMP_JSLE:
      return sa <= sb;
  }
  throw new PluginFault("unsupported", `unknown jump operation 0x${op.toString(16)}`);
}

const SIZE_OF: Record<number, number> = {
  [I.SIZE_B]: 1,
  [I.SIZE_H]: 2,
  [I.SIZE_W]: 4,
  [I.SIZE_DW]: 8,
};

function load(dv: DataView, off: number, size: number): bigint {
  switch (size) {
    case 1:
      return BigInt(dv.getUint8(off));
    case 2:
      return BigInt(dv.getUint16(off, true));
    case 4:
      return BigInt(dv.getUint32(off, true));
    default:
      return dv.getBigUint64(off, true);
  }
}

function store(dv: DataView, off: number, size: number, v: bigint): void {
  switch (size) {
    case 1:
      dv.setUint8(off, Number(v & 0xffn));
      return;
    case 2:
      dv.setUint16(off, Number(v & 0xffffn), true);
      return;
    case 4:
      dv.setUint32(off, Number(v & 0xffff_ffffn), true);
      return;
    default:
      dv.setBigUint64(off, u64(v), true);
  }
}

interface Frame {
  returnPc: number;
  saved: bigint[];
}

class Interpreter implements Engine {
  readonly #program: Program;
  readonly #memory: InstanceMemory;
  readonly #helpers: HelperTable;
  readonly #ctx: HelperContext;

  constructor(program: Program, memory: InstanceMemory, helpers: HelperTable, ctx: HelperContext) {
    this.#program = program;
    this.#memory = memory;
    this.#helpers = helpers;
    this.#ctx = ctx;
  }

  run(fn: number, args: bigint[], opts: RunOptions = {}): bigint {
    const code = this.#program.instructions;
    const mem = this.#memory;
    const budget = opts.fuel ?? DEFAULT_FUEL;
    let fuel = budget;
    const r: bigint[] = new Array(I.REGISTER_COUNT).fill(0n);
    for (let i = 0; i < 5; i++) r[i + 1] = u64(args[i] ?? 0n);
    r[I.FRAME_POINTER] = mem.frameTop;
    const frames: Frame[] = [];
    let pc = fn;
    for (;;) {
      const ins = code[pc];
      if (ins === undefined) {
        throw new PluginFault("unsupported", `pc ${pc}: execution left the program`, { pc });
      }
      if (--fuel < 0) throw fuelFault(budget, pc);
      const op = ins.opcode;
      const cls = op & 0x07;
      const { dst, src } = ins;
      switch (cls) {
        case I.CLASS_ALU:
        case I.CLASS_ALU64: {
          const is32 = cls === I.CLASS_ALU;
          const code4 = op & 0xf0;
          if (code4 === I.ALU_END) {
            const bits = ins.imm;
            const v = r[dst]!;
            if (cls === I.CLASS_ALU && (op & I.SRC_X) === 0) {
              // to little-endian: the host order here, so truncate (RFC 9669 §4.2)
              r[dst] = BigInt.asUintN(bits, v);
            } else {
              // to big-endian, or ALU64 unconditional swap
              r[dst] = byteSwap(v, bits);
            }
          } else {
            const b = (op & I.SRC_X) !== 0 ? r[src]! : u64(BigInt(ins.imm));
            r[dst] = aluOp(code4, ins.offset, r[dst]!, b, is32);
          }
          pc++;
          break;
        }
        case I.CLASS_JMP:
        case I.CLASS_JMP32: {
          const code4 = op & 0xf0;
          if (code4 === I.JMP_JA) {
            pc += 1 + (cls === I.CLASS_JMP ? ins.offset : ins.imm);
          } else if (code4 === I.JMP_EXIT) {
            const frame = frames.pop();
            if (frame === undefined) return r[0]!;
            for (let i = 0; i < 4; i++) r[6 + i] = frame.saved[i]!;
            r[I.FRAME_POINTER] = r[I.FRAME_POINTER]! + BigInt(STACK_FRAME_SIZE);
            pc = frame.returnPc;
          } else if (code4 === I.JMP_CALL) {
            if (src === I.CALL_LOCAL) {
              if (frames.length + 1 >= MAX_CALL_DEPTH) throw stackOverflowFault(MAX_CALL_DEPTH, pc);
              frames.push({ returnPc: pc + 1, saved: [r[6]!, r[7]!, r[8]!, r[9]!] });
              r[I.FRAME_POINTER] = r[I.FRAME_POINTER]! - BigInt(STACK_FRAME_SIZE);
              pc += 1 + ins.imm;
            } else {
              r[0] = this.#callHelper(ins.imm, r, pc);
              pc++;
            }
          } else {
            const b = (op & I.SRC_X) !== 0 ? r[src]! : u64(BigInt(ins.imm));
            pc += jumpTaken(code4, r[dst]!, b, cls === I.CLASS_JMP32) ? 1 + ins.offset : 1;
          }
          break;
        }
        case I.CLASS_LD: {
          if (op !== I.OP_LDDW) {
            throw new PluginFault("unsupported", `pc ${pc}: unsupported opcode 0x${hex2(op)}`, {
              pc,
            });
          }
          r[dst] = ins.imm64 ?? u64(BigInt(ins.imm));
          pc += 2;
          break;
        }
        case I.CLASS_LDX: {
          const size = SIZE_OF[op & 0x18]!;
          const off = mem.check(u64(r[src]! + BigInt(ins.offset)), size, false, pc);
          const v = load(mem.view(), off, size);
          r[dst] = (op & 0xe0) === I.MODE_MEMSX ? u64(BigInt.asIntN(size * 8, v)) : v;
          pc++;
          break;
        }
        case I.CLASS_ST: {
          const size = SIZE_OF[op & 0x18]!;
          const off = mem.check(u64(r[dst]! + BigInt(ins.offset)), size, true, pc);
          store(mem.view(), off, size, BigInt(ins.imm));
          pc++;
          break;
        }
        case I.CLASS_STX: {
          const size = SIZE_OF[op & 0x18]!;
          const off = mem.check(u64(r[dst]! + BigInt(ins.offset)), size, true, pc);
          if ((op & 0xe0) === I.MODE_ATOMIC) this.#atomic(ins.imm, size, off, src, r, pc);
          else store(mem.view(), off, size, r[src]!);
          pc++;
          break;
        }
      }
    }
  }

  /** RFC 9669 §5.3. */
  #atomic(aop: number, size: number, off: number, src: number, r: bigint[], pc: number): void {
    const dv = this.#memory.view();
    const old = load(dv, off, size);
    const trunc = (v: bigint) => BigInt.asUintN(size * 8, v);
    const val = trunc(r[src]!);
    switch (aop) {
      case I.ATOMIC_CMPXCHG:
        if (trunc(r[0]!) === old) store(dv, off, size, val);
        r[0] = old;
        return;
      case I.ATOMIC_XCHG:
        store(dv, off, size, val);
        r[src] = old;
        return;
    }
    let next: bigint;
    switch (aop & ~I.ATOMIC_FETCH) {
      case I.ATOMIC_ADD:
        next = old + val;
        break;
      case I.ATOMIC_OR:
        next = old | val;
        break;
      case I.ATOMIC_AND:
        next = old & val;
        break;
      case I.ATOMIC_XOR:
        next = old ^ val;
        break;
      default:
        throw new PluginFault("unsupported", `pc ${pc}: unknown atomic operation 0x${hex2(aop)}`, {
          pc,
        });
    }
    store(dv, off, size, trunc(next));
    if ((aop & I.ATOMIC_FETCH) !== 0) r[src] = old;
  }

  #callHelper(id: number, r: bigint[], pc: number): bigint {
    const h = this.#helpers.byId(id);
    if (h === undefined) {
      throw new PluginFault("helper", `pc ${pc}: call to unknown helper ${id}`, { pc });
    }
    try {
      return invokeHelper(h, this.#ctx, r);
    } catch (e) {
      if (e instanceof PluginFault && e.pc === undefined) e.pc = pc;
      throw e;
    }
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/**
 * The reference interpreter.
 *
 * @example
 * ```ts
 * import { interpreter } from "./interpreter.ts";
 * import { assemble } from "./assembler.ts";
 * import { makeProgram } from "./program.ts";
 * import { InstanceMemory } from "./memory.ts";
 * import { HelperTable } from "./helpers.ts";
 * import assert from "node:assert/strict";
 * const program = makeProgram(assemble("mov r0, r1\nadd r0, 2\nexit"));
 * const memory = new InstanceMemory();
 * const e = interpreter.create(program, memory, new HelperTable(), { memory, data: null });
 * assert.equal(e.run(0, [40n]), 42n);
 * ```
 */
export const interpreter: EngineFactory = {
  name: "interpreter",
  create(program, memory, helpers, ctx) {
    return new Interpreter(program, memory, helpers, ctx);
  },
};
