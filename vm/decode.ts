/**
 * Bytecode ⇄ instructions (RFC 9669 §3.1). Slots are little-endian 8 bytes:
 * opcode, dst (low nibble) / src (high nibble), offset (s16), imm (s32).
 *
 * `lddw` spans two slots: the first instruction gets `imm64` (the full
 * immediate, unsigned); the second slot is decoded as a plain raw instruction
 * (opcode 0 when well formed, imm = upper 32 bits) so instruction index ==
 * slot index. Engines never execute it; the verifier refuses jumps into it.
 *
 * Unknown opcodes decode fine; refusing them is the verifier's job.
 *
 * @module
 */

import { PluginFault } from "./fault.ts";
import { type Instruction, OP_LDDW, SLOT_SIZE } from "./isa.ts";

/**
 * Decodes raw bytecode.
 *
 * @param bytes a whole number of 8-byte slots
 * @returns one instruction per slot
 * @throws PluginFault "elf" when the length is not a multiple of 8 or lddw is cut off
 */
export function decodeProgram(bytes: Uint8Array): Instruction[] {
  if (bytes.length % SLOT_SIZE !== 0) {
    throw new PluginFault(
      "elf",
      `bytecode length ${bytes.length} is not a multiple of ${SLOT_SIZE}`,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length / SLOT_SIZE;
  const out: Instruction[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * SLOT_SIZE;
    const regs = dv.getUint8(o + 1);
    const ins: Instruction = {
      opcode: dv.getUint8(o),
      dst: regs & 0x0f,
      src: regs >> 4,
      offset: dv.getInt16(o + 2, true),
      imm: dv.getInt32(o + 4, true),
    };
    out[i] = ins;
    if (ins.opcode === OP_LDDW) {
      if (i + 1 >= n) {
        throw new PluginFault("elf", `pc ${i}: lddw is missing its second slot`, { pc: i });
      }
      const hi = dv.getUint32(o + 12, true);
      ins.imm64 = (BigInt(hi) << 32n) | BigInt(ins.imm >>> 0);
    }
  }
  return out;
}

/**
 * Encodes instructions back to bytecode. For lddw the first slot's imm and
 * the second slot's imm come from `imm64` when present.
 *
 * @param instructions one per slot
 * @returns the bytes
 */
export function encodeProgram(instructions: readonly Instruction[]): Uint8Array {
  const out = new Uint8Array(instructions.length * SLOT_SIZE);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < instructions.length; i++) {
    const ins = instructions[i]!;
    const o = i * SLOT_SIZE;
    dv.setUint8(o, ins.opcode & 0xff);
    dv.setUint8(o + 1, ((ins.src & 0x0f) << 4) | (ins.dst & 0x0f));
    dv.setInt16(o + 2, ins.offset, true);
    dv.setInt32(o + 4, ins.imm | 0, true);
  }
  // lddw's imm64 wins over the slots' imm fields.
  for (let i = 0; i < instructions.length; i++) {
    const ins = instructions[i]!;
    if (ins.opcode === OP_LDDW && ins.imm64 !== undefined && i + 1 < instructions.length) {
      const v = BigInt.asUintN(64, ins.imm64);
      dv.setUint32(i * SLOT_SIZE + 4, Number(v & 0xffff_ffffn), true);
      dv.setUint32((i + 1) * SLOT_SIZE + 4, Number(v >> 32n), true);
    }
  }
  return out;
}

/**
 * Builds an instruction with sign-normalised fields.
 *
 * @param opcode opcode byte
 * @param dst destination register
 * @param src source register
 * @param offset signed 16-bit
 * @param imm signed 32-bit
 * @returns the instruction
 */
export function insn(opcode: number, dst = 0, src = 0, offset = 0, imm = 0): Instruction {
  return { opcode, dst, src, offset: (offset << 16) >> 16, imm: imm | 0 };
}
