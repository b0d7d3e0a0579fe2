/**
 * The TLS 1.3 server for QUIC (RFC 8446 §2, RFC 9001 §4).
 *
 * ```
 * ClientHello (needs another group)  -> data(Initial: HelloRetryRequest)
 * ClientHello  -> transportParameters, [secret(0-RTT read)],
 *                 data(Initial: ServerHello), secret(Handshake read), secret(Handshake write),
 *                 data(Handshake: EncryptedExtensions, Certificate, CertificateVerify, Finished),
 *                 secret(1-RTT write)
 * Finished     -> secret(1-RTT read), handshakeComplete
 * sendSessionTicket() -> data(1-RTT: NewSessionTicket)
 * ```
 *
 * Requirements enforced for QUIC: ALPN (no overlap or none offered:
 * no_application_protocol, RFC 9001 §8.1), quic_transport_parameters
 * (missing_extension, §8.2), an empty legacy_session_id (PROTOCOL_VIOLATION,
 * §8.4), (EC)DHE always (psk_dhe_ke only). No client authentication.
 *
 * 0-RTT is accepted when the PSK of the first identity is valid, no
 * HelloRetryRequest happened, `maxEarlyData` > 0, the ticket allowed early
 * data, the ALPN and cipher suite equal the ticket's, and the ticket age the
 * client reports is close to ours (server_psk.ts).
 *
 * @module
 */

import { type CertificateIdentity, signHandshake } from "../crypto/certificates.ts";
import { hashLength, type HashName, hashOf } from "../crypto/hkdf.ts";
import { TransportError } from "../errors.ts";
import { BaseSession } from "./_base_session.ts";
import {
  Alert,
  decryptError,
  handshakeFailure,
  illegalParameter,
  missingExtension,
  unexpectedMessage,
} from "./alert.ts";
import type { TlsServerConfig } from "./config.ts";
import {
  encodeAlpn,
  encodeKeyShareHrr,
  encodeKeyShareServer,
  encodeMaxEarlyData,
  encodeSelectedIdentity,
  encodeSupportedVersionsServer,
  type Extension,
  ExtensionType,
  type KeyShareEntry,
  parseAlpn,
  parseEmptyExtension,
  parseKeyShareClient,
  parseServerName,
  parseSupportedVersionsClient,
  parseU16List,
  TLS13,
} from "./extensions.ts";
import { generateKeyShare, isSupportedGroup } from "./key_exchange.ts";
import { finishedVerifyData, KeySchedule, resumptionPsk } from "./key_schedule.ts";
import { writeCertificate } from "./messages/certificate.ts";
import { certificateVerifyContent, writeCertificateVerify } from "./messages/certificate_verify.ts";
import { parseClientHello, RANDOM_LENGTH } from "./messages/client_hello.ts";
import { bytesEqual, concatBytes } from "./messages/codec.ts";
import { writeEncryptedExtensions } from "./messages/encrypted_extensions.ts";
import { parseFinished, writeFinished } from "./messages/finished.ts";
import { type HandshakeMessage, HandshakeType } from "./messages/handshake.ts";
import { writeNewSessionTicket } from "./messages/new_session_ticket.ts";
import { HRR_RANDOM, writeServerHello } from "./messages/server_hello.ts";
import { CipherSuite, EncryptionLevel, NamedGroup, TlsAlert } from "./session.ts";
import { sealTicket } from "./ticket.ts";
import { acceptEarlyData, type AcceptedPsk, acceptPsk } from "./server_psk.ts";
import { Transcript } from "./transcript.ts";

/** Default server suite preference: ChaCha20 first (fastest with node:crypto, see DESIGN). */
export const DEFAULT_SERVER_SUITES: readonly CipherSuite[] = [
  CipherSuite.CHACHA20_POLY1305_SHA256,
  CipherSuite.AES_128_GCM_SHA256,
  CipherSuite.AES_256_GCM_SHA384,
];

/** Default server group preference. */
export const DEFAULT_SERVER_GROUPS: readonly NamedGroup[] = [
  NamedGroup.X25519,
  NamedGroup.SECP256R1,
];

/** Lifetime of the tickets we issue, in seconds. Arbitrary: one day (the maximum is 7). */
export const TICKET_LIFETIME = 86400;

/** max_early_data_size QUIC requires in the early_data extension (RFC 9001 §4.6.1). */
const QUIC_MAX_EARLY_DATA = 0xffffffff;

const State = {
  WaitClientHello: 0,
  WaitClientHello2: 1,
  WaitFinished: 2,
  Connected: 3,
} as const;
type State = typeof State[keyof typeof State];

/** Creates a server session. */
export function createServerSession(config: TlsServerConfig): ServerSession {
  return new ServerSession(config);
}

/** A TLS 1.3 server handshake. See the module documentation for the event order. */
export class ServerSession extends BaseSession {
  readonly #config: TlsServerConfig;
  readonly #identity: CertificateIdentity;
  readonly #suites: readonly CipherSuite[];
  readonly #groups: readonly NamedGroup[];
  readonly #codepoint: number;
  readonly #transcript = new Transcript();
  #state: State = State.WaitClientHello;
  #hrrSuite: CipherSuite | null = null;
  #hrrGroup: NamedGroup | null = null;
  #clientRandom: Uint8Array = new Uint8Array(0);
  #suite: CipherSuite = CipherSuite.AES_128_GCM_SHA256;
  #hash: HashName = "sha256";
  #group: NamedGroup = NamedGroup.X25519;
  #alpn = "";
  #serverName = "";
  #resumed = false;
  #schedule: KeySchedule | null = null;
  #clientHandshakeSecret: Uint8Array = new Uint8Array(0);
  #serverHandshakeSecret: Uint8Array = new Uint8Array(0);
  #clientAppSecret: Uint8Array = new Uint8Array(0);
  #resumptionMasterSecret: Uint8Array = new Uint8Array(0);
  #ticketCount = 0;

  constructor(config: TlsServerConfig) {
    super(config.keyLog === true);
    if (config.ticketKey !== undefined && config.ticketKey.length !== 32) {
      throw new RangeError(`Cannot use ticket key: ${config.ticketKey.length} bytes, expected 32`);
    }
    this.#config = config;
    this.#identity = config.identity;
    this.#suites = config.cipherSuites ?? DEFAULT_SERVER_SUITES;
    this.#groups = (config.groups ?? DEFAULT_SERVER_GROUPS).filter(isSupportedGroup);
    this.#codepoint = config.transportParametersCodepoint ??
      ExtensionType.QUIC_TRANSPORT_PARAMETERS;
  }

  /** Nothing to do until the ClientHello arrives. */
  start(_now: number): void {}

  protected handleMessage(level: EncryptionLevel, msg: HandshakeMessage, now: number): void {
    switch (msg.type) {
      case HandshakeType.CLIENT_HELLO:
        this.expectLevel(level, EncryptionLevel.Initial, "ClientHello");
        if (this.#state !== State.WaitClientHello && this.#state !== State.WaitClientHello2) {
          throw unexpectedMessage("Cannot accept a ClientHello at this point");
        }
        return this.#onClientHello(msg, now);
      case HandshakeType.FINISHED:
        this.expectLevel(level, EncryptionLevel.Handshake, "Finished");
        if (this.#state !== State.WaitFinished) {
          throw unexpectedMessage("Cannot accept Finished at this point");
        }
        return this.#onFinished(msg);
      case HandshakeType.KEY_UPDATE:
        throw unexpectedMessage("Cannot accept a TLS KeyUpdate in QUIC");
      default:
        throw unexpectedMessage(`Cannot accept handshake message type ${msg.type} from a client`);
    }
  }

  #onClientHello(msg: HandshakeMessage, _now: number): void {
    const ch = parseClientHello(msg.body);
    const second = this.#state === State.WaitClientHello2;
    if (ch.legacySessionId.length !== 0) {
      throw TransportError.protocolViolation(
        "Cannot accept a ClientHello with a legacy_session_id in QUIC",
      );
    }
    if (ch.compressionMethods.length !== 1 || ch.compressionMethods[0] !== 0) {
      throw illegalParameter("Cannot accept ClientHello: compression methods other than null");
    }
    const exts = ch.extensions;
    const sv = exts.get(ExtensionType.SUPPORTED_VERSIONS);
    if (sv === undefined || !parseSupportedVersionsClient(sv).includes(TLS13)) {
      throw new TlsAlert(Alert.PROTOCOL_VERSION, "Cannot accept ClientHello: TLS 1.3 not offered");
    }
    if (second && exts.has(ExtensionType.EARLY_DATA)) {
      throw illegalParameter("Cannot accept a second ClientHello with early_data");
    }
    if (second && !bytesEqual(ch.random, this.#clientRandom)) {
      throw illegalParameter("Cannot accept a second ClientHello with another random");
    }
    this.#clientRandom = ch.random.slice();

    // Cipher suite: our preference among the client's (§4.1.1).
    const suite = second ? this.#hrrSuite! : this.#suites.find((s) => ch.cipherSuites.includes(s));
    if (suite === undefined) throw handshakeFailure("Cannot agree on a cipher suite");
    if (!ch.cipherSuites.includes(suite)) {
      throw illegalParameter("Cannot accept a second ClientHello without the retried cipher suite");
    }
    const hash = hashOf(suite);

    // QUIC requirements (RFC 9001 §8.1, §8.2).
    const alpnData = exts.get(ExtensionType.ALPN);
    if (alpnData === undefined) {
      throw new TlsAlert(
        Alert.NO_APPLICATION_PROTOCOL,
        "Cannot accept ClientHello: no ALPN extension",
      );
    }
    const offered = parseAlpn(alpnData);
    const alpn = this.#config.alpnProtocols.find((p) => offered.includes(p));
    if (alpn === undefined) {
      throw new TlsAlert(
        Alert.NO_APPLICATION_PROTOCOL,
        `Cannot agree on an application protocol: client offers "${offered.join(",")}"`,
      );
    }
    const clientTp = exts.get(this.#codepoint);
    if (clientTp === undefined) {
      throw missingExtension("Cannot accept ClientHello: no quic_transport_parameters");
    }
    const sni = exts.get(ExtensionType.SERVER_NAME);
    if (sni !== undefined) this.#serverName = parseServerName(sni);

    // Key exchange (§4.2.7, §4.2.8).
    const groupsData = exts.get(ExtensionType.SUPPORTED_GROUPS);
    const ksData = exts.get(ExtensionType.KEY_SHARE);
    if (groupsData === undefined || ksData === undefined) {
      throw missingExtension(
        "Cannot accept ClientHello: supported_groups and key_share are required",
      );
    }
    const clientGroups = parseU16List(groupsData, "supported_groups");
    const shares = parseKeyShareClient(ksData);
    for (const s of shares) {
      if (!clientGroups.includes(s.group)) {
        throw illegalParameter(`Cannot accept key_share: group ${s.group} not in supported_groups`);
      }
    }
    const group = second ? this.#hrrGroup! : this.#groups.find((g) => clientGroups.includes(g));
    if (group === undefined) throw handshakeFailure("Cannot agree on a key exchange group");
    const share = shares.find((s) => s.group === group);
    if (share === undefined) {
      if (second) {
        throw illegalParameter(
          "Cannot accept a second ClientHello without the requested key share",
        );
      }
      return this.#sendHelloRetryRequest(msg, suite, group);
    }

    // PSK (§4.2.11) and 0-RTT (§4.2.10).
    const psk = acceptPsk(ch, msg.raw, {
      hash,
      transcript: this.#transcript,
      ticketKey: this.#config.ticketKey,
      serverName: this.#serverName,
      nowMs: this.#config.wallClockMs(),
    });
    const earlyData = psk !== null && !second && exts.has(ExtensionType.EARLY_DATA) &&
      acceptEarlyData(psk, {
        maxEarlyData: this.#config.maxEarlyData ?? 0,
        suite,
        alpn,
        nowMs: this.#config.wallClockMs(),
      });
    if (exts.has(ExtensionType.EARLY_DATA)) {
      parseEmptyExtension(exts.get(ExtensionType.EARLY_DATA)!, "early_data");
    }

    // Signature scheme for a full handshake (§4.2.3).
    let scheme = 0;
    if (psk === null) {
      const sigData = exts.get(ExtensionType.SIGNATURE_ALGORITHMS);
      if (sigData === undefined) {
        throw missingExtension("Cannot accept ClientHello: no signature_algorithms");
      }
      const schemes = parseU16List(sigData, "signature_algorithms");
      const found = this.#identity.signatureSchemes.find((s) => schemes.includes(s));
      if (found === undefined) {
        throw handshakeFailure("Cannot agree on a signature scheme for our certificate");
      }
      scheme = found;
    }

    // The callback may throw a TransportError: let it pass before any state changes.
    const serverTp = this.#config.transportParameters(clientTp);

    this.#suite = suite;
    this.#hash = hash;
    this.#group = group;
    this.#alpn = alpn;
    this.#resumed = psk !== null;
    this.emit({ type: "transportParameters", data: clientTp.slice() });
    this.#transcript.add(msg.raw);
    this.assertDrained(EncryptionLevel.Initial);
    const ks = new KeySchedule(hash, psk?.state.psk ?? null);
    this.#schedule = ks;
    if (earlyData) {
      const secret = ks.clientEarlyTrafficSecret(this.#transcript.hash(hash));
      this.emitKeyLog("CLIENT_EARLY_TRAFFIC_SECRET", this.#clientRandom, secret);
      this.emitSecret(EncryptionLevel.ZeroRtt, "read", suite, secret);
    }
    this.#sendServerHello(share, psk);
    this.#sendServerFlight(serverTp, earlyData, scheme);
  }

  /** Sends a HelloRetryRequest asking for `group` (§4.1.4). */
  #sendHelloRetryRequest(msg: HandshakeMessage, suite: CipherSuite, group: NamedGroup): void {
    this.#transcript.add(msg.raw);
    this.#transcript.restartForHelloRetry(hashOf(suite));
    const hrr = writeServerHello({
      random: HRR_RANDOM,
      legacySessionIdEcho: new Uint8Array(0),
      cipherSuite: suite,
      extensions: [
        { type: ExtensionType.SUPPORTED_VERSIONS, data: encodeSupportedVersionsServer(TLS13) },
        { type: ExtensionType.KEY_SHARE, data: encodeKeyShareHrr(group) },
      ],
    });
    this.#transcript.add(hrr);
    this.#hrrSuite = suite;
    this.#hrrGroup = group;
    this.#state = State.WaitClientHello2;
    this.emit({ type: "data", level: EncryptionLevel.Initial, data: hrr });
  }

  #sendServerHello(clientShare: KeyShareEntry, psk: AcceptedPsk | null): void {
    const share = generateKeyShare(clientShare.group as NamedGroup, this.#config.random);
    const shared = share.computeSecret(clientShare.keyExchange);
    const random = new Uint8Array(RANDOM_LENGTH);
    this.#config.random.fill(random);
    const exts: Extension[] = [
      { type: ExtensionType.SUPPORTED_VERSIONS, data: encodeSupportedVersionsServer(TLS13) },
      {
        type: ExtensionType.KEY_SHARE,
        data: encodeKeyShareServer({ group: share.group, keyExchange: share.publicKey }),
      },
    ];
    if (psk !== null) {
      exts.push({ type: ExtensionType.PRE_SHARED_KEY, data: encodeSelectedIdentity(psk.index) });
    }
    const sh = writeServerHello({
      random,
      legacySessionIdEcho: new Uint8Array(0),
      cipherSuite: this.#suite,
      extensions: exts,
    });
    this.#transcript.add(sh);
    this.emit({ type: "data", level: EncryptionLevel.Initial, data: sh });
    const ks = this.#schedule!;
    ks.inputSharedSecret(shared);
    const helloHash = this.#transcript.hash(this.#hash);
    this.#clientHandshakeSecret = ks.clientHandshakeTrafficSecret(helloHash);
    const serverHs = ks.serverHandshakeTrafficSecret(helloHash);
    this.emitKeyLog(
      "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
      this.#clientRandom,
      this.#clientHandshakeSecret,
    );
    this.emitKeyLog("SERVER_HANDSHAKE_TRAFFIC_SECRET", this.#clientRandom, serverHs);
    this.emitSecret(EncryptionLevel.Handshake, "read", this.#suite, this.#clientHandshakeSecret);
    this.emitSecret(EncryptionLevel.Handshake, "write", this.#suite, serverHs);
    this.#serverHandshakeSecret = serverHs;
  }

  /** EncryptedExtensions, [Certificate, CertificateVerify], Finished; then the 1-RTT write secret. */
  #sendServerFlight(serverTp: Uint8Array, earlyData: boolean, scheme: number): void {
    const hash = this.#hash;
    const exts: Extension[] = [
      { type: ExtensionType.ALPN, data: encodeAlpn([this.#alpn]) },
      { type: this.#codepoint, data: serverTp },
    ];
    if (this.#serverName !== "") {
      exts.push({ type: ExtensionType.SERVER_NAME, data: new Uint8Array(0) });
    }
    if (earlyData) exts.push({ type: ExtensionType.EARLY_DATA, data: new Uint8Array(0) });
    const flight: Uint8Array[] = [];
    const ee = writeEncryptedExtensions(exts);
    this.#transcript.add(ee);
    flight.push(ee);
    if (!this.#resumed) {
      const cert = writeCertificate(new Uint8Array(0), this.#identity.chain);
      this.#transcript.add(cert);
      const content = certificateVerifyContent(true, this.#transcript.hash(hash));
      const cv = writeCertificateVerify(scheme, signHandshake(this.#identity, scheme, content));
      this.#transcript.add(cv);
      flight.push(cert, cv);
    }
    const fin = writeFinished(
      finishedVerifyData(hash, this.#serverHandshakeSecret, this.#transcript.hash(hash)),
    );
    this.#transcript.add(fin);
    flight.push(fin);
    this.emit({ type: "data", level: EncryptionLevel.Handshake, data: concatBytes(...flight) });
    const ks = this.#schedule!;
    const serverFinishedHash = this.#transcript.hash(hash);
    const serverApp = ks.serverApplicationTrafficSecret(serverFinishedHash);
    this.#clientAppSecret = ks.clientApplicationTrafficSecret(serverFinishedHash);
    this.emitKeyLog("SERVER_TRAFFIC_SECRET_0", this.#clientRandom, serverApp);
    this.emitKeyLog("CLIENT_TRAFFIC_SECRET_0", this.#clientRandom, this.#clientAppSecret);
    this.emitSecret(EncryptionLevel.OneRtt, "write", this.#suite, serverApp);
    this.#state = State.WaitFinished;
  }

  #onFinished(msg: HandshakeMessage): void {
    const hash = this.#hash;
    const verifyData = parseFinished(msg.body, hashLength(hash));
    const expected = finishedVerifyData(
      hash,
      this.#clientHandshakeSecret,
      this.#transcript.hash(hash),
    );
    if (!bytesEqual(verifyData, expected)) {
      throw decryptError("Cannot verify the client's Finished");
    }
    this.assertDrained(EncryptionLevel.Handshake);
    this.#transcript.add(msg.raw);
    this.#resumptionMasterSecret = this.#schedule!.resumptionMasterSecret(
      this.#transcript.hash(hash),
    );
    this.emitSecret(EncryptionLevel.OneRtt, "read", this.#suite, this.#clientAppSecret);
    this.#state = State.Connected;
    this.markComplete();
    this.emit({
      type: "handshakeComplete",
      alpn: this.#alpn,
      suite: this.#suite,
      group: this.#group,
      resumed: this.#resumed,
    });
  }

  /**
   * Emits a NewSessionTicket at the 1-RTT level (RFC 8446 §4.6.1). Does
   * nothing without a `ticketKey`.
   *
   * @throws {Error} before the handshake completed.
   */
  sendSessionTicket(_now: number): void {
    const key = this.#config.ticketKey;
    if (key === undefined) return;
    if (this.#state !== State.Connected) {
      throw new Error("Cannot send a session ticket before the handshake completes");
    }
    const nonce = new Uint8Array(8);
    new DataView(nonce.buffer).setUint32(4, this.#ticketCount++);
    const ageAdd = this.#config.random.u32();
    const maxEarlyData = (this.#config.maxEarlyData ?? 0) > 0 ? QUIC_MAX_EARLY_DATA : 0;
    const ticket = sealTicket(key, {
      suite: this.#suite,
      issuedAtMs: this.#config.wallClockMs(),
      lifetime: TICKET_LIFETIME,
      ageAdd,
      maxEarlyData,
      psk: resumptionPsk(this.#hash, this.#resumptionMasterSecret, nonce),
      alpn: this.#alpn,
      serverName: this.#serverName,
    }, this.#config.random);
    const exts: Extension[] = maxEarlyData > 0
      ? [{ type: ExtensionType.EARLY_DATA, data: encodeMaxEarlyData(maxEarlyData) }]
      : [];
    const nst = writeNewSessionTicket({
      lifetime: TICKET_LIFETIME,
      ageAdd,
      nonce,
      ticket,
      extensions: exts,
    });
    this.emit({ type: "data", level: EncryptionLevel.OneRtt, data: nst });
  }
}
