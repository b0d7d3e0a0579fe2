/**
 * The plugin layer (DESIGN.md principles 2–3 and 5): the only place that
 * joins the transport's protoop table and the eBPF VM.
 *
 * - `manifest.ts`: the `.plugin` format (PQUIC's, parsed strictly).
 * - `loader.ts`: manifest → verified programs, all or nothing; the result is
 *   immutable and shared by every connection.
 * - `instance.ts`: one instance per (plugin, connection): memory, heap,
 *   helpers bound to a {@link PluginHost}, statistics, fault containment;
 *   `instance.definition()` is what `attachPlugin(table, …)` takes.
 * - `helper_ids.ts` + `include/pquic.h`: the helper ABI; `helpers.ts`,
 *   `helpers_memory.ts`: its implementation; `helpers_datagram.ts`: the
 *   datagram plugin's helpers (ids 150–159).
 * - `inject.ts`: plugins on live connections (`injectPlugin`,
 *   `pluginFactory` for connection configs) and fault containment: a
 *   faulting plugin is detached and only its connection closed.
 * - `connection_host.ts`: the {@link PluginHost} over a real `Connection`;
 *   `host_fields.ts`: the values of every access key (`AK_*`) read from the
 *   connection, and the writable ones; `host_objects.ts`: the path, spaces,
 *   CIDs and streams plugins reach by handle.
 * - `frame_names.ts`: the manifest's `frames=` option, names of a plugin's
 *   frame types for statistics and the summary.
 * - `builtins.ts`: the built-in plugins (C sources in `plugins/<name>/`,
 *   embedded by `build.sh`), by name.
 * - `datagram/datagram.ts`: the application side of the `datagram`
 *   built-in (RFC 9221 as a plugin): its externs and counters; with it
 *   attached, `Connection.sendDatagram` and the `datagram` events go
 *   through it.
 * - `exchange/`: plugin bundles and their exchange with the peer
 *   (`transport/exchange/EXCHANGE.md`): `archive.ts` (the canonical tar
 *   archive), `bundle.ts` (pack, unpack, sign a bundle), `keys.ts`
 *   (Ed25519 keys and signatures), `trust.ts` (trust policies),
 *   `store.ts` (bundles kept by name and digest; on disk:
 *   `io/plugin_cache.ts`), `accept.ts` (the one sequence of checks before
 *   a bundle's plugin may run), `session.ts` (`pluginExchange` for
 *   connection configs: bundle bytes to running plugins).
 *
 * @example Load, instantiate, run
 * ```ts
 * import { instantiatePlugin, loadPlugin, type PluginHost } from "./mod.ts";
 * import assert from "node:assert/strict";
 * // mov r0, 7; exit
 * const obj = new Uint8Array([0xb7, 0, 0, 0, 7, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
 * const files: Record<string, Uint8Array> = {
 *   "x.plugin": new TextEncoder().encode("be.example.seven\nseven extern seven.o\n"),
 *   "seven.o": obj,
 * };
 * const plugin = loadPlugin("x.plugin", (f) => files[f] ?? null);
 * const host = {} as PluginHost; // a connection's side; unused by this pluglet
 * const instance = instantiatePlugin(plugin, host);
 * const call = {
 *   name: "seven", param: 0xffff, anchor: "extern", args: new BigUint64Array(0),
 *   outputs: new BigUint64Array(0), returnValue: 0n, call: () => 0n,
 *   getMetadata: () => 0n, setMetadata: () => {}, reserveFrames: () => 0,
 * };
 * assert.equal(instance.run(0, call), 7n);
 * ```
 *
 * @module
 */

export {
  DEFAULT_PLUGIN_MEMORY,
  type Manifest,
  type ManifestAnchor,
  type ManifestPluglet,
  type ManifestReader,
  MAX_PLUGIN_MEMORY,
  MIN_PLUGIN_MEMORY,
  parseCInteger,
  parseManifest,
  parseManifestText,
  type PluginOptions,
} from "./manifest.ts";
export {
  type LoadedPlugin,
  type LoadedPluglet,
  loadManifest,
  loadPlugin,
  PluginLoadError,
} from "./loader.ts";
export {
  type BoundPluglet,
  CNX_VALUE,
  FAULT_RESULT,
  instantiatePlugin,
  PluginInstance,
  type PluginInstanceOptions,
  type PluginStats,
  type PlugletPhase,
  type PlugletStats,
} from "./instance.ts";
export type {
  FieldKind,
  HostFrameBooking,
  PluginFaultReport,
  PluginHost,
  PlugletInvocation,
  PlugletRef,
} from "./host.ts";
export {
  ACCESS_KEYS,
  accessKey,
  type AccessKeySpec,
  HELPERS,
  type HelperSpec,
  helperSpec,
} from "./helper_ids.ts";
export { PQUIC_HELPERS } from "./helpers.ts";
export { BUILTIN_PLUGINS, builtinReader, loadBuiltin } from "./builtins.ts";
export {
  DATAGRAM_PLUGIN_NAME,
  DatagramCounter,
  type DatagramCounters,
  datagramCounters,
  DatagramExtern,
  DatagramSendResult,
} from "./datagram/datagram.ts";
export { HEAP_ALIGN, PluginHeap } from "./memory.ts";
export {
  type InjectedPlugin,
  injectedPlugins,
  type InjectOptions,
  injectPlugin,
  pluginFactory,
  pluginFrameName,
  PluginInjectError,
} from "./inject.ts";
export {
  CidRef,
  ConnectionHost,
  type ConnectionHostOptions,
  PathRef,
  SpaceRef,
  StreamRef,
} from "./connection_host.ts";
export { MAX_FRAME_NAME, parseFrameNames } from "./frame_names.ts";
export {
  offerBundle,
  type OfferedPlugin,
  offerPlugin,
  pluginExchange,
  type PluginExchangeOptions,
} from "./exchange/session.ts";
