/**
 * X.509 certificates for the TLS 1.3 handshake: chain verification, the
 * server's identity (chain + private key) and CertificateVerify signatures.
 *
 * Everything here that runs during a handshake is synchronous: certificates
 * are parsed with `@peculiar/x509` (its parsing is synchronous; only its
 * signing and verifying go through async WebCrypto, which we do not use here)
 * and signatures are checked with `node:crypto`. Demo certificate generation
 * is async and lives in `certificate_generation.ts` (re-exported here).
 *
 * What {@link verifyCertificateChain} checks (RFC 5280 §6.1, simplified to
 * what a QUIC client needs): each certificate is signed by the next one, the
 * last one is a trust anchor or is signed by one, validity periods contain
 * `nowMs`, issuers are CAs (basicConstraints, with pathLenConstraint), the
 * leaf is not a CA, and the leaf's subjectAltName covers the server name. Not
 * checked: revocation, name constraints, policies, key usage bits.
 *
 * @module
 */

import * as x509 from "./x509.ts";
import { Buffer } from "node:buffer";
import { constants, createPrivateKey, createPublicKey, type KeyObject, verify } from "node:crypto";
import { TlsAlert } from "../tls/session.ts";
import { type AltName, serverNameMatches } from "./server_name.ts";
import {
  type PeerPublicKey,
  schemesForKey,
  signatureSchemeName,
  signWithScheme,
  verifyWithScheme,
} from "./signature_scheme.ts";

export type { PeerPublicKey } from "./signature_scheme.ts";
export { SignatureScheme, SUPPORTED_SIGNATURE_SCHEMES } from "./signature_scheme.ts";
export { generateDemoCertificates } from "./certificate_generation.ts";
export type {
  DemoCertificateOptions,
  DemoCertificates,
  DemoKeyType,
} from "./certificate_generation.ts";

/** TLS alert numbers raised by certificate checks (RFC 8446 §6.2). */
export const CertificateAlert = {
  BAD_CERTIFICATE: 42,
  UNSUPPORTED_CERTIFICATE: 43,
  CERTIFICATE_EXPIRED: 45,
  UNKNOWN_CA: 48,
} as const;

/** A server's (or client's) certificate chain and the private key for its leaf. */
export interface CertificateIdentity {
  /** DER certificates, leaf first. */
  chain: Uint8Array[];
  /** The leaf's private key (a node:crypto KeyObject). */
  privateKey: KeyObject;
  /** TLS 1.3 signature schemes the key can produce, in preference order. */
  signatureSchemes: number[];
}

/** Options of {@link verifyCertificateChain}. */
export interface VerifyOptions {
  /** The name the client connected to: a DNS name or an IP address literal. */
  serverName: string;
  /** DER certificates trusted as roots. */
  trustAnchors: Uint8Array[];
  /** Wall-clock time in milliseconds since the epoch. */
  nowMs: number;
}

/** A parsed certificate with what verification needs. */
interface Parsed {
  readonly der: Uint8Array;
  readonly cert: x509.X509Certificate;
  readonly isCa: boolean;
  readonly pathLength: number | undefined;
}

function parse(der: Uint8Array, what: string): Parsed {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(der as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new TlsAlert(
      CertificateAlert.BAD_CERTIFICATE,
      `Cannot parse ${what}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  return { der, cert, isCa: bc?.ca === true, pathLength: bc?.pathLength };
}

function spkiKey(cert: x509.X509Certificate): KeyObject {
  return createPublicKey({
    key: Buffer.from(cert.publicKey.rawData),
    format: "der",
    type: "spki",
  });
}

/** Length of the DER TLV at `at` (header + contents); throws on malformed lengths. */
function derElementLength(der: Uint8Array, at: number): number {
  const first = der[at + 1];
  if (first === undefined) throw new RangeError("Cannot read DER: truncated");
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4) throw new RangeError("Cannot read DER: bad length");
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (der[at + 2 + i] ?? 0);
  return 2 + n + len;
}

/**
 * The signed part of a certificate: the TBSCertificate TLV, the first element
 * of `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`
 * (RFC 5280 §4.1).
 */
function tbsOf(der: Uint8Array): Uint8Array {
  // Header size of the outer SEQUENCE: 2 for the short length form, 2 + n for the long one.
  const start = der[1]! < 0x80 ? 2 : 2 + (der[1]! & 0x7f);
  return der.subarray(start, start + derElementLength(der, start));
}

const HASHES: Record<string, "sha256" | "sha384" | "sha512"> = {
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};

/**
 * True when `issuerKey` verifies the signature on `subject`; throws
 * unsupported_certificate for a signature algorithm we do not know.
 */
function signedBy(subject: Parsed, issuerKey: KeyObject): boolean {
  const alg = subject.cert.signatureAlgorithm as { name: string; hash?: { name: string } } & {
    saltLength?: number;
  };
  const tbs = tbsOf(subject.der);
  const sig = new Uint8Array(subject.cert.signature);
  const hash = alg.hash === undefined ? undefined : HASHES[alg.hash.name];
  try {
    switch (alg.name) {
      case "ECDSA":
      case "RSASSA-PKCS1-v1_5":
        if (hash === undefined) break;
        return verify(hash, tbs, issuerKey, sig);
      case "RSA-PSS":
        if (hash === undefined) break;
        return verify(hash, tbs, {
          key: issuerKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: alg.saltLength ?? 32,
        }, sig);
      case "Ed25519":
        return verify(null, tbs, issuerKey, sig);
    }
  } catch {
    // Key type and algorithm disagree, or a malformed signature.
    return false;
  }
  throw new TlsAlert(
    CertificateAlert.UNSUPPORTED_CERTIFICATE,
    `Cannot verify certificate "${subject.cert.subject}": signature algorithm ${alg.name}`,
  );
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkValidity(p: Parsed, nowMs: number): void {
  const from = p.cert.notBefore.getTime();
  const to = p.cert.notAfter.getTime();
  if (nowMs < from || nowMs > to) {
    throw new TlsAlert(
      CertificateAlert.CERTIFICATE_EXPIRED,
      `Cannot accept certificate "${p.cert.subject}": ${
        nowMs < from ? "not valid yet" : "expired"
      } (valid ${p.cert.notBefore.toISOString()} to ${p.cert.notAfter.toISOString()})`,
    );
  }
}

function altNames(cert: x509.X509Certificate): AltName[] {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (san === null) return [];
  return san.names.items.map((n) => ({ type: n.type, value: n.value }));
}

/** The public key of a leaf certificate (no verification; for pinned or insecure setups). */
export function leafPublicKey(der: Uint8Array): PeerPublicKey {
  return toPeerKey(spkiKey(parse(der, "certificate").cert));
}

function toPeerKey(key: KeyObject): PeerPublicKey {
  const type = key.asymmetricKeyType ?? "";
  const details = key.asymmetricKeyDetails as { namedCurve?: string } | undefined;
  return {
    key,
    type,
    curve: type === "ec" ? details?.namedCurve ?? "" : "",
    signatureSchemes: schemesForKey(key),
  };
}

/**
 * Verify a peer's certificate chain (leaf first) against trust anchors, and
 * return the leaf's public key. Synchronous.
 *
 * @throws {TlsAlert} bad_certificate (42) for an unparsable certificate, a
 * signature that does not verify, a name mismatch, a leaf that is a CA or an
 * issuer that is not; unsupported_certificate (43) for an unknown signature
 * algorithm; certificate_expired (45) outside a validity period; unknown_ca
 * (48) when no trust anchor issued the chain.
 */
export function verifyCertificateChain(chain: Uint8Array[], opts: VerifyOptions): PeerPublicKey {
  try {
    return verifyChainUnchecked(chain, opts);
  } catch (e) {
    if (e instanceof TlsAlert) throw e;
    // The X.509 library throws plain errors on malformed extensions: still a bad certificate.
    throw new TlsAlert(
      CertificateAlert.BAD_CERTIFICATE,
      `Cannot parse certificate: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

function verifyChainUnchecked(chain: Uint8Array[], opts: VerifyOptions): PeerPublicKey {
  if (chain.length === 0) {
    throw new TlsAlert(CertificateAlert.BAD_CERTIFICATE, "Cannot verify an empty chain");
  }
  const certs = chain.map((der, i) =>
    parse(der, i === 0 ? "leaf certificate" : `certificate ${i}`)
  );
  const leaf = certs[0]!;
  if (leaf.isCa) {
    throw new TlsAlert(
      CertificateAlert.BAD_CERTIFICATE,
      `Cannot accept a CA certificate as end entity: "${leaf.cert.subject}"`,
    );
  }
  const names = altNames(leaf.cert);
  if (!serverNameMatches(names, opts.serverName)) {
    throw new TlsAlert(
      CertificateAlert.BAD_CERTIFICATE,
      `Cannot accept certificate for "${opts.serverName}": it names ${
        names.length === 0 ? "nothing (no subjectAltName)" : names.map((n) => n.value).join(", ")
      }`,
    );
  }
  const anchors = opts.trustAnchors.map((der, i) => parse(der, `trust anchor ${i}`));
  for (let i = 0; i < certs.length; i++) {
    const cur = certs[i]!;
    checkValidity(cur, opts.nowMs);
    // A trust anchor itself (a pinned leaf, or the root sent along): trusted.
    if (anchors.some((a) => sameBytes(a.der, cur.der))) return toPeerKey(spkiKey(leaf.cert));
    // Issued by a trust anchor.
    for (const a of anchors) {
      if (a.cert.subject !== cur.cert.issuer || !a.isCa) continue;
      if (a.pathLength !== undefined && i - 1 > a.pathLength) continue;
      if (signedBy(cur, spkiKey(a.cert))) return toPeerKey(spkiKey(leaf.cert));
    }
    const next = certs[i + 1];
    if (next === undefined) {
      throw new TlsAlert(
        CertificateAlert.UNKNOWN_CA,
        `Cannot find a trust anchor that issued "${cur.cert.subject}" (issuer "${cur.cert.issuer}")`,
      );
    }
    if (next.cert.subject !== cur.cert.issuer) {
      throw new TlsAlert(
        CertificateAlert.BAD_CERTIFICATE,
        `Cannot chain "${cur.cert.subject}": issuer "${cur.cert.issuer}" is followed by "${next.cert.subject}"`,
      );
    }
    if (!next.isCa) {
      throw new TlsAlert(
        CertificateAlert.BAD_CERTIFICATE,
        `Cannot accept issuer "${next.cert.subject}": it is not a CA`,
      );
    }
    // pathLenConstraint: intermediates below `next` are certs[1..i].
    if (next.pathLength !== undefined && i > next.pathLength + 1) {
      throw new TlsAlert(
        CertificateAlert.BAD_CERTIFICATE,
        `Cannot accept issuer "${next.cert.subject}": path length constraint exceeded`,
      );
    }
    if (!signedBy(cur, spkiKey(next.cert))) {
      throw new TlsAlert(
        CertificateAlert.BAD_CERTIFICATE,
        `Cannot verify the signature on "${cur.cert.subject}" by "${next.cert.subject}"`,
      );
    }
  }
  // Unreachable: the loop returns or throws at the last certificate.
  throw new TlsAlert(CertificateAlert.UNKNOWN_CA, "Cannot find a trust anchor");
}

/**
 * Sign CertificateVerify content (RFC 8446 §4.4.3) with the identity's key.
 * Synchronous. Throws a `RangeError` when `scheme` does not fit the key.
 */
export function signHandshake(
  identity: CertificateIdentity,
  scheme: number,
  content: Uint8Array,
): Uint8Array {
  return signWithScheme(identity.privateKey, scheme, content);
}

/**
 * Verify a CertificateVerify signature with the peer's key; false when it
 * does not verify or the scheme does not fit the key.
 */
export function verifyHandshakeSignature(
  key: PeerPublicKey,
  scheme: number,
  content: Uint8Array,
  signature: Uint8Array,
): boolean {
  return verifyWithScheme(key.key, scheme, content, signature);
}

/**
 * The DER certificates in a PEM text, in order.
 *
 * @example
 * ```ts
 * import { certificatesFromPem } from "./certificates.ts";
 * import assert from "node:assert/strict";
 * const pem = "-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n";
 * assert.deepEqual(certificatesFromPem(pem), [new Uint8Array([1, 2, 3])]);
 * ```
 */
export function certificatesFromPem(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (let m = re.exec(pem); m !== null; m = re.exec(pem)) {
    const b64 = m[1]!.replace(/\s+/g, "");
    const bin = atob(b64);
    const der = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
    out.push(der);
  }
  return out;
}

/** PEM text for DER certificates. */
export function certificatesToPem(chain: readonly Uint8Array[]): string {
  return chain.map((der) => {
    let bin = "";
    for (let i = 0; i < der.length; i++) bin += String.fromCharCode(der[i]!);
    const lines = btoa(bin).match(/.{1,64}/g) ?? [];
    return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
  }).join("");
}

/**
 * An identity from PEM texts: the chain (leaf first) and its private key
 * (PKCS#8, SEC1 or PKCS#1 PEM). Throws a `TypeError` when the key does not
 * belong to the leaf or cannot sign any TLS 1.3 scheme we support.
 */
export function identityFromPem(certPem: string, keyPem: string): CertificateIdentity {
  const chain = certificatesFromPem(certPem);
  if (chain.length === 0) throw new TypeError("Cannot load identity: no certificate in PEM");
  const privateKey = createPrivateKey(keyPem);
  const fromKey = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  const fromCert = leafPublicKey(chain[0]!).key.export({ type: "spki", format: "der" });
  if (!sameBytes(new Uint8Array(fromKey), new Uint8Array(fromCert))) {
    throw new TypeError("Cannot load identity: the private key does not match the certificate");
  }
  const signatureSchemes = schemesForKey(privateKey);
  if (signatureSchemes.length === 0) {
    throw new TypeError(
      `Cannot load identity: no TLS 1.3 signature scheme for a ${privateKey.asymmetricKeyType} key`,
    );
  }
  return { chain, privateKey, signatureSchemes };
}

export { signatureSchemeName };
