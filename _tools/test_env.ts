/**
 * What tests need to know about the machine they run on: whether an outside
 * tool is installed, and whether its absence may be a skip. Under `CI=true`
 * (`.ci/run` installs every tool) a missing tool is a failure, never a skip.
 *
 * @module
 */

/** True under CI, where a missing tool is a failure. */
export const IN_CI: boolean = Deno.env.get("CI") === "true";

/** True when `cmd` runs at all (its probe may exit non-zero). */
export function hasCommand(cmd: string, probeArgs: string[] = ["--version"]): boolean {
  try {
    new Deno.Command(cmd, { args: probeArgs, stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a test cannot run, or null when it can. Under `CI=true` a missing
 * tool throws instead, so that the test (or its module) fails.
 */
export function toolMissing(reason: string | null): string | null {
  if (reason === null) return null;
  if (IN_CI) throw new Error(`missing under CI: ${reason}`);
  // deno-lint-ignore no-console
  console.log(`skipped: ${reason}`);
  return reason;
}

/** `null` when clang-14 is on PATH, else the reason (which throws under CI). */
export function clangMissing(): string | null {
  return toolMissing(hasCommand("clang-14") ? null : "clang-14 is not installed");
}
