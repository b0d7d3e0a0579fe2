/**
 * Loops calling the pquic helpers as plugins do (plugins/helpers.ts), for
 * bench/vm_bench.ts: their eBPF text, the helper state they run with and the
 * same loops in plain TypeScript.
 *
 * @module
 */

import { type InstanceMemory, MEMORY_BASE } from "../vm/memory.ts";
import { type HelperState, PQUIC_HELPERS } from "../plugins/helpers.ts";
import { FakeCall, FakeHost } from "../plugins/_testing.ts";
import { PluginHeap } from "../plugins/memory.ts";

/** Id of a pquic helper. */
function pquicId(name: string): number {
  return PQUIC_HELPERS.byName(name)!.id;
}

/** Records (loop iterations) per run. */
export const RECORDS = 100;

/**
 * The loop of the record kernels, with `body` after each record's copy: r6 =
 * where the next byte goes (from r1), r7 = the 8 records of 8 bytes (r2), r8 =
 * i, r9 = the count (r3); record i & 7 is copied to r6, which moves past it.
 * r0 = the end of what was written.
 */
function recordLoop(body: string): string {
  return `
  mov r6, r1
  mov r7, r2
  mov r8, 0
  mov r9, r3
loop:
  mov r1, r6
  mov r2, r8
  and r2, 7
  lsh r2, 3
  add r2, r7
  mov r3, 8
  call ${pquicId("my_memcpy")}
  add r6, 8${body}
  add r8, 1
  jlt r8, r9, loop
  mov r0, r6
  exit`;
}

/**
 * r1 = out, r2 = 8 records of 8 bytes, r3 = count: copies record i & 7 to
 * out + 8i for each i (as a pluglet gathering entries into its buffer).
 */
export const MEMCPY_ASM = recordLoop("");

/**
 * The same, writing a frame: per record its 8 bytes, a varint (1000 i) and a
 * 16-bit network-order field (i); r0 = the end of what was written.
 */
export const FRAME_ASM = recordLoop(`
  mov r1, r6
  mov r2, 8
  mov r3, r8
  mul r3, 1000
  call ${pquicId("picoquic_varint_encode")}
  add r6, r0
  mov r1, r8
  call ${pquicId("my_htons")}
  stxh [r6+0], r0
  add r6, 2`);

/** r1 = count: sum of the protoop's inputs 0..3 read with get_cnx (host state). */
export const GET_CNX_ASM = `
  mov r6, 0
  mov r8, 0
  mov r9, r1
loop:
  mov r1, 0
  mov r2, 0
  mov r3, r8
  and r3, 3
  call ${pquicId("get_cnx")}
  add r6, r0
  add r8, 1
  jlt r8, r9, loop
  mov r0, r6
  exit`;
/** The protoop inputs get_cnx reads. */
export const CNX_INPUTS = [3n, 1n << 40n, 7n, 0xffff_ffff_ffff_fff0n];

/** The pquic helpers' state for one instance, inside a protoop call with CNX_INPUTS. */
export function pluginState(m: InstanceMemory): HelperState {
  const host = new FakeHost();
  return {
    plugin: "bench",
    host,
    heap: new PluginHeap(m),
    call: new FakeCall(host, "bench", { args: CNX_INPUTS }),
    faulted: false,
    cells: null,
  };
}

/** Heap offset of the 64 bytes of records. */
export const RECORD_SRC = 1024;
/** Heap offset of the output. */
export const RECORD_OUT = 2048;
/** The records. */
export const records = new Uint8Array(64).map((_, i) => (i * 11 + 5) & 0xff);
/** Puts the records in the heap; returns r1..r3 of the memcpy and frame kernels. */
export function onRecords(m: InstanceMemory): bigint[] {
  m.write(m.heapBase + RECORD_SRC, records);
  const a = (o: number) => MEMORY_BASE + BigInt(m.heapBase + o);
  return [a(RECORD_OUT), a(RECORD_SRC), BigInt(RECORDS)];
}
/** The memcpy kernel in plain TypeScript. */
export function memcpyLoopTs(b: Uint8Array, out: number, src: number, n: number): number {
  for (let i = 0; i < n; i++) {
    const s = src + 8 * (i & 7);
    b.copyWithin(out + 8 * i, s, s + 8);
  }
  return out + 8 * n;
}

/** The frame writer in plain TypeScript (RFC 9000 §16 varints). */
export function frameWriterTs(b: Uint8Array, out: number, src: number, n: number): number {
  let p = out;
  for (let i = 0; i < n; i++) {
    const s = src + 8 * (i & 7);
    b.copyWithin(p, s, s + 8);
    p += 8;
    const v = i * 1000;
    if (v < 0x40) b[p++] = v;
    else if (v < 0x4000) {
      b[p++] = 0x40 | (v >> 8);
      b[p++] = v & 0xff;
    } else {
      b[p++] = 0x80 | (v >>> 24);
      b[p++] = (v >> 16) & 0xff;
      b[p++] = (v >> 8) & 0xff;
      b[p++] = v & 0xff;
    }
    b[p++] = (i >> 8) & 0xff; // htons(i) stored: network order
    b[p++] = i & 0xff;
  }
  return p;
}
