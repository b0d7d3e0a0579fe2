/**
 * Per packet-number-space state (RFC 9000 §12.3): packet protection keys,
 * the CRYPTO stream in each direction, received-packet tracking for ACKs, the
 * next packet number, and frames waiting to be (re)sent in this space.
 *
 * The Application space's keys live in {@link KeyUpdate} (1-RTT, with key
 * phases) and on the connection (0-RTT); `readKeys`/`writeKeys` here serve
 * Initial and Handshake.
 *
 * @module
 */

import type { DirectionalKeys } from "../crypto/packet_protection.ts";
import type { Frame } from "../frames/frame.ts";
import { AckTracker } from "../recovery/ack_tracker.ts";
import { RecvBuffer } from "../streams/recv_buffer.ts";
import { SendBuffer } from "../streams/send_buffer.ts";
import { TransportError } from "../errors.ts";

/**
 * How far past the CRYPTO read offset a peer may send (RFC 9000 §7.5: at least
 * 4096 bytes must be buffered; an arbitrary but generous limit for certificate
 * chains).
 */
export const MAX_CRYPTO_BUFFER = 65536;

/** State of one packet number space. */
export class PacketSpace {
  /** `SpaceId` of this space. */
  readonly id: number;
  /** Keys to open the peer's packets (Initial, Handshake). */
  readKeys: DirectionalKeys | null = null;
  /** Keys to seal our packets (Initial, Handshake). */
  writeKeys: DirectionalKeys | null = null;
  /** Our CRYPTO stream at this level. */
  readonly cryptoSend: SendBuffer = new SendBuffer();
  /** The peer's CRYPTO stream at this level. */
  readonly cryptoRecv: RecvBuffer = new RecvBuffer();
  /** Received packet numbers, for ACK frames. */
  readonly ackTracker: AckTracker;
  /** Next packet number to send. */
  nextPn = 0;
  /** Keys and state dropped (RFC 9001 §4.9). */
  discarded = false;
  /** Ack-eliciting probe packets owed (PTO, RFC 9002 §6.2.4). */
  probes = 0;
  /** Control frames to (re)send here (HANDSHAKE_DONE, NEW_CONNECTION_ID, …). */
  readonly pending: Frame[] = [];
  /** Largest packet number received, -1 before any. */
  largestRecv = -1;

  constructor(id: number, maxAckDelay: number) {
    this.id = id;
    this.ackTracker = new AckTracker({ maxAckDelay });
  }

  /**
   * Buffers CRYPTO data; throws CRYPTO_BUFFER_EXCEEDED when it lands too far
   * ahead of what TLS consumed (RFC 9000 §7.5).
   */
  receiveCrypto(offset: number, data: Uint8Array): void {
    if (offset + data.length - this.cryptoRecv.readOffset > MAX_CRYPTO_BUFFER) {
      throw TransportError.cryptoBufferExceeded(
        `Cannot buffer CRYPTO data up to ${
          offset + data.length
        }: read offset is ${this.cryptoRecv.readOffset}`,
      );
    }
    this.cryptoRecv.insert(offset, data);
  }

  /** True when this space has something ack-eliciting to send. */
  hasAckElicitingData(): boolean {
    return this.cryptoSend.hasData() || this.pending.length > 0 || this.probes > 0;
  }

  /** Drops keys and buffered output (RFC 9001 §4.9). */
  discard(): void {
    this.discarded = true;
    this.readKeys = null;
    this.writeKeys = null;
    this.pending.length = 0;
    this.probes = 0;
  }
}
