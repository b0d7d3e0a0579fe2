/**
 * ELF64 little-endian parsing: file header, section headers, string tables,
 * symbols and REL relocations (System V gABI, "ELF-64 Object File Format"
 * 1.5). Only what the BPF loader needs; every field read from the file is
 * checked before use, and each check has its own message (as uBPF's loader).
 *
 * @module
 */

import { PluginFault } from "./fault.ts";

/** Largest ELF file accepted (PQUIC reads at most 1 MiB: picoquic/ubpf.c `readfile`). */
export const MAX_ELF_SIZE = 1024 * 1024;
/** e_machine of eBPF. */
export const EM_BPF = 247;
/** e_type of relocatable objects. */
export const ET_REL = 1;
/** Section types. */
export const SHT_PROGBITS = 1;
/** Symbol table. */
export const SHT_SYMTAB = 2;
/** String table. */
export const SHT_STRTAB = 3;
/** No file bytes (.bss). */
export const SHT_NOBITS = 8;
/** REL relocations. */
export const SHT_REL = 9;
/** Section flags. */
export const SHF_WRITE = 0x1;
/** Occupies memory at run time. */
export const SHF_ALLOC = 0x2;
/** Executable. */
export const SHF_EXECINSTR = 0x4;
/** Symbol type: function. */
export const STT_FUNC = 2;
/** Symbol type: section. */
export const STT_SECTION = 3;
/** Symbol binding: global. */
export const STB_GLOBAL = 1;
/** Symbol binding: weak. */
export const STB_WEAK = 2;
/** Special section indices. */
export const SHN_UNDEF = 0;
/** Reserved section indices start here (ABS, COMMON, …). */
export const SHN_LORESERVE = 0xff00;

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;

/** One section header. */
export interface ElfSection {
  /** Index in the section header table. */
  index: number;
  /** Name from .shstrtab. */
  name: string;
  /** sh_type. */
  type: number;
  /** sh_flags. */
  flags: number;
  /** sh_offset. */
  offset: number;
  /** sh_size. */
  size: number;
  /** sh_link. */
  link: number;
  /** sh_info. */
  info: number;
  /** sh_addralign (0 and 1 both mean none). */
  align: number;
  /** sh_entsize. */
  entsize: number;
}

/** One symbol. */
export interface ElfSymbol {
  /** Index in the symbol table. */
  index: number;
  /** Name from the linked string table. */
  name: string;
  /** st_value (offset inside its section for ET_REL). */
  value: number;
  /** st_size. */
  size: number;
  /** STT_* (low nibble of st_info). */
  type: number;
  /** STB_* (high nibble of st_info). */
  bind: number;
  /** st_shndx. */
  shndx: number;
}

/** One REL relocation. */
export interface ElfRelocation {
  /** r_offset inside the target section. */
  offset: number;
  /** ELF64_R_TYPE. */
  type: number;
  /** ELF64_R_SYM. */
  sym: number;
}

/** A parsed ELF file. */
export interface ElfFile {
  /** The file bytes. */
  bytes: Uint8Array;
  /** Section headers. */
  sections: ElfSection[];
  /** Symbols of the (single) symbol table; empty when there is none. */
  symbols: ElfSymbol[];
}

function fail(msg: string): never {
  throw new PluginFault("elf", msg);
}

function safeNumber(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} ${v} is too large`);
  return Number(v);
}

/**
 * Whether the bytes start with the ELF magic.
 *
 * @param bytes file bytes
 * @returns true for `\x7fELF`
 */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c &&
    bytes[3] === 0x46;
}

function readString(f: { bytes: Uint8Array }, sec: ElfSection, at: number): string {
  if (at >= sec.size) {
    fail(`string index ${at} is out of range of section ${sec.index} (size ${sec.size})`);
  }
  const start = sec.offset + at;
  const end = f.bytes.indexOf(0, start);
  if (end < 0 || end >= sec.offset + sec.size) {
    fail(`string at ${at} in section ${sec.index} is not terminated`);
  }
  return new TextDecoder().decode(f.bytes.subarray(start, end));
}

/**
 * Parses and checks the header, section table, names and symbol table.
 *
 * @param bytes the file
 * @returns sections and symbols
 * @throws PluginFault "elf", one message per failed check
 */
export function parseElf(bytes: Uint8Array): ElfFile {
  if (bytes.length > MAX_ELF_SIZE) {
    fail(`ELF file is too large (${bytes.length} bytes, limit ${MAX_ELF_SIZE})`);
  }
  if (bytes.length < EHDR_SIZE) {
    fail(`ELF header is truncated (${bytes.length} bytes, need ${EHDR_SIZE})`);
  }
  if (!isElf(bytes)) fail("not an ELF file: bad magic");
  if (bytes[4] !== 2) fail(`ELF class ${bytes[4]} is not ELFCLASS64`);
  if (bytes[5] !== 1) fail(`ELF data encoding ${bytes[5]} is not little-endian`);
  if (bytes[6] !== 1) fail(`ELF version ${bytes[6]} is not 1`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = dv.getUint16(16, true);
  if (type !== ET_REL) fail(`ELF type ${type} is not a relocatable object (ET_REL)`);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_BPF && machine !== 0) fail(`ELF machine ${machine} is not BPF (247)`);
  const shoff = safeNumber(dv.getBigUint64(40, true), "section header offset");
  const shentsize = dv.getUint16(58, true);
  const shnum = dv.getUint16(60, true);
  const shstrndx = dv.getUint16(62, true);
  if (shentsize !== SHDR_SIZE) fail(`section header size ${shentsize} is not ${SHDR_SIZE}`);
  if (shoff + shnum * SHDR_SIZE > bytes.length) {
    fail(
      `section header table at offset ${shoff} (${shnum} entries) is outside the file ` +
        `(${bytes.length} bytes)`,
    );
  }
  if (shstrndx >= shnum) {
    fail(`section name table index ${shstrndx} is out of range (${shnum} sections)`);
  }
  const sections: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * SHDR_SIZE;
    const s: ElfSection = {
      index: i,
      name: "",
      type: dv.getUint32(o + 4, true),
      flags: safeNumber(dv.getBigUint64(o + 8, true) & 0xffff_ffffn, "section flags"),
      offset: safeNumber(dv.getBigUint64(o + 24, true), "section offset"),
      size: safeNumber(dv.getBigUint64(o + 32, true), "section size"),
      link: dv.getUint32(o + 40, true),
      info: dv.getUint32(o + 44, true),
      align: safeNumber(dv.getBigUint64(o + 48, true), "section alignment"),
      entsize: safeNumber(dv.getBigUint64(o + 56, true), "section entry size"),
    };
    if (s.type !== SHT_NOBITS && s.offset + s.size > bytes.length) {
      fail(
        `section ${i} at offset ${s.offset} size ${s.size} is outside the file ` +
          `(${bytes.length} bytes)`,
      );
    }
    sections.push(s);
  }
  const f: ElfFile = { bytes, sections, symbols: [] };
  const shstr = sections[shstrndx]!;
  if (shstr.type !== SHT_STRTAB) fail(`section name table ${shstrndx} is not a string table`);
  for (let i = 0; i < shnum; i++) {
    sections[i]!.name = readString(f, shstr, dv.getUint32(shoff + i * SHDR_SIZE, true));
  }
  const symtabs = sections.filter((s) => s.type === SHT_SYMTAB);
  if (symtabs.length > 1) fail(`ELF file has ${symtabs.length} symbol tables`);
  if (symtabs.length === 1) f.symbols = parseSymbols(f, dv, symtabs[0]!);
  return f;
}

function parseSymbols(f: ElfFile, dv: DataView, symtab: ElfSection): ElfSymbol[] {
  if (symtab.size % SYM_SIZE !== 0) {
    fail(`symbol table size ${symtab.size} is not a multiple of ${SYM_SIZE}`);
  }
  if (symtab.link >= f.sections.length) {
    fail(`symbol table's string table index ${symtab.link} is out of range`);
  }
  const strtab = f.sections[symtab.link]!;
  if (strtab.type !== SHT_STRTAB) {
    fail(`symbol table's section ${symtab.link} is not a string table`);
  }
  const out: ElfSymbol[] = [];
  for (let i = 0; i < symtab.size / SYM_SIZE; i++) {
    const o = symtab.offset + i * SYM_SIZE;
    const info = dv.getUint8(o + 4);
    const sym: ElfSymbol = {
      index: i,
      name: readString(f, strtab, dv.getUint32(o, true)),
      value: safeNumber(dv.getBigUint64(o + 8, true), "symbol value"),
      size: safeNumber(dv.getBigUint64(o + 16, true), "symbol size"),
      type: info & 0x0f,
      bind: info >> 4,
      shndx: dv.getUint16(o + 6, true),
    };
    if (sym.shndx !== SHN_UNDEF && sym.shndx < SHN_LORESERVE && sym.shndx >= f.sections.length) {
      fail(`symbol ${i} (${sym.name}) refers to section ${sym.shndx} which does not exist`);
    }
    out.push(sym);
  }
  return out;
}

/**
 * Reads the entries of a REL section, checking sizes and symbol indices.
 *
 * @param f the parsed file
 * @param rel the SHT_REL section
 * @returns its relocations
 */
export function parseRelocations(f: ElfFile, rel: ElfSection): ElfRelocation[] {
  if (rel.size % REL_SIZE !== 0) {
    fail(`relocation section ${rel.name} size ${rel.size} is not a multiple of ${REL_SIZE}`);
  }
  const dv = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
  const out: ElfRelocation[] = [];
  for (let i = 0; i < rel.size / REL_SIZE; i++) {
    const o = rel.offset + i * REL_SIZE;
    const offset = safeNumber(dv.getBigUint64(o, true), "relocation offset");
    const info = dv.getBigUint64(o + 8, true);
    const sym = Number(info >> 32n);
    const type = Number(info & 0xffff_ffffn);
    if (sym >= f.symbols.length) {
      fail(
        `relocation at offset ${offset} in ${rel.name} refers to symbol ${sym}, ` +
          `but the symbol table has ${f.symbols.length}`,
      );
    }
    out.push({ offset, type, sym });
  }
  return out;
}
