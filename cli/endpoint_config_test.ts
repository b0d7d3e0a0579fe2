import assert from "node:assert/strict";
import { type CommonOptions, parseCommand } from "./args.ts";
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

Deno.test("commonConfig() with plugins (-P or -Q, e.g. FEC) keeps 1452 bytes towards loopback", () => {
  for (const plugin of ["plugins/fec/fec.plugin", "fec_rlc", "monitoring"]) {
    for (const flag of ["-P", "-Q"]) {
      const c = commonConfig(options([flag, plugin, "::1", "4443"]));
      assert.equal(c.pmtuLoopback, undefined, `${flag} ${plugin}`);
      assert.equal(c.pmtuProbeLimit, DEFAULT_PMTU_LIMIT);
    }
  }
});
