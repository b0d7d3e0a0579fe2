/**
 * Initial packet protection (RFC 9001 §5.2): secrets derived from the
 * client's first Destination Connection ID and a version-specific salt.
 *
 * ```
 * initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id)
 * client_initial_secret = HKDF-Expand-Label(initial_secret, "client in", "", 32)
 * server_initial_secret = HKDF-Expand-Label(initial_secret, "server in", "", 32)
 * ```
 *
 * Initial packets always use TLS_AES_128_GCM_SHA256 (§5.2).
 *
 * @module
 */

import { QuicVersion } from "../version.ts";
import { fromHex } from "./_hex.ts";
import { CipherSuite } from "../tls/session.ts";
import { hkdfExpandLabel, hkdfExtract } from "./hkdf.ts";
import { DirectionalKeys } from "./packet_protection.ts";

/** QUIC v1 initial salt (RFC 9001 §5.2). */
export const INITIAL_SALT_V1: Uint8Array = fromHex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
/** QUIC v2 initial salt (RFC 9369 §3.3.1). */
export const INITIAL_SALT_V2: Uint8Array = fromHex("0dede3def700a6db819381be6e269dcbf9bd2ed9");
/** draft-29 initial salt (draft-ietf-quic-tls-29 §5.2). */
export const INITIAL_SALT_DRAFT_29: Uint8Array = fromHex(
  "afbfec289993d24c9e9786f19c6111e04390a899",
);

/** The suite of Initial packets. */
export const INITIAL_SUITE: CipherSuite = CipherSuite.AES_128_GCM_SHA256;

/** The initial salt of a version; throws a `RangeError` for a version we do not speak. */
export function initialSalt(version: number): Uint8Array {
  switch (version) {
    case QuicVersion.V1:
      return INITIAL_SALT_V1;
    case QuicVersion.V2:
      return INITIAL_SALT_V2;
    case QuicVersion.DRAFT_29:
      return INITIAL_SALT_DRAFT_29;
    default:
      throw new RangeError(`Cannot derive Initial secrets for version 0x${version.toString(16)}`);
  }
}

/**
 * The client and server Initial secrets for a version and the client's
 * first Destination Connection ID.
 *
 * @example RFC 9001 §A.1
 * ```ts
 * import { initialSecrets } from "./initial.ts";
 * import assert from "node:assert/strict";
 * const dcid = new Uint8Array([0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08]);
 * const { client } = initialSecrets(1, dcid);
 * assert.equal(client[0], 0xc0);
 * ```
 */
export function initialSecrets(
  version: number,
  dcid: Uint8Array,
): { client: Uint8Array; server: Uint8Array } {
  const initial = hkdfExtract("sha256", initialSalt(version), dcid);
  const none = new Uint8Array(0);
  return {
    client: hkdfExpandLabel("sha256", initial, "client in", none, 32),
    server: hkdfExpandLabel("sha256", initial, "server in", none, 32),
  };
}

/**
 * Initial keys for one endpoint: `write` protects what it sends, `read`
 * what it receives.
 */
export function initialKeys(
  version: number,
  dcid: Uint8Array,
  isClient: boolean,
): { read: DirectionalKeys; write: DirectionalKeys } {
  const s = initialSecrets(version, dcid);
  const client = DirectionalKeys.fromSecret(INITIAL_SUITE, s.client, version);
  const server = DirectionalKeys.fromSecret(INITIAL_SUITE, s.server, version);
  return isClient ? { read: server, write: client } : { read: client, write: server };
}
