/**
 * QUIC packet protection and the certificate handling of the TLS handshake.
 *
 * - `hkdf.ts`: HKDF and TLS 1.3's HKDF-Expand-Label.
 * - `cipher_suite.ts`: the three TLS 1.3 suites QUIC uses, as a table.
 * - `packet_protection.ts`: {@link DirectionalKeys} (key, IV, header
 *   protection from a secret; key update), {@link PacketAead} (seal/open in
 *   place) and {@link HeaderProtection}.
 * - `initial.ts`: Initial secrets for v1, v2 and draft-29.
 * - `retry.ts`: the Retry Integrity Tag.
 * - `certificates.ts`: chain verification, CertificateVerify signatures,
 *   PEM loading, demo certificate generation.
 *
 * Everything is synchronous except demo certificate generation.
 *
 * @module
 */

export { hashLength, hashOf, hkdfExpand, hkdfExpandLabel, hkdfExtract, hmac } from "./hkdf.ts";
export type { HashName } from "./hkdf.ts";
export { CIPHER_SUITES, CipherSuite, isKnownSuite, suiteInfo } from "./cipher_suite.ts";
export type { SuiteInfo } from "./cipher_suite.ts";
export {
  AEAD_TAG_LENGTH,
  deriveKeyMaterial,
  DirectionalKeys,
  HeaderProtection,
  HP_SAMPLE_LENGTH,
  HP_SAMPLE_OFFSET,
  labelsFor,
  nextSecret,
  PacketAead,
} from "./packet_protection.ts";
export type { KeyMaterial, QuicLabels } from "./packet_protection.ts";
export {
  INITIAL_SALT_DRAFT_29,
  INITIAL_SALT_V1,
  INITIAL_SALT_V2,
  INITIAL_SUITE,
  initialKeys,
  initialSalt,
  initialSecrets,
} from "./initial.ts";
export {
  RETRY_TAG_LENGTH,
  retryIntegrityTag,
  retryPseudoPacket,
  verifyRetryIntegrity,
} from "./retry.ts";
export {
  CertificateAlert,
  certificatesFromPem,
  certificatesToPem,
  generateDemoCertificates,
  identityFromPem,
  leafPublicKey,
  SignatureScheme,
  signatureSchemeName,
  signHandshake,
  verifyCertificateChain,
  verifyHandshakeSignature,
} from "./certificates.ts";
export type {
  CertificateIdentity,
  DemoCertificateOptions,
  DemoCertificates,
  DemoKeyType,
  PeerPublicKey,
  VerifyOptions,
} from "./certificates.ts";
export { schemesForKey, signWithScheme, verifyWithScheme } from "./signature_scheme.ts";
export { dnsNameMatches, parseIpAddress, serverNameMatches } from "./server_name.ts";
export type { AltName } from "./server_name.ts";
export type { Random } from "../random.ts";
