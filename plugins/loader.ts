/**
 * Loading a plugin: manifest → object files → verified programs. All or
 * nothing (pquic-reference.md §2.3): the first refusal refuses the whole
 * plugin, with a message naming the plugin, the file and the rule.
 *
 * A {@link LoadedPlugin} holds immutable programs and no per-connection
 * state, so it is cached and shared by every connection that injects the
 * plugin; `instance.ts` makes the per-connection instances. An object file
 * named by several lines is loaded and verified once.
 *
 * @module
 */

import { loadProgram, PluginFault, type Program, verify } from "../vm/mod.ts";
import { PQUIC_HELPERS } from "./helpers.ts";
import {
  type Manifest,
  type ManifestAnchor,
  type ManifestReader,
  parseManifest,
  type PluginOptions,
} from "./manifest.ts";

/** One pluglet of a loaded plugin. */
export interface LoadedPluglet {
  /** Protoop name. */
  readonly op: string;
  /** Param, when the manifest line has one. */
  readonly param?: number;
  /** Anchor. */
  readonly anchor: ManifestAnchor;
  /** Object file as written in the manifest. */
  readonly file: string;
  /** Injected only after negotiation (lines after `-`). */
  readonly negotiated: boolean;
  /** The verified program (shared by lines naming the same file). */
  readonly program: Program;
}

/** A plugin ready to be instantiated on connections. */
export interface LoadedPlugin {
  /** Plugin name. */
  readonly name: string;
  /** Name-line options. */
  readonly options: PluginOptions;
  /** Pluglets in manifest order. */
  readonly pluglets: readonly LoadedPluglet[];
  /** The parsed manifest. */
  readonly manifest: Manifest;
}

/** A plugin that cannot be loaded. */
export class PluginLoadError extends Error {
  /** Plugin name (or the manifest path when the name is unknown). */
  readonly plugin: string;
  /** The file at fault. */
  readonly file: string;

  /**
   * @param plugin plugin name
   * @param file the file at fault
   * @param reason what rule failed
   * @param cause the underlying error
   */
  constructor(plugin: string, file: string, reason: string, cause?: unknown) {
    super(`Cannot load plugin "${plugin}": ${file}: ${reason}`, { cause });
    this.name = "PluginLoadError";
    this.plugin = plugin;
    this.file = file;
  }
}

/**
 * Loads a plugin from its manifest.
 *
 * @param path path of the `.plugin` file, as `read` understands it
 * @param read reads the manifest, included manifests and object files
 * @returns the loaded plugin
 * @throws SyntaxError for a malformed manifest; PluginLoadError for a missing
 *   or refused object file (ELF or verifier rule, with its pc)
 * @example
 * ```ts
 * import { loadPlugin } from "./loader.ts";
 * import assert from "node:assert/strict";
 * // mov r0, 7; exit (raw bytecode is accepted, as by PQUIC)
 * const obj = new Uint8Array([0xb7, 0, 0, 0, 7, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
 * const files: Record<string, Uint8Array> = {
 *   "x/x.plugin": new TextEncoder().encode("be.example.x\nstream_opened post seven.o\n"),
 *   "x/seven.o": obj,
 * };
 * const p = loadPlugin("x/x.plugin", (f) => files[f] ?? null);
 * assert.equal(p.pluglets[0]!.program.instructions.length, 2);
 * ```
 */
export function loadPlugin(path: string, read: ManifestReader): LoadedPlugin {
  const manifest = parseManifest(path, read);
  return loadManifest(manifest, read);
}

/**
 * Loads the objects of an already parsed manifest.
 *
 * @param manifest the manifest
 * @param read reads object files (paths as in `ManifestPluglet.path`)
 * @returns the loaded plugin
 * @throws PluginLoadError for a missing or refused object file
 */
export function loadManifest(manifest: Manifest, read: ManifestReader): LoadedPlugin {
  const programs = new Map<string, Program>();
  const pluglets: LoadedPluglet[] = [];
  for (const line of manifest.pluglets) {
    let program = programs.get(line.path);
    if (program === undefined) {
      program = loadObject(manifest.name, line.file, line.path, read);
      programs.set(line.path, program);
    }
    pluglets.push({
      op: line.op,
      ...(line.param === undefined ? {} : { param: line.param }),
      anchor: line.anchor,
      file: line.file,
      negotiated: line.negotiated,
      program,
    });
  }
  return { name: manifest.name, options: manifest.options, pluglets, manifest };
}

function loadObject(plugin: string, file: string, path: string, read: ManifestReader): Program {
  const bytes = read(path);
  if (bytes === null) {
    throw new PluginLoadError(plugin, file, `object file cannot be read (${path})`);
  }
  try {
    const program = loadProgram(bytes, PQUIC_HELPERS);
    verify(program, PQUIC_HELPERS);
    return program;
  } catch (e) {
    if (e instanceof PluginFault) {
      const stage = e.kind === "verifier" ? "refused by the verifier" : "not a loadable object";
      throw new PluginLoadError(plugin, file, `${stage}: ${e.message}`, e);
    }
    throw e;
  }
}
