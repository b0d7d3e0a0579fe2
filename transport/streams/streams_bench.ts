/**
 * Throughput of the stream layer alone: one stream, 8 MiB per iteration,
 * from `write` through STREAM frames (delivered and acknowledged at once) to
 * `read`, with MAX_DATA / MAX_STREAM_DATA flowing back.
 */

import { Streams } from "./streams.ts";

const LIMITS = {
  initialMaxData: 16 << 20,
  initialMaxStreamDataBidiLocal: 8 << 20,
  initialMaxStreamDataBidiRemote: 8 << 20,
  initialMaxStreamDataUni: 8 << 20,
  initialMaxStreamsBidi: 100,
  initialMaxStreamsUni: 100,
};
const TOTAL = 8 << 20;
const CHUNK = new Uint8Array(1 << 20);

function transfer(frameSize: number): void {
  const c = new Streams({ isClient: true, local: LIMITS, sendBufferSize: TOTAL });
  const s = new Streams({ isClient: false, local: LIMITS });
  c.setPeerLimits(LIMITS);
  s.setPeerLimits(LIMITS);
  const id = c.open(true)!;
  let written = 0;
  let read = 0;
  while (read < TOTAL) {
    while (written < TOTAL) {
      const n = c.write(id, CHUNK, written + CHUNK.length >= TOTAL);
      if (n === 0) break;
      written += n;
    }
    for (let f = c.nextStreamFrame(frameSize); f !== null; f = c.nextStreamFrame(frameSize)) {
      s.onStreamFrame(f);
      c.onStreamFrameAcked(f);
    }
    for (let r = s.read(id); r !== null; r = s.read(id)) read += r.data.length;
    for (let f = s.pollControlFrame(1200); f !== null; f = s.pollControlFrame(1200)) {
      if (f.type === 0x10) c.onMaxData(f);
      else if (f.type === 0x11) c.onMaxStreamData(f);
    }
  }
}

Deno.bench("Streams: 8 MiB in 1,400-byte STREAM frames", () => transfer(1400));
Deno.bench("Streams: 8 MiB in 16,000-byte STREAM frames", () => transfer(16_000));
