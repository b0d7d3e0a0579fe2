import assert from "node:assert/strict";
import { gfAddMul, gfMul, gfScale } from "./gf256.ts";

Deno.test("gfMul() is a field: commutative, distributive over XOR, every non-zero has an inverse", () => {
  for (let a = 0; a < 256; a += 7) {
    for (let b = 0; b < 256; b += 5) {
      assert.equal(gfMul(a, b), gfMul(b, a));
      for (const c of [0, 1, 0x53, 0xca, 0xff]) {
        assert.equal(gfMul(a, b ^ c), gfMul(a, b) ^ gfMul(a, c));
      }
    }
  }
  for (let a = 1; a < 256; a++) {
    let inverses = 0;
    for (let b = 1; b < 256; b++) if (gfMul(a, b) === 1) inverses++;
    assert.equal(inverses, 1, `${a}`);
  }
  // The reduction polynomial 0x11d: x^8 = x^4 + x^3 + x^2 + 1.
  assert.equal(gfMul(0x80, 2), 0x1d);
});

Deno.test("gfAddMul() and gfScale() match gfMul() byte by byte, at offsets", () => {
  const src = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff);
  for (const c of [0, 1, 2, 0x8e, 0xff]) {
    const dst = Uint8Array.from({ length: 310 }, (_, i) => (i * 13) & 0xff);
    const before = dst.slice();
    gfAddMul(dst, 5, src, 3, c, 290);
    for (let i = 0; i < 310; i++) {
      const want = i >= 5 && i < 295 ? before[i]! ^ gfMul(c, src[i - 2]!) : before[i]!;
      assert.equal(dst[i], want, `c=${c} i=${i}`);
    }
    const s = dst.slice();
    gfScale(dst, 1, c, 300);
    for (let i = 0; i < 310; i++) {
      assert.equal(dst[i], i >= 1 && i < 301 ? gfMul(c, s[i]!) : s[i]!, `scale c=${c} i=${i}`);
    }
  }
});
