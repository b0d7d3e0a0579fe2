import assert from "node:assert/strict";
import { vmCommand } from "./command.ts";

const c = new URL("./testdata/c/", import.meta.url).pathname;
const data = new URL("./testdata/", import.meta.url).pathname;

async function run(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await vmCommand(args, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

for (const engine of ["--interp", "--jit"]) {
  Deno.test(`vmCommand run prints r0 in hex (${engine})`, async () => {
    const r = await run("run", `${c}fib.v3.o`, "--args", "6", engine);
    assert.deepEqual(r, { code: 0, out: ["0x" + (10102030508).toString(16)], err: [] });
  });

  Deno.test(`vmCommand run --mem passes the file in r1/r2 (${engine})`, async () => {
    const tmp = Deno.makeTempFileSync();
    try {
      Deno.writeFileSync(tmp, new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
      const r = await run("run", `${c}checksum.v2.o`, "--mem", tmp, engine);
      // ~(0x0102 + 0x0304 + 0x0506 + 0x0700) & 0xffff
      assert.deepEqual(r.out, ["0x" + (~0x100c & 0xffff).toString(16)]);
    } finally {
      Deno.removeSync(tmp);
    }
  });

  Deno.test(`vmCommand run --entry picks a function and prints helper logs (${engine})`, async () => {
    const r = await run("run", `${c}strings.v1.o`, "--entry", "say_hello", "--args", "1", engine);
    assert.deepEqual(r.out, ["log: hello", "log: pquic vm", "log: small", "log: 2", "0x2"]);
  });

  Deno.test(`vmCommand run reports a budget fault in one line (${engine})`, async () => {
    const raw = Deno.makeTempFileSync();
    try {
      // ja -1 (an infinite loop) then exit
      Deno.writeFileSync(
        raw,
        new Uint8Array([5, 0, 0xff, 0xff, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]),
      );
      const r = await run("run", raw, "--fuel", "1000", engine);
      assert.equal(r.code, 1);
      assert.equal(r.err.length, 1);
      assert.match(r.err[0]!, /^error: instruction budget exhausted: fuel exhausted/);
    } finally {
      Deno.removeSync(raw);
    }
  });
}

Deno.test("vmCommand run reports a verifier refusal in one line", async () => {
  const raw = Deno.makeTempFileSync();
  try {
    Deno.writeFileSync(
      raw,
      new Uint8Array([0xb7, 0x0a, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]),
    );
    const r = await run("run", raw);
    assert.equal(r.code, 1);
    assert.deepEqual(r.err, [
      "error: program refused by the verifier: pc 0: mov: r10 is read-only",
    ]);
  } finally {
    Deno.removeSync(raw);
  }
});

Deno.test("vmCommand run reports a malformed file in one line", async () => {
  const r = await run("run", `${data}alu64_add.data`);
  assert.equal(r.code, 1);
  assert.equal(r.err.length, 1);
  assert.match(r.err[0]!, /^error: cannot load program: file is not ELF/);
});

Deno.test("vmCommand run reports a missing file without usage text", async () => {
  const r = await run("run", `${c}missing.o`);
  assert.equal(r.code, 1);
  assert.match(r.err[0]!, /^error: cannot read /);
});

Deno.test("vmCommand reports usage errors with exit code 2", async () => {
  for (
    const args of [[], ["frob"], ["run"], ["run", "a.o", "--interp", "--jit"], [
      "run",
      "a",
      "--fuel",
      "x",
    ]]
  ) {
    const r = await run(...args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.err.length, 1);
    assert.match(r.err[0]!, /usage: pquic vm run/);
  }
});

Deno.test("vmCommand disasm prints functions, pcs and helper names", async () => {
  const r = await run("disasm", `${c}sections.v3.o`);
  assert.equal(r.code, 0);
  assert.ok(r.out.includes("weight:"));
  assert.ok(r.out.includes("first:"));
  assert.ok(r.out.some((l) => /^\s+3: call 1 # mix_args$/.test(l)), r.out.join("\n"));
  assert.ok(r.out.some((l) => /call local -\d+$/.test(l)));
});
