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
 * - `transfers.ts`: the transfers of one connection, both ways.
 * - `bookings.ts`: exchange frames booked and in flight.
 * - `negotiate.ts`: what the two ends' lists mean for each plugin.
 * - `state.ts`: the per-plugin states.
 * - `delegate.ts`: what the exchange needs from the plugin layer, its events and settings.
 * - `pluglets.ts`: the protoop lines that carry the exchange.
 * - `exchange.ts`: {@link PluginExchange}, one connection's exchange.
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
  type ExchangeDelegate,
  type ExchangeEvent,
  type ExchangeOptions,
} from "./delegate.ts";
export { type ExchangeEntry, LocalState, PeerState } from "./state.ts";
export { EXCHANGE_PLUGIN, exchangeFactory, exchangeOf, PluginExchange } from "./exchange.ts";
