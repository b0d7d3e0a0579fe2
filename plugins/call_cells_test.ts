import assert from "node:assert/strict";
import {
  CallCells,
  CELL_ARGC,
  CELL_COUNT,
  CELL_INPUT,
  CELL_MASK,
  CELL_META,
  CELL_PARAM,
  CELL_RULES,
  type InputWords,
} from "./call_cells.ts";
import { PQUIC_HELPERS } from "./helpers.ts";
import { HELPERS } from "./helper_ids.ts";

function memory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 1, maximum: 4 });
}

Deno.test("CallCells.fill() writes param, count and every input of a call without inputWords", () => {
  const cells = new CallCells(memory(), 4096);
  const call: InputWords = { param: 0x1c, args: BigUint64Array.of(7n, 2n ** 60n + 3n) };
  cells.fill(call);
  assert.equal(cells.number(CELL_MASK), 0b11);
  assert.equal(cells.number(CELL_PARAM), 0x1c);
  assert.equal(cells.number(CELL_ARGC), 2);
  assert.equal(cells.big(CELL_INPUT), 7n);
  assert.equal(cells.big(CELL_INPUT + 1), 2n ** 60n + 3n);
  // Not exact as a double: NaN, so that number helpers fall back to their BigInt form.
  assert.ok(Number.isNaN(cells.number(CELL_INPUT + 1)));
});

Deno.test("CallCells.fill() takes the mask from inputWords and never reads args then", () => {
  const cells = new CallCells(memory(), 0);
  const call: InputWords = {
    param: 0xffff,
    inputCount: 3,
    inputWords: (dst, at) => {
      dst[at + 4] = 42; // input 2 only
      return 0b100;
    },
    get args(): BigUint64Array {
      throw new Error("args read");
    },
  };
  cells.fill(call);
  assert.equal(cells.number(CELL_MASK), 0b100);
  assert.equal(cells.number(CELL_ARGC), 3);
  assert.equal(cells.number(CELL_PARAM), 0xffff);
  const le = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  assert.equal(cells.big(CELL_INPUT + 2), le ? 42n : 42n << 32n);
});

Deno.test("CallCells.fillDirect() writes numbers and booleans from native inputs, no others", () => {
  const cells = new CallCells(memory(), 128);
  cells.fill({ param: 9, args: BigUint64Array.of(1n, 1n, 1n, 1n, 1n) }); // stale inputs
  const header = { pn: 1 };
  cells.fillDirect({
    param: 0x30,
    argc: 5,
    // a host object, an exact number, a fraction, a boolean, a number past 2^53
    native: [header, 1200, 2.75, true, 2 ** 60],
    kinds: Uint8Array.of(0, 1, 1, 2, 1),
    full: () => {
      throw new Error("full call made");
    },
  });
  assert.equal(cells.number(CELL_MASK), 0b1110);
  assert.equal(cells.number(CELL_PARAM), 0x30);
  assert.equal(cells.number(CELL_ARGC), 5);
  assert.equal(cells.big(CELL_INPUT + 1), 1200n);
  assert.equal(cells.big(CELL_INPUT + 2), 2n); // truncated, as toU64 does
  assert.equal(cells.big(CELL_INPUT + 3), 1n);
  assert.equal(cells.hasInput(0), false);
  assert.equal(cells.hasInput(4), false);
});

Deno.test("CallCells: metadata cells survive fills, save/restore bring back the call cells", () => {
  const mem = memory();
  const cells = new CallCells(mem, 64);
  cells.setBig(CELL_META + 9, 0xffff_ffff_ffff_fffen);
  cells.fill({ param: 1, args: BigUint64Array.of(5n) });
  cells.save(1);
  cells.fill({ param: 2, args: BigUint64Array.of(6n, 7n) });
  assert.equal(cells.big(CELL_INPUT), 6n);
  cells.restore(1);
  assert.equal(cells.big(CELL_INPUT), 5n);
  assert.equal(cells.number(CELL_PARAM), 1);
  assert.equal(cells.number(CELL_ARGC), 1);
  assert.equal(cells.big(CELL_META + 9), 0xffff_ffff_ffff_fffen);
  // Growth detaches the old buffer: the cells follow the memory.
  mem.grow(1);
  assert.equal(cells.big(CELL_META + 9), 0xffff_ffff_ffff_fffen);
  cells.setBig(CELL_META, 3n);
  assert.equal(new BigUint64Array(mem.buffer, 64, CELL_COUNT)[CELL_META], 3n);
});

Deno.test("CallCells refuses a block outside the memory or misaligned", () => {
  assert.throws(() => new CallCells(memory(), 65536 - 8), RangeError);
  assert.throws(() => new CallCells(memory(), 12), RangeError);
});

Deno.test("the pquic helper table carries the cell rules of get_cnx and the connection metadata", () => {
  for (const [name, rules] of Object.entries(CELL_RULES)) {
    const spec = HELPERS.find((h) => h.name === name)!;
    assert.deepEqual(PQUIC_HELPERS.byId(spec.id)?.cells, rules, name);
  }
});
