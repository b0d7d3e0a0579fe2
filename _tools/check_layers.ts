// deno-lint-ignore-file no-console
/**
 * Fails when the layering rules of DESIGN.md are broken:
 * - nothing under `transport/` imports `vm/` or `plugins/`, and nothing under
 *   `vm/` imports `transport/` or `plugins/` (`plugins/` joins them);
 * - `Deno.*` is used only by the drivers (`io/` except the simulator), the
 *   command line (`cli.ts`, `demo.ts`), tests, benchmarks and tools.
 *
 * @module
 */

import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const problems: string[] = [];

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const p = join(dir, e.name);
    if (e.isDirectory) yield* walk(p);
    else if (e.name.endsWith(".ts")) yield p;
  }
}

const IMPORT = /(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function layerOf(path: string): string {
  return relative(root, path).split("/")[0] ?? "";
}

function isExempt(rel: string): boolean {
  return rel.endsWith("_test.ts") || rel.startsWith("tests/") || rel.startsWith("bench/") ||
    rel.startsWith("_tools/") || rel === "cli.ts" || rel.startsWith("cli/") || rel === "demo.ts" ||
    rel === "sim_demo.ts" ||
    (rel.startsWith("io/") && !rel.startsWith("io/sim/"));
}

for await (const file of walk(root)) {
  const rel = relative(root, file);
  const text = await Deno.readTextFile(file);
  const layer = layerOf(file);
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (spec === undefined || !spec.startsWith(".")) continue;
    const target = layerOf(resolve(dirname(file), spec));
    if (layer === "transport" && (target === "vm" || target === "plugins")) {
      problems.push(`${rel}: transport/ must not import ${target}/ ("${spec}")`);
    }
    if (layer === "vm" && (target === "transport" || target === "plugins")) {
      problems.push(`${rel}: vm/ must not import ${target}/ ("${spec}")`);
    }
  }
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  if (!isExempt(rel) && /\bDeno\.(?!test\b|bench\b)[A-Za-z]/.test(code)) {
    problems.push(`${rel}: Deno.* is for drivers, the CLI, tests and tools only`);
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  Deno.exit(1);
}
console.log("layers ok");
