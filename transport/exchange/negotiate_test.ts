import assert from "node:assert/strict";
import { TransportError } from "../errors.ts";
import { TP_PLUGINS_TO_INJECT, TP_SUPPORTED_PLUGINS } from "./codepoints.ts";
import { peerPluginLists, planExchange } from "./negotiate.ts";
import { encodePluginList, type PluginRef } from "./plugin_list.ts";

function ref(name: string, d: number): PluginRef {
  return { name, digest: new Uint8Array(32).fill(d) };
}

const A = ref("be.example.a", 1);
const B = ref("be.example.b", 2);
const C = ref("be.example.c", 3);

Deno.test("peerPluginLists() reads both parameters, and null when the peer sent neither", () => {
  const lists = peerPluginLists([
    { id: 0x2ab2n, value: new Uint8Array(0) },
    { id: BigInt(TP_SUPPORTED_PLUGINS), value: encodePluginList([A]) },
  ]);
  assert.deepEqual(lists, { supported: [A], inject: [] });
  assert.deepEqual(
    peerPluginLists([{ id: BigInt(TP_PLUGINS_TO_INJECT), value: encodePluginList([B]) }]),
    { supported: [], inject: [B] },
  );
  assert.equal(peerPluginLists([]), null);
  assert.throws(
    () => peerPluginLists([{ id: BigInt(TP_PLUGINS_TO_INJECT), value: new Uint8Array([5]) }]),
    (e) => e instanceof TransportError && e.code === 0x08,
  );
});

Deno.test("planExchange() unites both inject lists and decides ready, request or refuse", () => {
  const mine = new Set(["be.example.a"]);
  const plan = planExchange([A], { supported: [B], inject: [B, C] }, (p) => mine.has(p.name));
  assert.deepEqual(plan.plugins, [A, B, C]);
  assert.deepEqual(plan.steps.map((s) => s.action), ["ready", "request", "request"]);
  // The peer's view of the same lists: it has B and C, lacks A, which we list.
  const theirs = new Set(["be.example.b", "be.example.c"]);
  const back = planExchange([B, C], { supported: [A], inject: [A] }, (p) => theirs.has(p.name));
  assert.deepEqual(back.steps.map((s) => s.action), ["ready", "ready", "request"]);
});

Deno.test("planExchange() refuses without a peer, on two digests, and when nobody has it", () => {
  const none = planExchange([A], null, () => true);
  assert.deepEqual(none.steps, [{
    plugin: A,
    action: "refuse",
    reason: "the peer does not take part in plugin exchange",
    announce: false,
  }]);
  const other = ref("be.example.a", 9);
  const two = planExchange([A], { supported: [], inject: [other] }, () => true);
  assert.equal(two.plugins.length, 1);
  assert.match(two.steps[0]!.action === "refuse" ? two.steps[0]!.reason : "", /different versions/);
  const nobody = planExchange([], { supported: [], inject: [C] }, () => false);
  assert.equal(nobody.steps[0]!.action, "request", "the peer asks for it: it has it");
  const lost = planExchange([A], { supported: [], inject: [] }, () => false);
  assert.deepEqual(lost.steps[0], {
    plugin: A,
    action: "refuse",
    reason: "neither end can provide it",
    announce: true,
  });
});
