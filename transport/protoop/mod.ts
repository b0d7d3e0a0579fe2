/**
 * The protoop seam (DESIGN.md principle 2): the catalogue of protocol
 * operations, the per-connection table with its anchors, marshalling for
 * pluglets, frame reservations and per-plugin metadata. See CATALOGUE.md for
 * every protoop and WIRING.md for where the connection calls each.
 *
 * @module
 */

export {
  ArgKind,
  type ArgSpec,
  CATALOGUE,
  CATALOGUE_SIZE,
  CongestionNotification,
  type CoreKind,
  FrameNotification,
  LogCategory,
  LogEvent,
  Op,
  Outputs,
  type ParamKind,
  protoopByName,
  type ProtoopSpec,
  WriteFrameStatus,
} from "./catalogue.ts";
export { MAX_PROTOOP_ARGS, ProtoopError, ProtoopErrorKind } from "./errors.ts";
export { HandleTable } from "./handles.ts";
export { METADATA_SLOTS, MetadataStore } from "./metadata.ts";
export {
  Anchor,
  type DirectCall,
  DirectInput,
  type FrameBooking,
  fromU64,
  NO_PARAM,
  type Pluglet,
  type PlugletCall,
  toU64,
  U64_MAX,
} from "./pluglet.ts";
export {
  type PlugletToken,
  type ProtoopDefaults,
  ProtoopTable,
  type ReservationSink,
  type SlotFn,
} from "./table.ts";
export {
  type Attachment,
  attachPlugin,
  type PluginDefinition,
  type PlugletLine,
} from "./attach.ts";
export {
  DEFAULT_PLUGIN_SHARE,
  FrameReservations,
  MAX_RESERVED_FRAME,
  ReservedFrame,
  type WindowState,
} from "./reservations.ts";
