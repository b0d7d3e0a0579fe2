import assert from "node:assert/strict";
import { join } from "node:path";
import { storeFileName } from "../plugins/exchange/store.ts";
import { DirectoryPluginStore } from "./plugin_cache.ts";

const D1 = new Uint8Array(32).fill(0x11);
const D2 = new Uint8Array(32).fill(0x22);

/** Every path under `dir`, sorted, with a trailing `/` for directories. */
function tree(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const rel = prefix + e.name;
    if (e.isDirectory) out.push(rel + "/", ...tree(join(dir, e.name), rel + "/"));
    else out.push(rel);
  }
  return out.sort();
}

function withTemp(f: (root: string) => void): void {
  const root = Deno.makeTempDirSync({ prefix: "pquic_cache_test_" });
  try {
    f(root);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
}

Deno.test("DirectoryPluginStore stores, finds and lists bundles by name and digest", () => {
  withTemp((root) => {
    const dir = join(root, "a", "cache");
    const store = new DirectoryPluginStore(dir); // creates the directory
    store.put("be.example.x", D1, new Uint8Array([1, 2, 3]));
    store.put("be.example.x", D2, new Uint8Array([4]));
    store.put("be.example.x", D1, new Uint8Array([5, 6])); // replaces
    assert.deepEqual(store.get("be.example.x", D1), new Uint8Array([5, 6]));
    assert.equal(store.get("be.example.y", D1), null);
    assert.deepEqual(tree(dir), [
      storeFileName("be.example.x", D1),
      storeFileName("be.example.x", D2),
    ]);
    // A second store over the same directory (a later process) sees them.
    const again = new DirectoryPluginStore(dir);
    assert.deepEqual(again.list().map((e) => e.digest[0]), [0x11, 0x22]);
    assert.deepEqual(again.get("be.example.x", D2), new Uint8Array([4]));
  });
});

Deno.test("DirectoryPluginStore never writes outside its directory", () => {
  withTemp((root) => {
    const dir = join(root, "cache");
    const store = new DirectoryPluginStore(dir);
    const before = tree(root);
    for (const bad of ["../escape", "../../tmp/x.y", "a/b.c", "/etc/passwd", "..", "x.y/../../z"]) {
      assert.throws(() => store.put(bad, D1, new Uint8Array([1])), RangeError, bad);
      assert.equal(store.get(bad, D1), null);
    }
    assert.throws(
      () => store.put("be.ok.name", new Uint8Array(5), new Uint8Array([1])),
      RangeError,
    );
    assert.deepEqual(tree(root), before, "nothing was written anywhere");
  });
});

Deno.test("DirectoryPluginStore replaces a planted link instead of writing through it", () => {
  withTemp((root) => {
    const dir = join(root, "cache");
    const store = new DirectoryPluginStore(dir);
    const outside = join(root, "outside.txt");
    Deno.writeTextFileSync(outside, "precious");
    const name = storeFileName("be.example.x", D1);
    Deno.symlinkSync(outside, join(dir, name));
    assert.equal(store.get("be.example.x", D1), null, "a link is not a stored bundle");
    assert.deepEqual(store.list(), []);
    store.put("be.example.x", D1, new Uint8Array([7]));
    assert.equal(Deno.readTextFileSync(outside), "precious");
    assert.equal(Deno.lstatSync(join(dir, name)).isSymlink, false);
    assert.deepEqual(store.get("be.example.x", D1), new Uint8Array([7]));
  });
});

Deno.test("DirectoryPluginStore ignores foreign, oversized and leftover temporary files", () => {
  withTemp((root) => {
    const store = new DirectoryPluginStore(root, 1024);
    Deno.writeTextFileSync(join(root, "notes.txt"), "x");
    Deno.writeFileSync(
      join(root, "." + storeFileName("be.example.x", D1) + ".123.tmp"),
      new Uint8Array(1),
    );
    Deno.mkdirSync(join(root, storeFileName("be.example.d", D1)));
    assert.deepEqual(store.list(), []);
    store.put("be.example.big", D2, new Uint8Array(2048));
    assert.equal(store.get("be.example.big", D2), null, "larger than a bundle may be");
    store.put("be.example.ok", D2, new Uint8Array(16));
    assert.deepEqual(store.list().map((e) => e.name), ["be.example.big", "be.example.ok"]);
    assert.equal(tree(root).filter((f) => f.endsWith(".tmp")).length, 1, "only the planted one");
  });
});
