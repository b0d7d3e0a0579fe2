/**
 * Plugin bundles (issue #8; pquic-reference.md §5.5): a plugin's manifest and
 * every object and included manifest it names, in one canonical tar archive
 * (`archive.ts`), as it travels over a connection, sits in a cache (`-C`) or
 * on disk (`pquic plugin pack`).
 *
 * PQUIC zipped the files with the current mtime and extracted them into the
 * cache with no path checks. A bundle here is never extracted: it is read
 * into memory, checked, and loaded through a reader over its files. On top
 * of the archive's canonical form, a bundle is:
 *
 * - the top manifest first, at the root (`name.plugin`); then every other
 *   file, sorted by path; then the signatures, sorted by public key;
 * - paths relative to the top manifest's directory, with no hidden part
 *   (`.x`), which is kept for the signatures;
 * - exactly the files the manifest (and its includes) names: nothing extra;
 * - a signature is the entry `.signatures/<public key, 64 hex>` holding the
 *   64-byte Ed25519 signature (`keys.ts`) of the digest.
 *
 * The **digest** is the SHA-256 of the canonical archive without the
 * signature entries, i.e. of the unsigned bundle file: `sha256sum x.bundle`
 * on what `pquic plugin pack` wrote gives the digest, and signing a bundle
 * does not change it.
 *
 * Checks happen in this order: archive sanity and limits, bundle layout and
 * manifest syntax ({@link unpackBundle}); digest, then every object through
 * the ELF loader and the VM verifier ({@link loadBundle}). The trust policy
 * (`trust.ts`) sits between the two in the exchange. Every refusal is a
 * {@link BundleError} with a one-line reason.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { type LoadedPlugin, loadPlugin } from "../loader.ts";
import { type Manifest, type ManifestReader, parseManifest } from "../manifest.ts";
import {
  type ArchiveEntry,
  BundleError,
  type BundleLimits,
  checkArchiveSize,
  DEFAULT_BUNDLE_LIMITS,
  digestHex,
  pathProblem,
  readArchive,
  sameBytes,
  writeArchive,
} from "./archive.ts";
import {
  ED25519_SIGNATURE_BYTES,
  ed25519PrivateKey,
  publicKeyOf,
  type SignatureOf,
  signDigest,
} from "./keys.ts";

export { BundleError, type BundleLimits, DEFAULT_BUNDLE_LIMITS, digestHex };

/** One signature carried by a bundle: a raw Ed25519 public key and its signature of the digest. */
export type BundleSignature = SignatureOf;

/** A bundle read into memory and checked for archive sanity. */
export interface PluginBundle {
  /** The manifest's plugin name. */
  readonly name: string;
  /** SHA-256 of the canonical content (the unsigned archive), 32 bytes. */
  readonly digest: Uint8Array;
  /** Path of the top `.plugin` inside the bundle (at the root). */
  readonly manifestPath: string;
  /** Every content file by path, the manifest included; signatures excluded. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** The signatures, sorted by public key. */
  readonly signatures: readonly BundleSignature[];
}

/** Directory of the signature entries. */
const SIGNATURE_DIR = ".signatures/";
const SIGNATURE_RE = /^\.signatures\/([0-9a-f]{64})$/;

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

/** Why a path cannot be a content file: archive rules, and no hidden part. */
function contentPathProblem(path: string): string | null {
  const problem = pathProblem(path);
  if (problem !== null) return problem;
  if (path.split("/").some((p) => p.startsWith("."))) return "is hidden (a part starts with '.')";
  return null;
}

function contentEntries(
  manifestPath: string,
  files: ReadonlyMap<string, Uint8Array>,
): ArchiveEntry[] {
  const top = files.get(manifestPath);
  if (top === undefined) throw new BundleError(`the manifest "${manifestPath}" is missing`);
  const rest = [...files.keys()].filter((p) => p !== manifestPath).sort();
  return [
    { name: manifestPath, data: top },
    ...rest.map((p) => ({ name: p, data: files.get(p)! })),
  ];
}

function signatureEntries(signatures: readonly BundleSignature[]): ArchiveEntry[] {
  return signatures
    .map((s) => ({ name: SIGNATURE_DIR + digestHex(s.publicKey), data: s.signature }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function archive(
  manifestPath: string,
  files: ReadonlyMap<string, Uint8Array>,
  signatures: readonly BundleSignature[],
): Uint8Array {
  return writeArchive([...contentEntries(manifestPath, files), ...signatureEntries(signatures)]);
}

/** The files a manifest needs, by path relative to its directory. */
function neededFiles(manifest: Manifest): string[] {
  const paths = new Set<string>([...manifest.manifests, ...manifest.pluglets.map((p) => p.path)]);
  return [...paths].map((p) => posix.relative(manifest.dir, p));
}

/**
 * Packs a plugin: its manifest and every object and included manifest it
 * names, canonically (same plugin, same bytes, same digest).
 *
 * @param manifestPath path of the `.plugin` file, as `read` understands it
 * @param read reads the manifest, included manifests and objects
 * @param limits bounds the result must respect (default {@link DEFAULT_BUNDLE_LIMITS})
 * @returns the unsigned bundle bytes
 * @throws BundleError for a malformed manifest, a missing file, a path that
 *   cannot travel, or a result beyond the limits
 * @example
 * ```ts
 * import { packBundle, unpackBundle } from "./bundle.ts";
 * import { builtinReader } from "../builtins.ts";
 * import assert from "node:assert/strict";
 * const bytes = packBundle("no_pacing/no_pacing.plugin", builtinReader());
 * const bundle = unpackBundle(bytes);
 * assert.equal(bundle.name, "be.michelfra.no_pacing");
 * assert.deepEqual([...bundle.files.keys()], ["no_pacing.plugin", "no_pacing.o"]);
 * ```
 */
export function packBundle(
  manifestPath: string,
  read: ManifestReader,
  limits: BundleLimits = DEFAULT_BUNDLE_LIMITS,
): Uint8Array {
  let manifest: Manifest;
  try {
    manifest = parseManifest(manifestPath, read);
  } catch (e) {
    throw new BundleError(e instanceof Error ? e.message : String(e), { cause: e });
  }
  const files = new Map<string, Uint8Array>();
  for (const rel of neededFiles(manifest)) {
    const problem = contentPathProblem(rel);
    if (problem !== null) throw new BundleError(`file "${rel}" ${problem}`);
    const data = read(posix.join(manifest.dir, rel));
    if (data === null) throw new BundleError(`file "${rel}" cannot be read`);
    if (data.length > limits.maxFileBytes) {
      throw new BundleError(
        `file "${rel}" is ${data.length} bytes, more than the limit of ${limits.maxFileBytes}`,
      );
    }
    files.set(rel, data);
  }
  if (files.size > limits.maxFiles) {
    throw new BundleError(`the bundle has ${files.size} files, more than ${limits.maxFiles}`);
  }
  const top = posix.relative(manifest.dir, manifest.manifests[0]!);
  const bytes = writeArchive(contentEntries(top, files));
  checkArchiveSize(bytes, limits);
  return bytes;
}

/**
 * Reads a bundle and checks the archive: size, entry count, file sizes,
 * entry types (regular files only), paths (no escape), canonical form, the
 * manifest's syntax, and that the files are exactly those the manifest
 * names. Objects are not loaded yet: see {@link loadBundle}.
 *
 * @param bytes the bundle
 * @param limits bounds (default {@link DEFAULT_BUNDLE_LIMITS})
 * @returns the bundle with its content digest
 * @throws BundleError naming the first rule broken; nothing else
 */
export function unpackBundle(
  bytes: Uint8Array,
  limits: BundleLimits = DEFAULT_BUNDLE_LIMITS,
): PluginBundle {
  const entries = readArchive(bytes, limits);
  const files = new Map<string, Uint8Array>();
  const signatures: BundleSignature[] = [];
  for (const { name, data } of entries) {
    const sig = SIGNATURE_RE.exec(name);
    if (sig !== null) {
      if (data.length !== ED25519_SIGNATURE_BYTES) {
        throw new BundleError(`signature "${name}" is not ${ED25519_SIGNATURE_BYTES} bytes`);
      }
      signatures.push({ publicKey: new Uint8Array(Buffer.from(sig[1]!, "hex")), signature: data });
      continue;
    }
    const problem = contentPathProblem(name);
    if (problem !== null) throw new BundleError(`entry "${name}" ${problem}`);
    files.set(name, data);
  }
  const manifestPath = entries[0]!.name;
  if (!manifestPath.endsWith(".plugin") || manifestPath.includes("/")) {
    throw new BundleError(`the first entry "${manifestPath}" is not a manifest at the root`);
  }
  const order = [...contentEntries(manifestPath, files), ...signatureEntries(signatures)];
  const at = order.findIndex((e, i) => e.name !== entries[i]!.name);
  if (at !== -1) {
    throw new BundleError(
      `entry "${entries[at]!.name}" is out of order (the manifest first, then files by path, ` +
        "then signatures by key)",
    );
  }
  const name = checkManifest(manifestPath, files);
  // readArchive checked that `bytes` is the canonical archive: without
  // signatures it is the content archive itself.
  const content = signatures.length === 0
    ? bytes
    : writeArchive(contentEntries(manifestPath, files));
  return {
    name,
    digest: sha256(content),
    manifestPath,
    files,
    signatures,
  };
}

function reader(files: ReadonlyMap<string, Uint8Array>): ManifestReader {
  return (path) => files.get(posix.normalize(path)) ?? null;
}

/** Parses the manifest and checks the files are exactly the ones it names. */
function checkManifest(manifestPath: string, files: ReadonlyMap<string, Uint8Array>): string {
  let manifest: Manifest;
  try {
    manifest = parseManifest(manifestPath, reader(files));
  } catch (e) {
    throw new BundleError(e instanceof Error ? e.message : String(e), { cause: e });
  }
  const needed = new Set(neededFiles(manifest));
  for (const path of files.keys()) {
    if (!needed.has(path)) throw new BundleError(`file "${path}" is not named by the manifest`);
  }
  for (const path of needed) {
    if (!files.has(path)) throw new BundleError(`file "${path}" named by the manifest is missing`);
  }
  return manifest.name;
}

/**
 * The content digest of a bundle: SHA-256 of its canonical archive without
 * signatures (the unsigned bundle's bytes).
 *
 * @param bundle the bundle
 * @returns 32 bytes
 */
export function bundleDigest(bundle: PluginBundle): Uint8Array {
  return sha256(writeArchive(contentEntries(bundle.manifestPath, bundle.files)));
}

/**
 * Adds (or replaces) the signature of one key to a bundle.
 *
 * @param bytes the bundle, signed or not
 * @param privateKey an Ed25519 private key: PKCS#8 PEM or DER, or a 32-byte seed
 * @returns the new bundle bytes; the digest is unchanged
 * @throws BundleError for a bundle {@link unpackBundle} refuses;
 *   SyntaxError for a key that is not Ed25519
 * @example
 * ```ts
 * import { packBundle, signBundle, unpackBundle } from "./bundle.ts";
 * import { builtinReader } from "../builtins.ts";
 * import assert from "node:assert/strict";
 * const bytes = packBundle("no_pacing/no_pacing.plugin", builtinReader());
 * const signed = signBundle(bytes, new Uint8Array(32).fill(7));
 * assert.equal(unpackBundle(signed).signatures.length, 1);
 * assert.deepEqual(unpackBundle(signed).digest, unpackBundle(bytes).digest);
 * ```
 */
export function signBundle(bytes: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const key = ed25519PrivateKey(privateKey);
  const bundle = unpackBundle(bytes);
  const publicKey = publicKeyOf(key);
  const signatures = bundle.signatures.filter((s) => !sameBytes(s.publicKey, publicKey));
  signatures.push({ publicKey, signature: signDigest(bundle.digest, key) });
  const out = encodeBundle({ ...bundle, signatures });
  checkArchiveSize(out, DEFAULT_BUNDLE_LIMITS);
  return out;
}

/**
 * The canonical bytes of a bundle, signatures included: what
 * {@link unpackBundle} read, for a bundle it returned.
 *
 * @param bundle the bundle
 * @returns the archive
 */
export function encodeBundle(bundle: PluginBundle): Uint8Array {
  return archive(bundle.manifestPath, bundle.files, bundle.signatures);
}

/** Options of {@link loadBundle}. */
export interface LoadBundleOptions {
  /** The digest negotiated or asked for: anything else is refused. */
  readonly expectedDigest?: Uint8Array;
}

/**
 * Loads a bundle's plugin: checks its digest (against its content and
 * `expectedDigest`), parses the manifest and passes every object through the
 * ELF loader and the VM verifier (`loader.ts`).
 *
 * @param bundle an unpacked bundle
 * @param opts the expected digest
 * @returns the loaded plugin, ready to inject
 * @throws BundleError for a digest mismatch, a malformed manifest or object,
 *   or a program the verifier refuses (the reason names file and rule)
 */
export function loadBundle(bundle: PluginBundle, opts: LoadBundleOptions = {}): LoadedPlugin {
  const digest = bundleDigest(bundle);
  if (!sameBytes(digest, bundle.digest)) {
    throw new BundleError("the content does not match the bundle's digest");
  }
  if (opts.expectedDigest !== undefined && !sameBytes(digest, opts.expectedDigest)) {
    throw new BundleError(
      `digest mismatch: got ${digestHex(digest)}, expected ${digestHex(opts.expectedDigest)}`,
    );
  }
  try {
    return loadPlugin(bundle.manifestPath, reader(bundle.files));
  } catch (e) {
    throw new BundleError(e instanceof Error ? e.message : String(e), { cause: e });
  }
}
