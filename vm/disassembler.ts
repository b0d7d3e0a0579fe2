/**
 * Instructions → the assembler syntax of `assembler.ts` (so that
 * `assemble(disassemble(p))` gives `p` back for every valid program).
 *
 * @module
 */

import { type Instruction, lookupForm, OP_LDDW } from "./isa.ts";

function signed(n: number): string {
  return n < 0 ? `${n}` : `+${n}`;
}

function mem(reg: number, off: number): string {
  return off === 0 ? `[r${reg}]` : `[r${reg}${off < 0 ? "-" : "+"}${Math.abs(off)}]`;
}

function immText(n: number): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

/**
 * One instruction as text.
 *
 * @param ins the instruction
 * @param helperNames optional helper id → name, shown as a comment
 * @returns e.g. `add32 r1, 0x5` or `.unknown opcode=0x..`
 */
export function disassembleOne(ins: Instruction, helperNames?: Map<number, string>): string {
  const f = lookupForm(ins);
  if (f === undefined) {
    return `.unknown opcode=0x${ins.opcode.toString(16)} dst=${ins.dst} src=${ins.src} ` +
      `off=${ins.offset} imm=${ins.imm}`;
  }
  const m = f.mnemonic;
  switch (f.kind) {
    case "exit":
      return m;
    case "lddw":
      return `lddw r${ins.dst}, 0x${(ins.imm64 ?? BigInt(ins.imm >>> 0)).toString(16)}`;
    case "call": {
      if (ins.src === 1) return `call local ${signed(ins.imm)}`;
      const name = helperNames?.get(ins.imm);
      return name === undefined ? `call ${ins.imm}` : `call ${ins.imm} # ${name}`;
    }
    case "alu":
      if (f.src === "zero" && f.imm !== "any") return `${m} r${ins.dst}`;
      return f.src === "read"
        ? `${m} r${ins.dst}, r${ins.src}`
        : `${m} r${ins.dst}, ${immText(ins.imm)}`;
    case "jump":
      if (m === "ja") return `ja ${signed(ins.offset)}`;
      if (m === "ja32") return `ja32 ${signed(ins.imm)}`;
      return f.src === "read"
        ? `${m} r${ins.dst}, r${ins.src}, ${signed(ins.offset)}`
        : `${m} r${ins.dst}, ${immText(ins.imm)}, ${signed(ins.offset)}`;
    case "load":
      return `${m} r${ins.dst}, ${mem(ins.src, ins.offset)}`;
    case "store":
      return f.src === "read"
        ? `${m} ${mem(ins.dst, ins.offset)}, r${ins.src}`
        : `${m} ${mem(ins.dst, ins.offset)}, ${immText(ins.imm)}`;
    case "atomic":
      return `${m} ${mem(ins.dst, ins.offset)}, r${ins.src}`;
  }
}

/**
 * A whole program, one line per instruction (lddw's second slot skipped).
 *
 * @param instructions one per slot
 * @param opts `pc: true` prefixes each line with its pc; `helperNames` annotates calls;
 *   `functions` (name → pc) prints `name:` labels
 * @returns lines
 *
 * @example
 * ```ts
 * import { disassemble } from "./disassembler.ts";
 * import { assemble } from "./assembler.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(disassemble(assemble("mov r0, 1\nexit")), ["mov r0, 0x1", "exit"]);
 * ```
 */
export function disassemble(
  instructions: readonly Instruction[],
  opts: { pc?: boolean; helperNames?: Map<number, string>; functions?: Map<string, number> } = {},
): string[] {
  const labels = new Map<number, string[]>();
  for (const [name, pc] of opts.functions ?? []) {
    labels.set(pc, [...(labels.get(pc) ?? []), name]);
  }
  const out: string[] = [];
  for (let pc = 0; pc < instructions.length; pc++) {
    const ins = instructions[pc]!;
    for (const l of labels.get(pc) ?? []) out.push(`${l}:`);
    const text = disassembleOne(ins, opts.helperNames);
    out.push(opts.pc === true ? `${String(pc).padStart(5)}: ${text}` : text);
    if (ins.opcode === OP_LDDW) pc++;
  }
  return out;
}
