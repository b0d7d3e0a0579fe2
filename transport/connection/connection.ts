/**
 * A QUIC connection as a sans-IO state machine (RFC 9000, 9001, 9002).
 *
 * Time is integer microseconds (`now`, a plain number) and comes in with every
 * input; randomness comes from the config's `Random`. Nothing here touches a
 * socket or a clock.
 *
 * This file holds the state and the public API only; the work is done by its
 * neighbours (quinn's decomposition): `receive.ts` (datagram → packets →
 * frames), `send.ts` (packet assembly), `handshake.ts` (TLS glue, transport
 * parameters, versions), `close.ts` (closing and draining), `spaces.ts`,
 * `key_update.ts`, `cids.ts`, `paths.ts` (CID issuance, path validation,
 * rebinding, migration, preferred_address), `pmtud.ts` (DPLPMTUD), `timers.ts`.
 *
 * Driving it (quinn's order):
 * 1. after `receive()`, `onTimeout()` or an application call, drain
 *    `pollEvent()` and then call `pollTransmit()` until it returns `null`;
 * 2. arm a timer for `nextTimeout()` and call `onTimeout()` when it fires.
 *
 * `receive`, `pollTransmit` and `onTimeout` never throw: errors close the
 * connection and surface as a `closed` event.
 *
 * @module
 */

import type { SocketAddress } from "../address.ts";
import { initialKeys } from "../crypto/initial.ts";
import type { DirectionalKeys } from "../crypto/packet_protection.ts";
import { NewReno } from "../recovery/congestion/newreno.ts";
import type { CongestionController } from "../recovery/congestion/controller.ts";
import { LossRecovery } from "../recovery/loss.ts";
import { Pacer } from "../recovery/pacer.ts";
import { SpaceId } from "../recovery/space_id.ts";
import type { Random } from "../random.ts";
import { Streams } from "../streams/streams.ts";
import type { StreamId } from "../streams/stream_id.ts";
import type { TlsSession } from "../tls/session.ts";
import { defaultTransportParameters, type TransportParameters } from "../transport_parameters.ts";
import { QuicVersion } from "../version.ts";
import { Writer } from "../wire/writer.ts";
import { CidManager } from "./cids.ts";
import { closeLocally, closeWithError, closeWithException, enterDrained } from "./close.ts";
import {
  type ClientConnectionConfig,
  DEFAULT_DATAGRAM_SIZE,
  LOCAL_DEFAULTS,
  type ServerConnectionConfig,
  type ServerInit,
} from "./config.ts";

export { DEFAULT_DATAGRAM_SIZE, type ServerInit };
import { type ConnectionEvent, ConnectionState, fromStreamEvent } from "./events.ts";
import { createClientTls, createServerTls, drainTls } from "./handshake.ts";
import type { KeyUpdate } from "./key_update.ts";
import { receiveDatagram } from "./receive.ts";
import { onLossDetectionTimeout } from "./recovery.ts";
import { pollTransmit } from "./send.ts";
import { PacketSpace } from "./spaces.ts";
import { type ConnectionStats, snapshotStats, StatsCounters } from "./stats.ts";
import { Timer, TimerTable } from "./timers.ts";
import { Cubic } from "../recovery/congestion/cubic.ts";
import { TransportError } from "../errors.ts";
import { migrate, offerPreferredAddress, onPathValidationTimeout } from "./paths.ts";
import { BASE_PLPMTU, loopbackPlpmtu, PmtuDiscovery, pmtuProbeLimit } from "./pmtud.ts";
import {
  type Attachment,
  FrameReservations,
  Op,
  type PluginDefinition,
  ProtoopTable,
} from "../protoop/mod.ts";
import { CORE_DEFAULTS } from "./protoop_defaults.ts";
import { maxDatagramPayload, sendDatagram } from "./datagrams.ts";
import { ProtoopCongestion } from "./protoop_congestion.ts";
import { attachPluginTo, callExtern, PluginState } from "./plugin_state.ts";
import type { LossHold } from "./loss_hold.ts";
import { timersAfterClose } from "./wake_time.ts";

/**
 * A QUIC connection. Create with {@link Connection.client} or
 * {@link Connection.server}.
 *
 * Fields below the public API are shared with the neighbouring modules of
 * `transport/connection/` and are not for applications.
 */
export class Connection {
  /** True for the client side. */
  readonly isClient: boolean;
  /** Lifecycle state (see {@link ConnectionState}). */
  state: ConnectionState = ConnectionState.Handshake;
  /** The QUIC version in use (may change by compatible negotiation). */
  version: number;

  // ---- internal state, shared with receive.ts / send.ts / handshake.ts / close.ts ----
  /** @internal */ readonly config: ClientConnectionConfig | ServerConnectionConfig;
  /** @internal */ readonly random: Random;
  /** @internal */ spaces: readonly [PacketSpace, PacketSpace, PacketSpace];
  /** @internal 1-RTT keys, once both directions are installed. */ oneRtt: KeyUpdate | null = null;
  /** @internal 1-RTT secret halves waiting for their other direction. */
  pendingOneRtt: { read: DirectionalKeys | null; write: DirectionalKeys | null } = {
    read: null,
    write: null,
  };
  /** @internal client: 0-RTT write keys; server: 0-RTT read keys. */ zeroRtt:
    | DirectionalKeys
    | null = null;
  /** @internal */ readonly timers: TimerTable = new TimerTable();
  /** @internal */ loss: LossRecovery;
  /** @internal the configured controller, its signals through `congestion_algorithm_notify`. */
  readonly congestion: ProtoopCongestion;
  /** @internal */ readonly pacer: Pacer;
  /** @internal */ streams: Streams;
  /** @internal */ tls: TlsSession;
  /** @internal */ remote: SocketAddress;
  /** @internal */ readonly cids: CidManager;
  /** @internal the SCID of our long headers. */ localCid: Uint8Array;
  /** @internal the DCID of the client's very first Initial. */ originalDcid: Uint8Array;
  /** @internal the DCID Initial keys derive from (client: current; server: client's). */
  initialDcid: Uint8Array;
  /** @internal Initial read keys by version (compatible negotiation keeps the old ones). */
  readonly initialReadByVersion: Map<number, DirectionalKeys> = new Map();
  /** @internal client: the Retry SCID once a Retry was accepted. */ retryScid: Uint8Array | null =
    null;
  /** @internal client: the token from Retry, echoed in Initials. */ retryToken: Uint8Array =
    new Uint8Array(0);
  /** @internal client: a packet from the server was processed. */ receivedFromPeer = false;
  /** @internal client: the SCID of the server's first Initial. */ peerInitialScid:
    | Uint8Array
    | null = null;
  /** @internal our transport parameters. */ localParams: TransportParameters;
  /** @internal the peer's, once received. */ peerParams: TransportParameters | null = null;
  /** @internal */ peerAckDelayExponent = 3;
  /** @internal */ handshakeComplete = false;
  /** @internal */ handshakeConfirmed = false;
  /** @internal server: the client's address is validated (RFC 9000 §8.1). */ addressValidated:
    boolean;
  /** @internal bytes received/sent before address validation (anti-amplification). */
  ampReceived = 0;
  /** @internal */ ampSent = 0;
  /** @internal client: a Handshake packet was sent (Initial keys then go, RFC 9001 §4.9.1). */
  sentHandshake = false;
  /** @internal effective idle timeout (µs), 0 for none. */ idleTimeout = 0;
  /** @internal an ack-eliciting packet was sent since the last packet received. */
  sentAckElicitingSinceRecv = false;
  /** @internal the largest datagram we send. */ maxDatagramSize: number;
  /** @internal path MTU discovery, when configured. */ readonly pmtud: PmtuDiscovery | null;
  /** @internal */ readonly sendBuf: Uint8Array;
  /** @internal */ readonly writer: Writer;
  /** @internal the CONNECTION_CLOSE we send in the closing state. */
  closeFrame: { app: boolean; code: bigint; frameType: number; reason: string } | null = null;
  /** @internal re-send CONNECTION_CLOSE at the next pollTransmit. */ closeSendPending = false;
  /** @internal datagrams received while closing (rate limit, RFC 9000 §10.2.1). */
  closingReceived = 0;
  /** @internal the server accepted our 0-RTT (client) / we accepted 0-RTT (server). */
  earlyDataAccepted = false;
  /** @internal PING requested (keep-alive or API). */ pingPending = false;
  /** @internal packets that arrived before their keys (tried again when keys come). */
  readonly undecryptable: Uint8Array[] = [];
  /** @internal DATAGRAM payloads waiting to be sent (RFC 9221; never retransmitted). */
  readonly datagrams: Uint8Array[] = [];
  /** @internal when the connection started (µs). */ readonly startTime: number;
  /** @internal */ readonly counters: StatsCounters = new StatsCounters();
  /** @internal events not yet polled. */ readonly events: ConnectionEvent[] = [];
  #eventHead = 0;
  /** @internal Version Negotiation restarts the client once at most. */ versionRestarted = false;
  /** @internal the CID length of our CIDs, to parse short headers. */ readonly localCidLength:
    number;
  /** @internal data of our outstanding PATH_CHALLENGE (RFC 9000 §8.2). */
  pathChallenge: Uint8Array | null = null;
  /** @internal new PATH_CHALLENGEs left for a lost one. */ challengesLeft = 0;
  /** @internal DCID of the newest short-header packet (a peer's CID change, §9.5). */
  lastPeerDcid: Uint8Array | null = null;
  /** @internal paths moved to (rebinding or migration), for stats. */ pathChanges = 0;
  /** @internal server: the CID offered with preferred_address. */
  preferredCid: Uint8Array | null = null;
  /**
   * The local address packets go out from when it is not the driver's default
   * (a server that moved to its preferred_address); null otherwise.
   */
  localAddress: SocketAddress | null = null;
  /** @internal paths validated by PATH_RESPONSE, for stats. */ pathsValidated = 0;
  /** @internal path validations that timed out, for stats. */ pathValidationFailures = 0;
  /** @internal the last validated peer address while a new one is validated (§9.3.2). */
  validatedRemote: SocketAddress | null = null;
  /** @internal the DCID the first Initial from the client was sent to (server). */
  readonly alternativeCids: Uint8Array[] = [];
  /**
   * @internal The protoop table (DESIGN.md principle 2): core calls
   * `ops.call[Op.X](this, …)` for every step of the catalogue.
   */
  readonly ops: ProtoopTable<Connection> = new ProtoopTable<Connection>(CORE_DEFAULTS);
  /** @internal plugin frames waiting to be sent (frame reservations). */
  readonly reservations: FrameReservations = new FrameReservations(
    this.ops as ProtoopTable<never>,
  );
  /** @internal what plugins change and read beyond the table (plugin_state.ts). */
  readonly plugins: PluginState = new PluginState();
  /** @internal keeps lost packets' frames back for FEC (loss_hold.ts); null: none. */
  lossHold: LossHold | null = null;
  /**
   * Called by every application call below (it may give the connection
   * something to send or move its timers), so that an endpoint polls only
   * the connections that may have work (endpoint/schedule.ts); null: no one.
   */
  onWork: (() => void) | null = null;

  private constructor(
    isClient: boolean,
    config: ClientConnectionConfig | ServerConnectionConfig,
    remote: SocketAddress,
    version: number,
    localCid: Uint8Array,
    originalDcid: Uint8Array,
    now: number,
  ) {
    this.isClient = isClient;
    this.config = config;
    this.random = config.random;
    this.remote = remote;
    this.version = version;
    this.localCid = localCid;
    this.localCidLength = localCid.length;
    this.originalDcid = originalDcid;
    this.initialDcid = originalDcid;
    this.startTime = now;
    this.addressValidated = isClient;
    this.maxDatagramSize = config.maxDatagramSize ?? DEFAULT_DATAGRAM_SIZE;
    const loopback = config.pmtuLoopback === true && loopbackPlpmtu(remote.hostname) > 0;
    const probeLimit = pmtuProbeLimit(config.pmtuProbeLimit ?? 0, loopback, remote);
    this.pmtud = probeLimit > Math.max(this.maxDatagramSize, BASE_PLPMTU)
      ? new PmtuDiscovery(probeLimit, loopback)
      : null;
    this.sendBuf = new Uint8Array(Math.max(this.maxDatagramSize, 1200, probeLimit) + 64);
    this.writer = new Writer(this.sendBuf);
    this.localParams = {
      ...defaultTransportParameters(),
      ...LOCAL_DEFAULTS,
      ...config.transportParameters,
    };
    // Our ACK delay never exceeds max_ack_delay (RFC 9000 §13.2.1).
    this.spaces = this.#newSpaces();
    this.cids = new CidManager(this.localParams.activeConnectionIdLimit);
    const cc: CongestionController = config.congestionControl === "cubic"
      ? new Cubic(this.maxDatagramSize)
      : new NewReno(this.maxDatagramSize);
    this.congestion = new ProtoopCongestion(this, cc);
    this.loss = this.#newLoss(isClient);
    this.ops.onChange = (op) => {
      if (op === Op.CONGESTION_ALGORITHM_NOTIFY || op === Op.UPDATE_RTT) {
        this.congestion.routeLossHooks(this.loss);
      }
    };
    this.pacer = new Pacer(this.maxDatagramSize);
    this.streams = this.#newStreams();
    this.tls = null!;
    // Before the handshake starts, so that write_transport_parameter sees them.
    for (const p of config.plugins ?? []) this.attachPlugin(typeof p === "function" ? p(this) : p);
  }

  /** Loss recovery whose RTT samples and congestion signals go through the table when plugged. */
  #newLoss(isClient: boolean): LossRecovery {
    const loss = new LossRecovery({ maxAckDelay: 0, congestion: this.congestion.inner, isClient });
    this.congestion.routeLossHooks(loss);
    return loss;
  }

  /** Fresh packet number spaces; our ACK delay never exceeds max_ack_delay (RFC 9000 §13.2.1). */
  #newSpaces(): [PacketSpace, PacketSpace, PacketSpace] {
    const maxAckDelay = this.localParams.maxAckDelay * 1000;
    return [
      new PacketSpace(SpaceId.Initial, 0),
      new PacketSpace(SpaceId.Handshake, 0),
      new PacketSpace(SpaceId.Application, maxAckDelay),
    ];
  }

  /** @internal Forgets the attempt so far, for a restart in `version` after Version Negotiation. */
  resetForRestart(version: number): void {
    this.version = version;
    this.spaces = this.#newSpaces();
    this.loss = this.#newLoss(true);
    this.streams = this.#newStreams();
    this.oneRtt = null;
    this.zeroRtt = null;
    this.pendingOneRtt = { read: null, write: null };
    this.initialReadByVersion.clear();
    this.sentHandshake = false;
  }

  /** @internal A fresh `Streams` for our limits. */
  #newStreams(): Streams {
    const p = this.localParams;
    const opts: ConstructorParameters<typeof Streams>[0] = {
      isClient: this.isClient,
      local: {
        initialMaxData: p.initialMaxData,
        initialMaxStreamDataBidiLocal: p.initialMaxStreamDataBidiLocal,
        initialMaxStreamDataBidiRemote: p.initialMaxStreamDataBidiRemote,
        initialMaxStreamDataUni: p.initialMaxStreamDataUni,
        initialMaxStreamsBidi: p.initialMaxStreamsBidi,
        initialMaxStreamsUni: p.initialMaxStreamsUni,
      },
    };
    if (this.config.maxStreamWindow !== undefined) opts.maxWindow = this.config.maxStreamWindow;
    const streams = new Streams(opts);
    streams.onClosed = (id) => this.ops.call[Op.STREAM_CLOSED](this, id);
    return streams;
  }

  /**
   * Starts a client connection: the first `pollTransmit` returns the first
   * Initial datagram (padded to 1200 bytes).
   *
   * @param config Client settings.
   * @param remote The server's address.
   * @param now Current time (µs).
   */
  static client(config: ClientConnectionConfig, remote: SocketAddress, now: number): Connection {
    const random = config.random;
    const dcid = new Uint8Array(8);
    random.fill(dcid);
    const scid = new Uint8Array(config.localCidLength ?? 8);
    random.fill(scid);
    const c = new Connection(
      true,
      config,
      remote,
      config.version ?? QuicVersion.V1,
      scid,
      dcid,
      now,
    );
    if (config.token !== undefined) c.retryToken = config.token;
    c.startClient(now);
    return c;
  }

  /** @internal (Re)starts the client handshake: also used after Version Negotiation. */
  startClient(now: number): void {
    this.cids.setInitialRemote(this.originalDcid);
    this.#installInitialKeys();
    this.localParams.initialSourceConnectionId = this.localCid;
    if (this.cids.local.length === 0) this.#issueFirstCid();
    this.tls = createClientTls(this, now);
    this.tls.start(now);
    drainTls(this, now);
    this.#armIdle(now);
  }

  /**
   * Creates the server side of a connection for a client's first Initial; then
   * pass that datagram to {@link receive}.
   *
   * @param config Server settings.
   * @param init What the endpoint learnt from the client's first Initial.
   * @param now Current time (µs).
   */
  static server(config: ServerConnectionConfig, init: ServerInit, now: number): Connection {
    const c = new Connection(
      false,
      config,
      init.remote,
      init.version,
      init.localCid,
      init.originalDcid ?? init.clientDcid,
      now,
    );
    c.initialDcid = init.clientDcid;
    c.alternativeCids.push(init.clientDcid);
    c.addressValidated = init.addressValidated === true;
    c.cids.setInitialRemote(init.clientScid);
    c.#installInitialKeys();
    const first = c.#issueFirstCid();
    const p = c.localParams;
    p.originalDestinationConnectionId = c.originalDcid;
    p.initialSourceConnectionId = c.localCid;
    p.statelessResetToken = first.resetToken!;
    if (init.retryScid !== undefined) p.retrySourceConnectionId = init.retryScid;
    if (config.preferredAddress !== undefined) offerPreferredAddress(c, config.preferredAddress);
    c.tls = createServerTls(c, now);
    c.tls.start(now);
    drainTls(c, now);
    c.#armIdle(now);
    return c;
  }

  /** @internal Derives Initial keys for the current version (RFC 9001 §5.2). */
  #installInitialKeys(): void {
    const keys = initialKeys(this.version, this.initialDcid, this.isClient);
    const space = this.spaces[SpaceId.Initial];
    space.readKeys = keys.read;
    space.writeKeys = keys.write;
    this.initialReadByVersion.set(this.version, keys.read);
  }

  /** @internal Switches Initial keys to `version` (compatible negotiation, Retry). */
  reinstallInitialKeys(version: number): void {
    this.version = version;
    this.#installInitialKeys();
  }

  /** @internal Registers our first CID (sequence 0). */
  #issueFirstCid(): { cid: Uint8Array; resetToken: Uint8Array | null } {
    const token = this.resetTokenFor(this.localCid);
    const c = this.cids.addLocal(this.localCid, token);
    this.emit({ type: "localCidIssued", cid: this.localCid, resetToken: token });
    return c;
  }

  /** @internal The reset token for a CID we issue. */
  resetTokenFor(cid: Uint8Array): Uint8Array {
    if (this.config.resetTokenFor !== undefined) return this.config.resetTokenFor(cid);
    const t = new Uint8Array(16);
    this.random.fill(t);
    return t;
  }

  /** @internal Arms the idle timer from `now`. */
  #armIdle(now: number): void {
    const local = this.localParams.maxIdleTimeout * 1000;
    this.idleTimeout = local;
    if (local > 0) this.timers.set(Timer.Idle, now + local);
  }

  /** @internal Queues an event. */
  emit(e: ConnectionEvent): void {
    this.events.push(e);
  }

  // ------------------------------------------------------------------ driving

  /**
   * Processes one UDP datagram from `remote` (possibly several coalesced packets).
   * Never throws.
   */
  receive(datagram: Uint8Array, remote: SocketAddress, now: number): void {
    try {
      if (this.ops.plugged[Op.PUSH_LOG_CONTEXT] === 1) this.#pushLog("receive");
      receiveDatagram(this, datagram, remote, now);
      this.afterInput(now);
      if (this.ops.plugged[Op.POP_LOG_CONTEXT] === 1) this.ops.call[Op.POP_LOG_CONTEXT](this);
    } catch (e) {
      // receiveDatagram has the one catch for protocol errors; this is a last guard.
      closeWithException(this, e, now);
      timersAfterClose(this, now);
    }
  }

  /**
   * The next datagram to send, or `null` when there is nothing (now). The
   * returned bytes belong to the caller. `local`, when present, is the local
   * address to send from (the server's preferred_address, RFC 9000 §9.6).
   */
  pollTransmit(
    now: number,
  ): { datagram: Uint8Array; remote: SocketAddress; local?: SocketAddress } | null {
    try {
      if (this.ops.plugged[Op.PUSH_LOG_CONTEXT] === 1) this.#pushLog("pollTransmit");
      const d = pollTransmit(this, now);
      this.updateTimers(now);
      if (this.ops.plugged[Op.POP_LOG_CONTEXT] === 1) this.ops.call[Op.POP_LOG_CONTEXT](this);
      return d;
    } catch (e) {
      closeWithException(this, e, now);
      timersAfterClose(this, now);
      return null;
    }
  }

  /** The earliest time (µs) `onTimeout` should be called, `Infinity` when none. */
  nextTimeout(): number {
    if (this.state === ConnectionState.Drained) return Infinity;
    return this.timers.next();
  }

  /** Handles every timer due at `now`. Never throws. */
  onTimeout(now: number): void {
    if (this.state === ConnectionState.Drained) return;
    this.plugins.now = now;
    const logged = this.ops.plugged[Op.PUSH_LOG_CONTEXT] === 1;
    try {
      if (logged) this.#pushLog("onTimeout");
      const t = this.timers;
      if (t.isExpired(Timer.Close, now)) {
        enterDrained(this);
        this.#popLog(logged);
        return;
      }
      if (t.isExpired(Timer.Idle, now)) {
        t.stop(Timer.Idle);
        if (this.state < ConnectionState.Closing) {
          this.emit({ type: "closed", error: { kind: "timedOut" } });
        }
        enterDrained(this);
        this.#popLog(logged);
        return;
      }
      if (t.isExpired(Timer.KeyDiscard, now)) this.oneRtt?.onTimeout(now);
      if (t.isExpired(Timer.Pacing, now)) t.stop(Timer.Pacing);
      if (t.isExpired(Timer.LossHold, now)) t.stop(Timer.LossHold); // afterInput flushes
      if (t.isExpired(Timer.KeepAlive, now)) {
        t.stop(Timer.KeepAlive);
        this.pingPending = true;
      }
      if (t.isExpired(Timer.PathValidation, now)) onPathValidationTimeout(this);
      if (t.isExpired(Timer.LossDetection, now) && this.state < ConnectionState.Closing) {
        onLossDetectionTimeout(this, now);
      }
    } catch (e) {
      closeWithException(this, e, now);
    }
    try {
      this.afterInput(now);
      this.#popLog(logged);
    } catch (e) {
      closeWithException(this, e, now);
      timersAfterClose(this, now);
    }
  }

  /** The next event, or `null` when there is none. */
  pollEvent(): ConnectionEvent | null {
    if (this.#eventHead >= this.events.length) {
      if (this.#eventHead > 0) {
        this.events.length = 0;
        this.#eventHead = 0;
      }
      return null;
    }
    return this.events[this.#eventHead++]!;
  }

  /**
   * @internal Releases what the loss hold let go, moves stream events into ours
   * and re-arms timers.
   */
  afterInput(now: number): void {
    const hold = this.lossHold;
    if (hold !== null) {
      hold.flush(now);
      this.timers.set(Timer.LossHold, hold.deadline());
    }
    if (this.state < ConnectionState.Closing) this.#pullStreamEvents();
    this.updateTimers(now);
  }

  #pullStreamEvents(): void {
    for (let e = this.streams.pollEvent(); e !== null; e = this.streams.pollEvent()) {
      if (e.type === "opened") this.ops.call[Op.STREAM_OPENED](this, e.id);
      this.emit(fromStreamEvent(e));
    }
  }

  /**
   * @internal Recomputes the derived timers (loss detection, ACK delay, key
   * discard): the `set_next_wake_time` protoop.
   */
  updateTimers(now: number = this.loss.now): void {
    this.ops.call[Op.SET_NEXT_WAKE_TIME](this, now);
  }

  /** `push_log_context` for an entry point (only called when a plugin listens). */
  #pushLog(what: string): void {
    this.ops.call[Op.PUSH_LOG_CONTEXT](this, what);
  }

  /** `pop_log_context` after a `push_log_context`. */
  #popLog(pushed: boolean): void {
    if (pushed && this.ops.plugged[Op.POP_LOG_CONTEXT] === 1) {
      this.ops.call[Op.POP_LOG_CONTEXT](this);
    }
  }

  /**
   * Attaches a plugin to this connection's protoop table: all its pluglets,
   * or none (a refused one rolls the others back and throws). A client's
   * transport parameters are written when it is created: a plugin that
   * writes one goes in the config's `plugins` instead.
   *
   * @param plugin The plugin (TypeScript pluglets, or VM pluglets wrapped by `plugins/`).
   * @returns The attachment (to detach it).
   * @throws {ProtoopError} The first refusal; nothing of the plugin stays attached.
   */
  attachPlugin(plugin: PluginDefinition): Attachment {
    this.onWork?.();
    return attachPluginTo(this, plugin);
  }

  /**
   * Runs an extern protoop a plugin exported (PQUIC's
   * `protoop_prepare_and_run_extern`). A protoop error (unknown name, a core
   * protoop, recursion, a pluglet fault) closes the connection with
   * INTERNAL_ERROR and returns null; it is never thrown.
   *
   * @param name The extern's name.
   * @param args Its arguments (u64, at most 16).
   * @param now Current time (µs), for the close.
   * @param outputs Where its outputs go, if any.
   * @returns The pluglet's return value, or null when the call failed.
   */
  callExtern(
    name: string,
    args: readonly bigint[],
    now: number = this.loss.now,
    outputs?: BigUint64Array,
  ): bigint | null {
    this.onWork?.();
    return callExtern(this, name, args, now, outputs);
  }

  /** @internal Closes with INTERNAL_ERROR for an unexpected exception. */
  internalError(e: unknown, now: number): void {
    const msg = e instanceof Error ? e.message : String(e);
    closeWithError(this, TransportError.internal(`Internal error: ${msg}`), now);
  }

  // ------------------------------------------------------------------ application API

  /** Opens a stream; `null` when the peer's stream limit blocks (STREAMS_BLOCKED is sent). */
  openStream(bidi: boolean): StreamId | null {
    this.onWork?.();
    if (this.state >= ConnectionState.Closing) return null;
    const id = this.streams.open(bidi);
    if (id !== null) {
      try {
        this.ops.call[Op.STREAM_OPENED](this, id);
      } catch (e) {
        closeWithException(this, e, this.loss.now);
        timersAfterClose(this, this.loss.now);
      }
    }
    return id;
  }

  /** Queues `data` on stream `id`; returns the bytes accepted (the send buffer is capped). */
  write(id: StreamId, data: Uint8Array, fin = false): number {
    this.onWork?.();
    if (this.state >= ConnectionState.Closing) return 0;
    return this.streams.write(id, data, fin);
  }

  /** Ends stream `id` after what was written. */
  finish(id: StreamId): void {
    this.onWork?.();
    if (this.state < ConnectionState.Closing) this.streams.finish(id);
  }

  /** Reads from stream `id`; `null` when nothing is ready (or the stream is gone). */
  read(id: StreamId, max?: number): { data: Uint8Array; fin: boolean } | null {
    if (!this.streams.has(id)) return null;
    this.onWork?.();
    const r = this.streams.read(id, max);
    this.#pullStreamEvents();
    return r;
  }

  /** Abandons sending on stream `id` (RESET_STREAM). */
  resetStream(id: StreamId, code: bigint): void {
    this.onWork?.();
    if (this.state < ConnectionState.Closing) this.streams.reset(id, code);
  }

  /** Asks the peer to stop sending on stream `id` (STOP_SENDING). */
  stopSending(id: StreamId, code: bigint): void {
    this.onWork?.();
    if (this.state < ConnectionState.Closing) this.streams.stopSending(id, code);
  }

  /**
   * Queues an unreliable DATAGRAM (RFC 9221), natively or through an attached
   * datagram plugin (datagrams.ts). Returns false when the peer did not allow
   * DATAGRAM frames or `data` is larger than it allows ({@link maxDatagramPayload}).
   */
  sendDatagram(data: Uint8Array): boolean {
    this.onWork?.();
    return sendDatagram(this, data);
  }

  /** The largest datagram payload {@link sendDatagram} takes now (0: none). */
  get maxDatagramPayload(): number {
    return maxDatagramPayload(this);
  }

  /** Sends a PING (e.g. to test liveness). */
  ping(): void {
    this.onWork?.();
    this.pingPending = true;
  }

  /**
   * Closes the connection with an application error code (0 for a clean close).
   * A `closed` event with `localClose` follows, then `drained` after 3×PTO.
   */
  close(code: bigint, reason: string, now: number): void {
    this.onWork?.();
    try {
      closeLocally(this, code, reason, now);
    } catch (e) {
      closeWithException(this, e, now);
    }
    timersAfterClose(this, now);
  }

  /**
   * Starts a 1-RTT key update (RFC 9001 §6). Returns false when not allowed
   * yet: before handshake confirmation, or while the previous update is
   * unacknowledged.
   */
  initiateKeyUpdate(): boolean {
    this.onWork?.();
    if (!this.handshakeConfirmed || this.oneRtt === null) return false;
    if (this.state !== ConnectionState.Established) return false;
    return this.oneRtt.initiate();
  }

  /**
   * Client: moves to a new local address (RFC 9000 §9.2), as after binding a
   * new socket: the next packets use a new peer CID and probe the path with
   * PATH_CHALLENGE; congestion control starts afresh. The caller sends from
   * the new address. Returns false when not possible (handshake not
   * confirmed, no spare peer CID, or the peer disabled active migration).
   */
  migrate(): boolean {
    this.onWork?.();
    if (this.state !== ConnectionState.Established) return false;
    try {
      return migrate(this);
    } catch (e) {
      closeWithException(this, e, this.loss.now);
      timersAfterClose(this, this.loss.now);
      return false;
    }
  }

  /** The peer's transport parameters, once received. */
  get remoteTransportParameters(): TransportParameters | null {
    return this.peerParams;
  }

  /** True once the handshake is confirmed (RFC 9001 §4.1.2). */
  get isHandshakeConfirmed(): boolean {
    return this.handshakeConfirmed;
  }

  /** A snapshot of the statistics. */
  stats(): ConnectionStats {
    return snapshotStats(this);
  }
}
