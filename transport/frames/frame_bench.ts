/**
 * Benchmarks of the frame fast path: parsing and writing a packet payload of
 * ACK + STREAM, and a CRYPTO frame.
 *
 * @module
 */

import { Reader } from "../wire/reader.ts";
import { Writer } from "../wire/writer.ts";
import { parseFrame } from "./frame.ts";
import { writeAckFrame } from "./ack.ts";
import { writeStreamFrame } from "./stream.ts";
import { writeCryptoFrame } from "./crypto.ts";

const ACK_RANGES = [1000, 990, 980, 900, 850, 800];
const DATA = new Uint8Array(1200);
const packet = new Uint8Array(1500);
const w = new Writer(packet);
writeAckFrame(w, ACK_RANGES, 25);
writeStreamFrame(w, 4, 123_456_789, DATA, false);
const payloadEnd = w.pos;

Deno.bench("parseFrame() ACK + 1200-byte STREAM", { group: "frames", baseline: true }, () => {
  const r = new Reader(packet, 0, payloadEnd);
  while (r.pos < r.end) parseFrame(r);
});

Deno.bench("writeAckFrame() + writeStreamFrame() 1200 bytes", { group: "frames" }, () => {
  const out = new Writer(packet);
  writeAckFrame(out, ACK_RANGES, 25);
  writeStreamFrame(out, 4, 123_456_789, DATA, false);
});

Deno.bench("writeCryptoFrame() 1200 bytes", { group: "frames" }, () => {
  writeCryptoFrame(new Writer(packet), 4096, DATA);
});
