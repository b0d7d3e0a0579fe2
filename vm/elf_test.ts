/**
 * The ELF loader: one test per check (each with its own message), relocation
 * handling, raw bytecode, and a seeded fuzz test over mutated objects.
 */

import assert from "node:assert/strict";
import { loadElf, loadProgram } from "./elf.ts";
import { parseElf } from "./elf_parse.ts";
import { PluginFault } from "./fault.ts";
import { HelperTable } from "./helpers.ts";
import { MEMORY_BASE } from "./memory.ts";
import { verify } from "./verifier.ts";
import { testHelpers } from "./_test_helpers.ts";

const dir = new URL("./testdata/c/", import.meta.url);
const STRINGS = Deno.readFileSync(new URL("strings.v3.o", dir));
const STRUCTS = Deno.readFileSync(new URL("structs.v3.o", dir));

function elfFault(bytes: Uint8Array, helpers = testHelpers(), entry?: string): string {
  try {
    loadElf(bytes, helpers, entry === undefined ? {} : { entry });
  } catch (e) {
    if (e instanceof PluginFault && e.kind === "elf") return e.message;
    throw e;
  }
  assert.fail("the object loaded");
}

/** A copy with a patch applied through a DataView. */
function patched(src: Uint8Array, patch: (dv: DataView, f: Shdrs) => void): Uint8Array {
  const b = src.slice();
  const dv = new DataView(b.buffer);
  patch(dv, shdrs(src));
  return b;
}

interface Shdrs {
  /** Offset of section header `name` in the file. */
  at(name: string): number;
  /** File offset of a section's contents. */
  data(name: string): number;
}

function shdrs(bytes: Uint8Array): Shdrs {
  const f = parseElf(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = Number(dv.getBigUint64(40, true));
  const find = (name: string) => {
    const s = f.sections.find((x) => x.name === name);
    if (s === undefined) throw new Error(`no section ${name}`);
    return s;
  };
  return {
    at: (name) => shoff + find(name).index * 64,
    data: (name) => find(name).offset,
  };
}

Deno.test("loadElf() loads strings.o with .rodata relocations honouring symbol value and addend", () => {
  const p = loadElf(STRINGS, testHelpers());
  const text = new TextDecoder().decode(p.rodata);
  const lddw = p.instructions.filter((i) => i.opcode === 0x18);
  const strings = lddw.map((i) => {
    const off = Number(i.imm64! - MEMORY_BASE);
    return text.slice(off, text.indexOf("\0", off));
  });
  assert.deepEqual(strings, ["hello", "pquic vm", "big", "small"]);
  assert.equal(p.helperNames.get(4), "log_string");
  verify(p, testHelpers());
});

Deno.test("loadElf() refuses a file larger than 1 MiB", () => {
  const big = new Uint8Array(1024 * 1024 + 1);
  big.set(STRINGS);
  assert.equal(elfFault(big), "ELF file is too large (1048577 bytes, limit 1048576)");
});

Deno.test("loadElf() refuses a truncated header", () => {
  assert.equal(elfFault(STRINGS.slice(0, 40)), "ELF header is truncated (40 bytes, need 64)");
});

Deno.test("loadElf() refuses a bad magic", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv) => dv.setUint8(1, 0x46))),
    "not an ELF file: bad magic",
  );
});

Deno.test("loadElf() refuses ELFCLASS32", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv) => dv.setUint8(4, 1))),
    "ELF class 1 is not ELFCLASS64",
  );
});

Deno.test("loadElf() refuses big-endian objects", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv) => dv.setUint8(5, 2))),
    "ELF data encoding 2 is not little-endian",
  );
});

Deno.test("loadElf() refuses an unknown ELF version", () => {
  assert.equal(elfFault(patched(STRINGS, (dv) => dv.setUint8(6, 0))), "ELF version 0 is not 1");
});

Deno.test("loadElf() refuses executables (not ET_REL)", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv) => dv.setUint16(16, 2, true))),
    "ELF type 2 is not a relocatable object (ET_REL)",
  );
});

Deno.test("loadElf() refuses a machine other than BPF", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv) => dv.setUint16(18, 62, true))),
    "ELF machine 62 is not BPF (247)",
  );
});

Deno.test("loadElf() refuses a wrong section header size", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv) => dv.setUint16(58, 32, true))),
    "section header size 32 is not 64",
  );
});

Deno.test("loadElf() refuses a section header table outside the file", () => {
  assert.match(
    elfFault(patched(STRINGS, (dv) => dv.setBigUint64(40, 0xffff0n, true))),
    /^section header table at offset 1048560 \(8 entries\) is outside the file/,
  );
});

Deno.test("loadElf() refuses a section name table index out of range", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv) => dv.setUint16(62, 50, true))),
    "section name table index 50 is out of range (8 sections)",
  );
});

Deno.test("loadElf() refuses a section whose offset is outside the file", () => {
  assert.match(
    elfFault(patched(STRINGS, (dv, s) => dv.setBigUint64(s.at(".text") + 24, 0x10000n, true))),
    /^section 2 at offset 65536 size 176 is outside the file/,
  );
});

Deno.test("loadElf() refuses a huge section size", () => {
  assert.match(
    elfFault(patched(STRINGS, (dv, s) => dv.setBigUint64(s.at(".rodata") + 32, 1n << 40n, true))),
    /^section 5 at offset \d+ size 1099511627776 is outside the file/,
  );
});

Deno.test("loadElf() refuses a string index out of range", () => {
  assert.match(
    elfFault(patched(STRINGS, (dv, s) => dv.setUint32(s.at(".text"), 0xffff, true))),
    /^string index 65535 is out of range of section 1 \(size \d+\)/,
  );
});

Deno.test("loadElf() refuses an unterminated string", () => {
  assert.match(
    elfFault(patched(STRINGS, (dv, s) => {
      // Make the string table end inside its last name.
      const size = Number(dv.getBigUint64(s.at(".strtab") + 32, true));
      dv.setUint8(s.data(".strtab") + size - 1, 0x41);
    })),
    /is not terminated/,
  );
});

Deno.test("loadElf() refuses a symbol table whose size is not a multiple of 24", () => {
  assert.match(
    elfFault(patched(STRINGS, (dv, s) => dv.setBigUint64(s.at(".symtab") + 32, 0xf1n, true))),
    /^symbol table size 241 is not a multiple of 24/,
  );
});

Deno.test("loadElf() refuses a symbol in a section that does not exist", () => {
  assert.match(
    elfFault(patched(STRINGS, (dv, s) => dv.setUint16(s.data(".symtab") + 24 * 2 + 6, 200, true))),
    /^symbol 2 \(banner\) refers to section 200 which does not exist/,
  );
});

Deno.test("loadElf() refuses a relocation naming a symbol out of range", () => {
  assert.match(
    elfFault(patched(STRINGS, (dv, s) => dv.setUint32(s.data(".rel.text") + 12, 200, true))),
    /^relocation at offset 8 in \.rel\.text refers to symbol 200, but the symbol table has 10/,
  );
});

Deno.test("loadElf() refuses an unsupported relocation type", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv, s) => dv.setUint32(s.data(".rel.text") + 8, 7, true))),
    "relocation at pc 1: relocation type 7 in code section .text is not supported",
  );
});

Deno.test("loadElf() refuses a relocation outside its section", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv, s) => dv.setBigUint64(s.data(".rel.text"), 0x1000n, true))),
    "relocation at offset 4096 is outside section .text (size 176)",
  );
});

Deno.test("loadElf() refuses R_BPF_64_64 on an instruction that is not lddw", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv, s) => dv.setBigUint64(s.data(".rel.text"), 0x20n, true))),
    "relocation at pc 4: R_BPF_64_64 is not on an lddw instruction",
  );
});

Deno.test("loadElf() refuses R_BPF_64_32 on an instruction that is not a call", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv, s) => dv.setBigUint64(s.data(".rel.text") + 16, 0x18n, true))),
    "relocation at pc 3: R_BPF_64_32 is not on a call instruction",
  );
});

Deno.test("loadElf() refuses a call to a helper name that is not registered", () => {
  assert.equal(
    elfFault(STRINGS, new HelperTable()),
    "relocation at pc 4: call to unknown helper 'log_string'",
  );
});

Deno.test("loadElf() refuses an instruction relocation in a non-code section", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv, s) => dv.setUint32(s.at(".rel.text") + 44, 5, true))),
    "relocation at offset 8 in .rodata: relocation type 1 in non-code section .rodata is not supported",
  );
});

Deno.test("loadElf() refuses a relocation section targeting a missing section", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv, s) => dv.setUint32(s.at(".rel.text") + 44, 99, true))),
    "relocation section .rel.text targets section 99 which does not exist",
  );
});

Deno.test("loadElf() refuses a code section whose size is not a multiple of 8", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv, s) => dv.setBigUint64(s.at(".text") + 32, 0xacn, true))),
    "code section .text size 172 is not a multiple of 8",
  );
});

Deno.test("loadElf() refuses an object without code", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv, s) => dv.setBigUint64(s.at(".text") + 8, 2n, true))),
    "no code section in the ELF file",
  );
});

Deno.test("loadElf() refuses huge .bss sections", () => {
  assert.match(
    elfFault(patched(STRUCTS, (dv, s) => dv.setBigUint64(s.at(".bss") + 32, 1n << 32n, true))),
    /^data sections are too large/,
  );
});

Deno.test("loadElf() refuses an alignment that is not a power of two", () => {
  assert.equal(
    elfFault(patched(STRINGS, (dv, s) => dv.setBigUint64(s.at(".rodata") + 48, 3n, true))),
    "section .rodata alignment 3 is not a power of two up to 4096",
  );
});

Deno.test("loadElf() refuses an unknown entry function, listing the functions", () => {
  assert.equal(
    elfFault(STRINGS, testHelpers(), "nope"),
    "entry function 'nope' not found (functions: say_hello)",
  );
});

Deno.test("loadProgram() loads raw bytecode as one function and refuses odd lengths", () => {
  const raw = new Uint8Array([0xb7, 0, 0, 0, 7, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
  const p = loadProgram(raw, new HelperTable());
  assert.deepEqual([...p.functions], [["main", 0]]);
  assert.throws(
    () => loadProgram(raw.subarray(0, 12), new HelperTable()),
    /file is not ELF and its length 12 is not a multiple of 8/,
  );
  assert.throws(
    () => loadProgram(new Uint8Array(2 * 1024 * 1024), new HelperTable()),
    /program file is too large \(2097152 bytes/,
  );
});

Deno.test("loadElf() gives the same digest for the same object and a different one otherwise", () => {
  assert.equal(
    loadElf(STRINGS, testHelpers()).digest,
    loadElf(STRINGS.slice(), testHelpers()).digest,
  );
  assert.notEqual(loadElf(STRINGS, testHelpers()).digest, loadElf(STRUCTS, testHelpers()).digest);
});

Deno.test("loadElf() fuzz: truncated and mutated objects fail cleanly or load", () => {
  const objects = ["strings", "structs", "sections", "fib", "gf256"].map((n) =>
    Deno.readFileSync(new URL(`${n}.v3.o`, dir))
  );
  let x = 0x9e3779b9;
  const rnd = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  let loaded = 0;
  const attempt = (bytes: Uint8Array) => {
    try {
      const p = loadProgram(bytes, testHelpers());
      verify(p, testHelpers());
      loaded++;
    } catch (e) {
      if (!(e instanceof PluginFault)) throw e;
    }
  };
  for (const obj of objects) {
    for (let len = 0; len < obj.length; len += 7) attempt(obj.subarray(0, len));
  }
  for (let n = 0; n < 3000; n++) {
    const b = objects[rnd(objects.length)]!.slice();
    const flips = 1 + rnd(4);
    for (let k = 0; k < flips; k++) {
      const at = rnd(b.length);
      b[at] = rnd(3) === 0 ? 0xff : rnd(256);
    }
    attempt(b);
  }
  assert.ok(loaded > 0, "no mutated object loaded at all");
});

Deno.test("loadElf() refuses a local call that does not land on a function", () => {
  const sections = Deno.readFileSync(new URL("sections.v3.o", dir));
  // first: "call -1" relocated against .text (weight at 0); imm 0 makes it land on pc 1.
  const bad = patched(sections, (dv, s) => dv.setInt32(s.data("replace_first") + 8 + 4, 0, true));
  assert.equal(elfFault(bad), "pc 6: local call to 1 is not to the start of a function");
});
