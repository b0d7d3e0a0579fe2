/**
 * Runs every `vm/testdata/*.data` case on every engine (two Deno.test cases
 * per file), as uBPF runs its `.data` tests on the interpreter and the JIT.
 */

import assert from "node:assert/strict";
import { type CorpusCase, parseCorpus, runCase } from "./_corpus.ts";
import type { EngineFactory } from "./engine.ts";
import { interpreter } from "./interpreter.ts";
import { wasmCompiler } from "./wasm/mod.ts";

const dir = new URL("./testdata/", import.meta.url);
const engines: EngineFactory[] = [interpreter, wasmCompiler];

const files = [...Deno.readDirSync(dir)]
  .filter((e) => e.isFile && e.name.endsWith(".data"))
  .map((e) => e.name)
  .sort();

Deno.test("conformance corpus has at least 80 cases", () => {
  assert.ok(files.length >= 80, `only ${files.length} corpus files`);
});

for (const name of files) {
  const text = Deno.readTextFileSync(new URL(name, dir));
  let c: CorpusCase;
  try {
    c = parseCorpus(text);
  } catch (e) {
    Deno.test(`corpus ${name} parses`, () => {
      throw e;
    });
    continue;
  }
  for (const engine of engines) {
    Deno.test(`corpus ${name} on ${engine.name}`, () => {
      const out = runCase(c, engine);
      if (c.error !== undefined) {
        assert.ok(out.fault !== undefined, `expected error "${c.error}", got r0 = ${out.result}`);
        assert.ok(
          out.fault.message.includes(c.error),
          `expected error "${c.error}", got "${out.fault.message}"`,
        );
      } else {
        if (out.fault !== undefined) throw out.fault;
        assert.equal(
          "0x" + out.result!.toString(16),
          "0x" + c.result!.toString(16),
          `r0 of ${name}`,
        );
      }
      if (c.log !== undefined) assert.deepEqual(out.log, c.log);
    });
  }
}

Deno.test("parseCorpus() refuses unknown sections and cases without an expectation", () => {
  assert.throws(() => parseCorpus("-- asm\nexit\n-- bogus\n"), /unknown section "-- bogus"/);
  assert.throws(() => parseCorpus("-- asm\nexit\n"), /exactly one of -- result and -- error/);
  const c = parseCorpus("-- asm\nexit\n-- mem\n0a 0b\n-- args\n1, 0x2\n-- result\n0x5\n");
  assert.deepEqual(c.mem, new Uint8Array([10, 11]));
  assert.deepEqual(c.args, [1n, 2n]);
  assert.equal(c.result, 5n);
});
