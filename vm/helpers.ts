/**
 * Helpers: host functions a program calls with `call <id>` (RFC 9669 §4.3.1,
 * "helper functions"). Each has a number (the call's imm) and a name (ELF
 * objects call helpers as extern functions; the loader binds them by name, as
 * PQUIC does). Arguments arrive in r1..r5 and the result goes to r0.
 *
 * A helper that receives a pointer must check it with
 * `ctx.memory.check(addr, len, write)` before touching memory, and throw
 * `PluginFault("helper", …)` on any other bad argument. Engines fill in the
 * pc of the call on a PluginFault that lacks one; other exceptions pass
 * through unchanged.
 *
 * @module
 */

import type { InstanceMemory } from "./memory.ts";

/** What a helper sees of the running instance. */
export interface HelperContext {
  /** The instance memory (check every pointer against it). */
  memory: InstanceMemory;
  /** The embedder's per-instance state (connection, plugin, …). */
  data: unknown;
}

/** One helper function. */
export interface HelperDef {
  /** Number used by `call imm`; a non-negative 32-bit integer. */
  id: number;
  /** Name for ELF symbol binding and messages. */
  name: string;
  /**
   * The implementation: r1..r5 in, r0 out (all unsigned 64-bit; the engine
   * truncates the result with BigInt.asUintN(64, …)).
   */
  call(ctx: HelperContext, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint): bigint;
}

/**
 * Helpers by id and by name.
 *
 * @example
 * ```ts
 * import { HelperTable } from "./helpers.ts";
 * import assert from "node:assert/strict";
 * const t = new HelperTable();
 * t.register({ id: 1, name: "twice", call: (_c, a) => a * 2n });
 * assert.equal(t.byName("twice")?.id, 1);
 * ```
 */
export class HelperTable {
  #byId = new Map<number, HelperDef>();
  #byName = new Map<string, HelperDef>();

  /**
   * Adds a helper.
   *
   * @param def the helper
   * @returns this table
   * @throws RangeError on a duplicate id or name, or an invalid id
   */
  register(def: HelperDef): this {
    if (!Number.isInteger(def.id) || def.id < 0 || def.id > 0x7fff_ffff) {
      throw new RangeError(`Cannot register helper "${def.name}": invalid id ${def.id}`);
    }
    if (this.#byId.has(def.id)) {
      throw new RangeError(`Cannot register helper "${def.name}": id ${def.id} is taken`);
    }
    if (this.#byName.has(def.name)) {
      throw new RangeError(`Cannot register helper "${def.name}": name is taken`);
    }
    this.#byId.set(def.id, def);
    this.#byName.set(def.name, def);
    return this;
  }

  /**
   * @param id helper number
   * @returns the helper or undefined
   */
  byId(id: number): HelperDef | undefined {
    return this.#byId.get(id);
  }

  /**
   * @param name helper name
   * @returns the helper or undefined
   */
  byName(name: string): HelperDef | undefined {
    return this.#byName.get(name);
  }

  /** All helpers, in registration order. */
  all(): HelperDef[] {
    return [...this.#byId.values()];
  }
}
