/**
 * The frames of plugin exchange (codepoints in `codepoints.ts`, protocol in
 * `EXCHANGE.md`). They travel in 1-RTT packets only, are ack-eliciting and
 * are retransmitted by the exchange itself when lost.
 *
 * ```
 * PLUGIN_REQUEST Frame {
 *   Type (i) = 0x3e50,
 *   Request ID (i),
 *   Name Length (8), Name (..),
 *   Digest Length (8), Digest (..),
 *   Max Data (i),                 initial flow-control limit of the transfer, bytes
 * }
 *
 * PLUGIN_DATA Frame {
 *   Type (i) = 0x3e51,
 *   Request ID (i),
 *   Bundle Size (i),              the whole bundle, bytes (the same in every chunk)
 *   Offset (i),
 *   Length (i),
 *   Data (..),
 * }
 *
 * PLUGIN_MAX_DATA Frame {
 *   Type (i) = 0x3e52,
 *   Request ID (i),
 *   Max Data (i),                 the new limit (only ever raised)
 * }
 *
 * PLUGIN_STATE Frame {
 *   Type (i) = 0x3e53,
 *   Name Length (8), Name (..),
 *   Digest Length (8), Digest (..),
 *   State (i),                    1 ready, 2 active, 3 refused
 *   Reason Length (i), Reason (..)  UTF-8, at most 256 bytes (empty unless refused)
 * }
 * ```
 *
 * PQUIC's PLUGIN_VALIDATE (0x30) carried only a name and its PLUGIN (0x31)
 * was a STREAM frame in a "plugin stream" space (pquic-reference.md §5.3–5.4);
 * these add the digest, flow control with a size known up front, and the
 * state announcements that make same-connection activation safe.
 *
 * @module
 */

import { TransportError } from "../errors.ts";
import type { Reader } from "../wire/reader.ts";
import type { Writer } from "../wire/writer.ts";
import { varintSize } from "../wire/varint.ts";
import { ExchangeFrameType, PluginStateCode } from "./codepoints.ts";
import {
  type PluginRef,
  readPluginEntry,
  sizePluginEntry,
  writePluginEntry,
} from "./plugin_list.ts";

/** PLUGIN_REQUEST. */
export interface PluginRequestFrame {
  readonly type: typeof ExchangeFrameType.PLUGIN_REQUEST;
  readonly requestId: number;
  readonly plugin: PluginRef;
  readonly maxData: number;
}

/** PLUGIN_DATA; `data` is a view into the packet. */
export interface PluginDataFrame {
  readonly type: typeof ExchangeFrameType.PLUGIN_DATA;
  readonly requestId: number;
  readonly bundleSize: number;
  readonly offset: number;
  readonly data: Uint8Array;
}

/** PLUGIN_MAX_DATA. */
export interface PluginMaxDataFrame {
  readonly type: typeof ExchangeFrameType.PLUGIN_MAX_DATA;
  readonly requestId: number;
  readonly maxData: number;
}

/** PLUGIN_STATE. */
export interface PluginStateFrame {
  readonly type: typeof ExchangeFrameType.PLUGIN_STATE;
  readonly plugin: PluginRef;
  readonly state: PluginStateCode;
  readonly reason: string;
}

/** Any exchange frame. */
export type ExchangeFrame =
  | PluginRequestFrame
  | PluginDataFrame
  | PluginMaxDataFrame
  | PluginStateFrame;

/** Longest reason in PLUGIN_STATE, bytes (longer ones are cut). */
export const MAX_REASON_BYTES = 256;

const enc = new TextEncoder();
/** Reasons must be valid UTF-8 (a decoding error is a FRAME_ENCODING_ERROR). */
const dec = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses an exchange frame, type included.
 *
 * @param r At the frame's type.
 * @throws {TransportError} FRAME_ENCODING_ERROR (with the frame type) when malformed.
 */
export function parseExchangeFrame(r: Reader): ExchangeFrame {
  let type = 0;
  try {
    type = r.varint();
    switch (type) {
      case ExchangeFrameType.PLUGIN_REQUEST: {
        const requestId = r.varint();
        const plugin = readRef(r);
        return { type, requestId, plugin, maxData: r.varint() };
      }
      case ExchangeFrameType.PLUGIN_DATA: {
        const requestId = r.varint();
        const bundleSize = r.varint();
        const offset = r.varint();
        const length = r.varint();
        if (offset + length > bundleSize) {
          throw TransportError.frameEncoding(
            `Cannot parse PLUGIN_DATA: bytes ${offset}..${
              offset + length
            } beyond its bundle size ${bundleSize}`,
            type,
          );
        }
        return { type, requestId, bundleSize, offset, data: r.bytes(length) };
      }
      case ExchangeFrameType.PLUGIN_MAX_DATA:
        return { type, requestId: r.varint(), maxData: r.varint() };
      case ExchangeFrameType.PLUGIN_STATE: {
        const plugin = readRef(r);
        const state = r.varint();
        if (state < PluginStateCode.READY || state > PluginStateCode.REFUSED) {
          throw TransportError.frameEncoding(
            `Cannot parse PLUGIN_STATE: unknown state ${state}`,
            type,
          );
        }
        const reasonLength = r.varint();
        if (reasonLength > MAX_REASON_BYTES) {
          throw TransportError.frameEncoding(
            `Cannot parse PLUGIN_STATE: a reason of ${reasonLength} bytes`,
            type,
          );
        }
        const reason = dec.decode(r.bytes(reasonLength));
        return { type, plugin, state: state as PluginStateCode, reason };
      }
    }
  } catch (e) {
    if (e instanceof TransportError) throw e.frameType === 0 ? e.withFrameType(type) : e;
    throw TransportError.frameEncoding(
      `Cannot parse exchange frame 0x${type.toString(16)}: ${(e as Error).message}`,
      type,
    );
  }
  throw TransportError.frameEncoding(
    `Cannot parse frame 0x${type.toString(16)}: not an exchange frame`,
    type,
  );
}

function readRef(r: Reader): PluginRef {
  try {
    return readPluginEntry(r);
  } catch (e) {
    if (e instanceof RangeError) throw TransportError.frameEncoding(e.message);
    throw e;
  }
}

/** A reason as sent: UTF-8, cut to {@link MAX_REASON_BYTES}. */
export function reasonBytes(reason: string): Uint8Array {
  const b = enc.encode(reason);
  return b.length <= MAX_REASON_BYTES ? b : b.subarray(0, MAX_REASON_BYTES);
}

/** Exact encoded size of an exchange frame. */
export function sizeExchangeFrame(f: ExchangeFrame): number {
  const t = varintSize(f.type);
  switch (f.type) {
    case ExchangeFrameType.PLUGIN_REQUEST:
      return t + varintSize(f.requestId) + sizePluginEntry(f.plugin) + varintSize(f.maxData);
    case ExchangeFrameType.PLUGIN_DATA:
      return t + sizePluginDataHeader(f.requestId, f.bundleSize, f.offset, f.data.length) +
        f.data.length;
    case ExchangeFrameType.PLUGIN_MAX_DATA:
      return t + varintSize(f.requestId) + varintSize(f.maxData);
    case ExchangeFrameType.PLUGIN_STATE: {
      const n = reasonBytes(f.reason).length;
      return t + sizePluginEntry(f.plugin) + varintSize(f.state) + varintSize(n) + n;
    }
  }
}

/** Size of a PLUGIN_DATA frame without its type and data (to cut chunks to a room). */
export function sizePluginDataHeader(
  requestId: number,
  bundleSize: number,
  offset: number,
  length: number,
): number {
  return varintSize(requestId) + varintSize(bundleSize) + varintSize(offset) + varintSize(length);
}

/** Writes an exchange frame, type included. */
export function writeExchangeFrame(w: Writer, f: ExchangeFrame): void {
  w.varint(f.type);
  switch (f.type) {
    case ExchangeFrameType.PLUGIN_REQUEST:
      w.varint(f.requestId);
      writePluginEntry(w, f.plugin);
      w.varint(f.maxData);
      return;
    case ExchangeFrameType.PLUGIN_DATA:
      w.varint(f.requestId);
      w.varint(f.bundleSize);
      w.varint(f.offset);
      w.varint(f.data.length);
      w.bytes(f.data);
      return;
    case ExchangeFrameType.PLUGIN_MAX_DATA:
      w.varint(f.requestId);
      w.varint(f.maxData);
      return;
    case ExchangeFrameType.PLUGIN_STATE: {
      writePluginEntry(w, f.plugin);
      w.varint(f.state);
      const b = reasonBytes(f.reason);
      w.varint(b.length);
      w.bytes(b);
      return;
    }
  }
}
