/**
 * Seeded fuzzing of decodeTransportParameters() (STYLE.md §20): random bytes and
 * mutations of valid encodings. Invariant: either a TransportError with
 * TRANSPORT_PARAMETER_ERROR, or parameters that encode and decode back equal.
 */
import assert from "node:assert/strict";
import { TransportError, TransportErrorCode } from "./errors.ts";
import { SeededRandom } from "./random.ts";
import {
  decodeTransportParameters,
  defaultTransportParameters,
  encodeTransportParameters,
  type TransportParameters,
} from "./transport_parameters.ts";
import { mutate } from "./_fuzz.ts";

const INPUTS = 25_000;
const EDGES = [0, 1, 2, 3, 20, 25, 63, 64, 1200, 16383, 16384, 65527, 2 ** 30, 2 ** 53 - 1];

function bytes(rng: SeededRandom, n: number): Uint8Array {
  const b = new Uint8Array(n);
  rng.fill(b);
  return b;
}

function value(rng: SeededRandom, min: number, max: number): number {
  const v = rng.u32() % 2 === 0 ? EDGES[rng.u32() % EDGES.length]! : rng.u32();
  return Math.max(min, Math.min(max, v));
}

function randomParameters(rng: SeededRandom, server: boolean): TransportParameters {
  const p = defaultTransportParameters();
  const maybe = () => rng.u32() % 2 === 0;
  if (maybe()) p.maxIdleTimeout = value(rng, 0, 2 ** 53 - 1);
  if (maybe()) p.maxUdpPayloadSize = value(rng, 1200, 2 ** 53 - 1);
  if (maybe()) p.initialMaxData = value(rng, 0, 2 ** 53 - 1);
  if (maybe()) p.initialMaxStreamDataBidiLocal = value(rng, 0, 2 ** 53 - 1);
  if (maybe()) p.initialMaxStreamsBidi = value(rng, 0, 2 ** 53 - 1);
  if (maybe()) p.ackDelayExponent = value(rng, 0, 20);
  if (maybe()) p.maxAckDelay = value(rng, 0, 16383);
  if (maybe()) p.disableActiveMigration = true;
  if (maybe()) p.activeConnectionIdLimit = value(rng, 2, 2 ** 53 - 1);
  if (maybe()) p.initialSourceConnectionId = bytes(rng, rng.u32() % 21);
  if (maybe()) p.maxDatagramFrameSize = value(rng, 0, 65535);
  if (maybe()) {
    p.versionInformation = { chosen: 1 + (rng.u32() % 0xfffffffe), available: [1, 0x6b3343cf] };
  }
  if (server) {
    if (maybe()) p.originalDestinationConnectionId = bytes(rng, rng.u32() % 21);
    if (maybe()) p.statelessResetToken = bytes(rng, 16);
    if (maybe()) p.retrySourceConnectionId = bytes(rng, rng.u32() % 21);
    if (maybe()) {
      p.preferredAddress = {
        ipv4: bytes(rng, 4),
        ipv4Port: rng.u32() & 0xffff,
        ipv6: bytes(rng, 16),
        ipv6Port: rng.u32() & 0xffff,
        cid: bytes(rng, 1 + (rng.u32() % 20)),
        resetToken: bytes(rng, 16),
      };
    }
  }
  const unknownCount = rng.u32() % 3;
  for (let i = 0; i < unknownCount; i++) {
    p.unknown.push({ id: 0x40n + BigInt(i) * 31n + 27n, value: bytes(rng, rng.u32() % 6) });
  }
  return p;
}

Deno.test("decodeTransportParameters() fuzz: typed errors or stable round trips", () => {
  const rng = new SeededRandom(0x18);
  let decoded = 0;
  for (let i = 0; i < INPUTS; i++) {
    const sentBy = rng.u32() % 2 === 0 ? "client" : "server";
    const input = i % 5 === 0
      ? bytes(rng, rng.u32() % 40)
      : mutate(rng, encodeTransportParameters(randomParameters(rng, sentBy === "server")));
    let p: TransportParameters;
    try {
      p = decodeTransportParameters(input, sentBy);
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      assert.equal(e.code, TransportErrorCode.TRANSPORT_PARAMETER_ERROR);
      continue;
    }
    decoded++;
    assert.deepEqual(decodeTransportParameters(encodeTransportParameters(p, sentBy), sentBy), p);
  }
  assert.ok(decoded > INPUTS / 10, `only ${decoded} inputs decoded`);
  assert.ok(decoded < INPUTS * 0.9, `${decoded} inputs decoded: mutations too weak`);
});
