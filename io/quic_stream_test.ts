import assert from "node:assert/strict";
import type { Connection } from "../transport/connection/connection.ts";
import { QuicSendStream, type StreamHost, StreamSlot } from "./quic_stream.ts";

/** A host whose connection takes up to `room` bytes, counting the flushes asked for. */
function fakeHost(room: number) {
  const host = {
    queued: 0,
    room,
    wakes: 0,
    soonWakes: 0,
    finished: false,
    closeError: null,
    connection: {
      write(_id: number, data: Uint8Array): number {
        const n = Math.min(host.room, data.length);
        host.room -= n;
        host.queued += n;
        return n;
      },
      finish(_id: number): void {
        host.finished = true;
      },
    } as unknown as Connection,
    wake(): void {
      host.wakes++;
    },
    wakeSoon(): void {
      host.soonWakes++;
    },
    streamPartDone(_id: number): void {},
  };
  return host satisfies StreamHost;
}

Deno.test("QuicSendStream defers the flush of writes taken whole to the next turn", async () => {
  const host = fakeHost(1 << 20);
  const slot = new StreamSlot(0);
  const w = new QuicSendStream(host, slot).getWriter();
  for (let i = 0; i < 4; i++) await w.write(new Uint8Array(256 * 1024));
  assert.equal(host.queued, 1 << 20);
  assert.equal(host.wakes, 0);
  assert.equal(host.soonWakes, 4);
  await w.close();
  assert.equal(host.finished, true);
  assert.equal(host.wakes, 1, "close flushes at once");
});

Deno.test("QuicSendStream flushes at once when a write must wait for room", async () => {
  const host = fakeHost(1000);
  const slot = new StreamSlot(0);
  const w = new QuicSendStream(host, slot).getWriter();
  const done = w.write(new Uint8Array(3000));
  await Promise.resolve();
  assert.equal(host.queued, 1000);
  assert.equal(host.wakes, 1);
  host.room = 5000;
  slot.notifyWritable();
  await done;
  assert.equal(host.queued, 3000);
  assert.equal(host.soonWakes, 1);
});
