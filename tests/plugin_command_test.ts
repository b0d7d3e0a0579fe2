/**
 * `pquic plugin pack|inspect|verify|sign|keygen` end to end: in process for
 * the behaviour, once as a subprocess for the wiring in cli.ts, and with
 * GNU tar as an independent reader of what `pack` writes.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hasCommand, toolMissing } from "../_tools/test_env.ts";
import { pluginCommand } from "../cli/plugin_command.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface Run {
  code: number;
  out: string[];
  err: string[];
}

function run(...args: string[]): Run {
  const out: string[] = [];
  const err: string[] = [];
  const code = pluginCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

function withTemp(f: (dir: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const dir = Deno.makeTempDirSync({ prefix: "pquic_plugin_cmd_" });
    try {
      await f(dir);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

Deno.test(
  "pquic plugin pack writes a canonical bundle GNU tar can read",
  withTemp((dir) => {
    const out = join(dir, "mon.bundle");
    const r = run("pack", "monitoring", "-o", out);
    assert.equal(r.code, 0, r.err.join("\n"));
    const bytes = Deno.readFileSync(out);
    const digest = sha256Hex(bytes);
    assert.match(
      r.out[0]!,
      new RegExp(
        `packed be\\.mpiraux\\.monitoring: 9 files, ${bytes.length} bytes, digest ${digest} -> `,
      ),
    );
    // Same plugin, by its PQUIC-style path: same bytes.
    const again = join(dir, "again.bundle");
    assert.equal(run("pack", "plugins/monitoring/monitoring.plugin", "-o", again).code, 0);
    assert.deepEqual(Deno.readFileSync(again), bytes);
    if (toolMissing(hasCommand("tar") ? null : "tar is not installed") !== null) return;
    const tar = new Deno.Command("tar", { args: ["-tvf", out], stdout: "piped", stderr: "piped" })
      .outputSync();
    assert.equal(tar.code, 0, new TextDecoder().decode(tar.stderr));
    const lines = new TextDecoder().decode(tar.stdout).trim().split("\n");
    assert.equal(lines.length, 9);
    assert.match(lines[0]!, /^-rw-r--r-- 0\/0 +\d+ 1970-01-01 00:00 monitoring\.plugin$/);
    assert.ok(lines.every((l) => l.startsWith("-rw-r--r-- 0/0")));
  }),
);

Deno.test(
  "pquic plugin inspect lists name, digest, files and signatures",
  withTemp((dir) => {
    const b = join(dir, "np.bundle");
    run("pack", "no_pacing", "-o", b);
    const r = run("inspect", b);
    assert.equal(r.code, 0);
    const bytes = Deno.readFileSync(b);
    assert.deepEqual(r.out.slice(0, 5), [
      "name       be.michelfra.no_pacing",
      `digest     ${sha256Hex(bytes)}`,
      "manifest   no_pacing.plugin",
      `size       ${bytes.length} bytes`,
      "files      2",
    ]);
    assert.match(r.out[5]!, /^ +\d+ {2}no_pacing\.plugin$/);
    assert.match(r.out[6]!, /^ +\d+ {2}no_pacing\.o$/);
    assert.equal(r.out[7], "signatures 0");
  }),
);

Deno.test(
  "pquic plugin keygen, sign and verify --trust signed: accept the signer's key only",
  withTemp((dir) => {
    const b = join(dir, "np.bundle");
    run("pack", "no_pacing", "-o", b);
    const unsigned = Deno.readFileSync(b);
    const alice = join(dir, "alice.key");
    const mallory = join(dir, "mallory.key");
    assert.equal(run("keygen", alice).code, 0);
    assert.equal(run("keygen", mallory).code, 0);
    assert.equal(Deno.statSync(alice).mode! & 0o777, 0o600);
    assert.match(Deno.readTextFileSync(`${alice}.pub`), /^-----BEGIN PUBLIC KEY-----/);
    const again = run("keygen", alice);
    assert.equal(again.code, 1, "never over an existing key");
    assert.match(again.err[0]!, /cannot write .*alice\.key/);

    const signed = join(dir, "signed.bundle");
    const s = run("sign", b, "--key", alice, "-o", signed);
    assert.equal(s.code, 0, s.err.join("\n"));
    assert.match(
      s.out[0]!,
      new RegExp(`signed be\\.michelfra\\.no_pacing ${sha256Hex(unsigned)} \\(1 signature`),
    );
    assert.deepEqual(Deno.readFileSync(b), unsigned, "-o leaves the input alone");

    const ok = run("verify", signed, "--trust", `signed:${alice}.pub`);
    assert.equal(ok.code, 0, ok.err.join("\n"));
    assert.match(
      ok.out[0]!,
      /^ok: be\.michelfra\.no_pacing [0-9a-f]{64}: 1 pluglets verified, trust: signed by one of 1 key/,
    );
    const wrong = run("verify", signed, "--trust", `signed:${mallory}.pub`);
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.err[0]!,
      /^pquic plugin verify: refused: "be\.michelfra\.no_pacing" has no signature by a trusted key/,
    );
    const unsignedRun = run("verify", b, "--trust", `signed:${alice}.pub,${mallory}.pub`);
    assert.equal(unsignedRun.code, 1);
    assert.match(run("inspect", signed).out.at(-1)!, /^ {2}[0-9a-f]{64} {2}valid$/);
    // In place (no -o), with a second key.
    assert.equal(run("sign", signed, "--key", mallory).code, 0);
    assert.equal(run("inspect", signed).out.at(-3), "signatures 2");
    assert.equal(run("verify", signed, "--trust", `signed:${mallory}.pub`).code, 0);
  }),
);

Deno.test(
  "pquic plugin verify refuses a tampered bundle, a digest off the allow list and a verifier refusal",
  withTemp((dir) => {
    const b = join(dir, "np.bundle");
    run("pack", "no_pacing", "-o", b);
    const bytes = Deno.readFileSync(b);
    const allow = join(dir, "allow.txt");
    Deno.writeTextFileSync(allow, `${sha256Hex(bytes)}  np.bundle\n`);
    assert.equal(run("verify", b, "--trust", `allow:${allow}`).code, 0);

    const tampered = bytes.slice();
    tampered[512 * 3]! ^= 0xff; // inside no_pacing.o
    const t = join(dir, "tampered.bundle");
    Deno.writeFileSync(t, tampered);
    const r = run("verify", t, "--trust", `allow:${allow}`);
    assert.equal(r.code, 1);
    assert.match(
      r.err[0]!,
      /refused: "be\.michelfra\.no_pacing" digest [0-9a-f]{64} is not in the allow list/,
    );

    const junk = join(dir, "junk.bundle");
    Deno.writeFileSync(junk, bytes.subarray(0, 700));
    assert.match(run("verify", junk).err[0]!, /refused: not a tar archive/);

    const hostile = join(dir, "hostile.bundle");
    assert.equal(
      run("pack", join(ROOT, "plugins/testdata/hostile/bad_opcode.plugin"), "-o", hostile).code,
      0,
    );
    const h = run("verify", hostile);
    assert.equal(h.code, 1);
    assert.match(
      h.err[0]!,
      /refused: Cannot load plugin "be\.hostile\.bad_opcode": bad_opcode\.o: refused by the verifier: pc 0/,
    );
  }),
);

Deno.test("pquic plugin refuses bad usage with one line, the usage and exit 2", () => {
  for (
    const args of [
      [],
      ["frobnicate"],
      ["pack"],
      ["pack", "a", "b"],
      ["inspect", "--bogus", "x"],
      ["sign", "x.bundle"],
      ["verify", "x.bundle", "--trust", "sometimes"],
      ["keygen"],
    ]
  ) {
    const r = run(...args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.err.join("\n"), /pquic plugin pack <file\.plugin\|built-in>/);
    if (args.length > 0) assert.match(r.err[0]!, /^pquic plugin: /);
  }
  const help = run("--help");
  assert.equal(help.code, 0);
  assert.match(help.out[0]!, /^pquic plugin pack/);
});

Deno.test(
  "pquic plugin reports missing files and bad keys with exit 1",
  withTemp((dir) => {
    const missing = run("pack", join(dir, "nope.plugin"));
    assert.equal(missing.code, 1);
    assert.match(missing.err[0]!, /no such \.plugin file or built-in plugin/);
    assert.match(run("inspect", join(dir, "nope.bundle")).err[0]!, /cannot read bundle/);
    const b = join(dir, "np.bundle");
    run("pack", "no_pacing", "-o", b);
    const key = join(dir, "bad.key");
    Deno.writeTextFileSync(key, "not a key");
    const r = run("sign", b, "--key", key);
    assert.equal(r.code, 1);
    assert.match(r.err[0]!, /bad\.key: Cannot read private key/);
  }),
);

Deno.test(
  "pquic plugin runs from cli.ts (subprocess), writing <name>.bundle by default",
  withTemp(async (dir) => {
    const b = join(dir, "np.bundle");
    const cmd = (...args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", join(ROOT, "cli.ts"), "plugin", ...args],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
    const pack = await cmd("pack", "no_pacing"); // default output: <name>.bundle here
    assert.equal(pack.code, 0, new TextDecoder().decode(pack.stderr));
    Deno.renameSync(join(dir, "be.michelfra.no_pacing.bundle"), b);
    const verify = await cmd("verify", b);
    assert.equal(verify.code, 0);
    assert.match(new TextDecoder().decode(verify.stdout), /^ok: be\.michelfra\.no_pacing/);
    const bad = await cmd("verify");
    assert.equal(bad.code, 2);
    assert.match(new TextDecoder().decode(bad.stderr), /^pquic plugin: missing the bundle file/);
  }),
);
