/**
 * `pquic plugin …`: the plugin author's and operator's tools for bundles
 * (issue #8; formats in plugins/exchange/).
 *
 * ```
 * pquic plugin pack <file.plugin | built-in> [-o OUT]   default OUT: <plugin name>.bundle
 * pquic plugin inspect BUNDLE                           name, digest, files, signatures
 * pquic plugin verify BUNDLE [--trust POLICY]           every check a received bundle gets
 * pquic plugin sign BUNDLE --key KEY [-o OUT]           default OUT: BUNDLE, rewritten
 * pquic plugin keygen OUT                               OUT (private) and OUT.pub (public)
 * ```
 *
 * `keygen` writes the private key as PKCS#8 PEM (mode 0600, never over an
 * existing file) and the public key as SPKI PEM, the forms `openssl` reads
 * and writes; `sign --key` and `--trust signed:` also take raw and hex keys
 * (plugins/exchange/keys.ts). `--trust` is `any` (default), `allow:FILE`
 * (digests, one per line, as `sha256sum` prints them) or
 * `signed:KEYFILE[,KEYFILE]`. Files are written to a temporary name beside
 * the target and renamed, so a failed run leaves no half-written bundle.
 *
 * Exit codes as for the rest of `pquic`: 0 done (verify: accepted), 1 the
 * operation failed (verify: refused, with the reason on one line), 2 bad
 * usage (one line, then the usage).
 *
 * @module
 */

import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { builtinReader } from "../plugins/builtins.ts";
import { acceptBundle } from "../plugins/exchange/accept.ts";
import {
  BundleError,
  type BundleSignature,
  digestHex,
  packBundle,
  signBundle,
  unpackBundle,
} from "../plugins/exchange/bundle.ts";
import { generateEd25519KeyPair, verifyDigest } from "../plugins/exchange/keys.ts";
import {
  describeTrustPolicy,
  parseTrustPolicy,
  type TrustPolicy,
} from "../plugins/exchange/trust.ts";
import type { ManifestReader } from "../plugins/manifest.ts";
import { ExitCode } from "./args.ts";
import { builtinNamed, readFromDisk } from "./plugins.ts";

/** The usage lines of `pquic plugin` (also shown by `pquic --help`). */
export const PLUGIN_USAGE = `pquic plugin pack <file.plugin|built-in> [-o OUT]
pquic plugin inspect BUNDLE
pquic plugin verify BUNDLE [--trust any|allow:FILE|signed:KEYFILE[,KEYFILE]]
pquic plugin sign BUNDLE --key KEYFILE [-o OUT]
pquic plugin keygen OUT                  plugin bundles: OUT = private key, OUT.pub = public`;

/** Where {@link pluginCommand} writes. */
export interface PluginCommandContext {
  /** Writes a line to stdout. */
  readonly out: (line: string) => void;
  /** Writes a line to stderr. */
  readonly err: (line: string) => void;
}

/** Bad usage: exit 2 with the usage. */
class UsageError extends Error {}
/** The operation failed: exit 1 with the message. */
class Failure extends Error {}

function readOrFail(path: string, what: string): Uint8Array {
  try {
    return Deno.readFileSync(path);
  } catch (e) {
    throw new Failure(`cannot read ${what} ${path}: ${e instanceof Error ? e.message : e}`);
  }
}

/** Writes through a temporary file in the same directory, then renames. */
function writeAtomically(path: string, bytes: Uint8Array, mode = 0o644): void {
  const temp = join(dirname(path), `.${crypto.randomUUID()}.tmp`);
  try {
    Deno.writeFileSync(temp, bytes, { createNew: true, mode });
    Deno.renameSync(temp, path);
  } catch (e) {
    try {
      Deno.removeSync(temp);
    } catch {
      // never created, or already renamed
    }
    throw new Failure(`cannot write ${path}: ${e instanceof Error ? e.message : e}`);
  }
}

function positionals(p: string[], n: number, what: string): string[] {
  if (p.length < n) throw new UsageError(`missing ${what}`);
  if (p.length > n) throw new UsageError(`unexpected argument "${p[n]}"`);
  return p;
}

function parse(args: string[], options: Record<string, { type: "string"; short?: string }>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

function pack(args: string[], ctx: PluginCommandContext): void {
  const { values, positionals: p } = parse(args, { output: { type: "string", short: "o" } });
  const [arg] = positionals(p, 1, "the .plugin file or built-in name");
  let path = arg!;
  let read: ManifestReader = readFromDisk;
  if (readFromDisk(path) === null) {
    const name = builtinNamed(path);
    if (name === null) throw new Failure(`no such .plugin file or built-in plugin: ${path}`);
    path = `${name}/${name}.plugin`;
    read = builtinReader();
  }
  const bytes = packBundle(path, read);
  const bundle = unpackBundle(bytes);
  const out = values.output ?? `${bundle.name}.bundle`;
  writeAtomically(out, bytes);
  ctx.out(
    `packed ${bundle.name}: ${bundle.files.size} files, ${bytes.length} bytes, ` +
      `digest ${digestHex(bundle.digest)} -> ${out}`,
  );
}

function signatureLine(s: BundleSignature, digest: Uint8Array): string {
  const ok = verifyDigest(digest, s);
  return `  ${digestHex(s.publicKey)}  ${ok ? "valid" : "INVALID"}`;
}

function inspect(args: string[], ctx: PluginCommandContext): void {
  const [file] = positionals(parse(args, {}).positionals, 1, "the bundle file");
  const bytes = readOrFail(file!, "bundle");
  const bundle = unpackBundle(bytes);
  ctx.out(`name       ${bundle.name}`);
  ctx.out(`digest     ${digestHex(bundle.digest)}`);
  ctx.out(`manifest   ${bundle.manifestPath}`);
  ctx.out(`size       ${bytes.length} bytes`);
  ctx.out(`files      ${bundle.files.size}`);
  const width = Math.max(...[...bundle.files.values()].map((d) => String(d.length).length));
  for (const [path, data] of bundle.files) {
    ctx.out(`  ${String(data.length).padStart(width)}  ${path}`);
  }
  ctx.out(`signatures ${bundle.signatures.length}`);
  for (const s of bundle.signatures) ctx.out(signatureLine(s, bundle.digest));
}

function verifyBundle(args: string[], ctx: PluginCommandContext): void {
  const { values, positionals: p } = parse(args, { trust: { type: "string" } });
  const [file] = positionals(p, 1, "the bundle file");
  let policy: TrustPolicy;
  try {
    policy = parseTrustPolicy(values.trust ?? "any", (f) => readOrFail(f, "trust file"));
  } catch (e) {
    if (e instanceof SyntaxError) throw new UsageError(`--trust: ${e.message}`);
    throw e;
  }
  const { bundle, plugin } = acceptBundle(readOrFail(file!, "bundle"), { policy });
  ctx.out(
    `ok: ${bundle.name} ${digestHex(bundle.digest)}: ${plugin.pluglets.length} pluglets ` +
      `verified, trust: ${describeTrustPolicy(policy)}`,
  );
}

function sign(args: string[], ctx: PluginCommandContext): void {
  const { values, positionals: p } = parse(args, {
    key: { type: "string" },
    output: { type: "string", short: "o" },
  });
  const [file] = positionals(p, 1, "the bundle file");
  if (values.key === undefined) throw new UsageError("sign needs --key KEYFILE");
  const key = readOrFail(values.key, "key");
  let signed: Uint8Array;
  try {
    signed = signBundle(readOrFail(file!, "bundle"), key);
  } catch (e) {
    if (e instanceof SyntaxError) throw new Failure(`${values.key}: ${e.message}`);
    throw e;
  }
  const out = values.output ?? file!;
  writeAtomically(out, signed);
  const bundle = unpackBundle(signed);
  ctx.out(
    `signed ${bundle.name} ${digestHex(bundle.digest)} (${bundle.signatures.length} ` +
      `signature(s)) -> ${out}`,
  );
}

function keygen(args: string[], ctx: PluginCommandContext): void {
  const [out] = positionals(parse(args, {}).positionals, 1, "the output file");
  const pair = generateEd25519KeyPair();
  const enc = new TextEncoder();
  for (
    const [path, text, mode] of [[out!, pair.privatePem, 0o600], [
      `${out}.pub`,
      pair.publicPem,
      0o644,
    ]] as const
  ) {
    try {
      Deno.writeFileSync(path, enc.encode(text), { createNew: true, mode });
    } catch (e) {
      throw new Failure(`cannot write ${path}: ${e instanceof Error ? e.message : e}`);
    }
  }
  ctx.out(`public key ${digestHex(pair.publicKey)}: private ${out}, public ${out}.pub`);
}

const SUBCOMMANDS: Readonly<Record<string, (args: string[], ctx: PluginCommandContext) => void>> = {
  pack,
  inspect,
  verify: verifyBundle,
  sign,
  keygen,
};

/**
 * Runs `pquic plugin …`.
 *
 * @param args the arguments after `plugin`
 * @param ctx where lines go
 * @returns the exit code: 0 done, 1 failed or refused, 2 bad usage
 */
export function pluginCommand(args: readonly string[], ctx: PluginCommandContext): number {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    (sub === undefined ? ctx.err : ctx.out)(PLUGIN_USAGE);
    return sub === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  const run = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  try {
    if (run === undefined) throw new UsageError(`unknown subcommand "${sub}"`);
    run(rest, ctx);
    return ExitCode.Ok;
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.err(`pquic plugin: ${e.message}`);
      ctx.err(`\n${PLUGIN_USAGE}`);
      return ExitCode.Usage;
    }
    if (e instanceof BundleError) {
      ctx.err(`pquic plugin ${sub}: ${sub === "verify" ? "refused: " : ""}${e.reason}`);
      return ExitCode.Failure;
    }
    if (e instanceof Failure) {
      ctx.err(`pquic plugin ${sub}: ${e.message}`);
      return ExitCode.Failure;
    }
    throw e;
  }
}
