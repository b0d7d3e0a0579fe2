import assert from "node:assert/strict";
import { TransportError } from "../errors.ts";
import {
  decodePluginList,
  digestText,
  encodePluginList,
  MAX_PLUGIN_ENTRIES,
  type PluginRef,
  sameDigest,
} from "./plugin_list.ts";
import { SeededRandom } from "../random.ts";
import { mutate } from "../_fuzz.ts";

function ref(name: string, fill: number, n = 32): PluginRef {
  return { name, digest: new Uint8Array(n).fill(fill) };
}

Deno.test("encodePluginList() round-trips names and digests in order", () => {
  const refs = [ref("be.example.a", 1), ref("org.example.b_c-d", 2, 20), ref("x.y", 3, 1)];
  const bytes = encodePluginList(refs);
  assert.equal(bytes.length, refs.reduce((n, r) => n + 2 + r.name.length + r.digest.length, 0));
  assert.deepEqual(decodePluginList(bytes), refs);
  assert.deepEqual(decodePluginList(encodePluginList([])), []);
});

Deno.test("encodePluginList() refuses bad names, digests and too many entries", () => {
  assert.throws(() => encodePluginList([ref("", 1)]), RangeError);
  assert.throws(() => encodePluginList([ref("has space", 1)]), RangeError);
  assert.throws(() => encodePluginList([ref("a".repeat(101), 1)]), RangeError);
  assert.throws(() => encodePluginList([ref("be.a", 1, 0)]), RangeError);
  assert.throws(() => encodePluginList([ref("be.a", 1, 65)]), RangeError);
  const many = Array.from({ length: MAX_PLUGIN_ENTRIES + 1 }, (_, i) => ref(`be.p${i}`, i));
  assert.throws(() => encodePluginList(many), /at most 32/);
});

Deno.test("decodePluginList() rejects truncation, duplicates and bad digests", () => {
  const good = encodePluginList([ref("be.example.a", 9)]);
  for (let cut = 1; cut < good.length; cut++) {
    assert.throws(() => decodePluginList(good.subarray(0, cut)), (e) => {
      assert.ok(e instanceof TransportError);
      assert.equal(e.code, 0x08);
      return true;
    });
  }
  const twice = new Uint8Array([...good, ...good]);
  assert.throws(() => decodePluginList(twice), /listed twice/);
  const noDigest = new Uint8Array([1, 0x61, 0]);
  assert.throws(() => decodePluginList(noDigest), /digest of 0 bytes/);
});

Deno.test("decodePluginList() gives a clean error or a list that re-encodes (fuzz)", () => {
  const rnd = new SeededRandom(42);
  const base = encodePluginList([ref("be.example.a", 1), ref("be.example.b", 2)]);
  for (let i = 0; i < 2000; i++) {
    const b = mutate(rnd, base);
    try {
      const list = decodePluginList(b);
      assert.deepEqual(encodePluginList(list), b);
    } catch (e) {
      assert.ok(e instanceof TransportError, String(e));
    }
  }
});

Deno.test("sameDigest() and digestText() compare and show digests", () => {
  assert.ok(sameDigest(new Uint8Array([1, 2]), new Uint8Array([1, 2])));
  assert.ok(!sameDigest(new Uint8Array([1, 2]), new Uint8Array([1, 3])));
  assert.ok(!sameDigest(new Uint8Array([1]), new Uint8Array([1, 0])));
  assert.equal(digestText(new Uint8Array([0, 0xab, 0x10]), 2), "00ab");
});
