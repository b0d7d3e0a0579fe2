import assert from "node:assert/strict";
import { ArgKind, type ArgSpec } from "./catalogue.ts";
import { CallImpl } from "./call.ts";
import { bareCallTable } from "./_testing.ts";
import { HandleTable } from "./handles.ts";
import { MetadataStore } from "./metadata.ts";
import { Anchor, NO_PARAM, toU64 } from "./pluglet.ts";

const table = bareCallTable;

const U = { name: "n", kind: ArgKind.U64 } as const satisfies ArgSpec;
const B = { name: "b", kind: ArgKind.Big } as const satisfies ArgSpec;
const F = { name: "f", kind: ArgKind.Bool } as const satisfies ArgSpec;
const R = { name: "r", kind: ArgKind.Ref } as const satisfies ArgSpec;

Deno.test("CallImpl.setInput() marshals every value as toU64 does", () => {
  const cases: [unknown, ArgSpec][] = [
    [0, U],
    [1, U],
    [0xffff_ffff, U],
    [0x1_0000_0000, U],
    [2 ** 32 + 5, U],
    [Number.MAX_SAFE_INTEGER, U],
    [2 ** 53, U],
    [1.75, U],
    [Infinity, U],
    [-1, U],
    [-(2 ** 40) - 3, U],
    [NaN, U],
    [undefined, U],
    [0x1234_5678_9abc_def0n, B],
    [-1n, B],
    [true, F],
    [false, F],
    [null, R],
  ];
  const t = table();
  const call = new CallImpl(t);
  for (const [v, spec] of cases) {
    call.begin(0, "x", NO_PARAM, null, 1, 0);
    call.setInput(0, v, spec, t.handles);
    call.enter(Anchor.Post, "p", 0, false);
    assert.equal(call.args[0], toU64(v, spec, new HandleTable()), `${String(v)} as ${spec.kind}`);
  }
});

Deno.test("CallImpl.setInput() registers a host object and enter() gives each pluglet a fresh copy", () => {
  const t = table();
  const call = new CallImpl(t);
  const obj = { frame: 1 };
  call.begin(0, "x", NO_PARAM, null, 3, 2);
  call.setInput(0, obj, R, t.handles);
  call.setInput(1, 2 ** 40 + 7, U, t.handles);
  call.setInput(2, 5, U, t.handles);
  call.enter(Anchor.Pre, "p", 0, false);
  assert.equal(call.handle(call.args[0]!), obj);
  assert.deepEqual([...call.args.slice(1)], [2n ** 40n + 7n, 5n]);
  call.args[2] = 99n;
  call.outputs[0] = 42n;
  call.saveBodyOutputs();
  call.enter(Anchor.Post, "p", 0, true);
  assert.equal(call.args[2], 5n);
  assert.deepEqual([...call.outputs], [42n, 0n]);
  call.enter(Anchor.Post, "p", 0, false);
  assert.deepEqual([...call.outputs], [0n, 0n]);
  // A new call starts with no body outputs.
  call.begin(0, "x", NO_PARAM, null, 0, 2);
  call.enter(Anchor.Post, "p", 0, true);
  assert.deepEqual([...call.outputs], [0n, 0n]);
});

Deno.test("MetadataStore keeps slots per object when objects alternate", () => {
  const m = new MetadataStore();
  const a = {};
  const b = {};
  assert.equal(m.get(0, a, 1), 0n);
  m.set(0, a, 1, 11n);
  assert.equal(m.get(0, b, 1), 0n);
  m.set(0, b, 1, 22n);
  m.set(1, b, 1, 33n);
  assert.deepEqual([m.get(0, a, 1), m.get(0, b, 1), m.get(1, b, 1), m.get(1, a, 1)], [
    11n,
    22n,
    33n,
    0n,
  ]);
  assert.throws(() => m.get(0, a, 10), /slots are 0 to 9/);
});
