/**
 * The eBPF instruction set (RFC 9669, "BPF Instruction Set Architecture").
 *
 * One table, {@link FORMS}, lists every instruction form we accept; the
 * decoder, verifier, disassembler, assembler and a coverage test for both
 * engines all derive from it (uBPF / rbpf keep the ISA in one file too).
 *
 * Basic instruction encoding (RFC 9669 §3.1), 64 bits, little-endian:
 *
 * ```
 *  0               8       12      16                              32                              64
 * +---------------+-------+-------+-------------------------------+-------------------------------+
 * |    opcode     |  dst  |  src  |        offset (s16)           |          imm (s32)            |
 * +---------------+-------+-------+-------------------------------+-------------------------------+
 *
 * opcode for ALU / ALU64 / JMP / JMP32 (RFC 9669 §3.3):
 *   +-----------+---+-------+
 *   | code (4)  | s | class |    s = source: 0 = K (imm), 1 = X (src register)
 *   +-----------+---+-------+
 * opcode for LD / LDX / ST / STX (RFC 9669 §5.1):
 *   +-------+----+-------+
 *   |mode(3)|sz 2| class |     sz: W=0 H=1 B=2 DW=3
 *   +-------+----+-------+
 * ```
 *
 * `lddw` (LD | IMM | DW, RFC 9669 §5.4) takes two 8-byte slots; the second
 * slot carries the upper 32 bits of the immediate in its imm field. We keep
 * instruction index == slot index so jump offsets need no translation.
 *
 * Forms that share an opcode byte are told apart by `offset` (sdiv/smod: 1,
 * movsx: 8/16/32, RFC 9669 §4.1) or by `imm` (byte swaps: 16/32/64, atomics:
 * the atomic operation, RFC 9669 §4.2 and §5.3).
 *
 * @module
 */

// ---- Instruction classes (RFC 9669 §3.3) ----
/** Non-standard load (only `lddw` is accepted). */
export const CLASS_LD = 0x00;
/** Load into register. */
export const CLASS_LDX = 0x01;
/** Store immediate. */
export const CLASS_ST = 0x02;
/** Store register (and atomics). */
export const CLASS_STX = 0x03;
/** 32-bit arithmetic. */
export const CLASS_ALU = 0x04;
/** 64-bit jumps. */
export const CLASS_JMP = 0x05;
/** 32-bit jumps. */
export const CLASS_JMP32 = 0x06;
/** 64-bit arithmetic. */
export const CLASS_ALU64 = 0x07;

// ---- Source bit (RFC 9669 §4) ----
/** Operand is the 32-bit immediate. */
export const SRC_K = 0x00;
/** Operand is the source register. */
export const SRC_X = 0x08;

// ---- ALU operation codes (RFC 9669 §4.1) ----
/** dst += src */
export const ALU_ADD = 0x00;
/** dst -= src */
export const ALU_SUB = 0x10;
/** dst *= src */
export const ALU_MUL = 0x20;
/** dst /= src (offset 1: signed) */
export const ALU_DIV = 0x30;
/** dst |= src */
export const ALU_OR = 0x40;
/** dst &= src */
export const ALU_AND = 0x50;
/** dst <<= src (masked) */
export const ALU_LSH = 0x60;
/** dst >>= src (logical, masked) */
export const ALU_RSH = 0x70;
/** dst = -dst */
export const ALU_NEG = 0x80;
/** dst %= src (offset 1: signed) */
export const ALU_MOD = 0x90;
/** dst ^= src */
export const ALU_XOR = 0xa0;
/** dst = src (offset 8/16/32 with X: sign-extending move) */
export const ALU_MOV = 0xb0;
/** dst >>= src (arithmetic, masked) */
export const ALU_ARSH = 0xc0;
/** Byte swap (RFC 9669 §4.2). */
export const ALU_END = 0xd0;

// ---- Jump operation codes (RFC 9669 §4.3) ----
/** Unconditional jump. */
export const JMP_JA = 0x00;
/** == */
export const JMP_JEQ = 0x10;
/** > unsigned */
export const JMP_JGT = 0x20;
/** >= unsigned */
export const JMP_JGE = 0x30;
/** dst & src != 0 */
export const JMP_JSET = 0x40;
/** != */
export const JMP_JNE = 0x50;
/** > signed */
export const JMP_JSGT = 0x60;
/** >= signed */
export const JMP_JSGE = 0x70;
/** Helper or local call. */
export const JMP_CALL = 0x80;
/** Return. */
export const JMP_EXIT = 0x90;
/** < unsigned */
export const JMP_JLT = 0xa0;
/** <= unsigned */
export const JMP_JLE = 0xb0;
/** < signed */
export const JMP_JSLT = 0xc0;
/** <= signed */
export const JMP_JSLE = 0xd0;

// ---- Memory modes and sizes (RFC 9669 §5.1) ----
/** 64-bit immediate (lddw). */
export const MODE_IMM = 0x00;
/** Legacy packet access, absolute (refused). */
export const MODE_ABS = 0x20;
/** Legacy packet access, indirect (refused). */
export const MODE_IND = 0x40;
/** Regular load/store. */
export const MODE_MEM = 0x60;
/** Sign-extending load. */
export const MODE_MEMSX = 0x80;
/** Atomic operation. */
export const MODE_ATOMIC = 0xc0;
/** 4 bytes. */
export const SIZE_W = 0x00;
/** 2 bytes. */
export const SIZE_H = 0x08;
/** 1 byte. */
export const SIZE_B = 0x10;
/** 8 bytes. */
export const SIZE_DW = 0x18;

// ---- Atomic operations, carried in imm (RFC 9669 §5.3) ----
/** Atomic add. */
export const ATOMIC_ADD = 0x00;
/** Atomic or. */
export const ATOMIC_OR = 0x40;
/** Atomic and. */
export const ATOMIC_AND = 0x50;
/** Atomic xor. */
export const ATOMIC_XOR = 0xa0;
/** Modifier: the old value is returned in src. */
export const ATOMIC_FETCH = 0x01;
/** Exchange (always with FETCH). */
export const ATOMIC_XCHG = 0xe0 | ATOMIC_FETCH;
/** Compare (with r0) and exchange; old value into r0 (always with FETCH). */
export const ATOMIC_CMPXCHG = 0xf0 | ATOMIC_FETCH;

// ---- CALL kinds (RFC 9669 §4.3.1) ----
/** src of a helper call: imm is the helper id. */
export const CALL_HELPER = 0;
/** src of a bpf-to-bpf call: imm is the pc offset (target = pc + imm + 1). */
export const CALL_LOCAL = 1;
/** src of a call by BTF id (refused: no BTF here). */
export const CALL_BTF = 2;

/** Register count: r0..r10. */
export const REGISTER_COUNT = 11;
/** The read-only frame pointer. */
export const FRAME_POINTER = 10;
/** Bytes per instruction slot. */
export const SLOT_SIZE = 8;
/** Most instructions a program may have (an arbitrary limit, as uBPF's UBPF_MAX_INSTS). */
export const MAX_INSTRUCTIONS = 65_536;

/** Composite opcodes used often enough to name. */
export const OP_LDDW = CLASS_LD | MODE_IMM | SIZE_DW; // 0x18
/** exit */
export const OP_EXIT = CLASS_JMP | JMP_EXIT; // 0x95
/** call */
export const OP_CALL = CLASS_JMP | JMP_CALL; // 0x85
/** ja */
export const OP_JA = CLASS_JMP | JMP_JA; // 0x05
/** ja32 (gotol): offset in imm */
export const OP_JA32 = CLASS_JMP32 | JMP_JA; // 0x06

/** One decoded instruction (one 8-byte slot). */
export interface Instruction {
  /** The 8-bit opcode. */
  opcode: number;
  /** Destination register, 0..15 as encoded (verifier allows 0..10). */
  dst: number;
  /** Source register, 0..15 as encoded. */
  src: number;
  /** Signed 16-bit offset. */
  offset: number;
  /** Signed 32-bit immediate. */
  imm: number;
  /** For lddw only: the full 64-bit immediate, unsigned (0 ≤ imm64 < 2^64). */
  imm64?: bigint;
}

/** Rule for the `dst` or `src` register field. */
export type RegRule =
  /** Must be 0. */
  | "zero"
  /** A register 0..10 that is read. */
  | "read"
  /** A register 0..10 that is written (never r10). */
  | "write"
  /** A register 0..10 that is read and written (never r10). */
  | "readwrite";

/** Rule for the `offset` field. */
export type OffsetRule =
  /** Must be 0. */
  | "zero"
  /** A jump offset: target = pc + offset + 1. */
  | "jump"
  /** A memory displacement added to the base register. */
  | "mem"
  /** Must equal `form.offsetValue` (variant selector). */
  | "fixed";

/** Rule for the `imm` field. */
export type ImmRule =
  /** Must be 0. */
  | "zero"
  /** Any 32-bit value (operand). */
  | "any"
  /** Must equal `form.immValue` (variant selector). */
  | "fixed"
  /** Jump offset (ja32): target = pc + imm + 1. */
  | "jump"
  /** Helper id (call, src 0) or pc offset (call, src 1). */
  | "call"
  /** Low 32 bits of lddw's 64-bit immediate. */
  | "imm64";

/** What kind of instruction a form is; engines switch on opcode, this is for tooling. */
export type FormKind = "alu" | "jump" | "call" | "exit" | "lddw" | "load" | "store" | "atomic";

/** One row of the instruction table. */
export interface InstructionForm {
  /** The opcode byte. */
  readonly opcode: number;
  /** Assembler mnemonic, unique per form (e.g. "add32", "sdiv", "ldxsb", "atomic_fetch_adddw"). */
  readonly mnemonic: string;
  /** Instruction class (low 3 bits of opcode). */
  readonly cls: number;
  /** Broad kind. */
  readonly kind: FormKind;
  /** Rule for `dst`. */
  readonly dst: RegRule;
  /** Rule for `src`. */
  readonly src: RegRule;
  /** Rule for `offset`. */
  readonly offset: OffsetRule;
  /** Required `offset` when `offset === "fixed"`. */
  readonly offsetValue?: number;
  /** Rule for `imm`. */
  readonly imm: ImmRule;
  /** Required `imm` when `imm === "fixed"`. */
  readonly immValue?: number;
  /** Access size in bytes for load/store/atomic forms (0 otherwise). */
  readonly size: number;
  /** Whether the form operates on 32 bits (ALU, JMP32, 32-bit atomics). */
  readonly is32: boolean;
}

const SIZE_BYTES: ReadonlyArray<[number, string, number]> = [
  [SIZE_B, "b", 1],
  [SIZE_H, "h", 2],
  [SIZE_W, "w", 4],
  [SIZE_DW, "dw", 8],
];

function form(
  opcode: number,
  mnemonic: string,
  kind: FormKind,
  fields: Partial<InstructionForm> & Pick<InstructionForm, "dst" | "src" | "offset" | "imm">,
): InstructionForm {
  const cls = opcode & 0x07;
  const is32 = fields.is32 ?? (cls === CLASS_ALU || cls === CLASS_JMP32);
  return { opcode, mnemonic, cls, kind, size: 0, ...fields, is32 };
}

function buildForms(): InstructionForm[] {
  const out: InstructionForm[] = [];
  // ALU / ALU64 (RFC 9669 §4.1)
  const aluOps: ReadonlyArray<[number, string]> = [
    [ALU_ADD, "add"],
    [ALU_SUB, "sub"],
    [ALU_MUL, "mul"],
    [ALU_DIV, "div"],
    [ALU_OR, "or"],
    [ALU_AND, "and"],
    [ALU_LSH, "lsh"],
    [ALU_RSH, "rsh"],
    [ALU_MOD, "mod"],
    [ALU_XOR, "xor"],
    [ALU_MOV, "mov"],
    [ALU_ARSH, "arsh"],
  ];
  for (const [cls, suffix] of [[CLASS_ALU64, ""], [CLASS_ALU, "32"]] as const) {
    for (const [op, name] of aluOps) {
      const dst: RegRule = op === ALU_MOV ? "write" : "readwrite";
      out.push(form(cls | SRC_K | op, name + suffix, "alu", {
        dst,
        src: "zero",
        offset: "zero",
        imm: "any",
      }));
      out.push(form(cls | SRC_X | op, name + suffix, "alu", {
        dst,
        src: "read",
        offset: "zero",
        imm: "zero",
      }));
    }
    // Signed division and modulo: offset 1 (RFC 9669 §4.1).
    for (const [op, name] of [[ALU_DIV, "sdiv"], [ALU_MOD, "smod"]] as const) {
      for (const s of [SRC_K, SRC_X]) {
        out.push(form(cls | s | op, name + suffix, "alu", {
          dst: "readwrite",
          src: s === SRC_K ? "zero" : "read",
          offset: "fixed",
          offsetValue: 1,
          imm: s === SRC_K ? "any" : "zero",
        }));
      }
    }
    // Sign-extending moves: 64-bit from 8/16/32, 32-bit from 8/16.
    const widths = cls === CLASS_ALU64 ? [8, 16, 32] : [8, 16];
    for (const w of widths) {
      out.push(form(cls | SRC_X | ALU_MOV, `mov${suffix}sx${w}`, "alu", {
        dst: "write",
        src: "read",
        offset: "fixed",
        offsetValue: w,
        imm: "zero",
      }));
    }
    out.push(form(cls | SRC_K | ALU_NEG, "neg" + suffix, "alu", {
      dst: "readwrite",
      src: "zero",
      offset: "zero",
      imm: "zero",
    }));
  }
  // Byte swaps (RFC 9669 §4.2): ALU|K = to little-endian, ALU|X = to big-endian,
  // ALU64|K = unconditional swap.
  for (const w of [16, 32, 64]) {
    const rules = {
      dst: "readwrite",
      src: "zero",
      offset: "zero",
      imm: "fixed",
      immValue: w,
    } as const;
    out.push(form(CLASS_ALU | SRC_K | ALU_END, `le${w}`, "alu", { ...rules, is32: false }));
    out.push(form(CLASS_ALU | SRC_X | ALU_END, `be${w}`, "alu", { ...rules, is32: false }));
    out.push(form(CLASS_ALU64 | SRC_K | ALU_END, `bswap${w}`, "alu", rules));
  }
  // Jumps (RFC 9669 §4.3)
  const jmpOps: ReadonlyArray<[number, string]> = [
    [JMP_JEQ, "jeq"],
    [JMP_JGT, "jgt"],
    [JMP_JGE, "jge"],
    [JMP_JSET, "jset"],
    [JMP_JNE, "jne"],
    [JMP_JSGT, "jsgt"],
    [JMP_JSGE, "jsge"],
    [JMP_JLT, "jlt"],
    [JMP_JLE, "jle"],
    [JMP_JSLT, "jslt"],
    [JMP_JSLE, "jsle"],
  ];
  for (const [cls, suffix] of [[CLASS_JMP, ""], [CLASS_JMP32, "32"]] as const) {
    for (const [op, name] of jmpOps) {
      out.push(form(cls | SRC_K | op, name + suffix, "jump", {
        dst: "read",
        src: "zero",
        offset: "jump",
        imm: "any",
      }));
      out.push(form(cls | SRC_X | op, name + suffix, "jump", {
        dst: "read",
        src: "read",
        offset: "jump",
        imm: "zero",
      }));
    }
  }
  out.push(form(OP_JA, "ja", "jump", { dst: "zero", src: "zero", offset: "jump", imm: "zero" }));
  out.push(
    form(OP_JA32, "ja32", "jump", { dst: "zero", src: "zero", offset: "zero", imm: "jump" }),
  );
  // call: src is CALL_HELPER or CALL_LOCAL, checked by the verifier (the "call" rule).
  out.push(
    form(OP_CALL, "call", "call", { dst: "zero", src: "zero", offset: "zero", imm: "call" }),
  );
  out.push(
    form(OP_EXIT, "exit", "exit", { dst: "zero", src: "zero", offset: "zero", imm: "zero" }),
  );
  // lddw (RFC 9669 §5.4): src must be 0 (pseudo sources refused).
  out.push(form(OP_LDDW, "lddw", "lddw", {
    dst: "write",
    src: "zero",
    offset: "zero",
    imm: "imm64",
    is32: false,
  }));
  // Loads and stores (RFC 9669 §5.1–5.2)
  for (const [sz, suffix, bytes] of SIZE_BYTES) {
    out.push(form(CLASS_LDX | MODE_MEM | sz, `ldx${suffix}`, "load", {
      dst: "write",
      src: "read",
      offset: "mem",
      imm: "zero",
      size: bytes,
      is32: false,
    }));
    if (bytes < 8) {
      out.push(form(CLASS_LDX | MODE_MEMSX | sz, `ldxs${suffix}`, "load", {
        dst: "write",
        src: "read",
        offset: "mem",
        imm: "zero",
        size: bytes,
        is32: false,
      }));
    }
    out.push(form(CLASS_ST | MODE_MEM | sz, `st${suffix}`, "store", {
      dst: "read",
      src: "zero",
      offset: "mem",
      imm: "any",
      size: bytes,
      is32: false,
    }));
    out.push(form(CLASS_STX | MODE_MEM | sz, `stx${suffix}`, "store", {
      dst: "read",
      src: "read",
      offset: "mem",
      imm: "zero",
      size: bytes,
      is32: false,
    }));
  }
  // Atomics (RFC 9669 §5.3): 32 and 64 bits.
  const atomicOps: ReadonlyArray<[number, string]> = [
    [ATOMIC_ADD, "add"],
    [ATOMIC_OR, "or"],
    [ATOMIC_AND, "and"],
    [ATOMIC_XOR, "xor"],
    [ATOMIC_ADD | ATOMIC_FETCH, "fetch_add"],
    [ATOMIC_OR | ATOMIC_FETCH, "fetch_or"],
    [ATOMIC_AND | ATOMIC_FETCH, "fetch_and"],
    [ATOMIC_XOR | ATOMIC_FETCH, "fetch_xor"],
    [ATOMIC_XCHG, "xchg"],
    [ATOMIC_CMPXCHG, "cmpxchg"],
  ];
  for (const [sz, suffix, bytes] of [[SIZE_W, "w", 4], [SIZE_DW, "dw", 8]] as const) {
    for (const [aop, name] of atomicOps) {
      out.push(form(CLASS_STX | MODE_ATOMIC | sz, `atomic_${name}${suffix}`, "atomic", {
        dst: "read",
        // Fetching forms write src (cmpxchg writes r0 and reads src).
        src: (aop & ATOMIC_FETCH) !== 0 && aop !== ATOMIC_CMPXCHG ? "readwrite" : "read",
        offset: "mem",
        imm: "fixed",
        immValue: aop,
        size: bytes,
        is32: bytes === 4,
      }));
    }
  }
  return out;
}

/** Every accepted instruction form; the single source of truth for the ISA. */
export const FORMS: readonly InstructionForm[] = Object.freeze(buildForms());

/** Every distinct opcode byte that appears in {@link FORMS}, ascending. */
export const ALL_OPCODES: readonly number[] = Object.freeze(
  [...new Set(FORMS.map((f) => f.opcode))].sort((a, b) => a - b),
);

const BY_OPCODE: ReadonlyArray<readonly InstructionForm[]> = (() => {
  const table: InstructionForm[][] = Array.from({ length: 256 }, () => []);
  for (const f of FORMS) table[f.opcode]!.push(f);
  return table;
})();

const BY_MNEMONIC: ReadonlyMap<string, readonly InstructionForm[]> = (() => {
  const m = new Map<string, InstructionForm[]>();
  for (const f of FORMS) {
    const list = m.get(f.mnemonic) ?? [];
    list.push(f);
    m.set(f.mnemonic, list);
  }
  return m;
})();

/**
 * All forms sharing an opcode byte (empty when the opcode is unknown).
 *
 * @param opcode the opcode byte
 * @returns the candidate forms
 */
export function formsOf(opcode: number): readonly InstructionForm[] {
  return BY_OPCODE[opcode & 0xff] ?? [];
}

/**
 * The forms with a given mnemonic (K and X variants share one), for the assembler.
 *
 * @param mnemonic e.g. "add32"
 * @returns the forms, or an empty array
 */
export function formsByMnemonic(mnemonic: string): readonly InstructionForm[] {
  return BY_MNEMONIC.get(mnemonic) ?? [];
}

/**
 * The form an instruction belongs to: opcode plus the variant selector (offset
 * for sdiv/smod/movsx, imm for byte swaps and atomics). Field rules other than
 * the selector are not checked here (the verifier does that).
 *
 * @param ins a decoded instruction
 * @returns the matching form, or undefined for an unknown opcode or variant
 */
export function lookupForm(ins: Instruction): InstructionForm | undefined {
  const candidates = BY_OPCODE[ins.opcode & 0xff];
  if (candidates === undefined || candidates.length === 0) return undefined;
  let fallback: InstructionForm | undefined;
  for (const f of candidates) {
    if (f.offset === "fixed") {
      if (ins.offset === f.offsetValue) return f;
    } else if (f.imm === "fixed") {
      if (ins.imm === f.immValue) return f;
    } else {
      fallback = f;
    }
  }
  return fallback;
}

/**
 * Opcodes refused with a specific reason (legacy packet access, RFC 9669 §5.5).
 */
export const REFUSED_OPCODES: ReadonlyMap<number, string> = new Map(
  [MODE_ABS, MODE_IND].flatMap((mode) =>
    SIZE_BYTES.map(([sz, suffix]) =>
      [
        CLASS_LD | mode | sz,
        `legacy packet access (ld${mode === MODE_ABS ? "abs" : "ind"}${suffix}) is not supported`,
      ] as [number, string]
    )
  ),
);

/** Whether an opcode is lddw, which occupies two slots. */
export function isWide(opcode: number): boolean {
  return opcode === OP_LDDW;
}
