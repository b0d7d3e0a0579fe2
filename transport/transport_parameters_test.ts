import assert from "node:assert/strict";
import { TransportError, TransportErrorCode } from "./errors.ts";
import { Reader } from "./wire/reader.ts";
import { Writer } from "./wire/writer.ts";
import {
  decodeTransportParameters,
  defaultTransportParameters,
  encodeTransportParameters,
  TRANSPORT_PARAMETERS,
  transportParameterRow,
  type TransportParameters,
} from "./transport_parameters.ts";

function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  return Uint8Array.from(
    { length: clean.length / 2 },
    (_, i) => parseInt(clean.slice(2 * i, 2 * i + 2), 16),
  );
}

/** Encodes raw (id, value) parameters. */
function raw(...params: [number | bigint, Uint8Array][]): Uint8Array {
  const w = Writer.growable();
  for (const [id, value] of params) {
    w.varintBig(BigInt(id));
    w.varint(value.length);
    w.bytes(value);
  }
  return w.toBytes();
}

function varintBytes(v: number | bigint): Uint8Array {
  const w = Writer.growable();
  w.varintBig(BigInt(v));
  return w.toBytes();
}

function assertTpError(bytes: Uint8Array, sentBy: "client" | "server", message: RegExp) {
  assert.throws(
    () => decodeTransportParameters(bytes, sentBy),
    (e: unknown) => {
      assert.ok(e instanceof TransportError, `expected a TransportError, got ${e}`);
      assert.equal(e.code, TransportErrorCode.TRANSPORT_PARAMETER_ERROR);
      assert.match(e.message, message);
      return true;
    },
  );
}

const preferredAddress = {
  ipv4: hex("c0000201"),
  ipv4Port: 4433,
  ipv6: hex("20010db8000000000000000000000001"),
  ipv6Port: 443,
  cid: hex("0102030405060708"),
  resetToken: hex("00112233445566778899aabbccddeeff"),
};

function full(): TransportParameters {
  return {
    originalDestinationConnectionId: hex("8394c8f03e515708"),
    maxIdleTimeout: 30_000,
    statelessResetToken: hex("ffeeddccbbaa99887766554433221100"),
    maxUdpPayloadSize: 1472,
    initialMaxData: 2 ** 30,
    initialMaxStreamDataBidiLocal: 16384,
    initialMaxStreamDataBidiRemote: 16383,
    initialMaxStreamDataUni: 64,
    initialMaxStreamsBidi: 100,
    initialMaxStreamsUni: 63,
    ackDelayExponent: 20,
    maxAckDelay: 16383,
    disableActiveMigration: true,
    preferredAddress,
    activeConnectionIdLimit: 8,
    initialSourceConnectionId: hex(""),
    retrySourceConnectionId: hex("0a0b"),
    versionInformation: { chosen: 1, available: [1, 0x6b3343cf] },
    maxDatagramFrameSize: 65535,
    unknown: [{ id: 0x1bn, value: hex("") }, { id: 2n ** 62n - 1n, value: hex("abcd") }],
  };
}

Deno.test("defaultTransportParameters() takes RFC 9000 §18.2's defaults from the table", () => {
  const p = defaultTransportParameters();
  assert.deepEqual(p, {
    maxIdleTimeout: 0,
    maxUdpPayloadSize: 65527,
    initialMaxData: 0,
    initialMaxStreamDataBidiLocal: 0,
    initialMaxStreamDataBidiRemote: 0,
    initialMaxStreamDataUni: 0,
    initialMaxStreamsBidi: 0,
    initialMaxStreamsUni: 0,
    ackDelayExponent: 3,
    maxAckDelay: 25,
    disableActiveMigration: false,
    activeConnectionIdLimit: 2,
    unknown: [],
  });
  assert.deepEqual(encodeTransportParameters(p), new Uint8Array(0));
});

Deno.test("encodeTransportParameters() round trips every parameter", () => {
  const p = full();
  assert.deepEqual(decodeTransportParameters(encodeTransportParameters(p), "server"), p);
});

Deno.test("encodeTransportParameters() writes id, length and value byte-exactly", () => {
  const p = {
    ...defaultTransportParameters(),
    maxIdleTimeout: 64,
    disableActiveMigration: true,
    versionInformation: { chosen: 1, available: [1] },
    unknown: [{ id: 0x1bn, value: hex("ff") }],
  };
  assert.deepEqual(
    encodeTransportParameters(p),
    hex("01 02 4040  0c 00  11 08 00000001 00000001  1b 01 ff"),
  );
});

Deno.test("encodeTransportParameters() round trips varint edge values", () => {
  for (const v of [0, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, 2 ** 53 - 1]) {
    const p: TransportParameters = {
      ...defaultTransportParameters(),
      maxIdleTimeout: v,
      initialMaxData: v,
      initialMaxStreamDataUni: v,
      initialMaxStreamsBidi: v,
      maxDatagramFrameSize: v,
    };
    assert.deepEqual(decodeTransportParameters(encodeTransportParameters(p), "client"), p);
  }
});

Deno.test("decodeTransportParameters() saturates values above 2^53-1", () => {
  const p = decodeTransportParameters(raw([0x04, varintBytes(2n ** 62n - 1n)]), "client");
  assert.equal(p.initialMaxData, Number.MAX_SAFE_INTEGER);
});

Deno.test("decodeTransportParameters() preserves unknown and GREASE parameters in order", () => {
  const grease = 31n * 5n + 27n;
  const p = decodeTransportParameters(
    raw([grease, hex("0102")], [0x04, hex("10")], [0xff73db, hex("")]),
    "client",
  );
  assert.equal(p.initialMaxData, 16);
  assert.deepEqual(p.unknown, [{ id: grease, value: hex("0102") }, {
    id: 0xff73dbn,
    value: hex(""),
  }]);
});

Deno.test("decodeTransportParameters() rejects duplicates, known and unknown", () => {
  assertTpError(raw([0x04, hex("01")], [0x04, hex("02")]), "client", /duplicate/);
  assertTpError(raw([0x1b, hex("")], [0x1b, hex("")]), "client", /duplicate/);
});

Deno.test("decodeTransportParameters() rejects server-only parameters from a client", () => {
  const token = hex("00112233445566778899aabbccddeeff");
  for (const [id, value] of [[0x00, hex("01")], [0x02, token], [0x10, hex("01")]] as const) {
    assertTpError(raw([id, value]), "client", /sent by a client/);
    decodeTransportParameters(raw([id, value]), "server");
  }
  const pa = encodeTransportParameters({ ...defaultTransportParameters(), preferredAddress });
  assertTpError(pa, "client", /preferred_address sent by a client/);
});

Deno.test("encodeTransportParameters() refuses server-only parameters for a client", () => {
  assert.throws(() => encodeTransportParameters(full(), "client"), RangeError);
});

Deno.test("decodeTransportParameters() enforces the RFC 9000 §18.2 bounds", () => {
  assertTpError(raw([0x03, varintBytes(1199)]), "client", /below 1200/);
  decodeTransportParameters(raw([0x03, varintBytes(1200)]), "client");
  assertTpError(raw([0x0a, varintBytes(21)]), "client", /exceeds 20/);
  decodeTransportParameters(raw([0x0a, varintBytes(20)]), "client");
  assertTpError(raw([0x0b, varintBytes(16384)]), "client", /exceeds 16383/);
  assertTpError(raw([0x0e, varintBytes(1)]), "client", /below 2/);
  assertTpError(raw([0x08, varintBytes(2n ** 60n + 1n)]), "client", /exceeds/);
  assertTpError(raw([0x09, varintBytes(2n ** 60n + 1n)]), "client", /exceeds/);
  const p = decodeTransportParameters(raw([0x09, varintBytes(2n ** 60n)]), "client");
  assert.equal(p.initialMaxStreamsUni, Number.MAX_SAFE_INTEGER);
});

Deno.test("decodeTransportParameters() rejects values whose length does not match", () => {
  assertTpError(raw([0x04, hex("0101")]), "client", /not one varint/);
  assertTpError(raw([0x04, hex("")]), "client", /past the end/);
  assertTpError(raw([0x04, hex("4001 00")]), "client", /not one varint/);
  assertTpError(raw([0x0c, hex("00")]), "client", /not empty/);
  assertTpError(raw([0x02, hex("0011")]), "server", /not 16 bytes/);
  assertTpError(raw([0x0f, new Uint8Array(21)]), "client", /longer than 20/);
});

Deno.test("decodeTransportParameters() rejects every cut inside a parameter", () => {
  const bytes = encodeTransportParameters(full());
  // Parameter boundaries: a cut there is a valid, shorter list.
  const boundaries = new Set<number>([0]);
  const r = new Reader(bytes);
  while (!r.eof) {
    r.varintBig();
    r.skip(r.varint());
    boundaries.add(r.pos);
  }
  for (let n = 1; n < bytes.length; n++) {
    if (boundaries.has(n)) {
      decodeTransportParameters(bytes.subarray(0, n), "server");
    } else {
      assertTpError(bytes.subarray(0, n), "server", /.+/);
    }
  }
  assertTpError(hex("04 02 01"), "client", /past the end/);
});

Deno.test("decodeTransportParameters() decodes preferred_address fully", () => {
  const bytes = encodeTransportParameters({ ...defaultTransportParameters(), preferredAddress });
  assert.deepEqual(
    bytes,
    hex(
      "0d 31 c0000201 1151 20010db8000000000000000000000001 01bb 08 0102030405060708" +
        " 00112233445566778899aabbccddeeff",
    ),
  );
  assert.deepEqual(decodeTransportParameters(bytes, "server").preferredAddress, preferredAddress);
});

Deno.test("decodeTransportParameters() rejects a preferred_address with a zero-length CID", () => {
  const value = hex(
    "c0000201 1151 20010db8000000000000000000000001 01bb 00 00112233445566778899aabbccddeeff",
  );
  assertTpError(raw([0x0d, value]), "server", /connection ID length 0/);
  assertTpError(raw([0x0d, value.subarray(0, value.length - 1)]), "server", /.+/);
  const trailing = hex(
    "c0000201 1151 20010db8000000000000000000000001 01bb 01 aa 00112233445566778899aabbccddeeff ff",
  );
  assertTpError(raw([0x0d, trailing]), "server", /trailing bytes/);
  const exact = decodeTransportParameters(
    raw([0x0d, trailing.subarray(0, trailing.length - 1)]),
    "server",
  );
  assert.deepEqual(exact.preferredAddress?.cid, hex("aa"));
});

Deno.test("decodeTransportParameters() validates version_information (RFC 9368 §3)", () => {
  const ok = decodeTransportParameters(raw([0x11, hex("6b3343cf 00000001 6b3343cf")]), "client");
  assert.deepEqual(ok.versionInformation, { chosen: 0x6b3343cf, available: [1, 0x6b3343cf] });
  const alone = decodeTransportParameters(raw([0x11, hex("00000001")]), "client");
  assert.deepEqual(alone.versionInformation, { chosen: 1, available: [] });
  assertTpError(raw([0x11, hex("")]), "client", /non-zero multiple of 4/);
  assertTpError(raw([0x11, hex("00000001 0000")]), "client", /non-zero multiple of 4/);
  assertTpError(raw([0x11, hex("00000000 00000001")]), "client", /chosen version is 0/);
  assertTpError(raw([0x11, hex("00000001 00000000")]), "client", /version 0/);
});

Deno.test("the table has unique ids and derives the row lookup", () => {
  const ids = TRANSPORT_PARAMETERS.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(transportParameterRow(0x20)?.name, "max_datagram_frame_size");
  assert.equal(transportParameterRow(0x11n)?.key, "versionInformation");
  assert.equal(transportParameterRow(0x1bn), undefined);
  assert.equal(transportParameterRow(2n ** 62n - 1n), undefined);
});
