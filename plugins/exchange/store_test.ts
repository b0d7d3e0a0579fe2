import assert from "node:assert/strict";
import {
  checkStoreKey,
  isPluginName,
  MemoryPluginStore,
  parseStoreFileName,
  storeFileName,
} from "./store.ts";

const D1 = new Uint8Array(32).fill(1);
const D2 = new Uint8Array(32).fill(2);

Deno.test("storeFileName() refuses names that could leave the directory", () => {
  for (const bad of ["", "x", "../x", "a/b.c", "a.b/..", "..", ".hidden.x", "a..b", "a.b\\c"]) {
    assert.equal(isPluginName(bad), false, bad);
    assert.throws(() => storeFileName(bad, D1), /not a plugin name/, bad);
  }
  assert.throws(() => checkStoreKey("be.ok.name", new Uint8Array(31)), /31-byte digest/);
  assert.throws(() => storeFileName("a." + "b".repeat(100), D1), RangeError);
});

Deno.test("parseStoreFileName() inverts storeFileName() and ignores other files", () => {
  const f = storeFileName("be.mpiraux.monitoring", D2);
  assert.equal(f, "be.mpiraux.monitoring." + "02".repeat(32) + ".bundle");
  const e = parseStoreFileName(f)!;
  assert.equal(e.name, "be.mpiraux.monitoring");
  assert.deepEqual(e.digest, D2);
  for (
    const other of [
      "x.bundle",
      f + ".tmp",
      "." + f,
      f.replace(".bundle", ".zip"),
      "a" + "0".repeat(64) + ".bundle",
    ]
  ) {
    assert.equal(parseStoreFileName(other), null, other);
  }
});

Deno.test("MemoryPluginStore keys by name and digest and keeps its own copies", () => {
  const store = new MemoryPluginStore();
  const bytes = new Uint8Array([1, 2, 3]);
  store.put("be.example.b", D1, bytes);
  store.put("be.example.a", D2, new Uint8Array([4]));
  store.put("be.example.a", D1, new Uint8Array([5]));
  bytes[0] = 9;
  assert.deepEqual(store.get("be.example.b", D1), new Uint8Array([1, 2, 3]));
  assert.equal(store.get("be.example.b", D2), null);
  assert.equal(store.get("be.example.c", D1), null);
  assert.equal(store.get("../x", D1), null);
  assert.equal(store.get("be.example.b", new Uint8Array(3)), null);
  store.get("be.example.b", D1)![0] = 7;
  assert.deepEqual(store.get("be.example.b", D1), new Uint8Array([1, 2, 3]));
  assert.deepEqual(
    store.list().map((e) => `${e.name}:${e.digest[0]}`),
    ["be.example.a:1", "be.example.a:2", "be.example.b:1"],
  );
  store.put("be.example.b", D1, new Uint8Array([6]));
  assert.deepEqual(store.get("be.example.b", D1), new Uint8Array([6]));
  assert.equal(store.list().length, 3);
  assert.throws(() => store.put("../evil", D1, bytes), RangeError);
});
