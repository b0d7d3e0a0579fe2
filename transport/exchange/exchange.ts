/**
 * Plugin exchange on one connection: negotiation, transfer and activation
 * (DESIGN.md principle 5; the protocol is described in `EXCHANGE.md`).
 *
 * Sans-IO and plugin-agnostic: bundles are bytes here. What a bundle is, how
 * it is checked and cached and how a plugin is attached to the connection is
 * the {@link ExchangeDelegate}'s business (`plugins/exchange/session.ts`).
 *
 * The exchange is itself carried by the protoop table, as a TypeScript
 * plugin named {@link EXCHANGE_PLUGIN}: its frames are plugin frames
 * (parse_frame / process_frame / write_frame / notify_frame with the frame
 * type as param, sent through frame reservations), and it starts when the
 * connection reaches Established (a `post` on connection_state_changed),
 * when both ends' transport parameters are known. No other code of the
 * connection knows about it.
 *
 * Activation point, per plugin (EXCHANGE.md §4):
 * 1. an end that has the plugin, checked, announces READY;
 * 2. an end attaches it once it is READY itself and has seen the peer's
 *    READY (or ACTIVE), then announces ACTIVE — from then on it can parse
 *    the plugin's frames;
 * 3. an end sends the plugin's frames only once it has seen the peer's
 *    ACTIVE: until then they are held in the reservation queue
 *    (`FrameReservations.hold`).
 * An end that cannot or will not run the plugin announces REFUSED with the
 * reason; an end that hears REFUSED does not attach it (or detaches it) and
 * stops any transfer of it: a plugin that must run at both ends runs at both
 * or at neither. Announcements are repeated until acknowledged.
 *
 * @module
 */

import type { Connection } from "../connection/connection.ts";
import { ConnectionState } from "../connection/events.ts";
import { replayPeerParameters } from "../connection/plugin_state.ts";
import { TransportError } from "../errors.ts";
import { FrameNotification, Op, type PluginDefinition, type PlugletCall } from "../protoop/mod.ts";
import {
  EXCHANGE_FRAME_NAMES,
  ExchangeFrameType,
  PluginStateCode,
  TP_PLUGINS_TO_INJECT,
  TP_SUPPORTED_PLUGINS,
} from "./codepoints.ts";
import type {
  ExchangeFrame,
  PluginDataFrame,
  PluginRequestFrame,
  PluginStateFrame,
} from "./frames.ts";
import { encodePluginList, type PluginRef, sameDigest } from "./plugin_list.ts";
import { peerPluginLists, planExchange } from "./negotiate.ts";
import { type ExchangeEntry, LocalState, newEntry, PeerState } from "./state.ts";
import { ExchangeBookings } from "./bookings.ts";
import {
  DEFAULT_MAX_BUNDLE_SIZE,
  DEFAULT_TRANSFER_WINDOW,
  type ExchangeDelegate,
  type ExchangeEvent,
  exchangeEventData,
  type ExchangeOptions,
} from "./delegate.ts";
import { exchangePluglets } from "./pluglets.ts";
import { ExchangeTransfers } from "./transfers.ts";

/** The name the exchange's own pluglets are attached under. */
export const EXCHANGE_PLUGIN = "pquic.exchange";

const exchanges = new WeakMap<Connection, PluginExchange>();

/**
 * The exchange of a connection, when it has one.
 *
 * @param conn The connection.
 */
export function exchangeOf(conn: Connection): PluginExchange | undefined {
  return exchanges.get(conn);
}

/**
 * A factory for a connection config's `plugins`: every connection gets its
 * own exchange, whose transport parameters are added to the connection's.
 *
 * @param options The exchange settings, or a function of the connection that makes them.
 * @returns What `CommonConnectionConfig.plugins` takes.
 */
export function exchangeFactory(
  options: ExchangeOptions | ((conn: Connection) => ExchangeOptions),
): (conn: Connection) => PluginDefinition {
  return (conn) =>
    new PluginExchange(conn, typeof options === "function" ? options(conn) : options).definition;
}

/** One connection's plugin exchange (see the module documentation). */
export class PluginExchange {
  /** The pluglets that carry it (attached by the connection's config). */
  readonly definition: PluginDefinition;
  /** Negotiated plugins, by name. */
  readonly entries: Map<string, ExchangeEntry> = new Map();
  /** Every event so far. */
  readonly events: ExchangeEvent[] = [];
  /** The peer sent at least one exchange transport parameter. */
  peerTakesPart = false;
  readonly #conn: Connection;
  readonly #opts: ExchangeOptions;
  readonly #delegate: ExchangeDelegate;
  readonly #transfers: ExchangeTransfers;
  readonly #bookings = new ExchangeBookings();
  #negotiated = false;

  /**
   * Sets up the exchange of `conn` and adds its transport parameters to the
   * connection's (call before they are written: from the connection's config).
   *
   * @param conn The connection.
   * @param options Settings.
   * @throws {RangeError} When a plugin list cannot be encoded.
   */
  constructor(conn: Connection, options: ExchangeOptions) {
    this.#conn = conn;
    this.#opts = options;
    this.#delegate = options.delegate;
    this.#transfers = new ExchangeTransfers(
      { conn, book: (b) => this.#bookings.book(b), emit: (e) => this.#emit(e) },
      options.maxBundleSize ?? DEFAULT_MAX_BUNDLE_SIZE,
      options.window ?? DEFAULT_TRANSFER_WINDOW,
    );
    const tps = [
      { id: BigInt(TP_SUPPORTED_PLUGINS), value: encodePluginList(options.supported ?? []) },
      { id: BigInt(TP_PLUGINS_TO_INJECT), value: encodePluginList(options.inject ?? []) },
    ];
    // A copy: a server config's parameters are shared by all its connections.
    conn.localParams.unknown = [
      ...conn.localParams.unknown.filter((u) =>
        u.id !== BigInt(TP_SUPPORTED_PLUGINS) && u.id !== BigInt(TP_PLUGINS_TO_INJECT)
      ),
      ...tps,
    ];
    for (const [type, name] of EXCHANGE_FRAME_NAMES) conn.plugins.frameNames.set(type, name);
    const handlers = {
      onEstablished: () => this.#negotiate(),
      onFrame: (f: ExchangeFrame) => this.#onFrame(f),
      write: (c: PlugletCall) => this.#bookings.write(c),
      notify: (ctx: bigint, fate: number) => this.#notify(ctx, fate),
    };
    const pluglets = exchangePluglets(handlers, (fn) => this.#bookings.pluglet(fn));
    this.definition = { name: EXCHANGE_PLUGIN, pluglets };
    exchanges.set(conn, this);
  }

  /** The entry of a negotiated plugin. */
  entry(name: string): ExchangeEntry | undefined {
    return this.entries.get(name);
  }

  /** True once `name` is active at both ends (its frames flow). */
  isActive(name: string): boolean {
    const e = this.entries.get(name);
    return e !== undefined && e.local === LocalState.Attached && e.peer === PeerState.Active;
  }

  get #now(): number {
    return this.#conn.loss.now;
  }

  #emit(e: ExchangeEvent): void {
    this.events.push(e);
    this.#opts.onEvent?.(e);
    const qlog = this.#conn.config.qlog;
    if (qlog?.pluginEvent !== undefined) {
      // qlog: `exchange:<event>` under the exchange's name, the plugin named in the data.
      const data = exchangeEventData(e);
      qlog.pluginEvent(this.#conn.originalDcid, e.now, EXCHANGE_PLUGIN, `exchange:${e.type}`, data);
    }
  }

  // ------------------------------------------------------------------ negotiation

  /** Both ends' parameters are known: decide what runs and what must travel. */
  #negotiate(): void {
    if (this.#negotiated) return;
    this.#negotiated = true;
    const peer = peerPluginLists(this.#conn.peerParams?.unknown ?? []);
    this.peerTakesPart = peer !== null;
    const plan = planExchange(this.#opts.inject ?? [], peer, (ref) => this.#delegate.has(ref));
    this.#emit({ type: "negotiated", plugins: plan.plugins, now: this.#now });
    for (const step of plan.steps) {
      const e = this.#newEntry(step.plugin);
      if (step.action === "ready") this.#setReady(e);
      else if (step.action === "request") this.#request(e);
      else this.#refuseLocally(e, step.reason, step.announce);
    }
  }

  #newEntry(ref: PluginRef): ExchangeEntry {
    const e = newEntry(ref);
    this.entries.set(ref.name, e);
    return e;
  }

  #request(e: ExchangeEntry): void {
    e.local = LocalState.Fetching;
    e.requestedAt = this.#now;
    this.#transfers.request(e.plugin);
  }

  #setReady(e: ExchangeEntry): void {
    e.local = LocalState.Ready;
    this.#announce(e, PluginStateCode.READY);
    this.#advance(e);
  }

  /** Attaches when both ends are ready; opens the gate when the peer is active. */
  #advance(e: ExchangeEntry): void {
    if (e.local === LocalState.Ready && e.peer >= PeerState.Ready && e.peer !== PeerState.Refused) {
      const name = e.plugin.name;
      this.#conn.reservations.hold(name);
      const before = new Set(this.#conn.ops.attachedParams(Op.PROCESS_TRANSPORT_PARAMETER));
      const why = this.#safe(() => this.#delegate.attach(e.plugin));
      if (why !== null) {
        this.#conn.reservations.release(name);
        this.#refuseLocally(e, why, true);
        return;
      }
      replayPeerParameters(this.#conn, before);
      e.local = LocalState.Attached;
      this.#emit({ type: "attached", plugin: e.plugin, now: this.#now });
      this.#announce(e, PluginStateCode.ACTIVE);
    }
    if (e.local === LocalState.Attached && e.peer === PeerState.Active) {
      if (this.#conn.reservations.isHeld(e.plugin.name)) {
        this.#conn.reservations.release(e.plugin.name);
        this.#emit({
          type: "active",
          plugin: e.plugin,
          transferred: e.transferred,
          now: this.#now,
        });
      }
    }
  }

  /** This end will not run the plugin. */
  #refuseLocally(e: ExchangeEntry, reason: string, announce: boolean): void {
    if (e.local === LocalState.Refused) return;
    const wasAttached = e.local === LocalState.Attached;
    e.local = LocalState.Refused;
    e.reason = reason;
    this.#transfers.stop(e.plugin.name);
    if (wasAttached) this.#detach(e);
    if (announce) this.#announce(e, PluginStateCode.REFUSED);
    this.#emit({ type: "refused", plugin: e.plugin, reason, by: "local", now: this.#now });
  }

  #detach(e: ExchangeEntry): void {
    this.#conn.reservations.release(e.plugin.name);
    this.#safe(() => (this.#delegate.detach(e.plugin), null));
  }

  /** Runs a delegate call; an exception is a refusal with its message. */
  #safe(fn: () => string | null): string | null {
    try {
      return fn();
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  // ------------------------------------------------------------------ frames received

  #onFrame(f: ExchangeFrame): void {
    // A frame of the peer's can come before our Established (a 1-RTT packet
    // processed before the handshake completed here): the parameters are known.
    if (!this.#negotiated && this.#conn.peerParams !== null) this.#negotiate();
    switch (f.type) {
      case ExchangeFrameType.PLUGIN_REQUEST:
        return this.#onRequest(f);
      case ExchangeFrameType.PLUGIN_DATA:
        return this.#onData(f);
      case ExchangeFrameType.PLUGIN_MAX_DATA:
        return this.#transfers.onMaxData(f);
      case ExchangeFrameType.PLUGIN_STATE:
        return this.#onState(f);
    }
  }

  #onRequest(f: PluginRequestFrame): void {
    if (this.#transfers.isServing(f.requestId)) return; // a repeated request
    const refused = this.entries.get(f.plugin.name);
    if (refused !== undefined && refused.local === LocalState.Refused) return;
    let bytes: Uint8Array | null = null;
    try {
      bytes = this.#delegate.bundle(f.plugin);
    } catch {
      bytes = null;
    }
    if (bytes === null) {
      const e = refused ?? this.#newEntry(f.plugin);
      this.#refuseLocally(e, "this end cannot provide it", true);
      return;
    }
    this.#transfers.serve(f, bytes);
  }

  #onData(f: PluginDataFrame): void {
    const r = this.#transfers.onData(f);
    if (r.kind === "pending") return;
    const e = this.entries.get(r.plugin.name)!;
    if (r.kind === "oversized") {
      const limit = this.#transfers.maxBundle;
      this.#refuseLocally(
        e,
        `its bundle of ${r.size} bytes exceeds the limit of ${limit} bytes`,
        true,
      );
      return;
    }
    if (e.local !== LocalState.Fetching) return;
    const why = this.#safe(() => this.#delegate.accept(r.plugin, r.bytes));
    if (why !== null) {
      this.#refuseLocally(e, why, true);
      return;
    }
    e.transferred = true;
    this.#setReady(e);
  }

  #onState(f: PluginStateFrame): void {
    const e = this.entries.get(f.plugin.name);
    if (e === undefined || !sameDigest(e.plugin.digest, f.plugin.digest)) {
      if (f.state === PluginStateCode.REFUSED && e === undefined) {
        // The peer refuses something we did not negotiate (a request of ours it cannot serve).
        return;
      }
      if (e === undefined) {
        throw TransportError.protocolViolation(
          `Cannot take PLUGIN_STATE for plugin "${f.plugin.name}": not negotiated`,
          f.type,
        );
      }
      return; // another digest of a plugin we know: not ours to track
    }
    if (e.peer === PeerState.Refused) return;
    if (f.state === PluginStateCode.REFUSED) {
      e.peer = PeerState.Refused;
      const wasAttached = e.local === LocalState.Attached;
      this.#transfers.stop(e.plugin.name);
      if (e.local !== LocalState.Refused) {
        e.local = LocalState.Refused;
        e.reason = `refused by the peer: ${f.reason}`;
        if (wasAttached) this.#detach(e);
      }
      this.#emit({
        type: "refused",
        plugin: e.plugin,
        reason: f.reason,
        by: "peer",
        now: this.#now,
      });
      return;
    }
    const peer = f.state === PluginStateCode.ACTIVE ? PeerState.Active : PeerState.Ready;
    if (peer > e.peer) e.peer = peer;
    this.#advance(e);
  }

  // ------------------------------------------------------------------ sending

  /** Announces (again) the entry's state; older announcements in flight are superseded. */
  #announce(e: ExchangeEntry, code: PluginStateCode): void {
    e.announced = code;
    this.#bookings.book({ kind: "state", entry: e, code });
  }

  #notify(ctx: bigint, received: number): void {
    const b = this.#bookings.take(ctx);
    if (b === undefined) return;
    const acked = received === FrameNotification.Acked;
    if (this.#conn.state >= ConnectionState.Closing) return;
    switch (b.kind) {
      case "state":
        if (acked) b.entry.ackedCode = b.code;
        else if (b.code === b.entry.announced && b.entry.ackedCode !== b.code) {
          this.#bookings.book(b);
        }
        return;
      default:
        this.#transfers.onNotified(b, acked);
    }
  }
}
