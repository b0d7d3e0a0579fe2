/**
 * The endpoint: one UDP socket's worth of QUIC, sans-IO (quinn's `Endpoint`).
 *
 * It owns what no single connection can decide (RFC 9000 §5.2, §6, §8.1, §10.3):
 * - routing datagrams to connections by destination connection ID;
 * - accepting new server connections from client Initials (in datagrams of at
 *   least 1200 bytes, §14.1), optionally after address validation by Retry;
 * - answering unknown versions with Version Negotiation (§6.1);
 * - answering short-header packets for unknown connections with a stateless
 *   reset (§10.3), smaller than what triggered it so that two endpoints
 *   cannot loop.
 *
 * Connections report their routing changes as events (`localCidIssued`,
 * `localCidRetired`, `drained`), which the endpoint consumes; every other
 * connection event is handed to the application through {@link Endpoint.pollEvent}.
 * Drive it like a connection: after each {@link Endpoint.handle} or
 * {@link Endpoint.onTimeout}, drain {@link Endpoint.pollTransmit} and
 * {@link Endpoint.pollEvent}, then sleep until {@link Endpoint.nextTimeout}.
 *
 * It scales with the number of connections (schedule.ts): `pollTransmit`
 * polls only the connections touched since they last had nothing to send (a
 * datagram or a timer went to them, or the application called them, which
 * they report through `Connection.onWork`), timers sit in a heap keyed by
 * each connection's `nextTimeout()`, and the endpoint's own datagrams and
 * events wait in O(1) queues.
 *
 * @module
 */

import type { SocketAddress } from "../address.ts";
import { Connection } from "../connection/connection.ts";
import type { ClientConnectionConfig, ServerConnectionConfig } from "../connection/config.ts";
import type { ConnectionEvent } from "../connection/events.ts";
import { retryIntegrityTag } from "../crypto/retry.ts";
import {
  MIN_STATELESS_RESET_SIZE,
  PacketType,
  parsePacketHeader,
  UnsupportedVersionError,
  writeRetry,
  writeStatelessReset,
  writeVersionNegotiation,
} from "../packet/header.ts";
import type { Random } from "../random.ts";
import { SUPPORTED_VERSIONS } from "../version.ts";
import { Fifo } from "./fifo.ts";
import { ConnectionSchedule, type ScheduleEntry } from "./schedule.ts";
import { TokenKeys, TokenKind } from "./tokens.ts";

type Entry = ScheduleEntry<Connection>;

/** Smallest datagram that may carry a client's first Initial (RFC 9000 §14.1). */
export const MIN_INITIAL_DATAGRAM = 1200;

/** Endpoint settings. */
export interface EndpointConfig {
  /** Randomness for CIDs, tokens and the padding of resets. */
  readonly random: Random;
  /**
   * 32 bytes from which stateless-reset and Retry-token keys derive. Keep it
   * across restarts to reset peers of connections lost in a crash. Default: random.
   */
  readonly secret?: Uint8Array;
  /** Length of the connection IDs we issue (default 8; 0 is not supported). */
  readonly localCidLength?: number;
  /** Accepting connections: the server configuration. Absent: a client-only endpoint. */
  readonly server?: Omit<ServerConnectionConfig, "random" | "resetTokenFor">;
  /**
   * Validate client addresses with a Retry before creating state (RFC 9000 §8.1.2);
   * clients with a NEW_TOKEN token from an earlier connection skip it (§8.1.3).
   */
  readonly retry?: boolean;
  /** Versions we accept for new connections (default: all we speak). */
  readonly versions?: readonly number[];
  /** Most connections at once; further Initials are dropped (default 10,000). */
  readonly maxConnections?: number;
  /** Most stateless resets per second of virtual time (default 100). */
  readonly maxResetsPerSecond?: number;
  /**
   * Told why a client's first Initial was dropped when its connection could
   * not be created — a plugin of `server.plugins` refused to attach (a
   * replace conflict) or faulted in the constructor. The endpoint goes on.
   */
  readonly onRefused?: (error: unknown) => void;
}

/** What the endpoint reports to the application. */
export type EndpointEvent =
  /** A server connection was accepted (its handshake has begun). */
  | { readonly type: "accepted"; readonly connection: Connection }
  /** An event of one connection. */
  | {
    readonly type: "connection";
    readonly connection: Connection;
    readonly event: ConnectionEvent;
  };

/** Counters, for logs and tests. */
export interface EndpointStats {
  datagramsIn: number;
  dropped: number;
  versionNegotiationsSent: number;
  retriesSent: number;
  statelessResetsSent: number;
  accepted: number;
  /** Connections whose NEW_TOKEN token validated the address. */
  newTokensAccepted: number;
  /** Client Initials dropped because the connection could not be created (a plugin refused). */
  refused: number;
}

/** A datagram to send; `local`, when set, is the address to send it from (preferred_address). */
interface Transmit {
  readonly datagram: Uint8Array;
  readonly remote: SocketAddress;
  readonly local?: SocketAddress;
}

/** Turns CID bytes into a Map key without hex formatting. */
function cidKey(cid: Uint8Array): string {
  // apply, not spread: spreading a typed array goes through its iterator.
  return String.fromCharCode.apply(null, cid as unknown as number[]);
}

/** A QUIC endpoint: many connections behind one address. */
export class Endpoint {
  readonly stats: EndpointStats = {
    datagramsIn: 0,
    dropped: 0,
    versionNegotiationsSent: 0,
    retriesSent: 0,
    statelessResetsSent: 0,
    accepted: 0,
    newTokensAccepted: 0,
    refused: 0,
  };
  readonly #config: EndpointConfig;
  readonly #random: Random;
  readonly #tokens: TokenKeys;
  readonly #cidLength: number;
  readonly #versions: readonly number[];
  readonly #routes = new Map<string, Entry>();
  readonly #connections = new Set<Connection>();
  readonly #entries = new Map<Connection, Entry>();
  readonly #schedule = new ConnectionSchedule<Connection>();
  /** Scratch list of the connections whose timers are due (onTimeout). */
  readonly #due: Entry[] = [];
  readonly #transmits = new Fifo<Transmit>();
  readonly #events = new Fifo<EndpointEvent>();
  #resetWindowStart = 0;
  #resetsInWindow = 0;

  constructor(config: EndpointConfig) {
    this.#config = config;
    this.#random = config.random;
    const secret = config.secret ?? new Uint8Array(32);
    if (config.secret === undefined) this.#random.fill(secret);
    this.#tokens = new TokenKeys(secret, this.#random);
    this.#cidLength = config.localCidLength ?? 8;
    if (this.#cidLength < 1 || this.#cidLength > 20) {
      throw new RangeError(`Cannot create endpoint: CID length ${this.#cidLength} is not 1..20`);
    }
    this.#versions = config.versions ?? SUPPORTED_VERSIONS;
  }

  /** The connections alive now. */
  get connections(): ReadonlySet<Connection> {
    return this.#connections;
  }

  /** The stateless reset token we give out for `cid` (for tests and drivers). */
  resetTokenFor(cid: Uint8Array): Uint8Array {
    return this.#tokens.resetToken(cid);
  }

  /**
   * Opens a client connection to `remote`. Its first Initial is ready in
   * {@link pollTransmit}.
   */
  connect(
    config: Omit<ClientConnectionConfig, "random" | "resetTokenFor" | "localCidLength">,
    remote: SocketAddress,
    now: number,
  ): Connection {
    const conn = Connection.client(
      {
        ...config,
        random: this.#random,
        localCidLength: this.#cidLength,
        resetTokenFor: (cid) => this.#tokens.resetToken(cid),
      },
      remote,
      now,
    );
    this.#adopt(conn);
    return conn;
  }

  /** One UDP datagram from `remote`. Never throws for anything a peer sends. */
  handle(datagram: Uint8Array, remote: SocketAddress, now: number): void {
    this.stats.datagramsIn++;
    // Fast path: a short header's DCID is at a fixed place (RFC 9000 §17.3); no header object.
    if (datagram.length > this.#cidLength && (datagram[0]! & 0x80) === 0) {
      this.#routeShort(datagram, remote, now);
      return;
    }
    let header;
    try {
      header = parsePacketHeader(datagram, 0, this.#cidLength);
    } catch (e) {
      if (e instanceof UnsupportedVersionError) {
        this.#versionNegotiation(datagram, e, remote);
      } else if (datagram.length > 0 && (datagram[0]! & 0x80) === 0) {
        // An unparsable short header may still be a reset for one of our connections.
        this.#routeShort(datagram, remote, now);
      } else {
        this.stats.dropped++;
      }
      return;
    }
    const entry = this.#routes.get(cidKey(header.dcid));
    if (entry !== undefined) {
      this.#receive(entry, datagram, remote, now);
      return;
    }
    if (header.type === PacketType.OneRtt) {
      this.#unroutableShort(datagram, header.dcid, remote, now);
      return;
    }
    if (header.type === PacketType.Initial) {
      this.#accept(datagram, header.version, header.dcid, header.scid, header.token, remote, now);
      return;
    }
    // 0-RTT before its Initial, Handshake for a forgotten connection, VN/Retry
    // to a server: nothing to do (RFC 9000 §5.2.2).
    this.stats.dropped++;
  }

  /** The next datagram to send, or `null`. */
  pollTransmit(now: number): Transmit | null {
    const queued = this.#transmits.shift();
    if (queued !== undefined) return queued;
    // Only connections that may have something to send, oldest first; each is
    // polled until it has nothing more.
    const schedule = this.#schedule;
    for (let entry = schedule.nextReady(); entry !== null; entry = schedule.nextReady()) {
      const t = entry.conn.pollTransmit(now);
      this.#drain(entry);
      schedule.refresh(entry);
      if (t !== null) return t;
      schedule.dropReady(entry);
    }
    return null;
  }

  /** The earliest timer of any connection (µs), `Infinity` when none. */
  nextTimeout(): number {
    return this.#schedule.nextTimeout();
  }

  /** Fires the timers that are due. */
  onTimeout(now: number): void {
    const due = this.#due;
    this.#schedule.takeDue(now, due);
    for (let i = 0; i < due.length; i++) {
      const entry = due[i]!;
      if (!entry.alive) continue;
      const conn = entry.conn;
      if (conn.nextTimeout() <= now) {
        conn.onTimeout(now);
        this.#schedule.touch(entry);
        this.#drain(entry);
      }
      this.#schedule.refresh(entry);
    }
    due.length = 0;
  }

  /** The next event for the application, or `null`. */
  pollEvent(): EndpointEvent | null {
    return this.#events.shift() ?? null;
  }

  /** As a {@link SimNode}-style `receive`: the simulator's name for {@link handle}. */
  receive(datagram: Uint8Array, remote: SocketAddress, now: number): void {
    this.handle(datagram, remote, now);
  }

  /** Starts tracking `conn`: routing, the ready list, timers, application calls. */
  #adopt(conn: Connection): Entry {
    const entry = this.#schedule.add(conn);
    this.#connections.add(conn);
    this.#entries.set(conn, entry);
    // Application calls (writes, close, …) reach the connection without us.
    conn.onWork = () => this.#schedule.touch(entry);
    this.#drain(entry);
    return entry;
  }

  /** Hands a datagram to a connection. */
  #receive(entry: Entry, datagram: Uint8Array, remote: SocketAddress, now: number): void {
    entry.conn.receive(datagram, remote, now);
    this.#schedule.touch(entry);
    this.#drain(entry);
  }

  /** Takes the routing events out of a connection's queue; passes the rest on. */
  #drain(entry: Entry): void {
    const conn = entry.conn;
    for (let e = conn.pollEvent(); e !== null; e = conn.pollEvent()) {
      switch (e.type) {
        case "localCidIssued": {
          const key = cidKey(e.cid);
          this.#routes.set(key, entry);
          entry.routes.push(key);
          break;
        }
        case "localCidRetired": {
          const key = cidKey(e.cid);
          if (this.#routes.get(key) === entry) this.#routes.delete(key);
          break;
        }
        case "drained":
          this.#forget(entry);
          break;
        default:
          this.#events.push({ type: "connection", connection: conn, event: e });
      }
    }
  }

  #forget(entry: Entry): void {
    if (!entry.alive) return;
    for (const key of entry.routes) {
      if (this.#routes.get(key) === entry) this.#routes.delete(key);
    }
    this.#schedule.remove(entry);
    entry.conn.onWork = null;
    this.#entries.delete(entry.conn);
    this.#connections.delete(entry.conn);
  }

  #accept(
    datagram: Uint8Array,
    version: number,
    dcid: Uint8Array,
    scid: Uint8Array,
    token: Uint8Array,
    remote: SocketAddress,
    now: number,
  ): void {
    const server = this.#config.server;
    if (
      server === undefined || datagram.length < MIN_INITIAL_DATAGRAM ||
      !this.#versions.includes(version) ||
      this.#connections.size >= (this.#config.maxConnections ?? 10_000) ||
      dcid.length < 8 // RFC 9000 §7.2: the client's first DCID is at least 8 bytes.
    ) {
      this.stats.dropped++;
      return;
    }
    let originalDcid: Uint8Array | undefined;
    let retryScid: Uint8Array | undefined;
    // RFC 9000 §8.1.3: a NEW_TOKEN token of ours validates the address (no Retry,
    // no amplification limit); an invalid one is ignored.
    const validToken = token.length > 0 && token[0] === TokenKind.NewToken &&
      this.#tokens.openNewToken(remote, token, now);
    if (validToken) this.stats.newTokensAccepted++;
    else if (this.#config.retry === true) {
      // No token, or one that is not a Retry token (e.g. an expired NEW_TOKEN token):
      // validate with a Retry (§8.1.3).
      if (token.length === 0 || token[0] !== TokenKind.Retry) {
        this.#sendRetry(version, dcid, scid, remote, now);
        return;
      }
      const contents = this.#tokens.openRetryToken(remote, token, now);
      // A token we cannot open is not ours or too old: drop rather than Retry
      // again, since a client accepts one Retry only (RFC 9000 §17.2.5.2).
      if (contents === null || !equalBytes(contents.retryScid, dcid)) {
        this.stats.dropped++;
        return;
      }
      originalDcid = contents.originalDcid;
      retryScid = contents.retryScid;
    }
    const localCid = new Uint8Array(this.#cidLength);
    this.#random.fill(localCid);
    let conn: Connection;
    try {
      conn = Connection.server(
        {
          ...server,
          random: this.#random,
          localCidLength: this.#cidLength,
          resetTokenFor: (cid) => this.#tokens.resetToken(cid),
          newToken: (addr, t) => this.#tokens.newToken(addr, t),
        },
        {
          remote,
          version,
          clientDcid: dcid,
          clientScid: scid,
          localCid,
          ...(originalDcid !== undefined ? { originalDcid } : {}),
          ...(retryScid !== undefined ? { retryScid } : {}),
          addressValidated: originalDcid !== undefined || validToken,
        },
        now,
      );
    } catch (e) {
      // A plugin refused to attach: this client gets no connection, the others go on.
      this.stats.refused++;
      this.#config.onRefused?.(e);
      return;
    }
    this.stats.accepted++;
    // The client keeps using its chosen DCID until it sees our SCID.
    const initialKey = cidKey(dcid);
    this.#events.push({ type: "accepted", connection: conn });
    const entry = this.#adopt(conn);
    this.#routes.set(initialKey, entry);
    entry.routes.unshift(initialKey);
    this.#receive(entry, datagram, remote, now);
  }

  #sendRetry(
    version: number,
    dcid: Uint8Array,
    scid: Uint8Array,
    remote: SocketAddress,
    now: number,
  ): void {
    const retryScid = new Uint8Array(this.#cidLength);
    this.#random.fill(retryScid);
    const token = this.#tokens.retryToken(remote, { originalDcid: dcid, retryScid }, now);
    const packet = writeRetry(
      version,
      scid,
      retryScid,
      token,
      (pseudo) => retryIntegrityTag(version, pseudo),
      dcid,
    );
    this.stats.retriesSent++;
    this.#transmits.push({ datagram: packet, remote });
  }

  #versionNegotiation(datagram: Uint8Array, e: UnsupportedVersionError, remote: SocketAddress) {
    // RFC 9000 §6.1: only for datagrams that could carry an Initial, never in
    // answer to a Version Negotiation packet (version 0), and only as a server.
    if (this.#config.server === undefined || e.version === 0 || datagram.length < 1200) {
      this.stats.dropped++;
      return;
    }
    const packet = writeVersionNegotiation(e.scid, e.dcid, this.#versions, this.#random);
    this.stats.versionNegotiationsSent++;
    this.#transmits.push({ datagram: packet, remote });
  }

  #routeShort(datagram: Uint8Array, remote: SocketAddress, now: number): void {
    if (datagram.length < 1 + this.#cidLength) {
      this.stats.dropped++;
      return;
    }
    const dcid = datagram.subarray(1, 1 + this.#cidLength);
    const entry = this.#routes.get(cidKey(dcid));
    if (entry !== undefined) {
      this.#receive(entry, datagram, remote, now);
    } else {
      this.#unroutableShort(datagram, dcid, remote, now);
    }
  }

  /**
   * A short-header datagram for no connection we know. It may be a stateless
   * reset from a peer that lost our connection (its DCID is random then):
   * RFC 9000 §10.3.1 has us check it against the tokens of the connections
   * talking to that address, which each connection does when it cannot
   * decrypt the datagram. Otherwise the sender lost its state or ours: reset it.
   */
  #unroutableShort(datagram: Uint8Array, dcid: Uint8Array, remote: SocketAddress, now: number) {
    let claimed = false;
    for (const entry of [...this.#entries.values()]) {
      const conn = entry.conn;
      if (conn.remote.port !== remote.port || conn.remote.hostname !== remote.hostname) continue;
      this.#receive(entry, datagram, remote, now);
      claimed = true;
    }
    if (!claimed) this.#statelessReset(datagram, dcid, remote, now);
  }

  /** RFC 9000 §10.3: tell a peer that lost our state to stop. */
  #statelessReset(datagram: Uint8Array, dcid: Uint8Array, remote: SocketAddress, now: number) {
    // Smaller than the trigger (§10.3.3) but no smaller than a real short packet could be.
    const size = Math.min(datagram.length - 1, 43);
    if (size < MIN_STATELESS_RESET_SIZE || !this.#resetAllowed(now)) {
      this.stats.dropped++;
      return;
    }
    const packet = writeStatelessReset(this.#tokens.resetToken(dcid), size, this.#random);
    this.stats.statelessResetsSent++;
    this.#transmits.push({ datagram: packet, remote });
  }

  #resetAllowed(now: number): boolean {
    if (now - this.#resetWindowStart >= 1_000_000) {
      this.#resetWindowStart = now;
      this.#resetsInWindow = 0;
    }
    return this.#resetsInWindow++ < (this.#config.maxResetsPerSecond ?? 100);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
