import assert from "node:assert/strict";
import { ArgKind, CATALOGUE, CATALOGUE_SIZE, Op, protoopByName } from "./catalogue.ts";
import { MAX_PROTOOP_ARGS } from "./errors.ts";
import { MAX_NATIVE_ARGS } from "./_slot.ts";

Deno.test("CATALOGUE ids are dense and match Op, whose keys are the PQUIC names", () => {
  const keys = Object.keys(Op) as (keyof typeof Op)[];
  assert.equal(keys.length, CATALOGUE_SIZE);
  for (const k of keys) {
    const spec = CATALOGUE[Op[k]]!;
    assert.equal(spec.id, Op[k]);
    assert.equal(spec.name, k.toLowerCase(), `Op.${k}`);
    assert.equal(protoopByName(spec.name), spec);
  }
  assert.equal(new Set(CATALOGUE.map((s) => s.name)).size, CATALOGUE_SIZE);
});

Deno.test("CATALOGUE rows respect PQUIC's limits and the anchor rules", () => {
  for (const s of CATALOGUE) {
    assert.ok(s.args.length + s.outputs.length <= MAX_PROTOOP_ARGS, s.name);
    // Wrappers pass arguments without a rest array: at most MAX_NATIVE_ARGS (6 after a param).
    const native = s.args.length + (s.outputs.length > 0 ? 1 : 0);
    assert.ok(native <= (s.param === "none" ? MAX_NATIVE_ARGS : MAX_NATIVE_ARGS - 1), s.name);
    for (const a of [...s.args, ...s.outputs]) {
      assert.ok(/^[a-z_]+$/.test(a.name), `${s.name}.${a.name}`);
      assert.equal(a.kind === ArgKind.Ref, a.ref !== undefined, `${s.name}.${a.name}`);
    }
    // Observer anchors (noop) return nothing a caller depends on, except write_ecn_block's 0.
    if (s.core === "noop" && s.returns !== null) assert.equal(s.name, "write_ecn_block");
  }
  const param = CATALOGUE.filter((s) => s.param !== "none").map((s) => s.name);
  assert.deepEqual(param, [
    "parse_frame",
    "process_frame",
    "write_frame",
    "notify_frame",
    "write_transport_parameter",
    "process_transport_parameter",
  ]);
});

Deno.test("CATALOGUE.md and WIRING.md cover every protoop with its exact signature", () => {
  const doc = Deno.readTextFileSync(new URL("./CATALOGUE.md", import.meta.url));
  const wiring = Deno.readTextFileSync(new URL("./WIRING.md", import.meta.url));
  for (const s of CATALOGUE) {
    const p = s.param === "frameType" ? "[type]" : s.param === "tpId" ? "[id]" : "";
    const args = s.args.map((a) => `${a.name}: ${a.kind === ArgKind.Ref ? a.ref : a.kind}`);
    const sig = `\`${s.name}${p}(${args.join(", ")})\``;
    assert.ok(doc.includes(sig), `CATALOGUE.md lacks ${sig}`);
    assert.match(wiring, new RegExp("`" + s.name + "[`\\[(]"), `WIRING.md lacks ${s.name}`);
  }
});
