/**
 * eBPF ALU instructions → WebAssembly (RFC 9669 §4.1 arithmetic, §4.2 byte
 * swaps), for emit.ts. Wasm gives most of RFC 9669's rules for free: shift
 * counts are masked to the width, 32-bit results are zero-extended with
 * `i64.extend_i32_u`, sign extension has its own opcodes. What it does not
 * give is guarded here: division by zero (quotient 0, remainder = dividend,
 * 32-bit remainders zero-extended) and INT_MIN / -1, which wraps instead of
 * trapping.
 *
 * @module
 */

import {
  ALU_ADD,
  ALU_AND,
  ALU_ARSH,
  ALU_DIV,
  ALU_END,
  ALU_LSH,
  ALU_MOD,
  ALU_MOV,
  ALU_MUL,
  ALU_NEG,
  ALU_OR,
  ALU_RSH,
  ALU_SUB,
  ALU_XOR,
  type Instruction,
  SRC_X,
} from "../isa.ts";
import type { CodeWriter } from "./module.ts";
import { Op, ValType } from "./module.ts";

/** What the ALU emitters need from the function being emitted. */
export interface AluTarget {
  /** The function body. */
  readonly w: CodeWriter;
  /** A free i64 local. */
  readonly i64Scratch: number;
  /** A free i32 local. */
  readonly i32Scratch: number;
  /** Pushes a register (or local). */
  get(r: number): void;
  /** Pops into a register (or local). */
  set(r: number): void;
  /** Pushes the 64-bit operand: src register, or imm sign-extended. */
  src64(ins: Instruction): void;
  /** Pushes the 32-bit operand: low word of src, or imm. */
  src32(ins: Instruction): void;
  /** Emits a fault for an instruction the compiler does not know. */
  unsupported(pc: number): void;
}

const I64 = ValType.i64;
/**
 * Emits a 64-bit ALU instruction (ALU64 class), including movsx and the
 * unconditional byte swap.
 *
 * @param e the function being emitted
 * @param ins the instruction
 * @param pc its slot
 */
export function emitAlu64(e: AluTarget, ins: Instruction, pc: number): void {
  const { w } = e;
  const op = ins.opcode & 0xf0;
  const d = ins.dst;
  const isX = (ins.opcode & SRC_X) !== 0;
  const simple: Record<number, number> = {
    [ALU_ADD]: Op.i64Add,
    [ALU_SUB]: Op.i64Sub,
    [ALU_MUL]: Op.i64Mul,
    [ALU_OR]: Op.i64Or,
    [ALU_AND]: Op.i64And,
    [ALU_XOR]: Op.i64Xor,
    [ALU_LSH]: Op.i64Shl, // Wasm masks the count to 6 bits, as §4.1 asks
    [ALU_RSH]: Op.i64ShrU,
    [ALU_ARSH]: Op.i64ShrS,
  };
  const wop = simple[op];
  if (wop !== undefined) {
    e.get(d);
    e.src64(ins);
    w.byte(wop);
    return e.set(d);
  }
  switch (op) {
    case ALU_MOV:
      if (isX && ins.offset !== 0) {
        e.get(ins.src);
        if (ins.offset === 8) w.byte(Op.i64Extend8S);
        else if (ins.offset === 16) w.byte(Op.i64Extend16S);
        else w.byte(Op.i64Extend32S);
      } else {
        e.src64(ins);
      }
      return e.set(d);
    case ALU_NEG:
      w.byte(Op.i64Const).i32(0);
      e.get(d);
      w.byte(Op.i64Sub);
      return e.set(d);
    case ALU_DIV:
    case ALU_MOD:
      return divmod(e, ins, false);
    case ALU_END:
      // Unconditional byte swap (ALU64 | K | END).
      e.get(d);
      bswap(e, ins.imm);
      return e.set(d);
  }
  e.unsupported(pc);
}

/**
 * Emits a 32-bit ALU instruction (ALU class), including the to-little- and
 * to-big-endian conversions; results are zero-extended.
 *
 * @param e the function being emitted
 * @param ins the instruction
 * @param pc its slot
 */
export function emitAlu32(e: AluTarget, ins: Instruction, pc: number): void {
  const { w } = e;
  const op = ins.opcode & 0xf0;
  const d = ins.dst;
  const isX = (ins.opcode & SRC_X) !== 0;
  const simple: Record<number, number> = {
    [ALU_ADD]: Op.i32Add,
    [ALU_SUB]: Op.i32Sub,
    [ALU_MUL]: Op.i32Mul,
    [ALU_OR]: Op.i32Or,
    [ALU_AND]: Op.i32And,
    [ALU_XOR]: Op.i32Xor,
    [ALU_LSH]: Op.i32Shl, // masked to 5 bits by Wasm, as §4.1 asks
    [ALU_RSH]: Op.i32ShrU,
    [ALU_ARSH]: Op.i32ShrS,
  };
  const wop = simple[op];
  if (wop !== undefined) {
    e.get(d);
    w.byte(Op.i32WrapI64);
    e.src32(ins);
    w.byte(wop).byte(Op.i64ExtendI32U);
    return e.set(d);
  }
  switch (op) {
    case ALU_MOV:
      e.src32(ins);
      if (isX && ins.offset === 8) w.byte(Op.i32Extend8S);
      else if (isX && ins.offset === 16) w.byte(Op.i32Extend16S);
      w.byte(Op.i64ExtendI32U);
      return e.set(d);
    case ALU_NEG:
      w.byte(Op.i32Const).i32(0);
      e.get(d);
      w.byte(Op.i32WrapI64).byte(Op.i32Sub).byte(Op.i64ExtendI32U);
      return e.set(d);
    case ALU_DIV:
    case ALU_MOD:
      return divmod(e, ins, true);
    case ALU_END:
      e.get(d);
      if (isX) {
        bswap(e, ins.imm); // to big-endian: a swap on our little-endian memory
      } else if (ins.imm === 16) {
        w.byte(Op.i64Const).i32(0xffff).byte(Op.i64And);
      } else if (ins.imm === 32) {
        w.byte(Op.i64Const).i64(0xffffffffn).byte(Op.i64And);
      }
      return e.set(d);
  }
  e.unsupported(pc);
}

/** Swaps the low `bits` bytes of the i64 on the stack; the result is zero-extended. */
function bswap(e: AluTarget, bits: number): void {
  const { w } = e;
  if (bits === 16) {
    // ((x & 0xff) << 8) | ((x >> 8) & 0xff)
    w.byte(Op.localTee).u32(e.i64Scratch).byte(Op.i64Const).i32(0xff).byte(Op.i64And)
      .byte(Op.i64Const).i32(8).byte(Op.i64Shl);
    e.get(e.i64Scratch);
    w.byte(Op.i64Const).i32(8).byte(Op.i64ShrU).byte(Op.i64Const).i32(0xff).byte(Op.i64And)
      .byte(Op.i64Or);
    return;
  }
  if (bits === 32) {
    // rotl(x & 0xff00ff00, 8) | rotr(x & 0x00ff00ff, 8), on 32 bits
    w.byte(Op.i32WrapI64).byte(Op.localTee).u32(e.i32Scratch);
    w.byte(Op.i32Const).i32(0xff00ff00 | 0).byte(Op.i32And).byte(Op.i32Const).i32(8)
      .byte(Op.i32Rotl);
    w.byte(Op.localGet).u32(e.i32Scratch).byte(Op.i32Const).i32(0x00ff00ff).byte(Op.i32And)
      .byte(Op.i32Const).i32(8).byte(Op.i32Rotr).byte(Op.i32Or).byte(Op.i64ExtendI32U);
    // e.i32Scratch is free here: it is only read right after being set by a jump.
    return;
  }
  // 64: swap bytes within 16-bit lanes, then 16-bit lanes within 32, then halves.
  const m8 = 0x00ff00ff00ff00ffn;
  const m16 = 0x0000ffff0000ffffn;
  w.byte(Op.localTee).u32(e.i64Scratch).byte(Op.i64Const).i64(m8).byte(Op.i64And)
    .byte(Op.i64Const).i32(8).byte(Op.i64Shl);
  e.get(e.i64Scratch);
  w.byte(Op.i64Const).i32(8).byte(Op.i64ShrU).byte(Op.i64Const).i64(m8).byte(Op.i64And)
    .byte(Op.i64Or);
  w.byte(Op.localTee).u32(e.i64Scratch).byte(Op.i64Const).i64(m16).byte(Op.i64And)
    .byte(Op.i64Const).i32(16).byte(Op.i64Shl);
  e.get(e.i64Scratch);
  w.byte(Op.i64Const).i32(16).byte(Op.i64ShrU).byte(Op.i64Const).i64(m16).byte(Op.i64And)
    .byte(Op.i64Or);
  w.byte(Op.i64Const).i32(32).byte(Op.i64Rotl);
}

/**
 * Division and modulo, unsigned (offset 0) or signed (offset 1), RFC 9669
 * §4.1: x / 0 = 0, x % 0 = x (32-bit: zero-extended), INT_MIN / -1 wraps to
 * INT_MIN and INT_MIN % -1 = 0 (Wasm's rem_s gives 0; div_s would trap, so
 * -1 is negation).
 */
function divmod(e: AluTarget, ins: Instruction, is32: boolean): void {
  const { w } = e;
  const d = ins.dst;
  const isMod = (ins.opcode & 0xf0) === ALU_MOD;
  const signed = ins.offset === 1;
  const isX = (ins.opcode & SRC_X) !== 0;
  const ty = is32 ? ValType.i32 : I64;
  const c = is32
    ? {
      cnst: Op.i32Const,
      sub: Op.i32Sub,
      eqz: Op.i32Eqz,
      eq: Op.i32Eq,
      op: isMod ? (signed ? Op.i32RemS : Op.i32RemU) : (signed ? Op.i32DivS : Op.i32DivU),
    }
    : {
      cnst: Op.i64Const,
      sub: Op.i64Sub,
      eqz: Op.i64Eqz,
      eq: Op.i64Eq,
      op: isMod ? (signed ? Op.i64RemS : Op.i64RemU) : (signed ? Op.i64DivS : Op.i64DivU),
    };
  const dividend = () => {
    e.get(d);
    if (is32) w.byte(Op.i32WrapI64);
  };
  const divisor = () => (is32 ? e.src32(ins) : e.src64(ins));
  const negate = () => {
    w.byte(c.cnst).i32(0);
    dividend();
    w.byte(c.sub);
  };
  const zeroResult = () => (isMod ? dividend() : w.byte(c.cnst).i32(0));
  if (!isX) {
    if (ins.imm === 0) zeroResult();
    else if (signed && ins.imm === -1) isMod ? w.byte(c.cnst).i32(0) : negate();
    else {
      dividend();
      divisor();
      w.byte(c.op);
    }
  } else {
    divisor();
    w.byte(c.eqz).byte(Op.if).byte(ty);
    zeroResult();
    w.byte(Op.else);
    if (signed) {
      divisor();
      w.byte(c.cnst).i32(-1).byte(c.eq).byte(Op.if).byte(ty);
      isMod ? w.byte(c.cnst).i32(0) : negate();
      w.byte(Op.else);
      dividend();
      divisor();
      w.byte(c.op).byte(Op.end);
    } else {
      dividend();
      divisor();
      w.byte(c.op);
    }
    w.byte(Op.end);
  }
  if (is32) w.byte(Op.i64ExtendI32U);
  e.set(d);
}
