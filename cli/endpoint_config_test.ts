import assert from "node:assert/strict";
import { type CommonOptions, parseCommand } from "./args.ts";
import { loadBuiltin } from "../plugins/builtins.ts";
import { commonConfig, DEFAULT_PMTU_LIMIT } from "./endpoint_config.ts";

/** The common options of `pquic <argv>` (a client command). */
function options(argv: string[]): CommonOptions {
  const c = parseCommand(argv);
  assert.equal(c.mode, "client", JSON.stringify(c));
  return c as Extract<typeof c, { mode: "client" }>;
}

Deno.test("commonConfig() without -m probes to 1452 bytes, and to loopback's size towards loopback", () => {
  const c = commonConfig(options(["-G", "200000000", "::1", "4443"]));
  assert.equal(c.pmtuProbeLimit, DEFAULT_PMTU_LIMIT);
  assert.equal(c.pmtuLoopback, true);
  assert.equal(c.transportParameters, undefined, "max_udp_payload_size stays 65,527");
});

Deno.test("commonConfig() with -m probes to that size only, loopback or not", () => {
  const c = commonConfig(options(["-m", "9000", "::1", "4443"]));
  assert.equal(c.pmtuProbeLimit, 9000);
  assert.equal(c.pmtuLoopback, undefined);
  assert.deepEqual(c.transportParameters, { maxUdpPayloadSize: 9000 });
});

Deno.test("commonConfig() keeps a plugin's max_packet, and probes loopback for plugins without one", () => {
  const fec = loadBuiltin("fec");
  assert.equal(fec.options.maxPacket, 1452);
  for (const flag of ["-P", "-Q"]) {
    const c = commonConfig(options([flag, "fec", "::1", "4443"]), [fec]);
    assert.equal(c.pmtuLoopback, undefined, `${flag} fec`);
    assert.equal(c.pmtuProbeLimit, 1452);
  }
  const bounded = { ...fec, options: { ...fec.options, maxPacket: 1300 } };
  const m = commonConfig(options(["-m", "9000", "-P", "fec", "::1", "4443"]), [bounded]);
  assert.equal(m.pmtuProbeLimit, 1300, "the plugin's bound holds under -m too");
  for (const name of ["monitoring", "datagram"]) {
    const c = commonConfig(options(["-P", name, "::1", "4443"]), [loadBuiltin(name)]);
    assert.equal(c.pmtuLoopback, true, name);
    assert.equal(c.pmtuProbeLimit, DEFAULT_PMTU_LIMIT);
  }
});
