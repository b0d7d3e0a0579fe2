/**
 * The bulk transfer behind the per-packet CPU benchmarks: a client sends
 * `bytes` on one stream to a server over a tree's in-memory `Pair` (1 ms one
 * way, fixed seed). Taking the tree's module as an argument lets one script
 * measure another checkout of the project.
 *
 * @module
 */

import process from "node:process";

interface ConnLike {
  isHandshakeConfirmed: boolean;
  openStream(bidi: boolean): number | null;
  write(id: number, data: Uint8Array, fin?: boolean): number;
  finish(id: number): void;
  read(id: number, max?: number): { data: Uint8Array; fin: boolean } | null;
  stats(): { packetsSent: number };
}
interface PairLike {
  client: ConnLike;
  server: ConnLike | null;
  drive(done: () => boolean, maxTime?: number, maxSteps?: number): boolean;
}

/** A tree's `transport/connection/_test_pair.ts`. */
export interface PairModule {
  Pair: { create(opts: { seed?: number; delay?: number }): Promise<PairLike> };
}

/** Imports the pair module of the tree at `root` (a directory URL). */
export async function loadPair(root: URL): Promise<PairModule> {
  return await import(new URL("transport/connection/_test_pair.ts", root).href) as PairModule;
}

/** One transfer: process CPU µs per packet sent by both ends, and the packet count. */
export async function transferCpu(
  mod: PairModule,
  bytes: number,
): Promise<{ perPacket: number; packets: number }> {
  const pair = await mod.Pair.create({ seed: 7, delay: 1_000 });
  pair.drive(() => pair.client.isHandshakeConfirmed && pair.server?.isHandshakeConfirmed === true);
  const server = pair.server!;
  const before = pair.client.stats().packetsSent + server.stats().packetsSent;
  const id = pair.client.openStream(true)!;
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let sent = 0;
  let received = 0;
  let finished = false;
  const c0 = process.cpuUsage();
  const ok = pair.drive(
    () => {
      while (sent < bytes) {
        const n = pair.client.write(id, chunk.subarray(0, Math.min(chunk.length, bytes - sent)));
        if (n === 0) break;
        sent += n;
      }
      if (sent === bytes && !finished) {
        pair.client.finish(id);
        finished = true;
      }
      for (let r = server.read(id); r !== null; r = server.read(id)) received += r.data.length;
      return received >= bytes;
    },
    600_000_000,
    10_000_000,
  );
  const cpu = process.cpuUsage(c0);
  if (!ok) throw new Error(`Transfer did not finish: ${received} of ${bytes} bytes`);
  const packets = pair.client.stats().packetsSent + server.stats().packetsSent - before;
  return { perPacket: (cpu.user + cpu.system) / packets, packets };
}
