import assert from "node:assert/strict";
import { H3Error, H3ErrorCode } from "../errors.ts";
import { consumeDecoderInstructions, consumeEncoderInstructions } from "./instructions.ts";

const code = (c: number) => (e: unknown) => e instanceof H3Error && e.code === c;

Deno.test("consumeEncoderInstructions() accepts Set Dynamic Table Capacity 0 only", () => {
  assert.equal(consumeEncoderInstructions(Uint8Array.of(0x20, 0x20)), 2);
  assert.throws(
    () => consumeEncoderInstructions(Uint8Array.of(0x3f, 0xe1, 0x1f)),
    code(H3ErrorCode.QPACK_ENCODER_STREAM_ERROR),
  );
});

Deno.test("consumeEncoderInstructions() refuses insertions once they are complete", () => {
  // Insert with static name reference 1 (:path), value "/a".
  const insert = Uint8Array.of(0xc1, 0x02, 0x2f, 0x61);
  assert.equal(consumeEncoderInstructions(insert.subarray(0, 3)), 0, "waits for the rest");
  assert.throws(
    () => consumeEncoderInstructions(insert),
    code(H3ErrorCode.QPACK_ENCODER_STREAM_ERROR),
  );
  assert.throws(() => consumeEncoderInstructions(Uint8Array.of(0x41, 0x61, 0x00)), code(0x201));
  assert.throws(() => consumeEncoderInstructions(Uint8Array.of(0x00)), code(0x201));
});

Deno.test("consumeDecoderInstructions() accepts Stream Cancellation and refuses the rest", () => {
  assert.equal(consumeDecoderInstructions(Uint8Array.of(0x44, 0x7f)), 1, "the second waits");
  assert.equal(consumeDecoderInstructions(Uint8Array.of(0x44, 0x7f, 0x01)), 3);
  assert.throws(
    () => consumeDecoderInstructions(Uint8Array.of(0x84)),
    code(H3ErrorCode.QPACK_DECODER_STREAM_ERROR),
  );
  assert.throws(
    () => consumeDecoderInstructions(Uint8Array.of(0x01)),
    code(H3ErrorCode.QPACK_DECODER_STREAM_ERROR),
  );
});
