/**
 * Demo certificates: a CA and a leaf it signs, made with `@peculiar/x509` on
 * WebCrypto (async; run once at start-up, never during a handshake).
 *
 * The leaf is never the CA: rustls-based peers refuse a CA certificate used as
 * an end entity. The leaf carries subjectAltName entries for the given names
 * (DNS names and IP address literals), basicConstraints cA=false,
 * keyUsage digitalSignature and extendedKeyUsage serverAuth/clientAuth.
 *
 * @module
 */

import * as x509 from "./x509.ts";
import { createPrivateKey } from "node:crypto";
import { CryptoRandom, type Random } from "../random.ts";
import { parseIpAddress } from "./server_name.ts";
import { schemesForKey } from "./signature_scheme.ts";
import type { CertificateIdentity } from "./certificates.ts";

/**
 * Key algorithms for demo certificates, named after the TLS 1.3 signature
 * they make: "ecdsa-p256" (ecdsa_secp256r1_sha256), "ed25519", and "rsa-pss"
 * (an RSA-2048 key signing rsa_pss_rsae_sha256).
 */
export type DemoKeyType = "ecdsa-p256" | "ed25519" | "rsa-pss";

/** Options of {@link generateDemoCertificates}. */
export interface DemoCertificateOptions {
  /** Names for the leaf's subjectAltName, e.g. ["localhost", "127.0.0.1", "::1"]. */
  names: string[];
  /** Key type of both certificates; default "ecdsa-p256". */
  keyType?: DemoKeyType;
  /**
   * Validity start, ms since the epoch. Default 2020-01-01: demo certificates
   * carry a fixed, wide validity window so that making them needs no clock.
   */
  notBeforeMs?: number;
  /** Validity end, ms since the epoch. Default 2099-12-31. */
  notAfterMs?: number;
  /** Source of serial numbers; default CryptoRandom. */
  random?: Random;
}

/** What {@link generateDemoCertificates} returns. */
export interface DemoCertificates {
  /** The CA certificate (DER), to use as a client's trust anchor. */
  caCertificate: Uint8Array;
  /** The leaf chain (leaf, then CA) with the leaf's private key. */
  identity: CertificateIdentity;
  /** The CA certificate as PEM. */
  caPem: string;
  /** The chain (leaf, CA) as PEM. */
  certPem: string;
  /** The leaf's private key as PKCS#8 PEM. */
  keyPem: string;
}

/** 2020-01-01T00:00:00Z: a fixed start, so that generation reads no clock. */
const DEFAULT_NOT_BEFORE_MS = 1_577_836_800_000;
/** 2099-12-31T23:59:59Z. */
const DEFAULT_NOT_AFTER_MS = 4_102_444_799_000;

interface Algorithms {
  readonly generate: RsaHashedKeyGenParams | EcKeyGenParams | Algorithm;
  readonly sign: EcdsaParams | Algorithm;
}

function algorithms(keyType: DemoKeyType): Algorithms {
  switch (keyType) {
    case "ecdsa-p256":
      return {
        generate: { name: "ECDSA", namedCurve: "P-256" },
        sign: { name: "ECDSA", hash: "SHA-256" },
      };
    case "ed25519":
      return { generate: { name: "Ed25519" }, sign: { name: "Ed25519" } };
    case "rsa-pss":
      // The key is an rsaEncryption key: TLS 1.3 signs with it using
      // rsa_pss_rsae_* (RFC 8446 §4.2.3). The certificates themselves are
      // signed with sha256WithRSAEncryption: rustls/webpki only accept PSS
      // certificate signatures whose parameters carry explicit NULL hash
      // parameters, which @peculiar/x509 does not encode.
      return {
        generate: {
          name: "RSASSA-PKCS1-v1_5",
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: "SHA-256",
        },
        sign: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as Algorithm,
      };
  }
}

function serial(random: Random): string {
  const b = new Uint8Array(16);
  random.fill(b);
  b[0] = b[0]! & 0x7f; // positive INTEGER
  if (b[0] === 0) b[0] = 1;
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function toPem(label: string, der: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < der.length; i++) bin += String.fromCharCode(der[i]!);
  const lines = btoa(bin).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * Make a CA and a leaf certificate signed by it.
 *
 * @example
 * ```ts
 * import { generateDemoCertificates, verifyCertificateChain } from "./certificates.ts";
 * import assert from "node:assert/strict";
 * const demo = await generateDemoCertificates({ names: ["localhost"] });
 * const key = verifyCertificateChain(demo.identity.chain, {
 *   serverName: "localhost",
 *   trustAnchors: [demo.caCertificate],
 *   nowMs: Date.UTC(2030, 0, 1),
 * });
 * assert.equal(key.type, "ec");
 * ```
 */
export async function generateDemoCertificates(
  opts: DemoCertificateOptions,
): Promise<DemoCertificates> {
  const keyType = opts.keyType ?? "ecdsa-p256";
  const alg = algorithms(keyType);
  const random = opts.random ?? new CryptoRandom();
  // Fixed instants as Date objects, which @peculiar/x509 takes; no clock is read.
  const notBefore = new Date(opts.notBeforeMs ?? DEFAULT_NOT_BEFORE_MS);
  const notAfter = new Date(opts.notAfterMs ?? DEFAULT_NOT_AFTER_MS);
  const usages: KeyUsage[] = ["sign", "verify"];
  const caKeys = await crypto.subtle.generateKey(alg.generate, true, usages) as CryptoKeyPair;
  const leafKeys = await crypto.subtle.generateKey(alg.generate, true, usages) as CryptoKeyPair;

  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(random),
    name: "CN=pquic demo CA, O=pquic",
    notBefore,
    notAfter,
    signingAlgorithm: alg.sign,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const altNames: x509.JsonGeneralName[] = opts.names.map((n) =>
    parseIpAddress(n) !== null ? { type: "ip", value: n } : { type: "dns", value: n }
  );
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(random),
    subject: `CN=${opts.names.find((n) => parseIpAddress(n) === null) ?? "pquic"}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: alg.sign,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension(altNames),
      await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", leafKeys.privateKey));
  const privateKey = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" } as never);
  const caDer = new Uint8Array(ca.rawData);
  const leafDer = new Uint8Array(leaf.rawData);
  const caPem = toPem("CERTIFICATE", caDer);
  return {
    caCertificate: caDer,
    identity: { chain: [leafDer, caDer], privateKey, signatureSchemes: schemesForKey(privateKey) },
    caPem,
    certPem: toPem("CERTIFICATE", leafDer) + caPem,
    keyPem: toPem("PRIVATE KEY", pkcs8),
  };
}
