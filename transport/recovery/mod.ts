/**
 * Loss recovery and congestion control (RFC 9002, RFC 9438, RFC 9000 §13.2).
 *
 * - {@link LossRecovery}: per-connection loss detection and PTO over the three
 *   packet number spaces ({@link SpaceId}), holding {@link SentPacket}s in a
 *   {@link SentPacketStore} per space and an {@link RttEstimator}.
 * - {@link CongestionController}: the seam for congestion control;
 *   {@link NewReno} and {@link Cubic} implement it; {@link Pacer} spreads
 *   sends over a round trip.
 * - {@link inPersistentCongestion} (§7.6) and {@link SpuriousLossDetector}
 *   (lost packets acknowledged later) serve loss recovery.
 * - {@link AckTracker}: what we received, what to acknowledge and when.
 *
 * Using it from a connection, in order:
 * 1. on each packet sent: `recovery.onPacketSent(packet, now)` (and
 *    `pacer.onSend(now, size)`); before sending ask `congestion.canSend(size)`
 *    and `pacer.delayUntil(now, size, congestion.window, rtt.smoothed)`;
 * 2. on each ACK frame: `recovery.onAckReceived(space, frame.ranges, delayUs, now, frame.ecn)`;
 *    notify the frames of `newlyAcked` and `lost` (for an acknowledged packet
 *    holding our ACK frame, call `ackTracker.onAckOfAck(frame.largest)`);
 * 3. on each packet received: `ackTracker.onPacketReceived(pn, ackEliciting, now)`
 *    (drop it when that returns false); send an ACK when `ackDue(now)`, then
 *    `onAckSent(now)`;
 * 4. timers: `recovery.lossDetectionTimeout()` and `ackTracker.ackDeadline()`;
 *    when the first passes, `recovery.onLossDetectionTimeout(now)` and send the
 *    probes it asks for;
 * 5. key events: `discardSpace(Initial|Handshake, now)`, `setHandshakeConfirmed(now)`,
 *    `discardZeroRtt(now)`, `setAmplificationLimited(limited, now)`.
 *
 * @module
 */

export { ALL_SPACES, SPACE_COUNT, SpaceId, spaceName } from "./space_id.ts";
export { GRANULARITY, INITIAL_RTT, RttEstimator } from "./rtt.ts";
export { type SentPacket, SentPacketStore } from "./sent_packet.ts";
export {
  type AckResult,
  LossRecovery,
  type LossRecoveryOptions,
  PACKET_THRESHOLD,
  PTO_PROBES,
  type TimeoutResult,
} from "./loss.ts";
export {
  inPersistentCongestion,
  PERSISTENT_CONGESTION_THRESHOLD,
  persistentCongestionDuration,
} from "./persistent_congestion.ts";
export { SpuriousLossDetector } from "./spurious_loss.ts";
export {
  type CongestionController,
  DEFAULT_MAX_DATAGRAM_SIZE,
  initialWindow,
  minimumWindow,
  WindowController,
} from "./congestion/controller.ts";
export { LOSS_REDUCTION_FACTOR, NewReno } from "./congestion/newreno.ts";
export { Cubic, CUBIC_ALPHA, CUBIC_BETA, CUBIC_C } from "./congestion/cubic.ts";
export { MAX_BURST_PACKETS, Pacer } from "./pacer.ts";
export {
  AckTracker,
  type AckTrackerOptions,
  DEFAULT_MAX_ACK_DELAY,
  DEFAULT_MAX_ACK_RANGES,
  EcnCodepoint,
} from "./ack_tracker.ts";
