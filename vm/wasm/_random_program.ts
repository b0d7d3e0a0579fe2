/**
 * Random valid eBPF programs for differential tests (uBPF's fuzz harness
 * compares its engines the same way): assembler text that exercises every
 * ALU, jump, load, store and atomic form, bounded loops, counted loops over
 * memory (_random_loop.ts), helper calls (those with an intrinsic too) and
 * bpf-to-bpf calls, with edge-case immediates.
 *
 * Conventions of the generated programs: at entry r1 points at a buffer of
 * {@link BUFFER_SIZE} bytes and r2 holds its length; r1 is never written (so
 * most accesses land in memory), r9 and r8 count loops, functions call only
 * functions after them (no recursion), and every register is written before it
 * is read. A small share of accesses use a random base on purpose, so
 * out-of-bounds faults are compared too. Helpers are the ids of
 * `vm/_test_helpers.ts`.
 *
 * Not part of the public surface.
 *
 * @module
 */

import { countedMemoryLoop } from "./_random_loop.ts";

/** Bytes of the buffer r1 points at. */
export const BUFFER_SIZE = 256;

/** A small seeded generator (mulberry32). */
export class Rng {
  #s: number;

  /** @param seed any 32-bit integer */
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return this.u32() % n;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  /** One element of a non-empty array. */
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }

  /** A random 64-bit value, biased towards edge cases. */
  u64(): bigint {
    const edges = [
      0n,
      1n,
      0xffffffffn,
      0x80000000n,
      0x7fffffffffffffffn,
      1n << 63n,
      (1n << 64n) - 1n,
    ];
    if (this.chance(0.3)) return this.pick(edges);
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
}

const ALU_OPS = [
  "add",
  "sub",
  "mul",
  "div",
  "sdiv",
  "mod",
  "smod",
  "or",
  "and",
  "lsh",
  "rsh",
  "arsh",
  "xor",
  "mov",
];
const JUMPS = ["jeq", "jne", "jgt", "jge", "jlt", "jle", "jsgt", "jsge", "jslt", "jsle", "jset"];
const SIZES = ["b", "h", "w", "dw"];
const SIZE_BYTES: Record<string, number> = { b: 1, h: 2, w: 4, dw: 8 };
const ATOMICS = [
  "add",
  "or",
  "and",
  "xor",
  "fetch_add",
  "fetch_or",
  "fetch_and",
  "fetch_xor",
  "xchg",
  "cmpxchg",
];
/** Registers random instructions may write: r1 (buffer), r8/r9 (loop counters), r10 are kept. */
const WRITABLE = [0, 2, 3, 4, 5, 6, 7];
/** Loop counters by nesting depth. */
const LOOP_COUNTERS = [9, 8];

/** One line of the program, or a jump that still needs its label. */
type Item = { text: string } | { jump: string; to: number };

interface GenState {
  rng: Rng;
  fn: number;
  fnCount: number;
  loopDepth: number;
}

function imm32(rng: Rng): number {
  const edges = [0, 1, -1, 2, 7, 8, 31, 32, 63, 64, 0x7fffffff, -0x80000000, 0xff, 0xffff];
  if (rng.chance(0.4)) return rng.pick(edges);
  return rng.chance(0.5) ? rng.int(256) - 128 : (rng.u32() | 0);
}

function reg(rng: Rng): number {
  return rng.int(11);
}

function alu(s: GenState): string {
  const { rng } = s;
  const dst = rng.pick(WRITABLE);
  const r = rng.int(100);
  if (r < 6) return `neg${rng.chance(0.5) ? "32" : ""} r${dst}`;
  if (r < 12) {
    const w = rng.pick([16, 32, 64]);
    return `${rng.pick(["le", "be", "bswap"])}${w} r${dst}`;
  }
  if (r < 18) {
    const is32 = rng.chance(0.4);
    const w = is32 ? rng.pick([8, 16]) : rng.pick([8, 16, 32]);
    return `mov${is32 ? "32" : ""}sx${w} r${dst}, r${reg(rng)}`;
  }
  const op = rng.pick(ALU_OPS) + (rng.chance(0.4) ? "32" : "");
  if (rng.chance(0.5)) return `${op} r${dst}, r${reg(rng)}`;
  let imm = imm32(rng);
  if (imm === 0 && /div|mod/.test(op)) imm = rng.pick([1, -1, 3]);
  return `${op} r${dst}, ${imm}`;
}

/**
 * A table lookup: a bounded index (a loaded byte or half, or a masked
 * register) added to a base, the accesses the emitter checks through the
 * base's flag (wasm/ranges.ts). The base is the buffer or a pointer near the
 * end of the first page, so both the flag's fast path and its precise
 * fallback run, faults included.
 */
function table(s: GenState): string {
  const { rng } = s;
  const pool = [...WRITABLE];
  const take = () => pool.splice(rng.int(pool.length), 1)[0]!;
  const i = take();
  const p = take();
  const x = take();
  const lines: string[] = [];
  const kind = rng.int(3);
  if (kind === 0) lines.push(`ldxb r${i}, [r1+${rng.int(BUFFER_SIZE)}]`);
  else if (kind === 1) lines.push(`ldxh r${i}, [r1+${rng.int(BUFFER_SIZE - 1)}]`);
  else lines.push(`mov r${i}, r${reg(rng)}`, `and r${i}, ${rng.pick([0xff, 0x3ff, 7, 0])}`);
  lines.push(
    rng.chance(0.8)
      ? `mov r${p}, r1`
      : `lddw r${p}, 0x${(0x1_0001_0000 - rng.int(1200)).toString(16)}`,
  );
  // r = base + index, either way round.
  const ptr = rng.chance(0.7) ? p : i;
  lines.push(ptr === p ? `add r${p}, r${i}` : `add r${i}, r${p}`);
  const count = 1 + rng.int(2);
  for (let k = 0; k < count; k++) {
    const sz = rng.pick(SIZES);
    const off = rng.int(64) - 16;
    const at = `[r${ptr}${off < 0 ? "-" : "+"}${Math.abs(off)}]`;
    const roll = rng.int(10);
    if (roll < 6) lines.push(`ldx${sz} r${x}, ${at}`);
    else if (roll < 8) lines.push(`stx${sz} ${at}, r${reg(rng)}`);
    else lines.push(`st${sz} ${at}, ${imm32(rng)}`);
  }
  return lines.join("\n");
}

function mem(s: GenState): string {
  const { rng } = s;
  if (rng.chance(0.03)) return table(s);
  const size = rng.pick(SIZES);
  const n = SIZE_BYTES[size]!;
  let addr: string;
  let prefix = "";
  if (rng.chance(0.03)) {
    // A pointer moved between two accesses in one block: what was proved about
    // the first must not cover the second.
    const p = rng.pick(WRITABLE);
    const step = rng.pick([0, 8, 200, 60000, 70000, -5000]);
    const load = `ldx${size} r${rng.pick(WRITABLE)}, [r${p}+0]`;
    return `mov r${p}, r1\n${load}\nadd r${p}, ${step}\n${
      load.replace(/r\d+,/, `r${p === 0 ? 2 : 0},`)
    }`;
  }
  if (rng.chance(0.02)) {
    // Several accesses through one base near the end of memory: checked
    // together, the first one out of bounds must be the one reported.
    const p = rng.pick(WRITABLE);
    const lines = [`lddw r${p}, 0x${(0x1_0001_0000 - rng.int(16)).toString(16)}`];
    const count = 2 + rng.int(3);
    for (let i = 0; i < count; i++) {
      const sz = rng.pick(SIZES);
      const off = rng.int(24) - 8;
      const at = `[r${p}${off < 0 ? "-" : "+"}${Math.abs(off)}]`;
      const other = rng.pick(WRITABLE.filter((r) => r !== p));
      lines.push(
        i === count - 1 && rng.chance(0.5)
          ? `stx${sz} ${at}, r${other}`
          : `ldx${sz} r${other}, ${at}`,
      );
    }
    return lines.join("\n");
  }
  const roll = rng.int(1000);
  if (roll < 10) {
    addr = `[r${rng.pick(WRITABLE)}+${rng.int(64)}]`; // a wild pointer: usually a fault
  } else if (roll < 20) {
    // Just below the memory, or straddling / past the end of the first 64 KiB page.
    const r = rng.pick(WRITABLE);
    const end = 0x1_0001_0000 - rng.int(2 * n);
    prefix = `lddw r${r}, 0x${end.toString(16)}\n`;
    addr = rng.chance(0.3) ? `[r1-${4097 + rng.int(64)}]` : `[r${r}+0]`;
  } else if (roll < 510) {
    addr = `[r1+${rng.int(BUFFER_SIZE - n + 1)}]`;
  } else {
    addr = `[r10-${n + rng.int(512 - n + 1)}]`;
  }
  const kind = rng.int(100);
  const dst = rng.pick(WRITABLE);
  if (kind < 40) {
    const sx = n < 8 && rng.chance(0.3) ? "s" : "";
    return `${prefix}ldx${sx}${size} r${dst}, ${addr}`;
  }
  if (kind < 65) return `${prefix}stx${size} ${addr}, r${reg(rng)}`;
  if (kind < 80) return `${prefix}st${size} ${addr}, ${imm32(rng)}`;
  const w = rng.chance(0.5) ? "w" : "dw";
  const wn = w === "w" ? 4 : 8;
  // Re-aim at an address valid for the atomic's own size.
  const base = rng.chance(0.5)
    ? `[r1+${rng.int(BUFFER_SIZE - wn + 1)}]`
    : `[r10-${wn + rng.int(512 - wn + 1)}]`;
  const op = rng.pick(ATOMICS);
  // fetch forms and xchg write src: keep r1 and r9 intact.
  const src = op === "cmpxchg" || !/fetch|xchg/.test(op) ? reg(rng) : rng.pick(WRITABLE);
  return `atomic_${op}${w} ${base}, r${src}`;
}

/**
 * An address for a helper argument, from r6 (a copy of r1): mostly inside
 * the buffer (so ranges overlap), sometimes at the end of the first page
 * (straddling it), below the memory, or anything.
 */
function pointer(rng: Rng, r: number): string {
  const roll = rng.int(1000);
  if (roll < 960) return `mov r${r}, r6\nadd r${r}, ${rng.int(BUFFER_SIZE + 1)}`;
  if (roll < 985) return `lddw r${r}, 0x${(0x1_0001_0000 - rng.int(12)).toString(16)}`;
  if (roll < 993) return `lddw r${r}, 0x${(0xffff_fff0 + rng.int(16)).toString(16)}`;
  return `lddw r${r}, 0x${rng.u64().toString(16)}`;
}

/** A byte count for a helper argument: mostly small, sometimes far too large. */
function count(rng: Rng): string {
  const roll = rng.int(100);
  if (roll < 88) return `mov r3, ${rng.pick([0, 1, 2, 8, rng.int(BUFFER_SIZE + 1)])}`;
  if (roll < 99) return `mov r3, ${rng.int(4 * BUFFER_SIZE)}`;
  return `lddw r3, 0x${rng.u64().toString(16)}`;
}

/**
 * A call to a helper with an intrinsic (vm/_test_helpers.ts ids 12–19), whose
 * arguments exercise its fast path and its checks alike. r1 is restored.
 */
function intrinsicCall(rng: Rng): string[] {
  const id = 12 + rng.int(8);
  const value = () => `lddw r${id === 13 ? 2 : 3}, 0x${rng.u64().toString(16)}`;
  const lines = ["mov r6, r1"];
  if (id === 15) return [...lines, `lddw r1, 0x${rng.u64().toString(16)}`, "call 15", "mov r1, r6"];
  if (id === 12 || id === 14) lines.push(pointer(rng, 2), count(rng));
  if (id === 13) lines.push(rng.chance(0.7) ? `mov r2, ${rng.int(512)}` : value(), count(rng));
  if (id === 17) lines.push(`mov r2, ${rng.pick([0, 1, 2, 4, 8, 100])}`, pointer(rng, 3));
  if (id === 18) {
    lines.push(`mov r2, ${rng.pick([0, 1, 2, 4, 8])}`);
    lines.push(rng.chance(0.5) ? `mov r3, ${rng.pick([0, 63, 64, 16383, 16384])}` : value());
  }
  if (id === 19 && rng.chance(0.7)) {
    // A short string in the buffer: ASCII, a byte from 0x80, or no NUL yet.
    const at = rng.int(BUFFER_SIZE - 3);
    const word = rng.pick([0x00434241, 0x41424300, 0x00418141, 0x41414141]);
    return [
      ...lines,
      `stw [r6+${at}], ${word}`,
      `mov r1, r6`,
      `add r1, ${at}`,
      "call 19",
      "mov r1, r6",
    ];
  }
  lines.push(pointer(rng, 1), `call ${id}`, "mov r1, r6");
  return lines;
}

function helper(s: GenState): string[] {
  const { rng } = s;
  const r = rng.int(100);
  if (r < 25) return intrinsicCall(rng);
  if (r < 70) return ["call 1"];
  if (r < 85) return [`mov r2, ${rng.int(BUFFER_SIZE + 1)}`, "call 2"];
  if (r < 90) return [`mov r2, ${rng.int(BUFFER_SIZE + 1)}`, `mov r3, ${rng.int(256)}`, "call 3"];
  // Number helpers: r1 (a pointer, above 2^31) or small values, or anything.
  if (r < 92) return [`mov r2, ${rng.int(BUFFER_SIZE + 1)}`, "call 9"];
  if (r < 93) return ["call 8"];
  if (r < 96) {
    const small = () => `${rng.pick([0, 1, 5, 0x7fffffff, 0x40000000])}`;
    return ["mov r6, r1", `mov r1, ${small()}`, `mov r2, ${small()}`, "call 8", "mov r1, r6"];
  }
  if (r < 97) return [rng.chance(0.5) ? "call 10" : "call 11"];
  return ["mov r6, r1", `mov r1, ${rng.pick([1, 65536])}`, "call 6", "mov r1, r6"];
}

/** Items of a straight or branching body; `to` of jumps index into the returned list. */
function body(s: GenState, count: number, allowLoops: boolean): Item[] {
  const { rng } = s;
  const items: Item[] = [];
  const jumps: number[] = [];
  // Items inside a loop (after its counter is set): outer jumps must not land there.
  const insideLoop = new Set<number>();
  for (let i = 0; i < count; i++) {
    if (allowLoops && rng.chance(0.015)) {
      // A counted loop over memory (_random_loop.ts), entered at its first item.
      const at = items.length;
      for (
        const it of countedMemoryLoop(rng, () => rng.chance(0.5) ? alu(s) : mem(s), s.loopDepth > 0)
      ) {
        if (items.length > at) insideLoop.add(items.length);
        items.push("jump" in it ? { jump: it.jump, to: it.to + at } : it);
      }
      continue;
    }
    const r = rng.int(100);
    if (r < 45) items.push({ text: alu(s) });
    else if (r < 70) items.push({ text: mem(s) });
    else if (r < 75) {
      items.push({ text: `lddw r${rng.pick(WRITABLE)}, 0x${rng.u64().toString(16)}` });
    } else if (r < 87) {
      const op = rng.pick(JUMPS) + (rng.chance(0.4) ? "32" : "");
      const rhs = rng.chance(0.5) ? `r${reg(rng)}` : String(imm32(rng));
      jumps.push(items.length);
      items.push({ jump: `${op} r${reg(rng)}, ${rhs}`, to: -1 });
    } else if (r < 91) {
      for (const t of helper(s)) items.push({ text: t });
    } else if (r < 94 && s.fn + 1 < s.fnCount) {
      items.push({ text: `call local f${s.fn + 1 + rng.int(s.fnCount - s.fn - 1)}` });
    } else if (r < 97 && allowLoops && s.loopDepth < LOOP_COUNTERS.length) {
      // A counted loop (nested at most two deep, counters r9 then r8); jumps in
      // its body stay inside it or leave it (a "break" to the item after it).
      const counter = LOOP_COUNTERS[s.loopDepth]!;
      s.loopDepth++;
      const inner = body(s, 2 + rng.int(6), true);
      s.loopDepth--;
      // Half of the loops are rotated, as clang often lays them out: entered
      // by a jump to the test at the bottom.
      const rotated = rng.chance(0.5);
      const head = items.length + (rotated ? 2 : 1);
      const exit = head + inner.length + 2;
      items.push({ text: `mov r${counter}, ${1 + rng.int(s.loopDepth === 0 ? 8 : 4)}` });
      if (rotated) {
        insideLoop.add(items.length); // no jumping past the counter's set-up
        items.push({ jump: "ja", to: head + inner.length });
      }
      for (const it of inner) {
        insideLoop.add(items.length);
        if ("jump" in it) {
          items.push({ jump: it.jump, to: rng.chance(0.15) ? exit : it.to + head });
        } else items.push(it);
      }
      insideLoop.add(items.length);
      items.push({ text: `sub r${counter}, 1` });
      insideLoop.add(items.length);
      items.push({ jump: `jne r${counter}, 0,`, to: head });
    } else {
      items.push({ text: alu(s) });
    }
  }
  // Forward targets: anywhere later in this body, or its end.
  for (const j of jumps) {
    const it = items[j] as { jump: string; to: number };
    do it.to = j + 1 + rng.int(items.length - j); while (insideLoop.has(it.to));
  }
  return items;
}

function render(items: Item[], prefix: string, out: string[]): void {
  const targets = new Set<number>();
  for (const it of items) if ("jump" in it) targets.add(it.to);
  items.forEach((it, i) => {
    if (targets.has(i)) out.push(`${prefix}${i}:`);
    if ("jump" in it) {
      const sep = it.jump.endsWith(",") || it.jump === "ja" ? "" : ",";
      out.push(`${it.jump}${sep} ${prefix}${it.to}`);
    } else out.push(it.text);
  });
  if (targets.has(items.length)) out.push(`${prefix}${items.length}:`);
}

/**
 * A random program as assembler text.
 *
 * @param rng the generator
 * @returns assembler text with an entry at the first instruction
 */
export function randomProgram(rng: Rng): string {
  const fnCount = 1 + (rng.chance(0.3) ? 1 + rng.int(3) : 0);
  const out: string[] = [];
  for (let fn = 0; fn < fnCount; fn++) {
    const s: GenState = { rng, fn, fnCount, loopDepth: 0 };
    if (fn === 0) {
      for (const r of [0, 3, 4, 5, 6, 7, 8, 9]) {
        out.push(
          rng.chance(0.5) ? `lddw r${r}, 0x${rng.u64().toString(16)}` : `mov r${r}, ${imm32(rng)}`,
        );
      }
    } else {
      out.push(`f${fn}:`);
    }
    render(body(s, fn === 0 ? 10 + rng.int(40) : 3 + rng.int(12), true), `L${fn}_`, out);
    if (fn === 0) {
      for (const r of [2, 3, 4, 5, 6, 7, 8]) {
        out.push(`${rng.pick(["xor", "add", "mul"])} r0, r${r}`);
      }
    }
    out.push("exit");
  }
  return out.join("\n");
}
