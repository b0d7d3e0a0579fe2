/**
 * The trace hook of a connection: where it reports packets sent, received
 * and lost, and recovery metrics, for qlog (draft-ietf-quic-qlog-quic-events:
 * `quic:packet_sent`, `quic:packet_received`, `recovery:packet_lost`,
 * `recovery:metrics_updated`). The connection only calls it; what to write
 * (and where) is the driver's business (`cli/qlog.ts`).
 *
 * Off by default and free when off: each call site is one check of
 * `config.qlog` against `undefined`. Arguments are plain numbers and the
 * connection's own objects, so nothing is allocated for the hook; a sink
 * must not keep or change `frames` (it is the packet's live frame list).
 *
 * Times are the connection's `now` (integer µs); `odcid` is the client's
 * first Destination Connection ID, which qlog uses as the group id.
 *
 * @module
 */

/** A frame as the sink sees it: its type, and its fields by frame kind. */
export interface QlogFrame {
  readonly type: number;
}

/** Receives a connection's trace events. */
export interface QlogSink {
  /**
   * A packet was sealed for sending.
   * @param packetType A `PacketType` value (`transport/packet/packet_type.ts`).
   */
  packetSent(
    odcid: Uint8Array,
    now: number,
    packetType: number,
    pn: number,
    size: number,
    frames: readonly QlogFrame[],
  ): void;
  /** A packet was opened (decrypted) and is not a duplicate. */
  packetReceived(
    odcid: Uint8Array,
    now: number,
    packetType: number,
    pn: number,
    size: number,
  ): void;
  /**
   * A packet was declared lost (RFC 9002 §6.1).
   * @param space A `SpaceId` value (Initial 0, Handshake 1, Application 2).
   */
  packetLost(odcid: Uint8Array, now: number, space: number, pn: number, size: number): void;
  /**
   * An event of a plugin (optional): `name` is "category:event" (e.g.
   * `monitoring:summary`, or `plugin:fault` when a plugin faulted and the
   * connection was closed for it), `data` its fields.
   */
  pluginEvent?(
    odcid: Uint8Array,
    now: number,
    plugin: string,
    name: string,
    data: Readonly<Record<string, bigint | string>>,
  ): void;
  /** RTT and congestion state after an ACK (µs and bytes). */
  metricsUpdated(
    odcid: Uint8Array,
    now: number,
    smoothedRtt: number,
    minRtt: number,
    latestRtt: number,
    rttVariance: number,
    congestionWindow: number,
    bytesInFlight: number,
  ): void;
}
