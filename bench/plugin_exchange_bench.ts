// deno-lint-ignore-file no-console
/**
 * What handling a plugin bundle costs (issue #8), the work a receiver does
 * between the last byte of a transfer and the plugin being ready to inject:
 * the datagram plugin (the built-in with new frames), packed, read back
 * (archive checks and manifest), checked against each trust policy, and
 * loaded (ELF loader and VM verifier over every object).
 *
 * Cases: pack; unpack; unpack + load (what `any` costs); unpack + signed
 * check + load (one Ed25519 verification more); the whole round trip
 * pack → unpack → trust → load; and `signBundle` for reference.
 *
 * Run: `deno bench -A bench/plugin_exchange_bench.ts`, or
 * `deno run -A bench/plugin_exchange_bench.ts [--rounds N]` for medians per
 * case from interleaved rounds (steadier on a noisy machine).
 *
 * @module
 */

import { BUILTIN_PLUGINS, builtinReader } from "../plugins/builtins.ts";
import { loadBundle, packBundle, signBundle, unpackBundle } from "../plugins/exchange/bundle.ts";
import { checkTrust, type TrustPolicy } from "../plugins/exchange/trust.ts";
import { ed25519PrivateKey, publicKeyOf } from "../plugins/exchange/keys.ts";

const NAME = BUILTIN_PLUGINS.includes("datagram") ? "datagram" : "monitoring";
const PATH = `${NAME}/${NAME}.plugin`;
const SEED = new Uint8Array(32).fill(0x5a);
const read = builtinReader();
const bytes = packBundle(PATH, read);
const signed = signBundle(bytes, SEED);
const policy: TrustPolicy = { kind: "signed", keys: [publicKeyOf(ed25519PrivateKey(SEED))] };

interface Case {
  name: string;
  fn: () => void;
}

const cases: Case[] = [
  { name: `pack ${NAME}`, fn: () => void packBundle(PATH, read) },
  { name: `unpack ${NAME}`, fn: () => void unpackBundle(bytes) },
  { name: `unpack + load ${NAME} (trust any)`, fn: () => void loadBundle(unpackBundle(bytes)) },
  {
    name: `unpack + signed check + load ${NAME}`,
    fn: () => {
      const b = unpackBundle(signed);
      checkTrust(b, policy);
      loadBundle(b, { expectedDigest: b.digest });
    },
  },
  {
    name: `pack → unpack → verify ${NAME}`,
    fn: () => void loadBundle(unpackBundle(packBundle(PATH, read))),
  },
  { name: `sign ${NAME}`, fn: () => void signBundle(bytes, SEED) },
];

if (!import.meta.main) {
  for (const c of cases) Deno.bench({ name: c.name, group: "plugin bundle", fn: c.fn });
} else {
  const i = Deno.args.indexOf("--rounds");
  const rounds = i >= 0 ? Number(Deno.args[i + 1]) : 30;
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (const c of cases) for (let k = 0; k < 5; k++) c.fn(); // warm up
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      const t0 = performance.now();
      c.fn();
      samples.get(c.name)!.push(performance.now() - t0);
    }
  }
  console.log(`${NAME} bundle: ${bytes.length} bytes (signed ${signed.length}), ${rounds} rounds`);
  for (const c of cases) {
    const s = samples.get(c.name)!.sort((a, b) => a - b);
    console.log(`${c.name.padEnd(40)} median ${(s[s.length >> 1]! * 1000).toFixed(0)} µs`);
  }
}
