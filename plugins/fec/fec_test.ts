/**
 * The FEC plugins' manifests and the pluglets that need no live connection
 * (schemes, policies, redundancy controllers, the RECOVERED writer), on both
 * engines with a FakeHost. The coding and the decoder run on live connections
 * in tests/fec_sim_test.ts.
 */

import assert from "node:assert/strict";
import { diskReader } from "../_sim_testing.ts";
import { type EngineFactory, interpreter, wasmCompiler } from "../../vm/mod.ts";
import { FakeCall, FakeHost, plugletIndex } from "../_testing.ts";
import { loadBuiltin } from "../builtins.ts";
import { instantiatePlugin, type PluginInstance } from "../instance.ts";
import { type LoadedPlugin, loadPlugin } from "../loader.ts";

const engines: EngineFactory[] = [interpreter, wasmCompiler];

const read = diskReader;

function manifest(file: string): LoadedPlugin {
  return loadPlugin(new URL(`./${file}`, import.meta.url).pathname, read);
}

/** Manifest → [name, scheme pluglet, controller pluglet, policy pluglet]. */
const VARIANTS: Record<string, [string, string, string, string]> = {
  "fec.plugin": [
    "be.michelfra.fecxor",
    "scheme_xor.o",
    "controller_constant.o",
    "policy_full_stream.o",
  ],
  "fec_protect_end_of_stream.plugin": [
    "be.michelfra.fecxor.eos",
    "scheme_xor.o",
    "controller_constant.o",
    "policy_end_of_stream.o",
  ],
  "fec_rlc.plugin": [
    "be.michelfra.fecrlc",
    "scheme_rlc_gf256.o",
    "controller_burst.o",
    "policy_full_stream.o",
  ],
  "fec_rlc_adaptive.plugin": [
    "be.michelfra.fecrlc.adaptive",
    "scheme_rlc_gf256.o",
    "controller_adaptive.o",
    "policy_full_stream.o",
  ],
  "fec_rlc_protect_end_of_stream.plugin": [
    "be.michelfra.fecrlc.eos",
    "scheme_rlc_gf256.o",
    "controller_constant.o",
    "policy_end_of_stream.o",
  ],
};

function fileOf(p: LoadedPlugin, op: string): string {
  return p.pluglets[plugletIndex(p, op)]!.file;
}

Deno.test("FEC manifests compose fec_core.plugin with a scheme, a controller and a policy", () => {
  const core = new TextDecoder().decode(
    read(new URL("./fec_core.plugin", import.meta.url).pathname)!,
  )
    .split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  for (const [file, [name, scheme, controller, policy]] of Object.entries(VARIANTS)) {
    const p = manifest(file);
    assert.equal(p.name, name, file);
    assert.equal(p.pluglets.length, core.length + 3, file);
    assert.equal(fileOf(p, "fec_scheme"), scheme, file);
    assert.equal(fileOf(p, "fec_redundancy"), controller, file);
    assert.equal(fileOf(p, "fec_protect_policy"), policy, file);
    assert.deepEqual(
      [...(p.options.frames ?? new Map())],
      [[0x29, "SFPID"], [0x2a, "REPAIR"], [0x2b, "RECOVERED"]],
      file,
    );
    for (const t of [0x29, 0x2a, 0x2b]) plugletIndex(p, "parse_frame", t);
  }
  // The seed's path is the built-in "fec".
  assert.equal(loadBuiltin("fec").name, "be.michelfra.fecxor");
});

function run(inst: PluginInstance, host: FakeHost, op: string, args: (bigint | number)[] = []) {
  const call = new FakeCall(host, op, { args, anchor: "extern" });
  return inst.run(plugletIndex(inst.plugin, op), call);
}

/** (n, k) from a controller's n << 8 | k. */
/** fec_redundancy's answer: [n, k] (fec.h), without the FEC_REDUNDANCY_FIXED bit. */
function nk(v: bigint): [number, number] {
  return [Number((v >> 8n) & 0xffn), Number(v & 0xffn)];
}

/** fec.h FEC_REDUNDANCY_FIXED: the controller's answer never changes. */
const FIXED = 1n << 16n;

for (const engine of engines) {
  const name = (what: string) => `${what} (${engine.name})`;

  Deno.test(name("schemes, policies and constant controllers answer their extern protoops"), () => {
    const expect: Record<string, [number, number, [number, number]]> = {
      "fec.plugin": [0, 0, [6, 5]],
      "fec_protect_end_of_stream.plugin": [0, 1, [6, 5]],
      "fec_rlc.plugin": [1, 0, [30, 25]],
    };
    for (const [file, [scheme, policy, redundancy]] of Object.entries(expect)) {
      const host = new FakeHost();
      const inst = instantiatePlugin(manifest(file), host, { engine });
      assert.equal(run(inst, host, "fec_scheme"), BigInt(scheme), file);
      assert.equal(run(inst, host, "fec_protect_policy"), BigInt(policy), file);
      assert.deepEqual(nk(run(inst, host, "fec_redundancy", [0])), redundancy, file);
      assert.deepEqual(nk(run(inst, host, "fec_redundancy", [1])), redundancy, file);
      assert.equal(run(inst, host, "fec_redundancy", [0]) & FIXED, FIXED, "constant: asked once");
      assert.equal(host.faults.length, 0);
    }
  });

  Deno.test(name("controller_adaptive follows the loss rate between calls"), () => {
    const host = new FakeHost();
    const inst = instantiatePlugin(manifest("fec_rlc_adaptive.plugin"), host, { engine });
    const SENT = 0x83;
    const LOST = 0x1c;
    const at = (sent: number, lost: number) => {
      host.set("cnx", SENT, BigInt(sent)).set("cnx", LOST, BigInt(lost));
      return nk(run(inst, host, "fec_redundancy", [0]));
    };
    // 2% until measured: k = 1 / (2.5 × 2%) = 20.
    assert.deepEqual(at(0, 0), [21, 20]);
    // 8% over 1000 packets: rate (3 × 2% + 8%) / 4 = 3.5%, k = 11.
    assert.deepEqual(at(1000, 80), [12, 11]);
    // Fewer than 50 packets since: no new sample.
    assert.deepEqual(at(1040, 80), [12, 11]);
    // Heavy loss: k bottoms out at 3.
    let last = at(2000, 600);
    for (let i = 3; i < 8; i++) last = at(i * 1000, 600 + (i - 2) * 400);
    assert.deepEqual(last, [4, 3]);
    // No loss for long: back up to 30.
    for (let i = 8; i < 40; i++) last = at(i * 1000, 2600);
    assert.deepEqual(last, [31, 30]);
    assert.equal(run(inst, host, "fec_redundancy", [0]) & FIXED, 0n, "asked every window");
  });

  Deno.test(name("write_recovered writes RECOVERED in network order"), () => {
    const host = new FakeHost();
    const out = new Uint8Array(16);
    host.buffers.set(9n, { bytes: out, writable: true });
    const inst = instantiatePlugin(manifest("fec.plugin"), host, { engine });
    const pn = 0x0102_0304_0506n;
    const call = new FakeCall(host, "write_frame", {
      args: [pn, 9n, 16],
      param: 0x2b,
      anchor: "replace",
      outputs: 2,
    });
    assert.equal(inst.run(plugletIndex(inst.plugin, "write_frame", 0x2b), call), 0n);
    assert.deepEqual([...out.subarray(0, 10)], [0x2b, 0, 0, 1, 2, 3, 4, 5, 6, 1]);
    assert.deepEqual([...call.outputs], [10n, 1n]);
    // Too little room: retry in the next packet (0x801), nothing written.
    const short = new FakeCall(host, "write_frame", {
      args: [pn, 9n, 9],
      param: 0x2b,
      anchor: "replace",
      outputs: 2,
    });
    assert.equal(inst.run(plugletIndex(inst.plugin, "write_frame", 0x2b), short), 0x801n);
  });
}
