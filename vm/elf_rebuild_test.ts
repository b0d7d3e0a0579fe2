/**
 * The committed conformance objects match their C sources: when clang-14 is
 * on PATH, vm/testdata/c/build.sh rebuilds them into a temporary directory
 * and the bytes must be identical (DESIGN: a check rebuilds the .o files).
 */

import assert from "node:assert/strict";
import { clangMissing } from "../_tools/test_env.ts";

const dir = new URL("./testdata/c/", import.meta.url);

const clang = clangMissing() === null;

Deno.test({
  name: "testdata/c objects are rebuilt byte for byte by build.sh",
  ignore: !clang,
  fn() {
    const out = Deno.makeTempDirSync({ prefix: "pquic-vm-c-" });
    try {
      const r = new Deno.Command("sh", {
        args: [new URL("build.sh", dir).pathname, out],
        stdout: "piped",
        stderr: "piped",
      }).outputSync();
      assert.ok(r.success, new TextDecoder().decode(r.stderr));
      const committed = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".o"))
        .map((e) => e.name).sort();
      const rebuilt = [...Deno.readDirSync(out)].map((e) => e.name).sort();
      assert.deepEqual(rebuilt, committed);
      assert.ok(committed.length >= 18, `only ${committed.length} objects`);
      for (const name of committed) {
        const a = Deno.readFileSync(new URL(name, dir));
        const b = Deno.readFileSync(`${out}/${name}`);
        assert.deepEqual(b, a, `${name} differs from its rebuild`);
      }
    } finally {
      Deno.removeSync(out, { recursive: true });
    }
  },
});

if (!clang) {
  Deno.test("testdata/c rebuild skipped: clang-14 is not on PATH", { ignore: true }, () => {});
}
