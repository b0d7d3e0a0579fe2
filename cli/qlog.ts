/**
 * qlog output for `-q file`: the JSON-SEQ serialisation of qlog
 * (draft-ietf-quic-qlog-main-schema-05, `qlog_version` "0.4",
 * `qlog_format` "JSON-SEQ"), which qvis loads. Each record starts with RS
 * (0x1e) and ends with a line feed; the first record is the header, every
 * other one an event with `time` in milliseconds after the trace's
 * reference time and the connection's original DCID as `group_id`.
 *
 * Events (draft-ietf-quic-qlog-quic-events-05): `quic:packet_sent` (with
 * its frames), `quic:packet_received`, `recovery:packet_lost` and
 * `recovery:metrics_updated` (only fields that changed), fed by the
 * connection's trace hook (`transport/connection/qlog_sink.ts`).
 *
 * @module
 */

import type { QlogFrame, QlogSink } from "../transport/connection/qlog_sink.ts";
import { hex } from "./describe.ts";
import { writeAll } from "./log.ts";

const encoder = new TextEncoder();
const RS = "\x1e";

/** qlog's packet_type names by `PacketType` value. */
const PACKET_TYPES = ["initial", "0RTT", "handshake", "retry", "version_negotiation", "1RTT"];
/** qlog's packet_type of the packets of each packet number space. */
const SPACE_PACKET_TYPES = ["initial", "handshake", "1RTT"];

/** qlog's frame_type name for a QUIC frame type (RFC 9000 §19, RFC 9221). */
export function qlogFrameType(type: number): string {
  if (type >= 0x08 && type <= 0x0f) return "stream";
  switch (type) {
    case 0x00:
      return "padding";
    case 0x01:
      return "ping";
    case 0x02:
    case 0x03:
      return "ack";
    case 0x04:
      return "reset_stream";
    case 0x05:
      return "stop_sending";
    case 0x06:
      return "crypto";
    case 0x07:
      return "new_token";
    case 0x10:
      return "max_data";
    case 0x11:
      return "max_stream_data";
    case 0x12:
    case 0x13:
      return "max_streams";
    case 0x14:
      return "data_blocked";
    case 0x15:
      return "stream_data_blocked";
    case 0x16:
    case 0x17:
      return "streams_blocked";
    case 0x18:
      return "new_connection_id";
    case 0x19:
      return "retire_connection_id";
    case 0x1a:
      return "path_challenge";
    case 0x1b:
      return "path_response";
    case 0x1c:
    case 0x1d:
      return "connection_close";
    case 0x1e:
      return "handshake_done";
    case 0x30:
    case 0x31:
      return "datagram";
    default:
      return "unknown";
  }
}

/** The qlog object of one sent frame (the fields qvis draws). */
function frameObject(f: QlogFrame): Record<string, unknown> {
  const name = qlogFrameType(f.type);
  const o: Record<string, unknown> = { "frame_type": name };
  const any = f as unknown as Record<string, unknown>;
  if (name === "stream") {
    o.stream_id = any.id;
    o.offset = any.offset;
    o.length = (any.data as Uint8Array | undefined)?.length ?? 0;
    o.fin = any.fin === true;
  } else if (name === "crypto") {
    o.offset = any.offset;
    o.length = (any.data as Uint8Array | undefined)?.length ?? 0;
  } else if (name === "ack") {
    // Our ack_delay_exponent is the default 3 (the command never changes it): 8 µs units.
    o.ack_delay = ((any.delay as number) * 8) / 1000;
    o.largest_acknowledged = any.largest;
  } else if (name === "max_data" || name === "max_stream_data") {
    if (any.id !== undefined) o.stream_id = any.id;
    o.maximum = any.max;
  } else if (name === "unknown") o.raw_frame_type = f.type;
  return o;
}

interface Metrics {
  "smoothed_rtt": number;
  "min_rtt": number;
  "latest_rtt": number;
  "rtt_variance": number;
  "congestion_window": number;
  "bytes_in_flight": number;
}

/** A qlog JSON-SEQ file of one endpoint: one trace, events grouped by connection. */
export class QlogFile {
  readonly #file: Deno.FsFile;
  readonly #referenceUs: number;
  readonly #groups = new WeakMap<Uint8Array, string>();
  readonly #metrics = new Map<string, Metrics>();
  #closed = false;
  /** The trace hook to put in the connection config (`qlog`). */
  readonly sink: QlogSink;

  private constructor(file: Deno.FsFile, vantage: "client" | "server", referenceUs: number) {
    this.#file = file;
    this.#referenceUs = referenceUs;
    this.#record({
      qlog_version: "0.4",
      qlog_format: "JSON-SEQ",
      title: `pquic ${vantage}`,
      trace: {
        vantage_point: { name: "pquic", type: vantage },
        common_fields: {
          time_format: "relative",
          reference_time: Date.now(),
          protocol_type: ["QUIC", "HTTP3"],
        },
      },
    });
    this.sink = {
      packetSent: (odcid, now, type, pn, size, frames) => {
        this.event(now, "quic:packet_sent", {
          header: { packet_type: PACKET_TYPES[type] ?? "unknown", packet_number: pn },
          raw: { length: size },
          frames: frames.map(frameObject),
        }, this.#group(odcid));
      },
      packetReceived: (odcid, now, type, pn, size) => {
        this.event(now, "quic:packet_received", {
          header: { packet_type: PACKET_TYPES[type] ?? "unknown", packet_number: pn },
          raw: { length: size },
        }, this.#group(odcid));
      },
      packetLost: (odcid, now, space, pn, size) => {
        this.event(now, "recovery:packet_lost", {
          header: { packet_type: SPACE_PACKET_TYPES[space] ?? "1RTT", packet_number: pn },
          raw: { length: size },
        }, this.#group(odcid));
      },
      metricsUpdated: (odcid, now, srtt, minRtt, latest, rttvar, cwnd, inFlight) => {
        const group = this.#group(odcid);
        const next: Metrics = {
          "smoothed_rtt": srtt / 1000,
          "min_rtt": minRtt / 1000,
          "latest_rtt": latest / 1000,
          "rtt_variance": rttvar / 1000,
          "congestion_window": cwnd,
          "bytes_in_flight": inFlight,
        };
        const last = this.#metrics.get(group);
        const changed: Record<string, number> = {};
        let any = false;
        for (const k of Object.keys(next) as (keyof Metrics)[]) {
          if (last === undefined || last[k] !== next[k]) {
            changed[k] = next[k];
            any = true;
          }
        }
        this.#metrics.set(group, next);
        if (any) this.event(now, "recovery:metrics_updated", changed, group);
      },
      // Plugin events ("monitoring:summary", "plugin:fault", …): u64 fields as
      // JSON numbers while exact, else as decimal strings.
      pluginEvent: (odcid, now, plugin, name, data) => {
        const fields: Record<string, unknown> = { plugin };
        for (const [k, v] of Object.entries(data)) {
          fields[k] = typeof v === "bigint" && v <= BigInt(Number.MAX_SAFE_INTEGER)
            ? Number(v)
            : String(v);
        }
        this.event(now, name, fields, this.#group(odcid));
      },
    };
  }

  /**
   * Creates (or truncates) `path` and writes the header.
   *
   * @param referenceUs The transport time (µs) that `time` 0 stands for.
   */
  static open(path: string, vantage: "client" | "server", referenceUs = 0): QlogFile {
    const file = Deno.openSync(path, { write: true, create: true, truncate: true });
    return new QlogFile(file, vantage, referenceUs);
  }

  /** Writes one event at transport time `now` (µs). */
  event(now: number, name: string, data: Record<string, unknown>, group?: string): void {
    if (this.#closed) return;
    const e: Record<string, unknown> = { time: (now - this.#referenceUs) / 1000, name, data };
    if (group !== undefined) e.group_id = group;
    this.#record(e);
  }

  #group(odcid: Uint8Array): string {
    let g = this.#groups.get(odcid);
    if (g === undefined) {
      g = hex(odcid);
      this.#groups.set(odcid, g);
    }
    return g;
  }

  #record(value: unknown): void {
    writeAll(this.#file, encoder.encode(RS + JSON.stringify(value) + "\n"));
  }

  /** Closes the file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#file.close();
    } catch {
      // Already closed.
    }
  }
}
