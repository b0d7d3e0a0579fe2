/**
 * Test doubles for the plugin layer: a {@link FakeHost} (fields, buffers,
 * streams and metadata in maps; logs, qlog events and faults recorded) and a
 * {@link FakeCall} (one protoop call). Not part of the public API.
 *
 * @module
 */

import type { FieldKind } from "./helper_ids.ts";
import type { HostFrameBooking, PluginFaultReport, PluginHost, PlugletInvocation } from "./host.ts";
import type { LoadedPlugin } from "./loader.ts";

/** One setField seen by the fake host. */
export interface FieldWrite {
  /** Family. */
  kind: FieldKind;
  /** Key. */
  key: number;
  /** Param. */
  param: number;
  /** Object. */
  handle: bigint;
  /** Value. */
  value: bigint;
}

/** A PluginHost over maps. */
export class FakeHost implements PluginHost {
  /** Field values by `kind:key:param:handle`. */
  readonly fields = new Map<string, bigint>();
  /** Objects that exist, by handle → family. */
  readonly objects = new Map<bigint, FieldKind>();
  /** Host buffers by handle. */
  readonly buffers = new Map<bigint, { bytes: Uint8Array; writable: boolean }>();
  /** Stream id → handle. */
  readonly streams = new Map<bigint, bigint>();
  /** Metadata by `handle:index` (one plugin per host in these tests). */
  readonly metadata = new Map<string, bigint>();
  /** Field writes, in order. */
  readonly writes: FieldWrite[] = [];
  /** Log lines. */
  readonly logs: string[] = [];
  /** qlog events. */
  readonly qlogs: { plugin: string; name: string; data: Record<string, bigint> }[] = [];
  /** Fault reports. */
  readonly faults: PluginFaultReport[] = [];
  /** Current time, µs. */
  time = 1_000_000;

  /** Sets a field; declares the object. */
  set(kind: FieldKind, key: number, value: bigint, handle = 0n, param = 0): this {
    if (handle !== 0n) this.objects.set(handle, kind);
    this.fields.set(`${kind}:${key}:${param}:${handle}`, value);
    return this;
  }

  /** Reads a field as written (undefined if never set). */
  get(kind: FieldKind, key: number, handle = 0n, param = 0): bigint | undefined {
    return this.fields.get(`${kind}:${key}:${param}:${handle}`);
  }

  #object(kind: FieldKind, handle: bigint): void {
    if (kind === "cnx") return;
    if (this.objects.get(handle) !== kind) throw new Error(`handle ${handle} is not a ${kind}`);
  }

  getField(kind: FieldKind, key: number, param: number, handle: bigint): bigint {
    this.#object(kind, handle);
    return this.fields.get(`${kind}:${key}:${param}:${handle}`) ?? 0n;
  }

  setField(kind: FieldKind, key: number, param: number, handle: bigint, value: bigint): void {
    this.#object(kind, handle);
    this.writes.push({ kind, key, param, handle, value });
    this.fields.set(`${kind}:${key}:${param}:${handle}`, value);
  }

  bytes(handle: bigint, write: boolean): Uint8Array | null {
    const b = this.buffers.get(handle);
    if (b === undefined || (write && !b.writable)) return null;
    return b.bytes;
  }

  findStream(streamId: bigint): bigint {
    return this.streams.get(streamId) ?? 0n;
  }

  now(): number {
    return this.time;
  }

  log(_plugin: string, line: string): void {
    this.logs.push(line);
  }

  qlog(plugin: string, name: string, data: Record<string, bigint>): void {
    this.qlogs.push({ plugin, name, data });
  }

  onFault(report: PluginFaultReport): void {
    this.faults.push(report);
  }
}

/** Options of {@link FakeCall}. */
export interface FakeCallOptions {
  /** Inputs. */
  args?: (bigint | number)[];
  /** Param. */
  param?: number;
  /** Anchor. */
  anchor?: string;
  /** Number of outputs. */
  outputs?: number;
  /** Body return value (post). */
  returnValue?: bigint;
  /** What `call` does (default: returns 0 and records). */
  onCall?: (
    name: string,
    args: readonly bigint[],
    param: number | undefined,
    out?: BigUint64Array,
  ) => bigint;
}

/** A PlugletInvocation over a FakeHost. */
export class FakeCall implements PlugletInvocation {
  readonly name: string;
  readonly param: number;
  readonly anchor: string;
  readonly args: BigUint64Array;
  readonly outputs: BigUint64Array;
  readonly returnValue: bigint;
  /** Protoops run through `call`. */
  readonly calls: { name: string; args: readonly bigint[]; param: number | undefined }[] = [];
  /** Frames booked. */
  readonly reservations: HostFrameBooking[][] = [];
  readonly #host: FakeHost;
  readonly #onCall: FakeCallOptions["onCall"];

  /**
   * @param host the host (metadata lives there)
   * @param name protoop name
   * @param opts inputs, param, anchor, outputs, return value
   */
  constructor(host: FakeHost, name: string, opts: FakeCallOptions = {}) {
    this.#host = host;
    this.name = name;
    this.param = opts.param ?? 0xffff;
    this.anchor = opts.anchor ?? "post";
    this.args = BigUint64Array.from((opts.args ?? []).map((a) => BigInt(a)));
    this.outputs = new BigUint64Array(opts.outputs ?? 4);
    this.returnValue = opts.returnValue ?? 0n;
    this.#onCall = opts.onCall;
  }

  call(name: string, args: readonly bigint[], param?: number, outputs?: BigUint64Array): bigint {
    this.calls.push({ name, args: [...args], param });
    return this.#onCall?.(name, args, param, outputs) ?? 0n;
  }

  getMetadata(handle: bigint, index: number): bigint {
    return this.#host.metadata.get(`${handle}:${index}`) ?? 0n;
  }

  setMetadata(handle: bigint, index: number, value: bigint): void {
    this.#host.metadata.set(`${handle}:${index}`, value);
  }

  reserveFrames(frames: readonly HostFrameBooking[]): number {
    this.reservations.push([...frames]);
    return frames.reduce((n, f) => n + f.size, 0);
  }
}

/**
 * Index of the pluglet for (op, param) in a loaded plugin.
 *
 * @throws Error when there is none
 */
export function plugletIndex(plugin: LoadedPlugin, op: string, param?: number): number {
  const i = plugin.pluglets.findIndex((p) => p.op === op && p.param === param);
  if (i < 0) throw new Error(`no pluglet for ${op} ${param ?? ""}`);
  return i;
}

/** A reader over an in-memory file map (text or bytes). */
export function mapReader(
  files: Record<string, string | Uint8Array>,
): (p: string) => Uint8Array | null {
  return (p) => {
    const f = files[p];
    if (f === undefined) return null;
    return typeof f === "string" ? new TextEncoder().encode(f) : f;
  };
}
