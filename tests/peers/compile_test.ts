/**
 * `deno task compile` (`deno compile -A --output pquic cli.ts`) into a
 * temporary directory, then the binary: `pquic --version` and a loopback
 * transfer between two copies of it, run from an empty directory (nothing
 * beside the source is read at run time).
 *
 * `deno compile` needs Deno's compile runtime (denort), which it downloads
 * from dl.deno.land unless `DENORT_BIN` names a local copy; where neither
 * works the test skips with that reason (the one skip allowed under CI).
 */

import assert from "node:assert/strict";
import { freeUdpPort, Proc, ROOT } from "./_util.ts";

/** The reason printed when the compile runtime cannot be obtained. */
export const NO_DENORT = "Deno's compile runtime (denort) cannot be obtained here: " +
  "dl.deno.land is unreachable and DENORT_BIN is not set";

/** Whether denort can be had: `DENORT_BIN`, a cached download, or dl.deno.land resolving. */
async function denortReachable(): Promise<boolean> {
  if (Deno.env.get("DENORT_BIN")) return true;
  try {
    const info = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json"],
      stdout: "piped",
    })
      .output();
    const denoDir = JSON.parse(new TextDecoder().decode(info.stdout)).denoDir as string;
    for (const e of Deno.readDirSync(`${denoDir}/dl/release/v${Deno.version.deno}`)) {
      if (e.name.startsWith("denort-")) return true;
    }
  } catch {
    // No cached runtime.
  }
  try {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("timeout")), 3000)
    );
    await Promise.race([Deno.resolveDns("dl.deno.land", "A"), timeout]);
    return true;
  } catch {
    return false;
  }
}

const reachable = await denortReachable();
if (!reachable) {
  // deno-lint-ignore no-console
  console.log(`skipped: ${NO_DENORT}`);
}

Deno.test({
  name: "deno task compile makes a pquic binary that runs --version and a transfer",
  ignore: !reachable,
  fn: async (t) => {
    const dir = Deno.makeTempDirSync({ prefix: "pquic-compile-" });
    try {
      const binary = `${dir}/pquic`;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["compile", "-A", "--output", binary, `${ROOT}cli.ts`],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      const log = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
      if (out.code !== 0) {
        if (/denort/.test(log) && /error sending request|dns error|Connect/.test(log)) {
          // deno-lint-ignore no-console
          console.log(`skipped: ${NO_DENORT}`);
          await t.step({ name: NO_DENORT, ignore: true, fn: () => {} });
          return;
        }
        assert.fail(`deno compile failed:\n${log}`);
      }
      const version = await new Deno.Command(binary, { args: ["--version"], cwd: dir }).output();
      assert.equal(version.code, 0);
      assert.match(new TextDecoder().decode(version.stdout), /^pquic \d+\.\d+\.\d+/);

      const env = { PQUIC_CACHE_DIR: dir };
      const port = freeUdpPort();
      const server = new Proc(binary, ["-p", String(port)], { cwd: dir, env });
      try {
        await server.waitFor("Starting pquic server");
        const client = new Proc(binary, ["-G", "1000000", "::1", String(port)], { cwd: dir, env });
        const status = await client.done;
        assert.equal(status.code, 0, client.stdout + client.stderr);
        assert.match(client.stdout, /^1000000 bytes received$/m);
      } finally {
        await server.stop();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
