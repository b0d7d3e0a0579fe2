/**
 * The connection's core implementations of the `default` protoops
 * (CATALOGUE.md, WIRING.md §0): each entry is the transport's own code for
 * that step, so that with no plugin attached every slot of the table holds
 * the code that ran before the table existed. The functions live in the
 * files whose step they are; this file only assembles the map.
 *
 * @module
 */

import type { SocketAddress } from "../address.ts";
import { Op } from "../protoop/catalogue.ts";
import type { TypedDefaults } from "../protoop/signatures.ts";
import type { Connection } from "./connection.ts";
import { connectionError } from "./close.ts";
import { onPeerAddressChange, prepareChallenge } from "./paths.ts";
import { congestionNotify } from "./protoop_congestion.ts";
import { incomingEncrypted, parseFrameDefault, processFrameDefault } from "./receive.ts";
import { notifyFrame, retransmitNeeded, updateRtt } from "./recovery.ts";
import {
  buildPacket,
  destinationCid,
  finalizeAndProtect,
  hasCcPluginFrames,
  isAckNeeded,
  prepareAckFrame,
  prepareCryptoFrames,
  prepareMtuProbe,
  prepareStreamFrame,
  scheduleNextStream,
  schedulerWriteNewFrames,
  writeDataFrames,
} from "./send.ts";
import { setNextWakeTime } from "./wake_time.ts";

/** Default of `get_incoming_path` and `select_sending_path`: the single implicit path. */
function noPath(): null {
  return null;
}

/** Default of `peer_address_changed`: follow the peer (RFC 9000 §9.3). */
function peerAddressChanged(
  c: Connection,
  _path: object | null,
  remote: SocketAddress,
  dcid: Uint8Array,
  datagramSize: number,
): void {
  onPeerAddressChange(c, remote, dcid, datagramSize);
}

/** Core's default for every `default` row of the catalogue. */
export const CORE_DEFAULTS: TypedDefaults<Connection> = {
  [Op.PARSE_FRAME]: parseFrameDefault,
  [Op.PROCESS_FRAME]: processFrameDefault,
  [Op.NOTIFY_FRAME]: notifyFrame,
  [Op.GET_INCOMING_PATH]: noPath,
  [Op.INCOMING_ENCRYPTED]: incomingEncrypted,
  [Op.PEER_ADDRESS_CHANGED]: peerAddressChanged,
  [Op.SELECT_SENDING_PATH]: noPath,
  [Op.PREPARE_PACKET_READY]: buildPacket,
  [Op.GET_DESTINATION_CONNECTION_ID]: destinationCid,
  [Op.IS_ACK_NEEDED]: isAckNeeded,
  [Op.PREPARE_ACK_FRAME]: prepareAckFrame,
  [Op.PREPARE_CRYPTO_HS_FRAME]: prepareCryptoFrames,
  [Op.SCHEDULE_FRAMES_ON_PATH]: writeDataFrames,
  [Op.SCHEDULER_WRITE_NEW_FRAMES]: schedulerWriteNewFrames,
  [Op.HAS_CONGESTION_CONTROLLED_PLUGIN_FRAMES_TO_SEND]: hasCcPluginFrames,
  [Op.PREPARE_STREAM_FRAME]: prepareStreamFrame,
  [Op.PREPARE_MTU_PROBE]: prepareMtuProbe,
  [Op.PREPARE_PATH_CHALLENGE_FRAME]: prepareChallenge,
  [Op.FINALIZE_AND_PROTECT_PACKET]: finalizeAndProtect,
  [Op.SET_NEXT_WAKE_TIME]: setNextWakeTime,
  [Op.SCHEDULE_NEXT_STREAM]: scheduleNextStream,
  [Op.UPDATE_RTT]: updateRtt,
  [Op.RETRANSMIT_NEEDED]: retransmitNeeded,
  [Op.CONGESTION_ALGORITHM_NOTIFY]: congestionNotify,
  [Op.CONNECTION_ERROR]: connectionError,
};
