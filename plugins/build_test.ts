/**
 * The committed built-in plugin objects match their C sources: when clang-14
 * is on PATH, plugins/build.sh rebuilds them into a temporary directory and
 * every byte must be the same (issue 7: a CI check that rebuilding gives the
 * same bytes).
 */

import assert from "node:assert/strict";
import { clangMissing } from "../_tools/test_env.ts";

const here = new URL(".", import.meta.url).pathname;

const clang = clangMissing() === null;

Deno.test({
  name: "plugins/build.sh rebuilds every committed built-in object byte for byte",
  ignore: !clang,
  fn() {
    const out = Deno.makeTempDirSync({ prefix: "pquic-plugins-" });
    try {
      const r = new Deno.Command("sh", { args: [`${here}build.sh`, out] }).outputSync();
      assert.ok(r.success, new TextDecoder().decode(r.stderr));
      let compared = 0;
      const walk = (rel: string) => {
        for (const f of Deno.readDirSync(`${here}${rel}`)) {
          if (f.isDirectory && f.name !== "include") walk(`${rel}${f.name}/`);
          if (!f.isFile || !f.name.endsWith(".c")) continue;
          const o = `${rel}${f.name.replace(/\.c$/, ".o")}`;
          const committed = Deno.readFileSync(`${here}${o}`);
          const rebuilt = Deno.readFileSync(`${out}/${o}`);
          assert.deepEqual(rebuilt, committed, `${o} differs from its rebuild`);
          compared++;
        }
      };
      walk("");
      assert.equal(
        Deno.readTextFileSync(`${out}/builtins_embedded.ts`),
        Deno.readTextFileSync(`${here}builtins_embedded.ts`),
        "builtins_embedded.ts differs from its rebuild",
      );
      assert.ok(compared >= 30, `only ${compared} objects compared`);
    } finally {
      Deno.removeSync(out, { recursive: true });
    }
  },
});

if (!clang) {
  Deno.test("plugins rebuild skipped: clang-14 is not on PATH", { ignore: true }, () => {});
}
