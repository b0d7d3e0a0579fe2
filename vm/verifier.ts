/**
 * The verifier: static checks run before any engine sees a program (uBPF's
 * `validate`, rbpf's `verifier.rs`). It checks every instruction against the
 * ISA table ({@link FORMS}), register numbers, r10 being read-only, jump and
 * call targets, helper ids, constant-offset stack accesses, division by a
 * constant zero, the size limit and that the program cannot fall off its
 * end.
 *
 * What it does not do: it is not the kernel's verifier. It does not track
 * register types or values, so pointers in registers other than r10 are
 * checked at run time by the engines, and loops are stopped by the fuel
 * budget, not refused.
 *
 * Every refusal is a `PluginFault` of kind "verifier" whose message starts
 * with `pc N:` and names the rule.
 *
 * @module
 */

import { PluginFault } from "./fault.ts";
import type { HelperTable } from "./helpers.ts";
import {
  ALU_DIV,
  ALU_MOD,
  CALL_HELPER,
  CALL_LOCAL,
  CLASS_ALU,
  CLASS_ALU64,
  CLASS_LD,
  CLASS_LDX,
  formsOf,
  FRAME_POINTER,
  type Instruction,
  type InstructionForm,
  lookupForm,
  MAX_INSTRUCTIONS,
  OP_EXIT,
  OP_JA,
  OP_JA32,
  OP_LDDW,
  REFUSED_OPCODES,
  type RegRule,
  SRC_X,
} from "./isa.ts";
import { STACK_FRAME_SIZE } from "./memory.ts";
import type { Program } from "./program.ts";

/** Options of {@link verify}. */
export interface VerifyOptions {
  /** Most instructions (slots) allowed; default {@link MAX_INSTRUCTIONS}. */
  maxInstructions?: number;
}

function refuse(pc: number, rule: string): never {
  throw new PluginFault("verifier", `pc ${pc}: ${rule}`, { pc });
}

function hex2(n: number): string {
  return "0x" + n.toString(16).padStart(2, "0");
}

function checkReg(pc: number, f: InstructionForm, which: "dst" | "src", reg: number): void {
  const rule: RegRule = f[which];
  const name = which === "dst" ? "destination" : "source";
  if (rule === "zero") {
    if (reg !== 0) refuse(pc, `${f.mnemonic}: ${which} field must be 0, got ${reg}`);
    return;
  }
  if (reg > FRAME_POINTER) refuse(pc, `${f.mnemonic}: invalid ${name} register r${reg}`);
  if ((rule === "write" || rule === "readwrite") && reg === FRAME_POINTER) {
    refuse(pc, `${f.mnemonic}: r10 is read-only`);
  }
}

/**
 * Verifies a program against a helper table.
 *
 * @param program the program (instructions, functions, entry)
 * @param helpers helpers that `call <id>` may name
 * @param opts limits
 * @throws PluginFault "verifier" naming the pc and the rule
 *
 * @example
 * ```ts
 * import { verify } from "./verifier.ts";
 * import { assemble } from "./assembler.ts";
 * import { makeProgram } from "./program.ts";
 * import { HelperTable } from "./helpers.ts";
 * import assert from "node:assert/strict";
 * assert.throws(
 *   () => verify(makeProgram(assemble("mov r10, 1\nexit")), new HelperTable()),
 *   /pc 0: mov: r10 is read-only/,
 * );
 * ```
 */
export function verify(program: Program, helpers: HelperTable, opts: VerifyOptions = {}): void {
  const code = program.instructions;
  const n = code.length;
  const limit = opts.maxInstructions ?? MAX_INSTRUCTIONS;
  if (n === 0) refuse(0, "program is empty");
  if (n > limit) refuse(limit, `program has ${n} instructions, more than the limit of ${limit}`);
  // Second slots of lddw: never executed, never a target.
  const secondSlot = new Uint8Array(n);
  for (let pc = 0; pc < n; pc++) {
    if (code[pc]!.opcode === OP_LDDW) {
      if (pc + 1 >= n) refuse(pc, "lddw is missing its second slot");
      secondSlot[pc + 1] = 1;
      pc++;
    }
  }
  const checkTarget = (pc: number, target: number, what: string) => {
    if (target < 0 || target >= n) {
      refuse(pc, `${what} to ${target} is out of bounds (program has ${n} instructions)`);
    }
    if (secondSlot[target] === 1) {
      refuse(pc, `${what} to ${target} lands in the second slot of lddw at ${target - 1}`);
    }
  };
  if (!Number.isInteger(program.entry)) refuse(0, "entry is not an instruction index");
  checkTarget(program.entry, program.entry, "entry");
  for (const [name, start] of program.functions) checkTarget(start, start, `function ${name}`);

  for (let pc = 0; pc < n; pc++) {
    if (secondSlot[pc] === 1) continue;
    const ins = code[pc]!;
    checkInstruction(pc, ins, helpers, checkTarget);
    if (ins.opcode === OP_LDDW) {
      const hi = code[pc + 1]!;
      if (hi.opcode !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.offset !== 0) {
        refuse(pc + 1, "second slot of lddw must be zero except for imm");
      }
    }
  }
  // The last executable instruction must not fall through past the end.
  let last = n - 1;
  if (secondSlot[last] === 1) last--;
  const op = code[last]!.opcode;
  if (op !== OP_EXIT && op !== OP_JA && op !== OP_JA32) {
    refuse(last, "program falls off the end (the last instruction must be exit or ja)");
  }
}

function checkInstruction(
  pc: number,
  ins: Instruction,
  helpers: HelperTable,
  checkTarget: (pc: number, target: number, what: string) => void,
): void {
  const refused = REFUSED_OPCODES.get(ins.opcode);
  if (refused !== undefined) refuse(pc, refused);
  const f = lookupForm(ins);
  if (f === undefined) {
    if (formsOf(ins.opcode).length > 0) {
      refuse(
        pc,
        `invalid variant of opcode ${hex2(ins.opcode)} (offset ${ins.offset}, imm ${ins.imm})`,
      );
    }
    refuse(pc, `unknown opcode ${hex2(ins.opcode)}`);
  }
  if (f.kind === "lddw" && ins.src !== 0) {
    refuse(pc, `lddw with pseudo source ${ins.src} (map or BTF reference) is not supported`);
  }
  if (f.kind === "call") {
    if (ins.dst !== 0) refuse(pc, `call: dst field must be 0, got ${ins.dst}`);
    if (ins.offset !== 0) refuse(pc, `call: offset must be 0, got ${ins.offset}`);
    if (ins.src === CALL_HELPER) {
      if (helpers.byId(ins.imm) === undefined) refuse(pc, `call to unknown helper id ${ins.imm}`);
    } else if (ins.src === CALL_LOCAL) {
      checkTarget(pc, pc + ins.imm + 1, "call");
    } else {
      refuse(pc, `call with src ${ins.src} (BTF or kfunc call) is not supported`);
    }
    return;
  }
  checkReg(pc, f, "dst", ins.dst);
  checkReg(pc, f, "src", ins.src);
  if (f.offset === "zero" && ins.offset !== 0) {
    refuse(pc, `${f.mnemonic}: offset must be 0, got ${ins.offset}`);
  }
  if (f.imm === "zero" && ins.imm !== 0) {
    refuse(pc, `${f.mnemonic}: imm must be 0, got ${ins.imm}`);
  }
  if (f.offset === "jump") checkTarget(pc, pc + ins.offset + 1, "jump");
  if (f.imm === "jump") checkTarget(pc, pc + ins.imm + 1, "jump");
  const cls = ins.opcode & 0x07;
  if (
    (cls === CLASS_ALU || cls === CLASS_ALU64) && (ins.opcode & SRC_X) === 0 &&
    ((ins.opcode & 0xf0) === ALU_DIV || (ins.opcode & 0xf0) === ALU_MOD) && ins.imm === 0
  ) {
    refuse(pc, `${f.mnemonic}: division by constant zero`);
  }
  if (f.size > 0) {
    const base = cls === CLASS_LDX ? ins.src : ins.dst;
    if (base === FRAME_POINTER) {
      const lo = ins.offset;
      if (lo < -STACK_FRAME_SIZE || lo + f.size > 0) {
        const sign = lo < 0 ? "-" : "+";
        refuse(
          pc,
          `${f.mnemonic}: stack access [r10${sign}${Math.abs(lo)}] of ${f.size} bytes ` +
            `is outside the ${STACK_FRAME_SIZE}-byte frame`,
        );
      }
    }
  }
  if (cls === CLASS_LD && f.kind !== "lddw") refuse(pc, `unknown opcode ${hex2(ins.opcode)}`);
}
