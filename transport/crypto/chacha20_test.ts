import assert from "node:assert/strict";
import { createCipheriv } from "node:crypto";
import { ChaCha20 } from "./chacha20.ts";
import { hex, toHex } from "./testdata/vectors.ts";
import { SeededRandom } from "../random.ts";

Deno.test("ChaCha20.block() matches RFC 8439 §2.3.2", () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const nonce = hex("000000090000004a00000000");
  assert.equal(
    toHex(new ChaCha20(key).block(1, nonce, 0)),
    "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e" +
      "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
  );
});

Deno.test("ChaCha20.block() agrees with node:crypto's chacha20 stream", () => {
  const rng = new SeededRandom(42);
  for (let i = 0; i < 50; i++) {
    const key = new Uint8Array(32);
    rng.fill(key);
    const iv = new Uint8Array(16); // counter (LE) then nonce, as node:crypto takes it
    rng.fill(iv);
    const counter = iv[0]! | (iv[1]! << 8) | (iv[2]! << 16) | (iv[3]! << 24);
    const expected = createCipheriv("chacha20", key, iv).update(new Uint8Array(64));
    assert.equal(toHex(new ChaCha20(key).block(counter, iv, 4)), toHex(expected));
  }
  assert.throws(() => new ChaCha20(new Uint8Array(16)), RangeError);
});
