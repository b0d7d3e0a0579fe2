/**
 * Plugin exchange (DESIGN.md principle 5, issue #8): the transport
 * parameters that say which plugins each end has and wants at both ends,
 * the frames that carry requests, bundles and state announcements, and the
 * per-connection state machine that decides when a plugin is active. See
 * `EXCHANGE.md`.
 *
 * - `codepoints.ts`: transport parameter ids and frame types, with why.
 * - `plugin_list.ts`: the transport parameters' value (name + digest list).
 * - `frames.ts`: PLUGIN_REQUEST, PLUGIN_DATA, PLUGIN_MAX_DATA, PLUGIN_STATE.
 * - `transfer.ts`: one bundle transfer, each side (flow control, size limit).
 * - `state.ts`: the per-plugin states.
 * - `exchange.ts`: {@link PluginExchange}, carried by the protoop table.
 *
 * @module
 */

export {
  EXCHANGE_FRAME_NAMES,
  EXCHANGE_FRAME_TYPES,
  ExchangeFrameType,
  PluginStateCode,
  TP_PLUGINS_TO_INJECT,
  TP_SUPPORTED_PLUGINS,
} from "./codepoints.ts";
export {
  decodePluginList,
  digestText,
  encodePluginList,
  MAX_PLUGIN_ENTRIES,
  MAX_PLUGIN_LIST_BYTES,
  type PluginRef,
  sameDigest,
  sizePluginEntry,
} from "./plugin_list.ts";
export {
  type ExchangeFrame,
  parseExchangeFrame,
  sizeExchangeFrame,
  writeExchangeFrame,
} from "./frames.ts";
export {
  DEFAULT_MAX_BUNDLE_SIZE,
  DEFAULT_TRANSFER_WINDOW,
  EXCHANGE_PLUGIN,
  type ExchangeDelegate,
  type ExchangeEntry,
  type ExchangeEvent,
  exchangeFactory,
  exchangeOf,
  type ExchangeOptions,
  LocalState,
  PeerState,
  PluginExchange,
} from "./exchange.ts";
