/**
 * The one error type of the VM: a refused program (verifier, ELF) or a fault
 * at run time (out of bounds, budget spent, bad helper argument, stack
 * overflow). Messages follow rbpf / uBPF: what happened, where (pc), and for
 * memory faults the address, size and the valid range.
 *
 * @module
 */

/** What went wrong. */
export type FaultKind =
  | "verifier"
  | "elf"
  | "out_of_bounds"
  | "fuel"
  | "helper"
  | "stack_overflow"
  | "division"
  | "unsupported";

/** Optional details attached to a fault. */
export interface FaultDetails {
  /** Instruction index (slot) where the fault happened or the rule failed. */
  pc?: number;
  /** eBPF address of a faulting access. */
  address?: bigint;
  /** Size of a faulting access in bytes. */
  size?: number;
  /** Region the address falls in ("data", "stack", "heap", "outside"). */
  region?: string;
}

/**
 * A refusal or a run-time fault of a plugin program.
 *
 * @example
 * ```ts
 * import { PluginFault } from "./fault.ts";
 * import assert from "node:assert/strict";
 * const f = new PluginFault("fuel", "fuel exhausted", { pc: 3 });
 * assert.equal(f.kind, "fuel");
 * assert.equal(f.pc, 3);
 * ```
 */
export class PluginFault extends Error {
  /** Category of the fault. */
  readonly kind: FaultKind;
  /** Instruction index, when known. */
  pc?: number;
  /** Faulting address, for memory faults. */
  readonly address?: bigint;
  /** Access size, for memory faults. */
  readonly size?: number;
  /** Memory region name, for memory faults. */
  readonly region?: string;

  /**
   * @param kind category
   * @param message one line, without final period
   * @param details pc, address, size, region
   */
  constructor(kind: FaultKind, message: string, details: FaultDetails = {}) {
    super(message);
    this.name = "PluginFault";
    this.kind = kind;
    if (details.pc !== undefined) this.pc = details.pc;
    if (details.address !== undefined) this.address = details.address;
    if (details.size !== undefined) this.size = details.size;
    if (details.region !== undefined) this.region = details.region;
  }
}

/**
 * Formats an eBPF address as `0x…` hex.
 *
 * @param a address (bigint or number)
 * @returns lowercase hex with `0x`
 */
export function hex(a: bigint | number): string {
  return "0x" + a.toString(16);
}

/**
 * The fault for a run that spent its instruction budget.
 *
 * @param budget the budget that was spent
 * @param pc where execution stopped
 * @returns a fault of kind "fuel"
 */
export function fuelFault(budget: number, pc: number): PluginFault {
  return new PluginFault(
    "fuel",
    `fuel exhausted: instruction budget of ${budget} spent (pc ${pc})`,
    { pc },
  );
}

/**
 * The fault for a bpf-to-bpf call beyond the maximum call depth.
 *
 * @param maxDepth frames allowed
 * @param pc the call instruction
 * @returns a fault of kind "stack_overflow"
 */
export function stackOverflowFault(maxDepth: number, pc: number): PluginFault {
  return new PluginFault(
    "stack_overflow",
    `stack overflow: call depth exceeds ${maxDepth} frames (pc ${pc})`,
    { pc },
  );
}
