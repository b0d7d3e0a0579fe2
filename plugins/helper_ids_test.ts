import assert from "node:assert/strict";
import { ACCESS_KEYS, accessKey, CONSTANTS, HELPERS } from "./helper_ids.ts";

const header = Deno.readTextFileSync(new URL("./include/pquic.h", import.meta.url));

interface Decl {
  name: string;
  ret: string;
  params: string[];
}

function declarations(text: string): Decl[] {
  const out: Decl[] = [];
  const re = /^extern\s+([^;()]+?[\s*])(\w+)\s*\(([^)]*)\);/gm;
  for (const m of text.matchAll(re)) {
    const params = m[3]!.trim() === "void" ? [] : m[3]!.split(",").map((p) => p.trim());
    out.push({ ret: m[1]!.trim(), name: m[2]!, params });
  }
  return out;
}

function defines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^#define\s+(\w+)\s+(\S+)\s*$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

Deno.test("pquic.h declares exactly the helpers of helper_ids.ts, with their argument counts", () => {
  const decls = declarations(header);
  assert.deepEqual(
    decls.map((d) => d.name).sort(),
    HELPERS.map((h) => h.name).sort(),
  );
  for (const d of decls) {
    const spec = HELPERS.find((h) => h.name === d.name)!;
    assert.equal(d.params.length, spec.args.length, `${d.name}: argument count`);
    spec.args.forEach((arg, i) => {
      const p = d.params[i]!;
      assert.ok(p.endsWith(arg.name), `${d.name}: argument ${i} is "${p}", table says ${arg.name}`);
      const isPointer = p.includes("*");
      if (arg.kind === "ptr" || arg.kind === "str") {
        assert.ok(isPointer, `${d.name}: ${arg.name} must be a pointer`);
      }
      if (arg.kind === "u64" || arg.kind === "index") {
        assert.ok(!isPointer || arg.name === "unused", `${d.name}: ${arg.name} must be a value`);
      }
    });
    assert.equal(d.ret === "void", spec.returns === "void", `${d.name}: return`);
  }
});

Deno.test("pquic.h defines every access key and constant of helper_ids.ts with the same value", () => {
  const defs = defines(header);
  for (const k of ACCESS_KEYS) {
    assert.equal(Number(defs.get(k.name)), k.value, k.name);
  }
  for (const [name, value] of Object.entries(CONSTANTS)) {
    assert.equal(Number(defs.get(name)), value, name);
  }
  // Every numeric AK_ define of the header is in the table (aliases name another key).
  for (const [name, value] of defs) {
    if (!name.startsWith("AK_")) continue;
    if (/^AK_\w+$/.test(value)) {
      assert.ok(ACCESS_KEYS.some((k) => k.name === value), `${name} aliases an unknown key`);
      continue;
    }
    assert.ok(ACCESS_KEYS.some((k) => k.name === name), `${name} is missing from helper_ids.ts`);
  }
});

Deno.test("helper_ids.ts has unique helper ids and names, and unique keys per family", () => {
  assert.equal(new Set(HELPERS.map((h) => h.id)).size, HELPERS.length);
  assert.equal(new Set(HELPERS.map((h) => h.name)).size, HELPERS.length);
  assert.equal(new Set(ACCESS_KEYS.map((k) => `${k.kind}:${k.value}`)).size, ACCESS_KEYS.length);
  assert.equal(new Set(ACCESS_KEYS.map((k) => k.name)).size, ACCESS_KEYS.length);
  for (const k of ACCESS_KEYS) assert.equal(accessKey(k.kind, k.value), k);
  // Every set_* helper has at least one writable key in its family.
  for (
    const [helper, kind] of [["set_cnx", "cnx"], ["set_path", "path"], ["set_pkt_ctx", "pkt_ctx"]]
  ) {
    assert.ok(HELPERS.some((h) => h.name === helper));
    assert.ok(ACCESS_KEYS.some((k) => k.kind === kind && k.writable), helper);
  }
});

Deno.test("pquic.h documents every helper and access key with a comment above it", () => {
  const lines = header.split("\n");
  const names = [...HELPERS.map((h) => h.name), ...ACCESS_KEYS.map((k) => k.name)];
  for (const name of names) {
    const i = lines.findIndex((l) =>
      new RegExp(`^#define ${name}\\s`).test(l) ||
      new RegExp(`\\b${name}\\(`).test(l) && l.startsWith("extern")
    );
    assert.ok(i > 0, `${name} not found`);
    // A comment ends on one of the lines just above (pairs of get/set share one).
    const above = lines.slice(Math.max(0, i - 3), i).join("\n");
    assert.match(above, /\*\/|extern/, `${name} has no comment above it`);
  }
});
