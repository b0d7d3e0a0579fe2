import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { NEW_TOKEN_LIFETIME, RETRY_TOKEN_LIFETIME, TokenKeys, TokenKind } from "./tokens.ts";

const secret = new Uint8Array(32).fill(7);
const addr = { hostname: "127.0.0.1", port: 5000 };
const contents = {
  originalDcid: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
  retryScid: new Uint8Array([9, 9]),
};

Deno.test("TokenKeys.resetToken() is stable per CID and differs between CIDs and keys", () => {
  const k = new TokenKeys(secret, new SeededRandom(1));
  const a = k.resetToken(new Uint8Array([1, 2, 3]));
  assert.equal(a.length, 16);
  assert.deepEqual(a, k.resetToken(new Uint8Array([1, 2, 3])));
  assert.notDeepEqual(a, k.resetToken(new Uint8Array([1, 2, 4])));
  const other = new TokenKeys(new Uint8Array(32).fill(8), new SeededRandom(1));
  assert.notDeepEqual(a, other.resetToken(new Uint8Array([1, 2, 3])));
});

Deno.test("TokenKeys.openRetryToken() returns what retryToken() sealed", () => {
  const k = new TokenKeys(secret, new SeededRandom(1));
  const t = k.retryToken(addr, contents, 1000);
  assert.deepEqual(k.openRetryToken(addr, t, 2000), contents);
});

Deno.test("TokenKeys.openRetryToken() refuses another address, tampering, age and garbage", () => {
  const k = new TokenKeys(secret, new SeededRandom(1));
  const t = k.retryToken(addr, contents, 1000);
  assert.equal(k.openRetryToken({ hostname: "127.0.0.1", port: 5001 }, t, 2000), null);
  const bad = t.slice();
  bad[15]! ^= 1;
  assert.equal(k.openRetryToken(addr, bad, 2000), null);
  assert.equal(k.openRetryToken(addr, t, 1000 + RETRY_TOKEN_LIFETIME + 1), null);
  assert.equal(k.openRetryToken(addr, t, 999), null);
  assert.equal(k.openRetryToken(addr, new Uint8Array(5), 2000), null);
  const other = new TokenKeys(new Uint8Array(32).fill(8), new SeededRandom(1));
  assert.equal(other.openRetryToken(addr, t, 2000), null);
});

Deno.test("TokenKeys.newToken() opens for the same host on any port until it expires", () => {
  const k = new TokenKeys(secret, new SeededRandom(2));
  const t = k.newToken(addr, 1_000);
  assert.equal(t[0], TokenKind.NewToken);
  assert.equal(k.openNewToken({ hostname: addr.hostname, port: 6000 }, t, 2_000), true);
  assert.equal(k.openNewToken({ hostname: "127.0.0.2", port: 5000 }, t, 2_000), false);
  assert.equal(k.openNewToken(addr, t, 1_000 + NEW_TOKEN_LIFETIME + 1), false);
  assert.equal(k.openNewToken(addr, t, 999), false, "issued in the future");
  const bad = t.slice();
  bad[bad.length - 1]! ^= 1;
  assert.equal(k.openNewToken(addr, bad, 2_000), false);
});

Deno.test("TokenKeys: Retry and NEW_TOKEN tokens are never taken for each other", () => {
  const k = new TokenKeys(secret, new SeededRandom(3));
  const retry = k.retryToken(addr, contents, 0);
  assert.equal(retry[0], TokenKind.Retry);
  assert.equal(k.openNewToken(addr, retry, 0), false);
  const nt = k.newToken(addr, 0);
  assert.equal(k.openRetryToken(addr, nt, 0), null);
  // Relabelled: the kind byte is authenticated.
  const relabelled = nt.slice();
  relabelled[0] = TokenKind.Retry;
  assert.equal(k.openRetryToken(addr, relabelled, 0), null);
});
