/**
 * The ELF loader: turns a `clang -O2 -target bpf -c` object (EM_BPF, ET_REL)
 * into a {@link Program}. Raw bytecode (a file that is not ELF) loads as one
 * function, as PQUIC and uBPF accept it.
 *
 * Layout: every executable PROGBITS section (`.text` first, then the others
 * in header order: PQUIC pluglets put functions in sections named after
 * their anchor) is appended to one instruction array; every allocated data
 * section (`.rodata*`, `.data*`, `.bss*`) is laid out, aligned, in one data
 * image that engines load at MEMORY_BASE.
 *
 * Relocations (REL, addend in place, as libbpf reads them):
 * - R_BPF_64_32 (10) on a call: an undefined symbol is a helper bound **by
 *   name** (imm = helper id, src = 0); a defined function or section symbol is
 *   a bpf-to-bpf call to `section start + st_value/8 + imm + 1` (libbpf's
 *   rule), rewritten as a pc-relative local call (src = 1).
 * - R_BPF_64_64 (1) on lddw: the address MEMORY_BASE + data offset of the
 *   symbol's section + st_value + the addend already in the instruction.
 * - R_BPF_64_ABS64 (2) / R_BPF_64_ABS32 (3) inside data sections: the same
 *   address computation for pointers stored in data.
 * Relocations of sections that are not loaded (.BTF, debug info) are ignored.
 *
 * @module
 */

import { decodeProgram } from "./decode.ts";
import { PluginFault } from "./fault.ts";
import type { HelperTable } from "./helpers.ts";
import { CALL_HELPER, CALL_LOCAL, type Instruction, OP_CALL, OP_LDDW } from "./isa.ts";
import { MEMORY_BASE } from "./memory.ts";
import { makeProgram, type Program, programFromBytes } from "./program.ts";
import {
  type ElfFile,
  type ElfSection,
  type ElfSymbol,
  isElf,
  MAX_ELF_SIZE,
  parseElf,
  parseRelocations,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHN_LORESERVE,
  SHN_UNDEF,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_REL,
  STB_GLOBAL,
  STT_FUNC,
} from "./elf_parse.ts";

export { isElf, MAX_ELF_SIZE } from "./elf_parse.ts";

/** R_BPF_64_64: lddw of a 64-bit address. */
export const R_BPF_64_64 = 1;
/** R_BPF_64_ABS64: 64-bit address in data. */
export const R_BPF_64_ABS64 = 2;
/** R_BPF_64_ABS32: 32-bit address in data. */
export const R_BPF_64_ABS32 = 3;
/** R_BPF_64_32: call target. */
export const R_BPF_64_32 = 10;
/** Most bytes of data sections (an arbitrary limit, as large as the file limit). */
export const MAX_DATA_SIZE = 1024 * 1024;

/** Options of {@link loadElf} and {@link loadProgram}. */
export interface LoadOptions {
  /** Entry function by symbol name; default the first global function. */
  entry?: string;
}

function fail(msg: string): never {
  throw new PluginFault("elf", msg);
}

function alignUp(n: number, a: number): number {
  return a <= 1 ? n : Math.ceil(n / a) * a;
}

interface Layout {
  code: Instruction[];
  /** section index → first pc */
  codeBase: Map<number, number>;
  data: Uint8Array;
  /** section index → data offset */
  dataBase: Map<number, number>;
}

function layout(f: ElfFile): Layout {
  const exec = f.sections.filter((s) =>
    s.type === SHT_PROGBITS && (s.flags & SHF_EXECINSTR) !== 0 && s.size > 0
  );
  exec.sort((a, b) => (a.name === ".text" ? -1 : b.name === ".text" ? 1 : a.index - b.index));
  if (exec.length === 0) fail("no code section in the ELF file");
  const code: Instruction[] = [];
  const codeBase = new Map<number, number>();
  for (const s of exec) {
    if (s.size % 8 !== 0) fail(`code section ${s.name} size ${s.size} is not a multiple of 8`);
    codeBase.set(s.index, code.length);
    const ins = decodeProgram(f.bytes.subarray(s.offset, s.offset + s.size));
    for (const i of ins) code.push(i);
  }
  const dataSecs = f.sections.filter((s) =>
    (s.type === SHT_PROGBITS || s.type === SHT_NOBITS) && (s.flags & SHF_ALLOC) !== 0 &&
    (s.flags & SHF_EXECINSTR) === 0
  );
  const dataBase = new Map<number, number>();
  let size = 0;
  for (const s of dataSecs) {
    if (s.align > 4096 || (s.align & (s.align - 1)) !== 0) {
      fail(`section ${s.name} alignment ${s.align} is not a power of two up to 4096`);
    }
    size = alignUp(size, s.align);
    dataBase.set(s.index, size);
    size += s.size;
    if (size > MAX_DATA_SIZE) {
      fail(`data sections are too large (${size} bytes or more, limit ${MAX_DATA_SIZE})`);
    }
  }
  const data = new Uint8Array(size);
  for (const s of dataSecs) {
    if (s.type === SHT_PROGBITS) {
      data.set(f.bytes.subarray(s.offset, s.offset + s.size), dataBase.get(s.index)!);
    }
  }
  return { code, codeBase, data, dataBase };
}

function dataAddress(f: ElfFile, lay: Layout, sym: ElfSymbol, where: string): bigint {
  if (sym.shndx === SHN_UNDEF) fail(`${where} refers to undefined symbol '${sym.name}'`);
  if (sym.shndx >= SHN_LORESERVE) {
    fail(`${where} refers to symbol '${sym.name}' in special section 0x${sym.shndx.toString(16)}`);
  }
  const base = lay.dataBase.get(sym.shndx);
  if (base === undefined) {
    const sec = f.sections[sym.shndx]!;
    if (lay.codeBase.has(sym.shndx)) {
      fail(
        `${where} takes the address of code ('${sym.name || sec.name}'), which is not supported`,
      );
    }
    fail(`${where} refers to symbol '${sym.name || sec.name}' in section ${sec.name}, not loaded`);
  }
  return MEMORY_BASE + BigInt(base + sym.value);
}

function relocateCode(
  f: ElfFile,
  lay: Layout,
  sec: ElfSection,
  rel: ElfSection,
  helpers: HelperTable,
  helperNames: Map<number, string>,
): void {
  const base = lay.codeBase.get(sec.index)!;
  for (const r of parseRelocations(f, rel)) {
    if (r.offset % 8 !== 0 || r.offset + 8 > sec.size) {
      fail(`relocation at offset ${r.offset} is outside section ${sec.name} (size ${sec.size})`);
    }
    const pc = base + r.offset / 8;
    const ins = lay.code[pc]!;
    const sym = f.symbols[r.sym]!;
    const where = `relocation at pc ${pc}`;
    if (r.type === R_BPF_64_32) {
      if (ins.opcode !== OP_CALL) fail(`${where}: R_BPF_64_32 is not on a call instruction`);
      if (sym.shndx === SHN_UNDEF) {
        const h = helpers.byName(sym.name);
        if (h === undefined) fail(`${where}: call to unknown helper '${sym.name}'`);
        ins.src = CALL_HELPER;
        ins.imm = h.id;
        helperNames.set(h.id, h.name);
        continue;
      }
      const targetBase = lay.codeBase.get(sym.shndx);
      if (targetBase === undefined) {
        fail(`${where}: call target '${sym.name}' is not in a code section`);
      }
      const targetSec = f.sections[sym.shndx]!;
      const local = sym.value / 8 + ins.imm + 1;
      if (!Number.isInteger(local) || local < 0 || local >= targetSec.size / 8) {
        fail(`${where}: call target is outside section ${targetSec.name}`);
      }
      ins.src = CALL_LOCAL;
      ins.imm = targetBase + local - (pc + 1);
    } else if (r.type === R_BPF_64_64) {
      if (ins.opcode !== OP_LDDW || pc + 1 >= lay.code.length) {
        fail(`${where}: R_BPF_64_64 is not on an lddw instruction`);
      }
      const addend = BigInt.asIntN(64, ins.imm64 ?? 0n);
      const v = BigInt.asUintN(64, dataAddress(f, lay, sym, where) + addend);
      ins.imm64 = v;
      ins.imm = Number(BigInt.asIntN(32, v));
      lay.code[pc + 1]!.imm = Number(BigInt.asIntN(32, v >> 32n));
    } else {
      fail(`${where}: relocation type ${r.type} in code section ${sec.name} is not supported`);
    }
  }
}

function relocateData(f: ElfFile, lay: Layout, sec: ElfSection, rel: ElfSection): void {
  const base = lay.dataBase.get(sec.index)!;
  const dv = new DataView(lay.data.buffer);
  for (const r of parseRelocations(f, rel)) {
    const where = `relocation at offset ${r.offset} in ${sec.name}`;
    const width = r.type === R_BPF_64_ABS64 ? 8 : r.type === R_BPF_64_ABS32 ? 4 : 0;
    if (width === 0) {
      fail(`${where}: relocation type ${r.type} in non-code section ${sec.name} is not supported`);
    }
    if (sec.type === SHT_NOBITS || r.offset + width > sec.size) {
      fail(`relocation at offset ${r.offset} is outside section ${sec.name} (size ${sec.size})`);
    }
    const at = base + r.offset;
    const sym = f.symbols[r.sym]!;
    if (width === 8) {
      const addend = dv.getBigInt64(at, true);
      dv.setBigUint64(at, BigInt.asUintN(64, dataAddress(f, lay, sym, where) + addend), true);
    } else {
      const addend = BigInt(dv.getInt32(at, true));
      const v = dataAddress(f, lay, sym, where) + addend;
      if (v > 0xffff_ffffn) fail(`${where}: address 0x${v.toString(16)} does not fit 32 bits`);
      dv.setUint32(at, Number(v), true);
    }
  }
}

/**
 * Loads an ELF relocatable BPF object.
 *
 * @param bytes the file
 * @param helpers helpers that undefined symbols bind to by name
 * @param opts entry function name
 * @returns the program (not yet verified)
 * @throws PluginFault "elf" naming the failed check
 */
export function loadElf(bytes: Uint8Array, helpers: HelperTable, opts: LoadOptions = {}): Program {
  const f = parseElf(bytes);
  const lay = layout(f);
  const helperNames = new Map<number, string>();
  for (const rel of f.sections.filter((s) => s.type === SHT_REL)) {
    if (rel.info >= f.sections.length) {
      fail(`relocation section ${rel.name} targets section ${rel.info} which does not exist`);
    }
    const target = f.sections[rel.info]!;
    if (lay.codeBase.has(target.index)) {
      relocateCode(f, lay, target, rel, helpers, helperNames);
    } else if (lay.dataBase.has(target.index)) {
      relocateData(f, lay, target, rel);
    } else if ((target.flags & SHF_ALLOC) !== 0 && target.size > 0) {
      fail(`relocation section ${rel.name} targets ${target.name}, which is not code or data`);
    }
    // Otherwise: relocations of unloaded sections (.BTF, .BTF.ext, debug) are ignored.
  }
  const functions = new Map<string, number>();
  let entry: number | undefined;
  let firstGlobal: number | undefined;
  for (const s of f.symbols) {
    if (s.type !== STT_FUNC) continue;
    const b = lay.codeBase.get(s.shndx);
    if (b === undefined || s.value % 8 !== 0) continue;
    const pc = b + s.value / 8;
    functions.set(s.name, pc);
    if (s.bind === STB_GLOBAL && (firstGlobal === undefined || pc < firstGlobal)) {
      firstGlobal = pc;
    }
  }
  // bpf-to-bpf calls must land on a function (libbpf's subprogram rule).
  const starts = new Set(functions.values());
  if (starts.size > 0) {
    lay.code.forEach((ins, pc) => {
      if (ins.opcode !== OP_CALL || ins.src !== CALL_LOCAL) return;
      const target = pc + ins.imm + 1;
      if (!starts.has(target)) {
        fail(`pc ${pc}: local call to ${target} is not to the start of a function`);
      }
    });
  }
  if (opts.entry !== undefined) {
    entry = functions.get(opts.entry);
    if (entry === undefined) {
      fail(
        `entry function '${opts.entry}' not found (functions: ${[...functions.keys()].join(", ")})`,
      );
    }
  }
  entry ??= firstGlobal ?? 0;
  return makeProgram(lay.code, { functions, entry, rodata: lay.data, helperNames });
}

/**
 * Loads an ELF object, or raw bytecode when the file is not ELF.
 *
 * @param bytes the file
 * @param helpers helpers for binding by name
 * @param opts entry function name (ELF only)
 * @returns the program (not yet verified)
 * @throws PluginFault "elf"
 *
 * @example
 * ```ts
 * import { loadProgram } from "./elf.ts";
 * import { HelperTable } from "./helpers.ts";
 * import assert from "node:assert/strict";
 * const raw = new Uint8Array([0xb7, 0, 0, 0, 7, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
 * assert.equal(loadProgram(raw, new HelperTable()).instructions.length, 2);
 * ```
 */
export function loadProgram(
  bytes: Uint8Array,
  helpers: HelperTable,
  opts: LoadOptions = {},
): Program {
  if (bytes.length > MAX_ELF_SIZE) {
    fail(`program file is too large (${bytes.length} bytes, limit ${MAX_ELF_SIZE})`);
  }
  if (isElf(bytes)) return loadElf(bytes, helpers, opts);
  if (bytes.length % 8 !== 0) {
    fail(`file is not ELF and its length ${bytes.length} is not a multiple of 8 (raw bytecode)`);
  }
  if (opts.entry !== undefined && opts.entry !== "main") {
    fail(`entry function '${opts.entry}' not found (raw bytecode has one function, main)`);
  }
  return programFromBytes(bytes);
}
