/**
 * A small uBPF-style assembler for tests and the conformance corpus.
 *
 * Syntax, one instruction per line (mnemonics from {@link FORMS}):
 *
 * ```
 * mov r0, 1              # ALU: K or X form chosen by the operand
 * add32 r1, r2
 * neg r1 / le16 r1 / be32 r1 / bswap64 r1
 * sdiv r1, 3 / smod32 r1, r2 / movsx8 r0, r1 / mov32sx16 r0, r1
 * ldxdw r0, [r1+8] / ldxsb r0, [r10-1]
 * stw [r1+4], 5 / stxdw [r10-8], r1
 * atomic_fetch_adddw [r1+0], r2 / atomic_cmpxchgw [r10-4], r3
 * jeq r1, 0, +3 / jgt32 r1, r2, label / ja -2 / ja32 label
 * lddw r1, 0x123456789abcdef0
 * call 1                 # helper by id
 * call local +3          # bpf-to-bpf call, or: call local label
 * exit
 * label:                 # a label names the next instruction
 * .raw 0x20, 0, 0, 0, 0  # any slot: opcode, dst, src, offset, imm (for verifier tests)
 * ```
 *
 * Comments start with `#`, `;` or `//`. Numbers are decimal or 0x hex,
 * optionally negative; 32-bit immediates accept -2^31 … 2^32-1.
 *
 * @module
 */

import { encodeProgram } from "./decode.ts";
import { formsByMnemonic, type Instruction, type InstructionForm, OP_LDDW } from "./isa.ts";

interface Pending {
  ins: Instruction;
  line: number;
  label?: string;
  field?: "offset" | "imm";
}

function fail(line: number, msg: string): never {
  throw new SyntaxError(`line ${line}: ${msg}`);
}

function parseNumber(text: string, line: number): bigint {
  const t = text.trim().replace(/_/g, "");
  if (!/^[+-]?(0x[0-9a-f]+|\d+)$/i.test(t)) fail(line, `invalid number "${text}"`);
  const neg = t.startsWith("-");
  const body = t.replace(/^[+-]/, "");
  const v = BigInt(body);
  return neg ? -v : v;
}

function imm32(text: string, line: number): number {
  const v = parseNumber(text, line);
  if (v < -(1n << 31n) || v > 0xffff_ffffn) fail(line, `immediate "${text}" does not fit 32 bits`);
  return Number(BigInt.asIntN(32, v));
}

function off16(text: string, line: number): number {
  const v = parseNumber(text, line);
  if (v < -(1n << 15n) || v > 0x7fffn) fail(line, `offset "${text}" does not fit 16 bits`);
  return Number(v);
}

function register(text: string, line: number): number | undefined {
  const m = /^r(\d+)$/i.exec(text.trim());
  if (m === null) return undefined;
  const n = Number(m[1]);
  if (n > 15) fail(line, `no register "${text}"`);
  return n;
}

function needReg(text: string | undefined, line: number): number {
  const r = text === undefined ? undefined : register(text, line);
  if (r === undefined) fail(line, `expected a register, got "${text ?? ""}"`);
  return r;
}

function memOperand(text: string | undefined, line: number): [number, number] {
  const m = /^\[\s*(r\d+)\s*(?:([+-])\s*(\w+))?\s*\]$/i.exec((text ?? "").trim());
  if (m === null) fail(line, `expected a memory operand like [r1+8], got "${text ?? ""}"`);
  const reg = needReg(m[1], line);
  const off = m[3] === undefined ? 0 : off16((m[2] === "-" ? "-" : "") + m[3], line);
  return [reg, off];
}

function splitOperands(rest: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of rest) {
    if (ch === "[") depth++;
    if (ch === "]") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out;
}

function pick(forms: readonly InstructionForm[], useX: boolean): InstructionForm {
  const want = useX ? "read" : "zero";
  return forms.find((f) => f.src === want) ?? forms.find((f) => f.src !== "zero") ?? forms[0]!;
}

function isJumpTarget(text: string): boolean {
  return /^[+-]?(0x[0-9a-f]+|\d+)$/i.test(text.trim());
}

/**
 * Assembles text into instructions (lddw yields two slots).
 *
 * @param text the program
 * @returns instructions, one per slot
 * @throws SyntaxError naming the line
 *
 * @example
 * ```ts
 * import { assemble } from "./assembler.ts";
 * import assert from "node:assert/strict";
 * const p = assemble("mov r0, 7\nexit");
 * assert.equal(p.length, 2);
 * assert.equal(p[0]!.imm, 7);
 * ```
 */
export function assemble(text: string): Instruction[] {
  const pending: Pending[] = [];
  const labels = new Map<string, number>();
  const lines = text.split("\n");
  for (let li = 0; li < lines.length; li++) {
    const line = li + 1;
    let src = lines[li]!.replace(/(#|;|\/\/).*$/, "").trim();
    while (true) {
      const lm = /^([A-Za-z_.][\w.]*):\s*/.exec(src);
      if (lm === null) break;
      if (labels.has(lm[1]!)) fail(line, `duplicate label "${lm[1]}"`);
      labels.set(lm[1]!, pending.length);
      src = src.slice(lm[0].length);
    }
    if (src === "") continue;
    const sp = src.search(/\s/);
    const mnemonic = (sp < 0 ? src : src.slice(0, sp)).toLowerCase();
    const ops = splitOperands(sp < 0 ? "" : src.slice(sp + 1));
    assembleOne(mnemonic, ops, line, pending);
  }
  const out: Instruction[] = [];
  for (let pc = 0; pc < pending.length; pc++) {
    const p = pending[pc]!;
    if (p.label !== undefined) {
      const target = labels.get(p.label);
      if (target === undefined) fail(p.line, `unknown label "${p.label}"`);
      const rel = target - pc - 1;
      if (p.field === "offset") {
        if (rel < -32768 || rel > 32767) fail(p.line, `jump to "${p.label}" is too far`);
        p.ins.offset = rel;
      } else p.ins.imm = rel;
    }
    out.push(p.ins);
  }
  return out;
}

function assembleOne(mnemonic: string, ops: string[], line: number, out: Pending[]): void {
  const forms = formsByMnemonic(mnemonic);
  const push = (ins: Instruction, label?: string, field?: "offset" | "imm") => {
    const p: Pending = { ins, line };
    if (label !== undefined) {
      p.label = label;
      if (field !== undefined) p.field = field;
    }
    out.push(p);
  };
  const arity = (n: number) => {
    if (ops.length !== n) fail(line, `${mnemonic} takes ${n} operand(s), got ${ops.length}`);
  };
  if (mnemonic === ".raw") {
    arity(5);
    const [op, dst, src, off, imm] = ops.map((o) => Number(parseNumber(o, line)));
    push({
      opcode: op! & 0xff,
      dst: dst! & 0xf,
      src: src! & 0xf,
      offset: off! << 16 >> 16,
      imm: imm! | 0,
    });
    return;
  }
  if (mnemonic === "lddw") {
    arity(2);
    const dst = needReg(ops[0], line);
    const v = BigInt.asUintN(64, parseNumber(ops[1]!, line));
    const lo = Number(BigInt.asIntN(32, v));
    push({ opcode: OP_LDDW, dst, src: 0, offset: 0, imm: lo, imm64: v });
    push({ opcode: 0, dst: 0, src: 0, offset: 0, imm: Number(BigInt.asIntN(32, v >> 32n)) });
    return;
  }
  if (mnemonic === "call") {
    if (ops.length === 1) {
      const t = ops[0]!.trim();
      const lm = /^local\s+(.+)$/i.exec(t);
      if (lm !== null) {
        const target = lm[1]!.trim();
        if (isJumpTarget(target)) {
          push({ opcode: forms[0]!.opcode, dst: 0, src: 1, offset: 0, imm: imm32(target, line) });
        } else push({ opcode: forms[0]!.opcode, dst: 0, src: 1, offset: 0, imm: 0 }, target, "imm");
        return;
      }
      push({ opcode: forms[0]!.opcode, dst: 0, src: 0, offset: 0, imm: imm32(t, line) });
      return;
    }
    fail(line, "call takes a helper id or `local <target>`");
  }
  if (forms.length === 0) fail(line, `unknown mnemonic "${mnemonic}"`);
  const f0 = forms[0]!;
  const base = (f: InstructionForm): Instruction => ({
    opcode: f.opcode,
    dst: 0,
    src: 0,
    offset: f.offset === "fixed" ? f.offsetValue! : 0,
    imm: f.imm === "fixed" ? f.immValue! : 0,
  });
  switch (f0.kind) {
    case "exit":
      arity(0);
      push(base(f0));
      return;
    case "alu": {
      if (f0.src === "zero" && f0.imm !== "any") {
        // neg, byte swaps: one register operand
        arity(1);
        const ins = base(f0);
        ins.dst = needReg(ops[0], line);
        push(ins);
        return;
      }
      arity(2);
      const srcReg = register(ops[1]!, line);
      const f = pick(forms, srcReg !== undefined);
      const ins = base(f);
      ins.dst = needReg(ops[0], line);
      if (srcReg !== undefined) {
        if (f.src === "zero") fail(line, `${mnemonic} takes no source register`);
        ins.src = srcReg;
      } else {
        if (f.imm !== "any") fail(line, `${mnemonic} needs a register operand`);
        ins.imm = imm32(ops[1]!, line);
      }
      push(ins);
      return;
    }
    case "jump": {
      if (mnemonic === "ja" || mnemonic === "ja32") {
        arity(1);
        const field = mnemonic === "ja" ? "offset" : "imm";
        const t = ops[0]!;
        const ins = base(f0);
        if (isJumpTarget(t)) {
          if (field === "offset") ins.offset = off16(t, line);
          else ins.imm = imm32(t, line);
          push(ins);
        } else push(ins, t.trim(), field);
        return;
      }
      arity(3);
      const srcReg = register(ops[1]!, line);
      const f = pick(forms, srcReg !== undefined);
      const ins = base(f);
      ins.dst = needReg(ops[0], line);
      if (srcReg !== undefined) ins.src = srcReg;
      else ins.imm = imm32(ops[1]!, line);
      const t = ops[2]!;
      if (isJumpTarget(t)) {
        ins.offset = off16(t, line);
        push(ins);
      } else push(ins, t.trim(), "offset");
      return;
    }
    case "load": {
      arity(2);
      const ins = base(f0);
      ins.dst = needReg(ops[0], line);
      [ins.src, ins.offset] = memOperand(ops[1], line);
      push(ins);
      return;
    }
    case "store":
    case "atomic": {
      arity(2);
      const srcReg = register(ops[1]!, line);
      const f = f0.kind === "atomic" ? f0 : pick(forms, srcReg !== undefined);
      const ins = base(f);
      [ins.dst, ins.offset] = memOperand(ops[0], line);
      if (f.src !== "zero") {
        if (srcReg === undefined) fail(line, `${mnemonic} needs a source register`);
        ins.src = srcReg;
      } else {
        if (srcReg !== undefined) fail(line, `${mnemonic} takes an immediate`);
        ins.imm = imm32(ops[1]!, line);
      }
      push(ins);
      return;
    }
    default:
      fail(line, `cannot assemble "${mnemonic}"`);
  }
}

/**
 * Assembles text straight to bytecode.
 *
 * @param text the program
 * @returns little-endian 8-byte slots
 */
export function assembleBytes(text: string): Uint8Array {
  return encodeProgram(assemble(text));
}
