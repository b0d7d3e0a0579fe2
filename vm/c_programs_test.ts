/**
 * The C conformance programs in vm/testdata/c/ (built by build.sh for
 * -mcpu=v1, v2 and v3), loaded through the ELF path and run on both engines;
 * expected values come from the same algorithms written in TypeScript.
 */

import assert from "node:assert/strict";
import { loadProgram } from "./elf.ts";
import type { EngineFactory } from "./engine.ts";
import { createInstance, placeInput } from "./instance.ts";
import { interpreter } from "./interpreter.ts";
import { wasmCompiler } from "./wasm/mod.ts";
import { type TestHelperData, testHelpers } from "./_test_helpers.ts";

const dir = new URL("./testdata/c/", import.meta.url);
const engines: EngineFactory[] = [interpreter, wasmCompiler];
const CPUS = ["v1", "v2", "v3"];

function input(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function fibTs(n: number): number {
  return n < 2 ? n : fibTs(n - 1) + fibTs(n - 2);
}

function checksumTs(p: Uint8Array): bigint {
  let sum = 0;
  let i = 0;
  for (; i + 1 < p.length; i += 2) sum += (p[i]! << 8) | p[i + 1]!;
  if (i < p.length) sum += p[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return BigInt(~sum & 0xffff);
}

function gfMulTs(a: number, b: number): number {
  let r = 0;
  let x = a;
  for (let i = 0; i < 8; i++) {
    if (b & 1) r ^= x;
    b >>= 1;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  return r & 0xff;
}

function gfMacTs(p: Uint8Array): bigint {
  let acc = 0;
  let coef = 1;
  for (const b of p) {
    acc ^= gfMulTs(coef, b);
    coef = gfMulTs(coef, 3);
  }
  return BigInt(acc);
}

const CLASSIFY = [11, 23, 37, 41, 59, 61, 79, 83];

interface Case {
  file: string;
  entry?: string;
  args?: bigint[];
  mem?: Uint8Array;
  expect: bigint;
  log?: string[];
}

const cases: Case[] = [
  {
    file: "fib",
    args: [6n],
    expect: BigInt([0, 1, 2, 3, 4, 5, 6].reduce((t, i) => t * 100 + fibTs(i), 0)),
  },
  { file: "checksum", mem: input(1500, 1), expect: checksumTs(input(1500, 1)) },
  { file: "checksum", mem: input(37, 2), expect: checksumTs(input(37, 2)) },
  { file: "gf256", mem: input(1500, 3), expect: gfMacTs(input(1500, 3)) },
  {
    file: "strings",
    args: [5n],
    expect: 10n,
    log: ["hello", "pquic vm", "big", "10"],
  },
  { file: "strings", args: [2n], expect: 4n, log: ["hello", "pquic vm", "small", "4"] },
  {
    file: "switch",
    entry: "classify_all",
    args: [10n],
    expect: Array.from({ length: 10 }, (_, i) => BigInt(CLASSIFY[i] ?? 0))
      .reduce((acc, v) => acc * 3n + v, 0n),
  },
  { file: "switch", entry: "classify", args: [3n], expect: BigInt(CLASSIFY[3]!) },
  {
    // origin (3,4,7,{1..}) shifted twice by d: x + 2d, y + 4d, flags[0] flipped twice.
    file: "structs",
    args: [5n],
    expect: (3n + 10n) * 1000000n + (4n + 20n) * 1000n + 70n + 1n + 2n * 100000000000n,
  },
  // names[3] = "three" (5 bytes), *cursor = table[2] = 30, table[3] = 40
  { file: "pointers", args: [3n], expect: 5n * 1000n + 30n + 40n, log: ["three"] },
  { file: "pointers", args: [5n], expect: 3n * 1000n + 30n + 20n, log: ["one"] },
  { file: "sections", args: [3n], expect: 3n + 2n * 1n + 5n }, // first: mix_args(a, 1, 0, 0, 1)
  {
    file: "sections",
    entry: "second",
    args: [3n],
    expect: (3n + 4n + 5n) + (3n + 2n + 5n),
  },
];

for (const c of cases) {
  for (const cpu of CPUS) {
    for (const engine of engines) {
      const label = `${c.file}.${cpu}.o ${c.entry ?? "(default entry)"} ${
        (c.args ?? []).join(",")
      }${c.mem === undefined ? "" : ` mem ${c.mem.length} B`}`;
      Deno.test(`C program ${label} on ${engine.name}`, () => {
        const bytes = Deno.readFileSync(new URL(`${c.file}.${cpu}.o`, dir));
        const program = loadProgram(
          bytes,
          testHelpers(),
          c.entry === undefined ? {} : { entry: c.entry },
        );
        const data: TestHelperData = { log: [] };
        const inst = createInstance(program, testHelpers(), { engine, data });
        const args = c.mem === undefined ? c.args ?? [] : placeInput(inst.memory, c.mem);
        assert.equal(inst.run(undefined, args), c.expect);
        if (c.log !== undefined) assert.deepEqual(data.log, c.log);
      });
    }
  }
}

Deno.test("C program structs keeps its globals between runs of one instance", () => {
  const bytes = Deno.readFileSync(new URL("structs.v3.o", dir));
  const inst = createInstance(loadProgram(bytes, testHelpers()), testHelpers());
  const first = inst.run(undefined, [1n]);
  const second = inst.run(undefined, [1n]);
  // counter goes 2 → 4 and origin moved: the second run must differ from the first.
  assert.notEqual(first, second);
  assert.equal(second / 100000000000n, 4n);
});

Deno.test("C program pointers follows a pointer it stored in .data on the previous run", () => {
  const bytes = Deno.readFileSync(new URL("pointers.v3.o", dir));
  const inst = createInstance(loadProgram(bytes, testHelpers()), testHelpers(), {
    data: { log: [] },
  });
  assert.equal(inst.run(undefined, [0n]), 4n * 1000n + 30n + 10n);
  // cursor now points at table[0]
  assert.equal(inst.run(undefined, [1n]), 3n * 1000n + 10n + 20n);
});
