/**
 * What the client and server sessions share: the event queue, one
 * handshake-message reassembler per encryption level, key log lines, and the
 * rule that a session that threw stays failed.
 *
 * @module
 */

import { TransportError } from "../errors.ts";
import { Alert, unexpectedMessage } from "./alert.ts";
import { toHex } from "./messages/codec.ts";
import { type HandshakeMessage, HandshakeReassembler } from "./messages/handshake.ts";
import {
  type CipherSuite,
  EncryptionLevel,
  TlsAlert,
  type TlsEvent,
  type TlsSession,
} from "./session.ts";

/** NSS key log labels (https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/). */
export type KeyLogLabel =
  | "CLIENT_EARLY_TRAFFIC_SECRET"
  | "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
  | "SERVER_HANDSHAKE_TRAFFIC_SECRET"
  | "CLIENT_TRAFFIC_SECRET_0"
  | "SERVER_TRAFFIC_SECRET_0";

const LEVEL_NAMES = ["Initial", "0-RTT", "Handshake", "1-RTT"] as const;

/** The name of an encryption level for messages. */
export function levelName(level: EncryptionLevel): string {
  return LEVEL_NAMES[level] ?? `level ${level}`;
}

/** Base of {@link ClientSession} and {@link ServerSession}. */
export abstract class BaseSession implements TlsSession {
  #events: TlsEvent[] = [];
  #head = 0;
  readonly #reassemblers = [
    new HandshakeReassembler(),
    new HandshakeReassembler(),
    new HandshakeReassembler(),
    new HandshakeReassembler(),
  ];
  #failure: unknown = null;
  #complete = false;
  readonly #keyLog: boolean;

  constructor(keyLog: boolean) {
    this.#keyLog = keyLog;
  }

  /** True once `handshakeComplete` was emitted. */
  get handshakeComplete(): boolean {
    return this.#complete;
  }

  abstract start(now: number): void;

  /** Handles one whole handshake message received at `level`. */
  protected abstract handleMessage(
    level: EncryptionLevel,
    msg: HandshakeMessage,
    now: number,
  ): void;

  /**
   * Feeds CRYPTO bytes. Any error thrown (a {@link TlsAlert}, or a
   * TransportError from a callback or for CRYPTO data at the 0-RTT level)
   * leaves the session failed: later calls throw it again. Any other
   * exception is a bug and is turned into an internal_error alert.
   */
  receive(level: EncryptionLevel, data: Uint8Array, now: number): void {
    if (this.#failure !== null) throw this.#failure;
    try {
      if (level === EncryptionLevel.ZeroRtt) {
        // RFC 9001 §8.3: a CRYPTO frame in a 0-RTT packet is a PROTOCOL_VIOLATION.
        throw TransportError.protocolViolation("Cannot accept CRYPTO data in 0-RTT packets", 0x06);
      }
      const r = this.#reassemblers[level];
      if (r === undefined) throw new RangeError(`Cannot receive at level ${level}`);
      r.push(data);
      for (let m = r.next(); m !== null; m = r.next()) this.handleMessage(level, m, now);
    } catch (e) {
      // Anything else is a bug here; the connection still gets an alert to close with.
      this.#failure = e instanceof TlsAlert || e instanceof TransportError
        ? e
        : new TlsAlert(Alert.INTERNAL_ERROR, `Cannot process handshake: ${String(e)}`);
      throw this.#failure;
    }
  }

  /** The next event, or `null`. */
  pollEvent(): TlsEvent | null {
    if (this.#head >= this.#events.length) {
      if (this.#head > 0) {
        this.#events = [];
        this.#head = 0;
      }
      return null;
    }
    return this.#events[this.#head++]!;
  }

  /** Queues an event. */
  protected emit(e: TlsEvent): void {
    this.#events.push(e);
  }

  /** Queues a secret event. */
  protected emitSecret(
    level: EncryptionLevel,
    direction: "read" | "write",
    suite: CipherSuite,
    secret: Uint8Array,
  ): void {
    this.emit({ type: "secret", level, direction, suite, secret });
  }

  /** Queues a key log line when key logging is on. */
  protected emitKeyLog(label: KeyLogLabel, clientRandom: Uint8Array, secret: Uint8Array): void {
    if (!this.#keyLog) return;
    this.emit({ type: "keyLog", line: `${label} ${toHex(clientRandom)} ${toHex(secret)}` });
  }

  /** Marks the handshake complete (the caller emits `handshakeComplete`). */
  protected markComplete(): void {
    this.#complete = true;
  }

  /**
   * Checks that no partial message is left at `level` when its keys are
   * being left behind (RFC 9001 §4.1.3: a message must not span a key change).
   */
  protected assertDrained(level: EncryptionLevel): void {
    if (this.#reassemblers[level]!.buffered > 0) {
      throw unexpectedMessage(
        `Cannot change keys: unprocessed ${levelName(level)} handshake bytes`,
      );
    }
  }

  /** Throws unexpected_message unless `level` is `expected`. */
  protected expectLevel(level: EncryptionLevel, expected: EncryptionLevel, what: string): void {
    if (level !== expected) {
      throw unexpectedMessage(
        `Cannot accept ${what} at the ${levelName(level)} level (expected ${levelName(expected)})`,
      );
    }
  }
}
