/**
 * QUIC frames (RFC 9000 §19, RFC 9221): one file per frame family, the frame-type
 * table in `frame_type.ts`, and the generic `parseFrame`/`writeFrame`/`sizeFrame`
 * over the {@link Frame} union in `frame.ts`.
 *
 * @module
 */

export * from "./frame_type.ts";
export * from "./frame.ts";
export { parseAck, sizeAck, sizeAckFrame, writeAck, writeAckFrame } from "./ack.ts";
export {
  parseStream,
  sizeStream,
  sizeStreamFrameHeader,
  writeStream,
  writeStreamFrame,
} from "./stream.ts";
export {
  parseCrypto,
  sizeCrypto,
  sizeCryptoFrameHeader,
  writeCrypto,
  writeCryptoFrame,
} from "./crypto.ts";
export * from "./flow_control.ts";
export * from "./reset_stream.ts";
export * from "./connection_id.ts";
export * from "./path.ts";
export * from "./close.ts";
export * from "./datagram.ts";
export * from "./misc.ts";
