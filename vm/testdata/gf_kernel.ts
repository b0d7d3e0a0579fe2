/**
 * The GF(2^8) multiply-accumulate kernel in eBPF assembler, as clang emits
 * it for a table-based loop: `dst[i] ^= exp[log[src[i]] + log[c]]` for every
 * non-zero `src[i]`. Shared by the VM benchmark and the compiler's tests.
 *
 * Registers on entry: r1 = dst, r2 = src, r3 = length, r4 = c, r5 = the
 * tables (log at +0, exp at +256).
 *
 * @module
 */

/** The kernel's assembler text (see `vm/assembler.ts`). */
export const GF_MAC_ASM = `
  mov r6, r5
  add r6, r4
  ldxb r7, [r6+0]
  mov r8, 0
loop:
  mov r6, r2
  add r6, r8
  ldxb r0, [r6+0]
  jeq r0, 0, next
  mov r6, r5
  add r6, r0
  ldxb r0, [r6+0]
  add r0, r7
  mov r6, r5
  add r6, r0
  ldxb r0, [r6+256]
  mov r6, r1
  add r6, r8
  ldxb r9, [r6+0]
  xor r9, r0
  stxb [r6+0], r9
next:
  add r8, 1
  jlt r8, r3, loop
  mov r0, 0
  exit`;
