// deno-lint-ignore-file no-console
/**
 * The `pquic` command.
 *
 * ```
 * pquic vm run <file.o|raw> [--entry fn] [--args a,b,c] [--mem FILE] [--interp|--jit]
 * pquic vm disasm <file>
 * pquic --help | --version
 * ```
 *
 * @module
 */

import { vmCommand } from "./vm/command.ts";

/** The version printed by `pquic --version`. */
export const VERSION = "0.1.0";

const USAGE = `pquic ${VERSION} — Pluginized QUIC

Usage:
  pquic vm run <file.o|raw> [--entry fn] [--args a,b,c] [--mem FILE] [--interp|--jit]
                      load, verify and run one eBPF function; prints r0 in hex
  pquic vm disasm <file>
                      print the eBPF instructions of an object or raw bytecode
  pquic --help        this text
  pquic --version     the version

The QUIC client and server modes (picoquicdemo-compatible) are not available yet.`;

/**
 * Runs the command line and returns the exit code: 0 success, 1 failure of
 * the operation, 2 bad usage.
 */
export async function main(args: string[]): Promise<number> {
  const out = (line: string) => console.log(line);
  const err = (line: string) => console.error(line);
  const [first, ...rest] = args;
  switch (first) {
    case undefined:
    case "-h":
    case "--help":
    case "help":
      out(USAGE);
      return first === undefined ? 2 : 0;
    case "--version":
      out(`pquic ${VERSION}`);
      return 0;
    case "vm":
      return await vmCommand(rest, out, err);
    default:
      err(`pquic: the client and server modes are not available yet (got "${first}")`);
      err(USAGE);
      return 2;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
