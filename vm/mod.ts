/**
 * The eBPF virtual machine: ELF loader, verifier, reference interpreter,
 * eBPF→WebAssembly compiler, sandboxed instance memory and the helper ABI.
 *
 * Typical use (the plugin layer):
 *
 * ```ts
 * import { createInstance, HelperTable, loadProgram, wasmCompiler } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const helpers = new HelperTable();
 * helpers.register({ id: 1, name: "twice", call: (_ctx, a) => a * 2n });
 * // mov r0, 21; exit (raw bytecode; ELF objects load the same way)
 * const raw = new Uint8Array([0xb7, 0, 0, 0, 21, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
 * const program = loadProgram(raw, helpers);
 * const inst = createInstance(program, helpers, { engine: wasmCompiler });
 * assert.equal(inst.run(), 21n);
 * ```
 *
 * @module
 */

export * from "./isa.ts";
export { decodeProgram, encodeProgram, insn } from "./decode.ts";
export {
  loadData,
  makeProgram,
  type MakeProgramOptions,
  type Program,
  programDigest,
  programFromBytes,
} from "./program.ts";
export {
  DEFAULT_MAX_MEMORY,
  InstanceMemory,
  type InstanceMemoryOptions,
  MAX_CALL_DEPTH,
  MEMORY_BASE,
  MEMORY_BASE_NUMBER,
  PAGE_SIZE,
  STACK_FRAME_SIZE,
  STACK_SIZE,
} from "./memory.ts";
export {
  type FaultDetails,
  type FaultKind,
  fuelFault,
  PluginFault,
  stackOverflowFault,
} from "./fault.ts";
export {
  type CellRule,
  checkNumberResult,
  type HelperContext,
  type HelperDef,
  type HelperIntrinsic,
  HelperTable,
  INTRINSIC_ARITY,
  invokeHelper,
  MAX_HELPER_ARGS,
  NUMBER_FALLBACK,
  observedHelpers,
} from "./helpers.ts";
export { DEFAULT_FUEL, type Engine, type EngineFactory, type RunOptions } from "./engine.ts";
export { assemble, assembleBytes } from "./assembler.ts";
export { disassemble, disassembleOne } from "./disassembler.ts";
export { verify, type VerifyOptions } from "./verifier.ts";
export { isElf, loadElf, type LoadOptions, loadProgram, MAX_ELF_SIZE } from "./elf.ts";
export { interpreter } from "./interpreter.ts";
export { wasmCompiler } from "./wasm/mod.ts";
export { createInstance, type Instance, type InstanceOptions, placeInput } from "./instance.ts";
export { vmCommand } from "./command.ts";
