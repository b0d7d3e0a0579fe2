/**
 * Test harness for the built-in plugins of issue #7 (ack_delay,
 * stream_scheduling_rr, westwood, cubic): loading a built-in from its
 * directory, the access keys they use, a {@link CcHarness} that plays a
 * single path, its packet number space and the notifications loss recovery
 * sends to a congestion-control plugin on a {@link FakeHost}, and a qlog
 * sink recording the window after every ACK ({@link cwndTrace}).
 * Not part of the public API.
 *
 * @module
 */

import type { QlogSink } from "../transport/connection/qlog_sink.ts";
import type { EngineFactory } from "../vm/mod.ts";
import { FakeCall, FakeHost, plugletIndex } from "./_testing.ts";
import { ACCESS_KEYS } from "./helper_ids.ts";
import { instantiatePlugin, type PluginInstance } from "./instance.ts";
import { type LoadedPlugin, loadPlugin } from "./loader.ts";
import { diskReader } from "./_sim_testing.ts";

function key(name: string): number {
  const k = ACCESS_KEYS.find((k) => k.name === name);
  if (k === undefined) throw new Error(`no access key ${name}`);
  return k.value;
}

/** Access keys the CC plugins read or write. */
export const AK = {
  CWIN: key("AK_PATH_CWIN"),
  SEND_MTU: key("AK_PATH_SEND_MTU"),
  SMOOTHED_RTT: key("AK_PATH_SMOOTHED_RTT"),
  RTT_MIN: key("AK_PATH_RTT_MIN"),
  RTT_LATEST: key("AK_PATH_RTT_LATEST"),
  PKT_CTX: key("AK_PATH_PKT_CTX"),
  LATEST_TIME_ACKNOWLEDGED: key("AK_PKTCTX_LATEST_TIME_ACKNOWLEDGED"),
  PATH: key("AK_CNX_PATH"),
  HANDSHAKE_CONFIRMED: key("AK_CNX_HANDSHAKE_CONFIRMED"),
} as const;

/** `congestion_algorithm_notify`'s notifications. */
export const Notify = {
  Acknowledgement: 0,
  Repeat: 1,
  Timeout: 2,
  SpuriousRepeat: 3,
  CongestionExperienced: 7,
} as const;

/** The path and space handles of the fake host. */
const PATH = 11n;
const PKT_CTX = 12n;

/**
 * Loads a built-in plugin from its directory on disk (the committed objects).
 *
 * @param name directory and manifest name
 * @returns the plugin
 */
export function loadFromDisk(name: string): LoadedPlugin {
  return loadPlugin(new URL(`./${name}/${name}.plugin`, import.meta.url).pathname, diskReader);
}

/** One CC plugin on a fake single-path connection. */
export class CcHarness {
  /** The host. */
  readonly host = new FakeHost();
  /** The instance. */
  readonly instance: PluginInstance;
  readonly #notify: number;
  readonly #plugin: LoadedPlugin;
  /** Whether the path input is null (the connection's single implicit path). */
  readonly implicitPath: boolean;

  /**
   * @param plugin the plugin (its `congestion_algorithm_notify` pluglet is driven)
   * @param engine the VM engine
   * @param opts initial window, datagram size, RTTs (µs)
   */
  constructor(
    plugin: LoadedPlugin,
    engine: EngineFactory,
    opts: { cwnd?: number; mss?: number; srtt?: number; rttMin?: number; implicitPath?: boolean } =
      {},
  ) {
    this.#plugin = plugin;
    this.implicitPath = opts.implicitPath ?? false;
    const h = this.host;
    h.set("path", AK.CWIN, BigInt(opts.cwnd ?? 12_000), PATH);
    h.set("path", AK.SEND_MTU, BigInt(opts.mss ?? 1200), PATH);
    h.set("path", AK.SMOOTHED_RTT, BigInt(opts.srtt ?? 100_000), PATH);
    h.set("path", AK.RTT_MIN, BigInt(opts.rttMin ?? opts.srtt ?? 100_000), PATH);
    h.set("path", AK.PKT_CTX, PKT_CTX, PATH, 2);
    h.set("pkt_ctx", AK.LATEST_TIME_ACKNOWLEDGED, 0n, PKT_CTX);
    h.set("cnx", AK.PATH, PATH, 0n, 0);
    h.set("cnx", AK.HANDSHAKE_CONFIRMED, 1n);
    this.instance = instantiatePlugin(plugin, h, { engine });
    this.#notify = plugletIndex(plugin, "congestion_algorithm_notify");
  }

  /** The window the plugin last set, bytes. */
  get window(): number {
    return Number(this.host.get("path", AK.CWIN, PATH));
  }

  /** Sets a path field (RTTs). */
  setPath(k: number, v: number): void {
    this.host.set("path", k, BigInt(v), PATH);
  }

  /**
   * One notification.
   *
   * @param n the notification
   * @param bytes nb_bytes
   * @param now µs
   * @param largestAckedSent send time of the largest acknowledged packet, µs
   * @param rtt rtt_measurement, µs
   */
  notify(n: number, bytes: number, now: number, largestAckedSent: number, rtt = 0): void {
    this.host.set("pkt_ctx", AK.LATEST_TIME_ACKNOWLEDGED, BigInt(largestAckedSent), PKT_CTX);
    this.host.set("path", AK.RTT_LATEST, BigInt(now - largestAckedSent), PATH);
    const path = this.implicitPath ? 0 : PATH;
    this.instance.run(
      this.#notify,
      new FakeCall(this.host, "congestion_algorithm_notify", {
        args: [path, n, 0, rtt, bytes, now],
        anchor: "post",
      }),
    );
    if (this.host.faults.length > 0) throw new Error(this.host.faults[0]!.message);
  }

  /**
   * Runs the plugin's `<name>` extern with one input.
   *
   * @param name the extern
   * @param index its input
   * @returns its return value
   */
  extern(name: string, index: number): bigint {
    return this.instance.run(
      plugletIndex(this.#plugin, name),
      new FakeCall(this.host, name, { args: [index], anchor: "extern" }),
    );
  }
}

/** A window trace from a connection's qlog metrics: [µs, bytes] after every ACK. */
export interface CwndTrace {
  /** The sink to put in the connection config. */
  readonly sink: QlogSink;
  /** The points, in time order. */
  readonly points: [number, number][];
  /** Plugin events: name, time, fields, and the index of the next point (the ACK's metrics). */
  readonly events: {
    name: string;
    now: number;
    data: Readonly<Record<string, bigint | string>>;
    next: number;
  }[];
}

/** A qlog sink keeping the congestion window after every ACK, and plugin events. */
export function cwndTrace(): CwndTrace {
  const points: [number, number][] = [];
  const events: CwndTrace["events"] = [];
  const none = () => {};
  const sink: QlogSink = {
    packetSent: none,
    packetReceived: none,
    packetLost: none,
    metricsUpdated(_odcid, now, _srtt, _min, _latest, _var, cwnd) {
      points.push([now, cwnd]);
    },
    pluginEvent(_odcid, now, _plugin, name, data) {
      events.push({ name, now, data, next: points.length });
    },
  };
  return { sink, points, events };
}

/**
 * The window at time `t` in a trace (the last point at or before it; 0 before any).
 *
 * @param points the trace
 * @param t µs
 */
export function traceAt(points: readonly [number, number][], t: number): number {
  let v = 0;
  for (const [at, cwnd] of points) {
    if (at > t) break;
    v = cwnd;
  }
  return v;
}
