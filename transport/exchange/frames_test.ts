import assert from "node:assert/strict";
import { TransportError } from "../errors.ts";
import { mutate } from "../_fuzz.ts";
import { SeededRandom } from "../random.ts";
import { Reader } from "../wire/reader.ts";
import { Writer } from "../wire/writer.ts";
import { ExchangeFrameType, PluginStateCode } from "./codepoints.ts";
import {
  type ExchangeFrame,
  MAX_REASON_BYTES,
  parseExchangeFrame,
  sizeExchangeFrame,
  writeExchangeFrame,
} from "./frames.ts";

const plugin = { name: "be.example.p", digest: new Uint8Array(32).map((_, i) => i) };

const SAMPLES: ExchangeFrame[] = [
  { type: ExchangeFrameType.PLUGIN_REQUEST, requestId: 3, plugin, maxData: 65536 },
  {
    type: ExchangeFrameType.PLUGIN_DATA,
    requestId: 3,
    bundleSize: 5000,
    offset: 1000,
    data: new Uint8Array(900).fill(0x5a),
  },
  { type: ExchangeFrameType.PLUGIN_MAX_DATA, requestId: 70, maxData: 1 << 20 },
  { type: ExchangeFrameType.PLUGIN_STATE, plugin, state: PluginStateCode.READY, reason: "" },
  {
    type: ExchangeFrameType.PLUGIN_STATE,
    plugin,
    state: PluginStateCode.REFUSED,
    reason: "refusé: bad signature",
  },
];

function encode(f: ExchangeFrame): Uint8Array {
  const w = new Writer(new Uint8Array(sizeExchangeFrame(f)));
  writeExchangeFrame(w, f);
  assert.equal(w.pos, sizeExchangeFrame(f), "size matches what is written");
  return w.toBytes();
}

Deno.test("writeExchangeFrame() and parseExchangeFrame() round-trip every frame", () => {
  for (const f of SAMPLES) {
    const bytes = encode(f);
    const r = new Reader(bytes);
    assert.deepEqual(parseExchangeFrame(r), f);
    assert.equal(r.pos, bytes.length);
  }
});

Deno.test("writeExchangeFrame() uses two-byte frame types 0x3e50..0x3e53", () => {
  const bytes = encode(SAMPLES[0]!);
  assert.deepEqual([...bytes.subarray(0, 2)], [0x7e, 0x50]);
});

Deno.test("PLUGIN_STATE reasons are cut to 256 bytes", () => {
  const long = "x".repeat(1000);
  const f: ExchangeFrame = {
    type: ExchangeFrameType.PLUGIN_STATE,
    plugin,
    state: PluginStateCode.REFUSED,
    reason: long,
  };
  const back = parseExchangeFrame(new Reader(encode(f)));
  assert.equal(
    back.type === ExchangeFrameType.PLUGIN_STATE && back.reason,
    long.slice(0, MAX_REASON_BYTES),
  );
});

Deno.test("parseExchangeFrame() rejects data beyond the bundle size and unknown states", () => {
  const data = encode({
    type: ExchangeFrameType.PLUGIN_DATA,
    requestId: 0,
    bundleSize: 10,
    offset: 8,
    data: new Uint8Array(2),
  });
  data[4] = 9; // offset 9 + 2 bytes > 10 (type 2 bytes, id 1, size 1, offset at index 4)
  assert.throws(() => parseExchangeFrame(new Reader(data)), (e) => {
    assert.ok(e instanceof TransportError);
    assert.equal(e.code, 0x07);
    assert.equal(e.frameType, ExchangeFrameType.PLUGIN_DATA);
    return true;
  });
  const st = encode(SAMPLES[3]!);
  st[st.length - 2] = 9;
  assert.throws(() => parseExchangeFrame(new Reader(st)), /unknown state 9/);
});

Deno.test("parseExchangeFrame() gives FRAME_ENCODING_ERROR or a frame that round-trips (fuzz)", () => {
  const rng = new SeededRandom(7);
  for (let i = 0; i < 3000; i++) {
    const input = mutate(rng, encode(SAMPLES[i % SAMPLES.length]!));
    const r = new Reader(input);
    try {
      const f = parseExchangeFrame(r);
      // Varints may come longer than needed (RFC 9000 §16): compare values, not bytes.
      assert.deepEqual(parseExchangeFrame(new Reader(encode(f))), f);
    } catch (e) {
      assert.ok(e instanceof TransportError, String(e));
      assert.equal(e.code, 0x07);
    }
  }
});
