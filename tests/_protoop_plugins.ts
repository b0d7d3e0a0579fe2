/**
 * TypeScript plugins for the protoop tests: a "PING with payload" frame
 * type (reserve_frames + write_frame + parse_frame + process_frame +
 * notify_frame, answered by a PONG with the same payload), small pluglet
 * builders, and a qlog sink that records plugin events.
 *
 * @module
 */

import type { Connection } from "../transport/connection/connection.ts";
import type { QlogSink } from "../transport/connection/qlog_sink.ts";
import type { PluginDefinition, PlugletCall } from "../transport/protoop/mod.ts";
import type { Reader } from "../transport/wire/reader.ts";
import type { Writer } from "../transport/wire/writer.ts";
import { varintSize } from "../transport/wire/varint.ts";

/** An unassigned two-byte frame type used for the plugin's PING-with-payload. */
export const PING_PAYLOAD = 0x3eb0;
/** The answer to it (same payload). */
export const PONG_PAYLOAD = 0x3eb1;

/** A pluglet from a function. */
export function pl(run: (c: PlugletCall) => bigint | void): { run(c: PlugletCall): bigint } {
  return { run: (c) => run(c) ?? 0n };
}

/** A decoded plugin frame. */
export interface PayloadFrame {
  readonly type: number;
  readonly seq: bigint;
}

/** What the ping plugin of one side saw. */
export class PingLog {
  /** Sequence numbers of PINGs received (each PONGed). */
  readonly pings: bigint[] = [];
  /** Sequence numbers of PONGs received. */
  readonly pongs: bigint[] = [];
  /** notify_frame calls: [type, seq, received]. */
  readonly notified: [number, bigint, number][] = [];
  /** PINGs written. */
  written = 0;
}

/** Size of a frame: type, 8-byte payload. */
function frameSize(type: number): number {
  return varintSize(type) + 8;
}

function book(c: PlugletCall, type: number, seq: bigint): void {
  c.reserveFrames([{
    type,
    size: frameSize(type),
    congestionControlled: true,
    retransmittable: true,
    ctx: seq,
  }]);
}

/**
 * The ping plugin: extern `ping_send(seq)` books a PING; the peer's plugin
 * answers each PING with a PONG; a lost PING or PONG is booked again (core
 * never retransmits plugin frames).
 */
export function pingPlugin(log: PingLog, name = "test.ping"): PluginDefinition {
  const lines: PluginDefinition["pluglets"][number][] = [
    { op: "ping_send", anchor: "extern", pluglet: pl((c) => book(c, PING_PAYLOAD, c.args[0]!)) },
  ];
  for (const type of [PING_PAYLOAD, PONG_PAYLOAD]) {
    lines.push(
      {
        op: "write_frame",
        param: type,
        anchor: "replace",
        pluglet: pl((c) => {
          const w = c.handle(c.args[1]!) as Writer;
          const start = w.pos;
          w.varint(type);
          w.u64(c.args[0]!);
          c.outputs[0] = BigInt(w.pos - start);
          c.outputs[1] = 1n;
          if (type === PING_PAYLOAD) log.written++;
          return 0n;
        }),
      },
      {
        op: "parse_frame",
        param: type,
        anchor: "replace",
        pluglet: pl((c) => {
          const r = c.handle(c.args[0]!) as Reader;
          const t = r.varint();
          const f: PayloadFrame = { type: t, seq: r.u64() };
          return c.handleOf(f);
        }),
      },
      {
        op: "process_frame",
        param: type,
        anchor: "replace",
        pluglet: pl((c) => {
          const f = c.handle(c.args[0]!) as PayloadFrame;
          if (f.type === PING_PAYLOAD) {
            log.pings.push(f.seq);
            book(c, PONG_PAYLOAD, f.seq);
          } else {
            log.pongs.push(f.seq);
          }
          return 0n;
        }),
      },
      {
        op: "notify_frame",
        param: type,
        anchor: "replace",
        pluglet: pl((c) => {
          const received = Number(c.args[1]!);
          const seq = c.args[3]!;
          log.notified.push([type, seq, received]);
          if (received === 0) book(c, type, seq);
        }),
      },
    );
  }
  return { name, pluglets: lines };
}

/** Runs `fn` on the connection behind a pluglet call. */
export function hostOf(c: PlugletCall): Connection {
  return c.host as Connection;
}

/** A plugin event a {@link pluginEventSink} recorded. */
export interface RecordedPluginEvent {
  readonly plugin: string;
  readonly name: string;
  readonly data: Readonly<Record<string, bigint | string>>;
}

/**
 * A qlog sink that records plugin events only (`monitoring:summary`, `plugin:fault`, …).
 *
 * @returns the sink and what it recorded
 */
export function pluginEventSink(): { sink: QlogSink; events: RecordedPluginEvent[] } {
  const events: RecordedPluginEvent[] = [];
  const sink: QlogSink = {
    packetSent() {},
    packetReceived() {},
    packetLost() {},
    metricsUpdated() {},
    pluginEvent(_odcid, _now, plugin, name, data) {
      events.push({ plugin, name, data });
    },
  };
  return { sink, events };
}
