/**
 * Counted loops over memory for the differential fuzzer (_random_program.ts):
 * the shape the Wasm compiler versions (versioning.ts), `for (i = i0; i < n;
 * i++) … [B + i + c] …`, with the cases that must take the checked copy or
 * fault exactly as the interpreter does: a range running past the end of
 * memory or starting below it, a start at or past the limit, a limit far
 * enough for the budget to end mid-loop, an early exit, a count that wraps,
 * and now and then a random instruction in the body (which may write the
 * counter, the limit or the base, so the loop must not be versioned).
 *
 * Not part of the public surface.
 *
 * @module
 */

import type { Rng } from "./_random_program.ts";

/** A line, or a jump to an item index relative to the loop's first item. */
export type LoopItem = { text: string } | { jump: string; to: number };

const SIZES = ["b", "h", "w", "dw"];
const SIZE_BYTES: Record<string, number> = { b: 1, h: 2, w: 4, dw: 8 };

/**
 * A counted loop over memory. Registers: r1 (the buffer, read only) and the
 * writable r0, r2–r7; r8 and r9 (outer loop counters) are left alone.
 *
 * @param rng the generator
 * @param extra a random instruction (may write any writable register)
 * @returns the loop's items; jumps name item indices relative to the first
 */
export function countedMemoryLoop(
  rng: Rng,
  extra: () => string,
  nested: boolean,
): LoopItem[] {
  const pool = [0, 2, 3, 4, 5, 6, 7];
  const take = () => pool.splice(rng.int(pool.length), 1)[0]!;
  const i = take();
  const n = take();
  const t = take();
  const x = take();
  const items: LoopItem[] = [];
  const text = (s: string) => items.push({ text: s });

  // Start, limit and base: mostly in the 256-byte buffer at r1, sometimes
  // near the end of the first 64 KiB of memory, below it, or on the stack.
  const start = rng.pick([0, 0, 0, 1, 5, 100, 250, 300]);
  if (rng.chance(0.05)) text(`lddw r${i}, 0x${(2n ** 64n - BigInt(1 + rng.int(4))).toString(16)}`);
  else text(`mov r${i}, ${start}`);
  // Inside another loop, short (or the budget ends most runs).
  const count = rng.chance(0.1) ? 2000 + rng.int(4000) : rng.int(nested ? 20 : 300);
  const limit = rng.chance(0.1) ? rng.int(4) : start + count;
  const immLimit = limit > 0 && rng.chance(0.25);
  if (!immLimit && rng.chance(0.05)) {
    // A limit near 2^64: the count, not the ends of the range, must refuse it.
    text(`lddw r${n}, 0x${(2n ** 64n - BigInt(1 + rng.int(3))).toString(16)}`);
  } else if (!immLimit) text(`mov r${n}, ${limit}`);
  let base = 1;
  const where = rng.int(20);
  if (where < 2) {
    base = take();
    const end = 0x1_0001_0000 - 200 - rng.int(400);
    text(`lddw r${base}, 0x${end.toString(16)}`);
  } else if (where < 3) {
    base = take();
    text(`lddw r${base}, 0x${(0x1_0000_0000 - rng.int(16)).toString(16)}`);
  } else if (where < 6) {
    base = 10;
  } else if (where < 10) {
    base = take();
    text(`mov r${base}, r1`);
    text(`add r${base}, ${rng.int(64) - 16}`);
  }
  const offsets = () => base === 10 ? -(1 + rng.int(700)) : rng.int(16) - 4;
  // A table looked up with a loaded byte (its base flag, ranges.ts), the
  // table in the buffer or reaching past the end of memory.
  const table = pool.length >= 2 && rng.chance(0.3) ? [take(), take()] as const : null;
  if (table !== null) {
    const end = 0x1_0001_0000 - rng.int(600);
    if (rng.chance(0.4)) text(`lddw r${table[0]}, 0x${end.toString(16)}`);
    else text(`mov r${table[0]}, r1`);
  }

  const head = items.length;
  if (rng.chance(0.5)) {
    text(`mov r${t}, r${base}`);
    text(`add r${t}, r${i}`);
  } else {
    text(`mov r${t}, r${i}`);
    text(`add r${t}, r${base}`);
  }
  if (rng.chance(0.3)) text(`add r${t}, ${rng.int(8) - 2}`);
  const size = rng.pick(SIZES);
  const at = (off: number) => `[r${t}${off < 0 ? "-" : "+"}${Math.abs(off)}]`;
  text(`ldx${size} r${x}, ${at(offsets())}`);
  const skips: number[] = [];
  if (rng.chance(0.4)) {
    skips.push(items.length);
    items.push({ jump: `jeq r${x}, ${rng.int(4)},`, to: -1 });
  }
  const breaks: number[] = [];
  if (rng.chance(0.15)) {
    breaks.push(items.length);
    items.push({ jump: `jeq r${x}, ${rng.int(256)},`, to: -1 });
  }
  if (rng.chance(0.1)) text(extra());
  if (table !== null) {
    const [tab, u] = table;
    text(`and r${x}, 255`);
    text(`mov r${u}, r${tab}`);
    text(`add r${u}, r${x}`);
    text(`ldx${rng.pick(SIZES)} r${x}, [r${u}+${rng.int(8)}]`);
  }
  text(`${rng.pick(["xor", "add", "mul", "or"])} r${x}, ${rng.int(256)}`);
  const st = rng.pick(SIZES);
  if (rng.chance(0.8)) text(`stx${st} ${at(offsets())}, r${x}`);
  else text(`st${st} ${at(offsets())}, ${rng.int(256)}`);
  const next = items.length;
  if (rng.chance(0.05)) text(extra());
  text(`add r${i}, 1`);
  // After the increment: accesses the pre-loop test does not cover (the
  // address taken before it, or from the counter's next value).
  if (rng.chance(0.1)) text(`ldx${SIZE_BYTES[size]! > 1 ? "b" : "h"} r${x}, ${at(offsets())}`);
  if (rng.chance(0.1)) {
    text(`mov r${t}, r${base}`);
    text(`add r${t}, r${i}`);
    text(`ldxb r${x}, ${at(offsets())}`);
  }
  const test = rng.int(10);
  if (immLimit) items.push({ jump: `jlt r${i}, ${limit},`, to: head });
  else if (test < 6) items.push({ jump: `jlt r${i}, r${n},`, to: head });
  else if (test < 8) items.push({ jump: `jne r${i}, r${n},`, to: head });
  else items.push({ jump: `jgt r${n}, r${i},`, to: head });
  for (const s of skips) (items[s] as { to: number }).to = next;
  for (const b of breaks) (items[b] as { to: number }).to = items.length;
  return items;
}
