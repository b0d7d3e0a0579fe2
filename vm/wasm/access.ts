/**
 * Memory-access helpers of the emitter: access sizes, store opcodes, and the
 * runs of accesses one bounds check may cover (as rbpf's grouped checks).
 *
 * @module
 */

import {
  CLASS_JMP,
  CLASS_JMP32,
  CLASS_LDX,
  CLASS_ST,
  CLASS_STX,
  type Instruction,
  MODE_MEM,
  MODE_MEMSX,
  OP_LDDW,
  SIZE_B,
  SIZE_DW,
  SIZE_H,
} from "../isa.ts";
import { Op } from "./module.ts";

/** Accesses covered by one bounds check, in program order. */
export type AccessGroup = {
  /** Slot of the access. */
  pc: number;
  /** Displacement from the base register. */
  offset: number;
  /** Bytes accessed. */
  size: number;
  /** Whether it writes. */
  write: boolean;
}[];

/**
 * The accesses, from the load at `pc` on, that one bounds check may cover:
 * loads through the same, unwritten base register, optionally ending with
 * one store through it, with no other access, atomic or call in between. Loads
 * have no effect, so when the joint check fails the fault import can name
 * the first access that is out of bounds and memory is as the interpreter
 * leaves it at that fault.
 *
 * @param ins the program
 * @param pc the first access
 * @param base its base register
 * @param blockEnd one past the last slot of its block
 * @returns the accesses, in program order
 */
export function accessGroup(
  ins: readonly Instruction[],
  pc: number,
  base: number,
  blockEnd: number,
): AccessGroup {
  const group: AccessGroup = [];
  for (let q = pc; q < blockEnd; q++) {
    const i = ins[q]!;
    const cls = i.opcode & 0x07;
    const mode = i.opcode & 0xe0;
    if (cls === CLASS_LDX && i.src === base && (mode === MODE_MEM || mode === MODE_MEMSX)) {
      group.push({ pc: q, offset: i.offset, size: sizeOf(i.opcode), write: false });
      if (i.dst === base) break;
      continue;
    }
    // A load through another base may fault first: the group ends there.
    if (cls === CLASS_LDX) break;
    if (cls === CLASS_ST || cls === CLASS_STX) {
      if (i.dst === base && mode === MODE_MEM) {
        group.push({ pc: q, offset: i.offset, size: sizeOf(i.opcode), write: true });
      }
      break;
    }
    if (cls === CLASS_JMP || cls === CLASS_JMP32) break;
    // ALU, lddw and other loads write dst.
    if (i.dst === base) break;
    if (i.opcode === OP_LDDW) q++;
  }
  return group;
}

/**
 * @param opcode a load or store opcode
 * @returns bytes accessed
 */
export function sizeOf(opcode: number): number {
  switch (opcode & 0x18) {
    case SIZE_B:
      return 1;
    case SIZE_H:
      return 2;
    case SIZE_DW:
      return 8;
    default:
      return 4;
  }
}

/**
 * @param size bytes stored
 * @returns the i64 store opcode of that width
 */
export function storeOp(size: number): number {
  return size === 1
    ? Op.i64Store8
    : size === 2
    ? Op.i64Store16
    : size === 4
    ? Op.i64Store32
    : Op.i64Store;
}
