import assert from "node:assert/strict";
import { QuicVersion } from "../version.ts";
import {
  RETRY_TAG_LENGTH,
  retryIntegrityTag,
  retryPseudoPacket,
  verifyRetryIntegrity,
} from "./retry.ts";
import { DCID, hex, toHex, V1, V2 } from "./testdata/vectors.ts";

for (const v of [V1, V2]) {
  const rfc = v === V1 ? "RFC 9001" : "RFC 9369";
  Deno.test(`retryIntegrityTag() matches ${rfc} §A.4 (${v.name})`, () => {
    const retry = hex(v.retry);
    const body = retry.subarray(0, retry.length - RETRY_TAG_LENGTH);
    const tag = retryIntegrityTag(v.version, retryPseudoPacket(hex(DCID), body));
    assert.equal(toHex(tag), toHex(retry.subarray(retry.length - RETRY_TAG_LENGTH)));
  });

  Deno.test(`verifyRetryIntegrity() accepts ${rfc} §A.4 and refuses changes (${v.name})`, () => {
    const retry = hex(v.retry);
    assert.ok(verifyRetryIntegrity(v.version, hex(DCID), retry));
    // Another original DCID, another version, a changed token or tag: refused.
    assert.ok(!verifyRetryIntegrity(v.version, hex("8394c8f03e515709"), retry));
    const other = v === V1 ? QuicVersion.V2 : QuicVersion.V1;
    assert.ok(!verifyRetryIntegrity(other, hex(DCID), retry));
    for (const at of [0, 20, retry.length - 1]) {
      const bad = retry.slice();
      bad[at] = bad[at]! ^ 0x10;
      assert.ok(!verifyRetryIntegrity(v.version, hex(DCID), bad), `byte ${at}`);
    }
    assert.ok(!verifyRetryIntegrity(v.version, hex(DCID), retry.subarray(0, 10)));
  });
}

Deno.test("retryIntegrityTag() uses the draft-29 key and nonce for draft-29", () => {
  // The v1 example Retry re-labelled as draft-29; its tag differs from v1's and
  // round-trips through verifyRetryIntegrity().
  const body = hex(V1.retry).subarray(0, hex(V1.retry).length - RETRY_TAG_LENGTH).slice();
  body.set([0xff, 0x00, 0x00, 0x1d], 1);
  const pseudo = retryPseudoPacket(hex(DCID), body);
  const tag = retryIntegrityTag(QuicVersion.DRAFT_29, pseudo);
  assert.notEqual(toHex(tag), toHex(retryIntegrityTag(QuicVersion.V1, pseudo)));
  const packet = new Uint8Array(body.length + RETRY_TAG_LENGTH);
  packet.set(body);
  packet.set(tag, body.length);
  assert.ok(verifyRetryIntegrity(QuicVersion.DRAFT_29, hex(DCID), packet));
  assert.throws(() => retryIntegrityTag(0x0a0a0a0a, pseudo), RangeError);
});
