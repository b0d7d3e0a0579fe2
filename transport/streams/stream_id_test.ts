import assert from "node:assert/strict";
import {
  isBidi,
  isClientInitiated,
  isLocallyInitiated,
  makeStreamId,
  streamIndex,
  streamType,
} from "./stream_id.ts";

Deno.test("makeStreamId() sets the type bits of RFC 9000 §2.1 Table 1", () => {
  assert.equal(makeStreamId(0, true, true), 0x00);
  assert.equal(makeStreamId(0, false, true), 0x01);
  assert.equal(makeStreamId(0, true, false), 0x02);
  assert.equal(makeStreamId(0, false, false), 0x03);
  assert.equal(makeStreamId(5, false, false), 23);
});

Deno.test("stream id helpers round-trip every type and large indices", () => {
  for (const index of [0, 1, 77, 2 ** 40, 2 ** 50]) {
    for (const client of [true, false]) {
      for (const bidi of [true, false]) {
        const id = makeStreamId(index, client, bidi);
        assert.equal(streamIndex(id), index);
        assert.equal(isBidi(id), bidi);
        assert.equal(isClientInitiated(id), client);
        assert.equal(isLocallyInitiated(id, client), true);
        assert.equal(isLocallyInitiated(id, !client), false);
        assert.equal(streamType(id), (client ? 0 : 1) + (bidi ? 0 : 2));
      }
    }
  }
});
