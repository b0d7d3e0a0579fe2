import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import type { PluginDefinition } from "../protoop/mod.ts";
import { defaultTransportParameters } from "../transport_parameters.ts";
import { establishedForTesting } from "./_testing.ts";
import type { Connection } from "./connection.ts";
import {
  DATAGRAM_MAX_SIZE_EXTERN,
  DATAGRAM_SEND_EXTERN,
  MAX_DATAGRAM_FRAME_SIZE_TP,
  processPeerDatagramParameter,
  withoutNativeDatagramParameter,
} from "./datagrams.ts";
import { ConnectionState } from "./events.ts";
import { pl } from "../../tests/_protoop_plugins.ts";

/** A TypeScript stand-in for the datagram plugin's externs: records what it is given. */
function externs(seen: Uint8Array[], result: () => bigint, max = 777n): PluginDefinition {
  return {
    name: "test.datagram_externs",
    pluglets: [
      {
        op: DATAGRAM_SEND_EXTERN,
        anchor: "extern",
        pluglet: pl((c) => {
          seen.push(c.handle(c.args[0]!) as Uint8Array);
          return result();
        }),
      },
      { op: DATAGRAM_MAX_SIZE_EXTERN, anchor: "extern", pluglet: pl(() => max) },
    ],
  };
}

function conn(plugins: PluginDefinition[] = [], peerMax?: number): Connection {
  const c = establishedForTesting(true, {
    random: new SeededRandom(3),
    serverName: "localhost",
    trustAnchors: [],
    plugins,
  }, 0);
  if (peerMax !== undefined) c.peerParams!.maxDatagramFrameSize = peerMax;
  return c;
}

Deno.test("sendDatagram() queues natively within the peer's max_datagram_frame_size", () => {
  const none = conn();
  assert.equal(none.maxDatagramPayload, 0);
  assert.equal(none.sendDatagram(new Uint8Array(1)), false);
  const c = conn([], 500);
  assert.equal(c.maxDatagramPayload, 491);
  assert.equal(c.sendDatagram(new Uint8Array(491)), true);
  assert.equal(c.sendDatagram(new Uint8Array(492)), false);
  assert.equal(c.datagrams.length, 1);
});

Deno.test("sendDatagram() hands the bytes to the datagram_send extern when a plugin exports it", () => {
  const seen: Uint8Array[] = [];
  let answer = 0n;
  const c = conn([externs(seen, () => answer)], 500);
  const d = new Uint8Array([1, 2, 3]);
  assert.equal(c.sendDatagram(d), true);
  assert.equal(seen[0], d, "the same bytes, by handle");
  answer = 1n;
  assert.equal(c.sendDatagram(new Uint8Array(2)), false, "the plugin refused it");
  assert.equal(c.datagrams.length, 0, "nothing on the native queue");
  assert.equal(c.maxDatagramPayload, 777);
  assert.equal(c.ops.handles.scoped, 0, "the buffer's handle is released");
});

Deno.test("sendDatagram() goes native again once the plugin is detached", () => {
  const seen: Uint8Array[] = [];
  const c = conn([], 500);
  const a = c.attachPlugin(externs(seen, () => 0n));
  assert.equal(c.sendDatagram(new Uint8Array(5)), true);
  a.detach();
  assert.equal(c.sendDatagram(new Uint8Array(6)), true);
  assert.equal(seen.length, 1);
  assert.equal(c.datagrams.length, 1);
  assert.equal(c.maxDatagramPayload, 491);
  assert.equal(c.state, ConnectionState.Established);
});

Deno.test("sendDatagram() closes the connection when the extern throws", () => {
  const c = conn([externs([], () => {
    throw new Error("boom");
  })], 500);
  assert.equal(c.sendDatagram(new Uint8Array(5)), false);
  assert.equal(c.state, ConnectionState.Closing);
  assert.equal(c.sendDatagram(new Uint8Array(5)), false);
});

Deno.test("withoutNativeDatagramParameter() drops the native value only when a plugin writes 0x20", () => {
  const params = { ...defaultTransportParameters(), maxDatagramFrameSize: 1000 };
  const plain = conn();
  assert.equal(withoutNativeDatagramParameter(plain, params), params);
  const writer: PluginDefinition = {
    name: "test.tp",
    pluglets: [{
      op: "write_transport_parameter",
      param: MAX_DATAGRAM_FRAME_SIZE_TP,
      anchor: "replace",
      pluglet: pl(() => 0n),
    }],
  };
  const c = conn([writer]);
  const out = withoutNativeDatagramParameter(c, params);
  assert.equal(out.maxDatagramFrameSize, undefined);
  assert.equal("maxDatagramFrameSize" in out, false);
  assert.equal(params.maxDatagramFrameSize, 1000, "the input is not changed");
});

Deno.test("processPeerDatagramParameter() gives the plugin the peer's value as one varint", () => {
  const got: [Uint8Array, bigint][] = [];
  const reader: PluginDefinition = {
    name: "test.tp",
    pluglets: [{
      op: "process_transport_parameter",
      param: MAX_DATAGRAM_FRAME_SIZE_TP,
      anchor: "replace",
      pluglet: pl((call) => {
        got.push([(call.handle(call.args[0]!) as Uint8Array).slice(), call.args[1]!]);
        return 0n;
      }),
    }],
  };
  const c = conn([reader]);
  processPeerDatagramParameter(c, { ...defaultTransportParameters(), maxDatagramFrameSize: 65535 });
  processPeerDatagramParameter(c, defaultTransportParameters());
  assert.deepEqual(got, [[new Uint8Array([0x80, 0x00, 0xff, 0xff]), 4n]]);
});
