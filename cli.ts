/**
 * The `pquic` command: picoquicdemo's client and server
 * (`pquic [server_name [port [scenario]]] [options]`), the friendlier
 * `pquic server` / `pquic client URL`, the eBPF tools (`pquic vm`) and an
 * impairing UDP relay (`pquic relay`).
 * `pquic --help` lists the options and the exit codes.
 *
 * ```sh
 * deno run -A cli.ts                      # server on port 4443
 * deno run -A cli.ts -4 -G 10000 ::1 4443 # client: GET /10000
 * ```
 *
 * @module
 */

import { type Command, ExitCode, parseCommand } from "./cli/args.ts";
import { runClient } from "./cli/client.ts";
import { Log, writeAll } from "./cli/log.ts";
import { pluginCommand } from "./cli/plugin_command.ts";
import { loadCliPlugins } from "./cli/plugins.ts";
import { relayCommand } from "./cli/relay.ts";
import { runServer } from "./cli/server.ts";
import { usage } from "./cli/usage.ts";
import { vmCommand } from "./vm/command.ts";

/** The version printed by `pquic --version`. */
export const VERSION = "0.1.0";

const encoder = new TextEncoder();
const stdout = (line: string) => writeAll(Deno.stdout, encoder.encode(line + "\n"));
const stderr = (line: string) => writeAll(Deno.stderr, encoder.encode(line + "\n"));

/**
 * Runs the command line and returns the exit code: 0 success, 1 failure of
 * the operation (connection, transfer), 2 bad usage.
 *
 * @param args The arguments after the program name.
 * @param env Environment lookups (default: the process environment).
 */
export async function main(
  args: string[],
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): Promise<number> {
  const command: Command = parseCommand(args, env);
  switch (command.mode) {
    case "help":
      stdout(usage(VERSION));
      return ExitCode.Ok;
    case "version":
      stdout(`pquic ${VERSION}`);
      return ExitCode.Ok;
    case "vm":
      return await vmCommand(command.args, stdout, stderr);
    case "relay":
      return await relayCommand(command.args, { out: stdout, err: stderr });
    case "plugin":
      return pluginCommand(command.args, { out: stdout, err: stderr });
    case "error":
      stderr(`pquic: ${command.message}`);
      if (command.showUsage) stderr(`\n${usage(VERSION)}`);
      else stderr("Try pquic --help.");
      return ExitCode.Usage;
    case "server":
    case "client": {
      try {
        loadCliPlugins(command.plugins); // a bad -P is a usage error, before anything starts
      } catch (e) {
        stderr(`pquic: ${e instanceof Error ? e.message : e}`);
        stderr("Try pquic --help.");
        return ExitCode.Usage;
      }
      let log: Log;
      try {
        log = Log.open(command.logFile);
      } catch (e) {
        stderr(`pquic: cannot open the log file: ${e instanceof Error ? e.message : e}`);
        return ExitCode.Usage;
      }
      try {
        if (command.mode === "server") return await runServer(command, { log, env });
        const progress = Deno.stdout.isTerminal() ? Deno.stdout : null;
        return await runClient(command, { log, env, progress });
      } finally {
        log.close();
      }
    }
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
