/**
 * Certificates for the `pquic` command.
 *
 * - A server without `-c`/`-k` uses a demo CA and leaf made on first run and
 *   kept in the cache directory ({@link cacheDir}: `$PQUIC_CACHE_DIR`, else
 *   `$XDG_CACHE_HOME/pquic`, else `~/.cache/pquic`), so that a client can trust them with
 *   `-t <cache>/ca.pem` from then on.
 * - A client with `-t file` trusts the PEM certificates in it; without it, it
 *   accepts any certificate (picoquicdemo's null verifier) and says so.
 *
 * @module
 */

import { createHash } from "node:crypto";
import {
  type CertificateIdentity,
  certificatesFromPem,
  generateDemoCertificates,
  identityFromPem,
  leafPublicKey,
} from "../transport/crypto/certificates.ts";

/** Names on the demo leaf: what a local client connects to. */
export const DEMO_NAMES = ["localhost", "127.0.0.1", "::1"];

/**
 * The cache directory of the command (certificates, session tickets):
 * `$PQUIC_CACHE_DIR`, else `$XDG_CACHE_HOME/pquic`, else `~/.cache/pquic`.
 */
export function cacheDir(env: (name: string) => string | undefined): string {
  const own = env("PQUIC_CACHE_DIR");
  if (own) return own;
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return `${xdg}/pquic`;
  const home = env("HOME") ?? env("USERPROFILE");
  return home ? `${home}/.cache/pquic` : ".pquic-cache";
}

/** A server identity and where it came from. */
export interface ServerCertificates {
  readonly identity: CertificateIdentity;
  /** The CA file clients may pass with `-t` (demo certificates only). */
  readonly caFile: string | null;
  /** True when the demo certificates were made by this call. */
  readonly created: boolean;
}

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/**
 * Loads `-c`/`-k`, or the cached demo certificates, making them when absent
 * (or unreadable as a pair).
 */
export async function serverCertificates(
  certFile: string | null,
  keyFile: string | null,
  dir: string,
): Promise<ServerCertificates> {
  if (certFile !== null && keyFile !== null) {
    const identity = identityFromPem(
      Deno.readTextFileSync(certFile),
      Deno.readTextFileSync(keyFile),
    );
    return { identity, caFile: null, created: false };
  }
  const caFile = `${dir}/ca.pem`;
  const cert = readText(`${dir}/cert.pem`);
  const key = readText(`${dir}/key.pem`);
  if (cert !== null && key !== null && readText(caFile) !== null) {
    try {
      return { identity: identityFromPem(cert, key), caFile, created: false };
    } catch {
      // A damaged pair: make a new one below.
    }
  }
  const made = await generateDemoCertificates({ names: DEMO_NAMES });
  Deno.mkdirSync(dir, { recursive: true });
  Deno.writeTextFileSync(`${dir}/ca.pem`, made.caPem);
  Deno.writeTextFileSync(`${dir}/cert.pem`, made.certPem + made.caPem);
  Deno.writeTextFileSync(`${dir}/key.pem`, made.keyPem, { mode: 0o600 });
  return { identity: made.identity, caFile, created: true };
}

/** The DER certificates of a `-t` trust file; throws when there are none. */
export function trustAnchors(path: string): Uint8Array[] {
  const anchors = certificatesFromPem(Deno.readTextFileSync(path));
  if (anchors.length === 0) throw new TypeError(`no certificate in ${path}`);
  return anchors;
}

/**
 * Base64 SHA-256 of a certificate's SubjectPublicKeyInfo: what Chromium's
 * `--ignore-certificate-errors-spki-list` takes.
 */
export function spkiHash(der: Uint8Array): string {
  const spki = leafPublicKey(der).key.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}
