/**
 * The one error type of the protoop seam (DESIGN.md principle 2, STYLE.md §12).
 *
 * PQUIC ends the process (`exit(-1)`) on an unknown protoop, on recursion into
 * a running (protoop, param) and on intern/extern misuse (pquic-reference.md
 * §2.2, §11.3). Here each is a {@link ProtoopError} with a {@link ProtoopErrorKind}:
 * thrown inside the connection's call stack, caught by the connection's one
 * `catch`, and turned by {@link ProtoopError.toTransportError} into a close with
 * a clear reason. The endpoint and its other connections go on.
 *
 * Errors at attach time (a second `replace`, a bad param, an unknown name) are
 * the same type: the attach API throws them after rolling the plugin back.
 *
 * @module
 */

import { TransportError } from "../errors.ts";

/** What went wrong at the protoop seam. */
export const ProtoopErrorKind = {
  /** A name that is neither in the catalogue nor an extern a plugin exported. */
  UnknownOp: "unknownOp",
  /** A (protoop, param) was called while already running (PQUIC's loop guard). */
  Recursion: "recursion",
  /** Core code called an extern protoop (externs are for the application and pluglets). */
  ExternFromCore: "externFromCore",
  /** The application called an intern (catalogue) protoop through the extern entry. */
  InternAsExtern: "internAsExtern",
  /** More than {@link MAX_PROTOOP_ARGS} arguments. */
  TooManyArgs: "tooManyArgs",
  /** A second `replace` (or `extern`) for the same (protoop, param). */
  ReplaceExists: "replaceExists",
  /** A param on a protoop that takes none, or none on one that needs one. */
  BadParam: "badParam",
  /** `pre`/`post` on an extern, or `extern` on a catalogue protoop. */
  BadAnchor: "badAnchor",
  /** A protoop without core default was called and no pluglet implements it. */
  NoImplementation: "noImplementation",
  /** A pluglet used a handle that is not (or no longer) valid. */
  BadHandle: "badHandle",
  /** A pluglet threw, or returned a value its protoop cannot take. */
  PluginFault: "pluginFault",
  /** A frame reservation that cannot be honoured (bad size, unknown plugin). */
  BadReservation: "badReservation",
} as const;

/** One of {@link ProtoopErrorKind}. */
export type ProtoopErrorKind = typeof ProtoopErrorKind[keyof typeof ProtoopErrorKind];

/** PQUIC's `PROTOOPARGS_MAX`: at most this many arguments per protoop call. */
export const MAX_PROTOOP_ARGS = 16;

/**
 * An error at the protoop seam. Never ends the process: the connection closes
 * with {@link ProtoopError.toTransportError}'s reason.
 *
 * @example
 * ```ts
 * import { ProtoopError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new ProtoopError("recursion", "Cannot run protoop \"update_rtt\": it is already running");
 * assert.equal(e.kind, "recursion");
 * assert.equal(e.toTransportError().code, 0x01);
 * ```
 */
export class ProtoopError extends Error {
  /** What went wrong. */
  readonly kind: ProtoopErrorKind;
  /** The plugin involved, when one is. */
  readonly plugin: string | null;

  /**
   * @param kind What went wrong.
   * @param message Sentence-case message naming the protoop ("Cannot …: …").
   * @param plugin The plugin involved, if any.
   * @param options `cause`: the error a pluglet threw.
   */
  constructor(
    kind: ProtoopErrorKind,
    message: string,
    plugin: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ProtoopError";
    this.kind = kind;
    this.plugin = plugin;
  }

  /**
   * The error the connection closes with: INTERNAL_ERROR (RFC 9000 §20.1) and
   * a reason that names the kind, the plugin and the protoop.
   *
   * @returns A TransportError carrying this error's message.
   */
  toTransportError(): TransportError {
    const who = this.plugin === null ? "" : ` (plugin "${this.plugin}")`;
    return TransportError.internal(`Protoop ${this.kind}${who}: ${this.message}`);
  }
}
