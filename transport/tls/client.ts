/**
 * The TLS 1.3 client for QUIC (RFC 8446 §2, RFC 9001 §4).
 *
 * ```
 * start()            -> data(Initial: ClientHello)
 *                       [secret(0-RTT write), with a ticket that allows it]
 * HelloRetryRequest  -> data(Initial: ClientHello2)
 * ServerHello        -> secret(Handshake read), secret(Handshake write)
 * EncryptedExtensions-> transportParameters, [earlyData]
 * Certificate, CertificateVerify (skipped when resuming)
 * Finished           -> secret(1-RTT read), secret(1-RTT write),
 *                       data(Handshake: Finished), handshakeComplete
 * NewSessionTicket   -> sessionTicket
 * ```
 *
 * Only psk_dhe_ke resumption (a fresh key share even when resuming). No client
 * certificates: a CertificateRequest is refused with unexpected_message. No
 * record layer, no ChangeCipherSpec, an empty legacy_session_id (RFC 9001
 * §8.4), no EndOfEarlyData (§8.3), and KeyUpdate is refused (§6).
 *
 * `SessionTicket.receivedAt` is wall-clock microseconds (`wallClockMs() * 1000`),
 * so that ticket ages work across connections.
 *
 * @module
 */

import {
  leafPublicKey,
  type PeerPublicKey,
  verifyCertificateChain,
  verifyHandshakeSignature,
} from "../crypto/certificates.ts";
import { hashLength, type HashName, hashOf } from "../crypto/hkdf.ts";
import { TransportError } from "../errors.ts";
import {
  Alert,
  decodeError,
  decryptError,
  illegalParameter,
  missingExtension,
  unexpectedMessage,
} from "./alert.ts";
import { BaseSession } from "./_base_session.ts";
import type { TlsClientConfig } from "./config.ts";
import {
  ExtensionType,
  parseAlpn,
  parseCookie,
  parseKeyShareHrr,
  parseKeyShareServer,
  parseMaxEarlyData,
  parseSelectedIdentity,
  parseSupportedVersionsServer,
  TLS13,
} from "./extensions.ts";
import { generateKeyShare, isSupportedGroup, type KeyShare } from "./key_exchange.ts";
import { finishedVerifyData, KeySchedule, resumptionPsk } from "./key_schedule.ts";
import { parseCertificate } from "./messages/certificate.ts";
import { certificateVerifyContent, parseCertificateVerify } from "./messages/certificate_verify.ts";
import { RANDOM_LENGTH } from "./messages/client_hello.ts";
import { buildClientHello, isIpLiteral } from "./client_hello_builder.ts";
import { bytesEqual } from "./messages/codec.ts";
import { parseEncryptedExtensions } from "./messages/encrypted_extensions.ts";
import { parseFinished, writeFinished } from "./messages/finished.ts";
import { type HandshakeMessage, HandshakeType } from "./messages/handshake.ts";
import { parseNewSessionTicket } from "./messages/new_session_ticket.ts";
import { parseServerHello, type ServerHello } from "./messages/server_hello.ts";
import {
  CipherSuite,
  EncryptionLevel,
  NamedGroup,
  type SessionTicket,
  TlsAlert,
} from "./session.ts";
import { Transcript } from "./transcript.ts";

/** The only max_early_data_size QUIC allows (RFC 9001 §4.6.1). */
const QUIC_MAX_EARLY_DATA = 0xffffffff;

/** Default offered suites, in preference order. */
export const DEFAULT_CLIENT_SUITES: readonly CipherSuite[] = [
  CipherSuite.AES_128_GCM_SHA256,
  CipherSuite.AES_256_GCM_SHA384,
  CipherSuite.CHACHA20_POLY1305_SHA256,
];

/** Default supported groups, in preference order. */
export const DEFAULT_GROUPS: readonly NamedGroup[] = [NamedGroup.X25519, NamedGroup.SECP256R1];

/** Signature schemes we offer (those certificates.ts verifies). */
export const OFFERED_SIGNATURE_SCHEMES: readonly number[] = [
  0x0403, // ecdsa_secp256r1_sha256
  0x0807, // ed25519
  0x0804, // rsa_pss_rsae_sha256
  0x0805, // rsa_pss_rsae_sha384
  0x0806, // rsa_pss_rsae_sha512
  0x0809, // rsa_pss_pss_sha256
  0x0503, // ecdsa_secp384r1_sha384
];

const State = {
  Start: 0,
  WaitServerHello: 1,
  WaitEncryptedExtensions: 2,
  WaitCertificate: 3,
  WaitCertificateVerify: 4,
  WaitFinished: 5,
  Connected: 6,
} as const;
type State = typeof State[keyof typeof State];

/** Creates a client session. */
export function createClientSession(config: TlsClientConfig): ClientSession {
  return new ClientSession(config);
}

/** A TLS 1.3 client handshake. See the module documentation for the event order. */
export class ClientSession extends BaseSession {
  readonly #config: TlsClientConfig;
  readonly #suites: readonly CipherSuite[];
  readonly #groups: readonly NamedGroup[];
  readonly #codepoint: number;
  readonly #random = new Uint8Array(RANDOM_LENGTH);
  readonly #transcript = new Transcript();
  #state: State = State.Start;
  #keyShares = new Map<number, KeyShare>();
  /** The ticket offered in the current ClientHello, if any. */
  #ticket: SessionTicket | null = null;
  #earlyDataAttempted = false;
  #sentServerName = false;
  #cookie: Uint8Array | null = null;
  #hrrSuite: CipherSuite | null = null;
  #suite: CipherSuite = CipherSuite.AES_128_GCM_SHA256;
  #hash: HashName = "sha256";
  #group: NamedGroup = NamedGroup.X25519;
  #schedule: KeySchedule | null = null;
  #clientHandshakeSecret: Uint8Array = new Uint8Array(0);
  #serverHandshakeSecret: Uint8Array = new Uint8Array(0);
  #resumed = false;
  #alpn = "";
  #peerKey: PeerPublicKey | null = null;
  #serverTransportParameters: Uint8Array = new Uint8Array(0);
  #resumptionMasterSecret: Uint8Array = new Uint8Array(0);

  constructor(config: TlsClientConfig) {
    super(config.keyLog === true);
    if (config.alpnProtocols.length === 0) {
      throw new TypeError("Cannot create a QUIC TLS client without ALPN protocols (RFC 9001 §8.1)");
    }
    this.#config = config;
    this.#suites = config.cipherSuites ?? DEFAULT_CLIENT_SUITES;
    this.#groups = (config.groups ?? DEFAULT_GROUPS).filter(isSupportedGroup);
    this.#codepoint = config.transportParametersCodepoint ??
      ExtensionType.QUIC_TRANSPORT_PARAMETERS;
  }

  /** Sends the ClientHello (and installs the 0-RTT write secret when resuming with early data). */
  start(_now: number): void {
    if (this.#state !== State.Start) throw new Error("Cannot start a TLS client twice");
    this.#config.random.fill(this.#random);
    for (const g of this.#config.keyShareGroups ?? [NamedGroup.X25519]) {
      if (!this.#groups.includes(g)) continue;
      this.#keyShares.set(g, generateKeyShare(g, this.#config.random));
    }
    // An explicit empty list sends an empty client_shares (RFC 8446 §4.2.8): the server must
    // answer with a HelloRetryRequest naming its group (picoquicdemo's -z, "zero share").
    const zeroShare = this.#config.keyShareGroups?.length === 0;
    if (this.#keyShares.size === 0 && this.#groups.length > 0 && !zeroShare) {
      const g = this.#groups[0]!;
      this.#keyShares.set(g, generateKeyShare(g, this.#config.random));
    }
    this.#ticket = this.#usableTicket(null);
    const t = this.#ticket;
    this.#earlyDataAttempted = t !== null && this.#config.enableEarlyData === true &&
      t.maxEarlyData > 0 && this.#config.alpnProtocols.includes(t.alpn);
    const ch = this.#writeClientHello();
    this.#transcript.add(ch);
    this.emit({ type: "data", level: EncryptionLevel.Initial, data: ch });
    if (this.#earlyDataAttempted && t !== null) {
      const ks = new KeySchedule(hashOf(t.suite), t.psk);
      const secret = ks.clientEarlyTrafficSecret(this.#transcript.hash(ks.hash));
      this.emitKeyLog("CLIENT_EARLY_TRAFFIC_SECRET", this.#random, secret);
      this.emitSecret(EncryptionLevel.ZeroRtt, "write", t.suite, secret);
    }
    this.#state = State.WaitServerHello;
  }

  /** The session ticket to offer, or null when none fits. */
  #usableTicket(hrrSuite: CipherSuite | null): SessionTicket | null {
    const t = this.#config.sessionTicket;
    if (t === undefined || t.serverName !== this.#config.serverName) return null;
    if (!this.#suites.includes(t.suite)) return null;
    if (hrrSuite !== null && hashOf(hrrSuite) !== hashOf(t.suite)) return null;
    const ageMs = this.#config.wallClockMs() - t.receivedAt / 1000;
    if (ageMs < 0 || ageMs > t.lifetime * 1000) return null;
    return t;
  }

  #writeClientHello(): Uint8Array {
    const c = this.#config;
    this.#sentServerName = c.serverName !== "" && !isIpLiteral(c.serverName);
    return buildClientHello({
      random: this.#random,
      cipherSuites: this.#suites,
      serverName: this.#sentServerName ? c.serverName : null,
      groups: this.#groups,
      keyShares: [...this.#keyShares.values()],
      signatureSchemes: OFFERED_SIGNATURE_SCHEMES,
      alpnProtocols: c.alpnProtocols,
      transportParameters: { codepoint: this.#codepoint, data: c.transportParameters },
      cookie: this.#cookie,
      earlyData: this.#earlyDataAttempted && this.#hrrSuite === null,
      ticket: this.#ticket,
      nowMs: c.wallClockMs(),
      transcript: this.#transcript,
    });
  }

  protected handleMessage(level: EncryptionLevel, msg: HandshakeMessage, now: number): void {
    switch (msg.type) {
      case HandshakeType.SERVER_HELLO:
        this.expectLevel(level, EncryptionLevel.Initial, "ServerHello");
        if (this.#state !== State.WaitServerHello) {
          throw unexpectedMessage("Cannot accept a second ServerHello");
        }
        return this.#onServerHello(msg);
      case HandshakeType.ENCRYPTED_EXTENSIONS:
        this.#expect(level, State.WaitEncryptedExtensions, "EncryptedExtensions");
        return this.#onEncryptedExtensions(msg);
      case HandshakeType.CERTIFICATE:
        this.#expect(level, State.WaitCertificate, "Certificate");
        return this.#onCertificate(msg);
      case HandshakeType.CERTIFICATE_VERIFY:
        this.#expect(level, State.WaitCertificateVerify, "CertificateVerify");
        return this.#onCertificateVerify(msg);
      case HandshakeType.FINISHED:
        this.#expect(level, State.WaitFinished, "Finished");
        return this.#onFinished(msg);
      case HandshakeType.NEW_SESSION_TICKET:
        this.expectLevel(level, EncryptionLevel.OneRtt, "NewSessionTicket");
        if (this.#state !== State.Connected) {
          throw unexpectedMessage("Cannot accept a ticket before Finished");
        }
        return this.#onNewSessionTicket(msg, now);
      case HandshakeType.KEY_UPDATE:
        // RFC 9001 §6: QUIC replaces KeyUpdate.
        throw unexpectedMessage("Cannot accept a TLS KeyUpdate in QUIC");
      case HandshakeType.CERTIFICATE_REQUEST:
        throw unexpectedMessage(
          "Cannot answer a CertificateRequest: client certificates are not supported",
        );
      default:
        throw unexpectedMessage(`Cannot accept handshake message type ${msg.type} at this point`);
    }
  }

  #expect(level: EncryptionLevel, state: State, what: string): void {
    this.expectLevel(level, EncryptionLevel.Handshake, what);
    if (this.#state !== state) throw unexpectedMessage(`Cannot accept ${what} at this point`);
  }

  #onServerHello(msg: HandshakeMessage): void {
    const sh = parseServerHello(msg.body);
    if (sh.legacySessionIdEcho.length !== 0) {
      throw illegalParameter("Cannot accept ServerHello: legacy_session_id_echo differs from ours");
    }
    if (!this.#suites.includes(sh.cipherSuite as CipherSuite)) {
      throw illegalParameter(
        `Cannot accept ServerHello: cipher suite 0x${sh.cipherSuite.toString(16)} not offered`,
      );
    }
    const sv = sh.extensions.get(ExtensionType.SUPPORTED_VERSIONS);
    if (sv === undefined) {
      throw new TlsAlert(
        Alert.PROTOCOL_VERSION,
        "Cannot accept ServerHello: server did not select TLS 1.3",
      );
    }
    if (parseSupportedVersionsServer(sv) !== TLS13) {
      throw illegalParameter("Cannot accept ServerHello: selected version is not TLS 1.3");
    }
    if (sh.isHelloRetryRequest) return this.#onHelloRetryRequest(sh, msg);
    const suite = sh.cipherSuite as CipherSuite;
    if (this.#hrrSuite !== null && suite !== this.#hrrSuite) {
      throw illegalParameter(
        "Cannot accept ServerHello: cipher suite differs from HelloRetryRequest's",
      );
    }
    const ksData = sh.extensions.get(ExtensionType.KEY_SHARE);
    if (ksData === undefined) {
      throw missingExtension("Cannot accept ServerHello: no key_share (psk_ke is not offered)");
    }
    const entry = parseKeyShareServer(ksData);
    const share = this.#keyShares.get(entry.group);
    if (share === undefined) {
      throw illegalParameter(
        `Cannot accept ServerHello: key_share for group ${entry.group} not offered`,
      );
    }
    const pskData = sh.extensions.get(ExtensionType.PRE_SHARED_KEY);
    let psk: Uint8Array | null = null;
    if (pskData !== undefined) {
      const t = this.#ticket;
      if (t === null) {
        throw illegalParameter("Cannot accept ServerHello: pre_shared_key not offered");
      }
      if (parseSelectedIdentity(pskData) !== 0) {
        throw illegalParameter("Cannot accept ServerHello: selected PSK identity out of range");
      }
      if (hashOf(t.suite) !== hashOf(suite)) {
        throw illegalParameter("Cannot accept ServerHello: suite hash differs from the PSK's");
      }
      psk = t.psk;
      this.#resumed = true;
    }
    this.#suite = suite;
    this.#hash = hashOf(suite);
    this.#group = share.group;
    this.assertDrained(EncryptionLevel.Initial);
    this.#transcript.add(msg.raw);
    const ks = new KeySchedule(this.#hash, psk);
    ks.inputSharedSecret(share.computeSecret(entry.keyExchange));
    this.#schedule = ks;
    const helloHash = this.#transcript.hash(this.#hash);
    this.#clientHandshakeSecret = ks.clientHandshakeTrafficSecret(helloHash);
    this.#serverHandshakeSecret = ks.serverHandshakeTrafficSecret(helloHash);
    this.emitKeyLog("SERVER_HANDSHAKE_TRAFFIC_SECRET", this.#random, this.#serverHandshakeSecret);
    this.emitKeyLog("CLIENT_HANDSHAKE_TRAFFIC_SECRET", this.#random, this.#clientHandshakeSecret);
    this.emitSecret(EncryptionLevel.Handshake, "read", suite, this.#serverHandshakeSecret);
    this.emitSecret(EncryptionLevel.Handshake, "write", suite, this.#clientHandshakeSecret);
    this.#state = State.WaitEncryptedExtensions;
  }

  #onHelloRetryRequest(hrr: ServerHello, msg: HandshakeMessage): void {
    if (this.#hrrSuite !== null) {
      throw unexpectedMessage("Cannot accept a second HelloRetryRequest");
    }
    const suite = hrr.cipherSuite as CipherSuite;
    const ksData = hrr.extensions.get(ExtensionType.KEY_SHARE);
    const cookieData = hrr.extensions.get(ExtensionType.COOKIE);
    if (ksData === undefined && cookieData === undefined) {
      throw illegalParameter(
        "Cannot accept HelloRetryRequest: it would not change the ClientHello",
      );
    }
    if (ksData !== undefined) {
      const group = parseKeyShareHrr(ksData);
      if (!this.#groups.includes(group as NamedGroup)) {
        throw illegalParameter(`Cannot accept HelloRetryRequest: group ${group} not supported`);
      }
      if (this.#keyShares.has(group)) {
        throw illegalParameter(
          `Cannot accept HelloRetryRequest: group ${group} already has a key share`,
        );
      }
      this.#keyShares = new Map([[
        group,
        generateKeyShare(group as NamedGroup, this.#config.random),
      ]]);
    }
    if (cookieData !== undefined) this.#cookie = parseCookie(cookieData);
    this.assertDrained(EncryptionLevel.Initial);
    this.#hrrSuite = suite;
    this.#transcript.restartForHelloRetry(hashOf(suite));
    this.#transcript.add(msg.raw);
    this.#ticket = this.#usableTicket(suite);
    const ch2 = this.#writeClientHello();
    this.#transcript.add(ch2);
    this.emit({ type: "data", level: EncryptionLevel.Initial, data: ch2 });
  }

  #onEncryptedExtensions(msg: HandshakeMessage): void {
    const exts = parseEncryptedExtensions(msg.body);
    const sent = new Set<number>([
      ExtensionType.SUPPORTED_GROUPS,
      ExtensionType.ALPN,
      this.#codepoint,
    ]);
    if (this.#earlyDataAttempted && this.#hrrSuite === null) sent.add(ExtensionType.EARLY_DATA);
    if (this.#sentServerName) sent.add(ExtensionType.SERVER_NAME);
    for (const type of exts.keys()) {
      if (!sent.has(type)) {
        throw new TlsAlert(
          Alert.UNSUPPORTED_EXTENSION,
          `Cannot accept EncryptedExtensions: unrequested extension ${type}`,
        );
      }
    }
    const alpnData = exts.get(ExtensionType.ALPN);
    if (alpnData === undefined) {
      throw new TlsAlert(
        Alert.NO_APPLICATION_PROTOCOL,
        "Cannot complete handshake: server selected no ALPN protocol",
      );
    }
    const alpn = parseAlpn(alpnData);
    if (alpn.length !== 1 || !this.#config.alpnProtocols.includes(alpn[0]!)) {
      throw illegalParameter(`Cannot accept ALPN "${alpn.join(",")}": not one protocol we offered`);
    }
    this.#alpn = alpn[0]!;
    const tp = exts.get(this.#codepoint);
    if (tp === undefined) {
      throw missingExtension(
        "Cannot complete handshake: no quic_transport_parameters from the server",
      );
    }
    this.#serverTransportParameters = tp.slice();
    const early = exts.get(ExtensionType.EARLY_DATA);
    if (early !== undefined && early.length !== 0) {
      throw decodeError("Cannot parse early_data: not empty");
    }
    if (early !== undefined && (!this.#resumed || this.#ticket?.alpn !== this.#alpn)) {
      throw illegalParameter(
        "Cannot accept early_data: the PSK and ALPN of the ticket were not used",
      );
    }
    this.#transcript.add(msg.raw);
    this.emit({ type: "transportParameters", data: this.#serverTransportParameters });
    if (this.#earlyDataAttempted) this.emit({ type: "earlyData", accepted: early !== undefined });
    this.#state = this.#resumed ? State.WaitFinished : State.WaitCertificate;
  }

  #onCertificate(msg: HandshakeMessage): void {
    const cert = parseCertificate(msg.body);
    if (cert.requestContext.length !== 0) {
      throw illegalParameter("Cannot accept server Certificate: non-empty request context");
    }
    if (cert.chain.length === 0) throw decodeError("Cannot accept an empty server Certificate");
    const chain = [...cert.chain];
    try {
      this.#peerKey = this.#config.insecureSkipVerify === true
        ? leafPublicKey(chain[0]!)
        : verifyCertificateChain(chain, {
          serverName: this.#config.serverName,
          trustAnchors: this.#config.trustAnchors,
          nowMs: this.#config.wallClockMs(),
        });
    } catch (e) {
      if (e instanceof TlsAlert) throw e;
      // The X.509 parser throws plain errors on malformed DER.
      throw new TlsAlert(
        Alert.BAD_CERTIFICATE,
        `Cannot parse the server certificate: ${String(e)}`,
      );
    }
    this.#transcript.add(msg.raw);
    this.#state = State.WaitCertificateVerify;
  }

  #onCertificateVerify(msg: HandshakeMessage): void {
    const cv = parseCertificateVerify(msg.body);
    if (!OFFERED_SIGNATURE_SCHEMES.includes(cv.scheme)) {
      throw illegalParameter(
        `Cannot accept CertificateVerify: scheme 0x${cv.scheme.toString(16)} not offered`,
      );
    }
    const content = certificateVerifyContent(true, this.#transcript.hash(this.#hash));
    let ok = false;
    try {
      ok = verifyHandshakeSignature(this.#peerKey!, cv.scheme, content, cv.signature);
    } catch {
      ok = false; // a malformed signature is a signature that does not verify
    }
    if (!ok) {
      throw decryptError("Cannot verify the server's CertificateVerify signature");
    }
    this.#transcript.add(msg.raw);
    this.#state = State.WaitFinished;
  }

  #onFinished(msg: HandshakeMessage): void {
    const hash = this.#hash;
    const verifyData = parseFinished(msg.body, hashLength(hash));
    const expected = finishedVerifyData(
      hash,
      this.#serverHandshakeSecret,
      this.#transcript.hash(hash),
    );
    if (!bytesEqual(verifyData, expected)) {
      throw decryptError("Cannot verify the server's Finished");
    }
    this.assertDrained(EncryptionLevel.Handshake);
    this.#transcript.add(msg.raw);
    const ks = this.#schedule!;
    const serverFinishedHash = this.#transcript.hash(hash);
    const clientApp = ks.clientApplicationTrafficSecret(serverFinishedHash);
    const serverApp = ks.serverApplicationTrafficSecret(serverFinishedHash);
    const finished = writeFinished(
      finishedVerifyData(hash, this.#clientHandshakeSecret, serverFinishedHash),
    );
    this.#transcript.add(finished);
    this.#resumptionMasterSecret = ks.resumptionMasterSecret(this.#transcript.hash(hash));
    this.emitKeyLog("SERVER_TRAFFIC_SECRET_0", this.#random, serverApp);
    this.emitKeyLog("CLIENT_TRAFFIC_SECRET_0", this.#random, clientApp);
    this.emitSecret(EncryptionLevel.OneRtt, "read", this.#suite, serverApp);
    this.emitSecret(EncryptionLevel.OneRtt, "write", this.#suite, clientApp);
    this.emit({ type: "data", level: EncryptionLevel.Handshake, data: finished });
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

  #onNewSessionTicket(msg: HandshakeMessage, _now: number): void {
    const nst = parseNewSessionTicket(msg.body);
    const early = nst.extensions.get(ExtensionType.EARLY_DATA);
    const maxEarlyData = early === undefined ? 0 : parseMaxEarlyData(early);
    if (maxEarlyData !== 0 && maxEarlyData !== QUIC_MAX_EARLY_DATA) {
      // RFC 9001 §4.6.1.
      throw TransportError.protocolViolation(
        `Cannot accept a ticket with max_early_data_size ${maxEarlyData}: QUIC requires 0xffffffff`,
      );
    }
    if (nst.lifetime === 0) return; // §4.6.1: discard at once
    this.emit({
      type: "sessionTicket",
      ticket: {
        serverName: this.#config.serverName,
        alpn: this.#alpn,
        suite: this.#suite,
        ticket: nst.ticket.slice(),
        psk: resumptionPsk(this.#hash, this.#resumptionMasterSecret, nst.nonce),
        ticketAgeAdd: nst.ageAdd,
        lifetime: nst.lifetime,
        receivedAt: this.#config.wallClockMs() * 1000,
        maxEarlyData,
        transportParameters: this.#serverTransportParameters,
      },
    });
  }
}
