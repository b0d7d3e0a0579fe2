/**
 * The codepoints of plugin exchange, in one place (STYLE.md §10;
 * `EXCHANGE.md` explains the protocol).
 *
 * Why these values:
 * - PQUIC used frame types 0x30/0x31 (PLUGIN_VALIDATE, PLUGIN) and transport
 *   parameters 0x79/0x7a. QUIC v1 gave 0x30/0x31 to DATAGRAM (RFC 9221), so
 *   reusing them would make an exchange frame parse as a datagram. We move
 *   the whole set to the two-byte varint range 0x3e50–0x3e53, where the IANA
 *   "QUIC Frame Types" registry has no entry (its two-byte entries are
 *   ACK_FREQUENCY 0xaf and nearby provisional ones; multipath sits at
 *   0x15228c00+). Two bytes on the wire cost nothing that matters: these
 *   frames are sent a handful of times per connection, plus one per
 *   bundle chunk.
 * - They must stay below 0xffff: the frames are carried through the protoop
 *   table (parse_frame/process_frame/write_frame/notify_frame with the frame
 *   type as param), whose params are PQUIC's 16-bit values.
 * - The transport parameters use the same numbers in their own registry
 *   (0x3e50, 0x3e51): unregistered, two-byte varints, and not GREASE values
 *   (31 × N + 27, RFC 9000 §18.1): 0x3e50 = 15952 and 0x3e51 = 15953 are
 *   15 and 16 mod 31.
 *
 * @module
 */

/** Transport parameter: the plugins this end has and can run (name + digest). */
export const TP_SUPPORTED_PLUGINS = 0x3e50;
/** Transport parameter: the plugins this end wants active at both ends (name + digest). */
export const TP_PLUGINS_TO_INJECT = 0x3e51;

/** Frame types of plugin exchange (RFC 9000 §12.4 frame type space). */
export const ExchangeFrameType = {
  /** Asks the peer for a plugin's bundle. */
  PLUGIN_REQUEST: 0x3e50,
  /** A chunk of a requested bundle. */
  PLUGIN_DATA: 0x3e51,
  /** Raises the flow-control limit of a transfer. */
  PLUGIN_MAX_DATA: 0x3e52,
  /** Announces a plugin's state at the sender: ready, active or refused. */
  PLUGIN_STATE: 0x3e53,
} as const;

/** One of {@link ExchangeFrameType}. */
export type ExchangeFrameType = typeof ExchangeFrameType[keyof typeof ExchangeFrameType];

/** Every exchange frame type, for registration. */
export const EXCHANGE_FRAME_TYPES: readonly ExchangeFrameType[] = Object.values(ExchangeFrameType);

/** Names of the exchange frame types (stats, summary, qlog). */
export const EXCHANGE_FRAME_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(ExchangeFrameType).map(([name, type]) => [type, name]),
);

/** The state a PLUGIN_STATE frame announces. */
export const PluginStateCode = {
  /** The sender has the plugin, checked: it will attach it once the peer is ready too. */
  READY: 1,
  /** The sender attached the plugin: it can parse the plugin's frames now. */
  ACTIVE: 2,
  /** The sender will not run the plugin (the reason follows): neither end runs it. */
  REFUSED: 3,
} as const;

/** One of {@link PluginStateCode}. */
export type PluginStateCode = typeof PluginStateCode[keyof typeof PluginStateCode];
