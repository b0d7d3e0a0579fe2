/**
 * `pquic vm run|disasm`: the plugin author's command for one eBPF object.
 *
 * ```
 * pquic vm run <file.o|raw> [--entry fn] [--args a,b,c] [--mem FILE] [--fuel N] [--interp|--jit]
 * pquic vm disasm <file.o|raw>
 * ```
 *
 * `run` loads, verifies and runs one function and prints r0 in hex. With
 * `--mem`, r1 holds the address of a copy of that file's bytes in the
 * instance memory and r2 its length (the usual convention of eBPF test
 * suites); `--args` then fill r3..r5, otherwise r1..r5. Helpers available by
 * name: those of vm/_test_helpers.ts (mix_args, sum_bytes, fill_bytes,
 * log_string, fail, grow_heap, log_u64, the number helpers, and move_bytes,
 * set_bytes, compare_bytes, swap16, varint_size, varint_read, varint_write,
 * which the Wasm engine computes inline); log lines print as `log: …`.
 * The engine defaults to the Wasm compiler (`--jit`).
 *
 * Errors print one line saying which kind (usage, load, refused, fault,
 * budget) and return a non-zero exit code: 2 for usage, 1 otherwise.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { disassemble } from "./disassembler.ts";
import { isElf, loadProgram } from "./elf.ts";
import { parseElf, SHN_UNDEF } from "./elf_parse.ts";
import type { EngineFactory } from "./engine.ts";
import { PluginFault } from "./fault.ts";
import type { HelperTable } from "./helpers.ts";
import { createInstance, placeInput } from "./instance.ts";
import { interpreter } from "./interpreter.ts";
import { wasmCompiler } from "./wasm/mod.ts";
import { type TestHelperData, testHelpers } from "./_test_helpers.ts";

const USAGE = "usage: pquic vm run <file> [--entry fn] [--args a,b,c] [--mem FILE] " +
  "[--fuel N] [--interp|--jit] | pquic vm disasm <file>";

class UsageError extends Error {}

function describe(e: unknown): string {
  if (e instanceof PluginFault) {
    switch (e.kind) {
      case "elf":
        return `cannot load program: ${e.message}`;
      case "verifier":
        return `program refused by the verifier: ${e.message}`;
      case "fuel":
        return `instruction budget exhausted: ${e.message}`;
      default:
        return `fault (${e.kind}): ${e.message}`;
    }
  }
  return e instanceof Error ? e.message : String(e);
}

function parseNumberList(text: string): bigint[] {
  return text.split(",").filter((s) => s.trim() !== "").map((s) => {
    const t = s.trim();
    if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) throw new UsageError(`invalid argument "${t}"`);
    const v = t.startsWith("-") ? -BigInt(t.slice(1)) : BigInt(t);
    return BigInt.asUintN(64, v);
  });
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new Error(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Test helpers, plus placeholder ids for any other helper an ELF object names (disasm only). */
function disasmHelpers(bytes: Uint8Array): HelperTable {
  const t = testHelpers();
  if (!isElf(bytes)) return t;
  let next = 1000;
  for (const s of parseElf(bytes).symbols) {
    if (s.shndx === SHN_UNDEF && s.name !== "" && t.byName(s.name) === undefined) {
      t.register({
        id: next++,
        name: s.name,
        call() {
          throw new PluginFault("helper", `${s.name} is not available here`);
        },
      });
    }
  }
  return t;
}

async function run(args: string[], out: (l: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      entry: { type: "string" },
      args: { type: "string" },
      mem: { type: "string" },
      fuel: { type: "string" },
      interp: { type: "boolean" },
      jit: { type: "boolean" },
    },
  });
  if (positionals.length !== 1) throw new UsageError("vm run takes exactly one file");
  if (values.interp === true && values.jit === true) {
    throw new UsageError("--interp and --jit are exclusive");
  }
  const engine: EngineFactory = values.interp === true ? interpreter : wasmCompiler;
  let fuel: number | undefined;
  if (values.fuel !== undefined) {
    fuel = Number(values.fuel);
    if (!Number.isSafeInteger(fuel) || fuel <= 0) {
      throw new UsageError(`invalid --fuel "${values.fuel}"`);
    }
  }
  const extra = values.args === undefined ? [] : parseNumberList(values.args);
  const bytes = await readBytes(positionals[0]!);
  const mem = values.mem === undefined ? undefined : await readBytes(values.mem);
  const helpers = testHelpers();
  const program = loadProgram(
    bytes,
    helpers,
    values.entry === undefined ? {} : {
      entry: values.entry,
    },
  );
  const data: TestHelperData = { log: [] };
  const inst = createInstance(program, helpers, { engine, data });
  const regs = mem === undefined ? extra : [...placeInput(inst.memory, mem), ...extra];
  if (regs.length > 5) throw new UsageError(`at most 5 argument registers, got ${regs.length}`);
  try {
    const r0 = inst.run(undefined, regs, fuel === undefined ? {} : { fuel });
    for (const l of data.log) out(`log: ${l}`);
    out(`0x${r0.toString(16)}`);
  } catch (e) {
    for (const l of data.log) out(`log: ${l}`);
    throw e;
  }
}

async function disasm(args: string[], out: (l: string) => void): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
  if (positionals.length !== 1) throw new UsageError("vm disasm takes exactly one file");
  const bytes = await readBytes(positionals[0]!);
  const program = loadProgram(bytes, disasmHelpers(bytes));
  for (
    const line of disassemble(program.instructions, {
      pc: true,
      helperNames: program.helperNames,
      functions: program.functions,
    })
  ) out(line);
}

/**
 * Runs `pquic vm <subcommand> …`.
 *
 * @param args arguments after `vm` (e.g. `["run", "prog.o", "--args", "1,2"]`)
 * @param out receives output lines
 * @param err receives the error line
 * @returns the exit code (0 ok, 1 load/verifier/run failure, 2 usage)
 */
export async function vmCommand(
  args: string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const [sub, ...rest] = args;
  try {
    if (sub === "run") await run(rest, out);
    else if (sub === "disasm") await disasm(rest, out);
    else {throw new UsageError(
        sub === undefined ? "missing subcommand" : `unknown subcommand "${sub}"`,
      );}
    return 0;
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && "code" in e)) {
      err(`error: ${e.message}; ${USAGE}`);
      return 2;
    }
    err(`error: ${describe(e)}`);
    return 1;
  }
}
