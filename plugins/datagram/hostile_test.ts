/**
 * The datagram plugin against hostile and unusual DATAGRAM frames (RFC 9221
 * §4) from a peer: frames written byte for byte by a TypeScript plugin on
 * the client, read by the datagram plugin on the server. A malformed frame
 * closes the connection with FRAME_ENCODING_ERROR (RFC 9000 §12.4), never
 * with a plugin fault; a well-formed one is delivered.
 */

import assert from "node:assert/strict";
import { loadBuiltin } from "../builtins.ts";
import { injectedPlugins } from "../inject.ts";
import { simPluginPair } from "../_sim_testing.ts";
import type { ConnectionError } from "../../transport/connection/events.ts";
import type { PluginDefinition, PlugletCall } from "../../transport/protoop/mod.ts";
import { TransportErrorCode } from "../../transport/errors.ts";
import { SeededRandom } from "../../transport/random.ts";
import { Reader } from "../../transport/wire/reader.ts";
import type { Writer } from "../../transport/wire/writer.ts";

const datagram = loadBuiltin("datagram");

/**
 * A TypeScript plugin that books one frame with the given raw bytes (extern
 * `raw_send`), its type the first byte: how a hostile peer's DATAGRAM frame
 * is made.
 */
function rawFramePlugin(bytes: Uint8Array): PluginDefinition {
  const type = bytes[0]!;
  return {
    name: "test.raw_datagram",
    pluglets: [
      {
        op: "raw_send",
        anchor: "extern",
        pluglet: {
          run: (c: PlugletCall) =>
            BigInt(c.reserveFrames([{
              type,
              size: bytes.length,
              congestionControlled: false,
              retransmittable: true,
              ctx: 0n,
            }])),
        },
      },
      {
        op: "write_frame",
        param: type,
        anchor: "replace",
        pluglet: {
          run: (c: PlugletCall) => {
            const w = c.handle(c.args[1]!) as Writer;
            w.bytes(bytes);
            c.outputs[0] = BigInt(bytes.length);
            c.outputs[1] = 1n;
            return 0n;
          },
        },
      },
    ],
  };
}

/** What the server made of one raw frame: the datagrams it delivered, or how it closed. */
interface Outcome {
  readonly got: Uint8Array[];
  readonly error: ConnectionError | null;
}

async function sendRaw(bytes: Uint8Array, seed = 1): Promise<Outcome> {
  const p = await simPluginPair({
    seed,
    server: [datagram],
    clientConfig: { plugins: [rawFramePlugin(bytes)] },
  });
  let sent = false;
  const got: Uint8Array[] = [];
  p.client.app = (c) => {
    if (sent || !c.isHandshakeConfirmed) return;
    sent = true;
    c.callExtern("raw_send", []);
  };
  p.server.app = (_c, events) => {
    for (const e of events) if (e.type === "datagram") got.push(e.data);
  };
  p.sim.run({ until: () => p.server.has("closed") || got.length > 0, maxTime: 5_000_000 });
  p.sim.runFor(100_000);
  assert.ok(sent, "the frame was sent");
  assert.equal(injectedPlugins(p.serverConn()!)[0]!.fault, null, "no plugin fault");
  const closed = p.server.events.find((e) => e.type === "closed");
  return { got, error: closed?.type === "closed" ? closed.error : null };
}

function assertFrameEncodingError(o: Outcome): void {
  assert.ok(o.error?.kind === "transportError", JSON.stringify(o.error));
  assert.equal(o.error.code, TransportErrorCode.FRAME_ENCODING_ERROR);
}

Deno.test("datagram plugin: a DATAGRAM frame longer than its packet closes with FRAME_ENCODING_ERROR", async () => {
  // Type 0x31, length 16383 (a 2-byte varint), 3 bytes of data.
  const o = await sendRaw(new Uint8Array([0x31, 0x7f, 0xff, 1, 2, 3]));
  assertFrameEncodingError(o);
  assert.ok(o.error?.kind === "transportError" && /0x31/.test(o.error.reason), o.error?.kind);
  assert.deepEqual(o.got, []);
});

Deno.test("datagram plugin: a DATAGRAM frame with a truncated length closes with FRAME_ENCODING_ERROR", async () => {
  // Type 0x31 and an 8-byte varint length whose last bytes are the packet's next frames.
  assertFrameEncodingError(await sendRaw(new Uint8Array([0x31, 0xc0, 0, 0, 0, 0, 0])));
});

Deno.test("datagram plugin: a DATAGRAM frame with a 2-byte type and a zero length is delivered empty", async () => {
  // 0x31 as a 2-byte varint (RFC 9000 §16 allows any encoding), length 0 in 4 bytes.
  const o = await sendRaw(new Uint8Array([0x40, 0x31, 0x80, 0, 0, 0]));
  assert.equal(o.error, null);
  assert.deepEqual(o.got, [new Uint8Array(0)]);
});

Deno.test("datagram plugin: a DATAGRAM frame without length (0x30) takes the rest of the packet", async () => {
  const o = await sendRaw(new Uint8Array([0x30, 7, 8, 9]));
  assert.equal(o.error, null);
  assert.equal(o.got.length, 1);
  // The frame was the packet's last: its data is exactly what followed the type.
  assert.deepEqual(o.got[0], new Uint8Array([7, 8, 9]));
});

Deno.test("datagram plugin: random DATAGRAM frames are delivered or close with FRAME_ENCODING_ERROR, never fault", async () => {
  const rnd = new SeededRandom(0xd47a);
  let delivered = 0;
  let refused = 0;
  for (let i = 0; i < 12; i++) {
    // Even cases: a well-formed frame (1-byte length) with random data; odd: random bytes.
    const body = new Uint8Array(1 + (rnd.u32() % 24));
    rnd.fill(body);
    if (i % 2 === 0) body[0] = body.length - 1;
    const o = await sendRaw(new Uint8Array([0x31, ...body]), i + 1);
    if (o.error !== null) {
      assertFrameEncodingError(o);
      refused++;
      continue;
    }
    // Delivered: the data its length prefix names, as written.
    assert.equal(o.got.length, 1, `case ${i}`);
    const r = new Reader(body);
    const len = r.varint();
    assert.deepEqual(o.got[0], r.bytes(len), `case ${i}`);
    delivered++;
  }
  assert.ok(delivered >= 6, `delivered ${delivered}`);
  assert.ok(refused >= 1, `refused ${refused}`);
});
