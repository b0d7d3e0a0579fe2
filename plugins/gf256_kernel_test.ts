import assert from "node:assert/strict";
import { gfAddMul, gfScale } from "./gf256.ts";
import { regionAddMul, regionScale } from "./gf256_kernel.ts";
import { SeededRandom } from "../transport/random.ts";

function fresh(rng: SeededRandom): { memory: WebAssembly.Memory; b: Uint8Array } {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const b = new Uint8Array(memory.buffer);
  rng.fill(b.subarray(0, 8192));
  return { memory, b };
}

Deno.test("regionAddMul() equals gfAddMul() for every constant, length and alignment", () => {
  const rng = new SeededRandom(5);
  const { memory, b } = fresh(rng);
  for (let c = 0; c < 256; c++) {
    const n = rng.u32() % 300;
    const d = rng.u32() % 2000, s = 4096 + (rng.u32() % 2000);
    const want = b.slice();
    gfAddMul(want, d, want, s, c, n);
    regionAddMul(memory, d, s, c, n);
    assert.deepEqual(b.subarray(0, 8192), want.subarray(0, 8192), `c ${c} n ${n} d ${d} s ${s}`);
  }
});

Deno.test("regionScale() equals gfScale(), and a grown memory gets a fresh view", () => {
  const rng = new SeededRandom(6);
  const { memory, b } = fresh(rng);
  for (let c = 0; c < 256; c++) {
    const n = rng.u32() % 300, d = rng.u32() % 4000;
    const want = b.slice();
    gfScale(want, d, c, n);
    regionScale(memory, d, c, n);
    assert.deepEqual(b.subarray(0, 8192), want.subarray(0, 8192), `c ${c} n ${n} d ${d}`);
  }
  memory.grow(1);
  const g = new Uint8Array(memory.buffer);
  g.fill(7, 70_000, 70_021);
  g.fill(2, 70_100, 70_121);
  regionAddMul(memory, 70_000, 70_100, 3, 21); // 7 + 3·2 = 7 ^ 6 = 1
  assert.deepEqual([...g.subarray(70_000, 70_021)], new Array(21).fill(1));
});
