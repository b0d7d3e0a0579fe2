/**
 * QUIC versions pquic speaks.
 *
 * - QUIC v1, RFC 9000.
 * - QUIC v2, RFC 9369, reached from v1 by compatible version negotiation (RFC 9368).
 * - draft-29 (0xff00001d), the version PQUIC itself speaks, so that we can talk to it.
 *
 * @module
 */

/** Version numbers on the wire. */
export const QuicVersion = {
  V1: 0x00000001,
  V2: 0x6b3343cf,
  DRAFT_29: 0xff00001d,
} as const;

/** A version number pquic supports. */
export type QuicVersion = typeof QuicVersion[keyof typeof QuicVersion];

/** Versions in our order of preference for compatible negotiation. */
export const SUPPORTED_VERSIONS: readonly QuicVersion[] = [
  QuicVersion.V1,
  QuicVersion.V2,
  QuicVersion.DRAFT_29,
];

/** True for a version number pquic can speak. */
export function isSupportedVersion(v: number): v is QuicVersion {
  return v === QuicVersion.V1 || v === QuicVersion.V2 || v === QuicVersion.DRAFT_29;
}

/** A short human name for logs. */
export function versionName(v: number): string {
  switch (v) {
    case QuicVersion.V1:
      return "v1";
    case QuicVersion.V2:
      return "v2";
    case QuicVersion.DRAFT_29:
      return "draft-29";
    default:
      return `0x${v.toString(16).padStart(8, "0")}`;
  }
}
