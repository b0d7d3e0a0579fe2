import assert from "node:assert/strict";
import { cellRulesText, highestCell } from "./cell_rules.ts";
import { type CellRule, type HelperDef, HelperTable, observedHelpers } from "./helpers.ts";

const big = (cells: unknown): HelperDef => ({
  id: 1,
  name: "cell",
  call: () => 0n,
  cells: cells as CellRule[],
});
const num = (arity: number, cells: CellRule[]): HelperDef => ({
  id: 1,
  name: "cell",
  arity,
  callNumber: () => 0,
  cells,
});
const refuses = (def: HelperDef, message: RegExp) =>
  assert.throws(
    () => new HelperTable().register(def),
    (e) => e instanceof RangeError && message.test(e.message),
  );

Deno.test("HelperTable.register() accepts valid cell rules", () => {
  const rules: CellRule[] = [
    { cell: 0 },
    { when: { arg: 5, equals: Number.MAX_SAFE_INTEGER }, cell: 3, store: { arg: 4 } },
    { index: { arg: 1, limit: 64 }, mask: 0, cell: 1 },
    { index: { arg: 2, limit: 1 }, cell: 9 },
  ];
  new HelperTable().register(big(rules));
  new HelperTable().register(num(2, [{ cell: 0, when: { arg: 2, equals: 0 }, store: { arg: 1 } }]));
  new HelperTable().register(big([]));
});

Deno.test("HelperTable.register() refuses invalid cell rules", () => {
  refuses({ ...big([{ cell: 0 }]), intrinsic: "bswap16" }, /not both/);
  refuses(big({ cell: 0 }), /array/);
  refuses(big([null]), /cell rule 0 is not an object/);
  refuses(big([{ cell: -1 }]), /cell rule 0 cell must be a non-negative integer/);
  refuses(big([{ cell: 0.5 }]), /cell must be/);
  refuses(
    big([{ cell: 0 }, { cell: 1, when: { arg: 0, equals: 1 } }]),
    /cell rule 1 when\.arg must be 1 to 5/,
  );
  refuses(big([{ cell: 0, when: { arg: 6, equals: 1 } }]), /when\.arg must be 1 to 5/);
  refuses(big([{ cell: 0, when: { arg: 1, equals: -1 } }]), /when\.equals/);
  refuses(big([{ cell: 0, when: { arg: 1, equals: 2 ** 53 } }]), /when\.equals/);
  refuses(big([{ cell: 0, index: { arg: 1, limit: 0 } }]), /index\.limit must be 1 to 64/);
  refuses(big([{ cell: 0, index: { arg: 1, limit: 65 } }]), /index\.limit/);
  refuses(big([{ cell: 0, index: { arg: 7, limit: 2 } }]), /index\.arg/);
  refuses(big([{ cell: 0, mask: 1 }]), /mask but no index/);
  refuses(big([{ cell: 0, mask: -2, index: { arg: 1, limit: 2 } }]), /mask must be/);
  refuses(big([{ cell: 0, store: { arg: 0 } }]), /store\.arg/);
  refuses(num(1, [{ cell: 0, store: { arg: 2 } }]), /store\.arg 2 is past the helper's arity 1/);
  refuses(num(0, [{ cell: 0, when: { arg: 1, equals: 0 } }]), /arity 0/);
  refuses(num(2, [{ cell: 0, index: { arg: 3, limit: 2 } }]), /index\.arg 3/);
});

Deno.test("observedHelpers() keeps cell rules", () => {
  const rules: CellRule[] = [{ cell: 2 }];
  const t = observedHelpers(new HelperTable().register(big(rules)), () => {});
  assert.equal(t.byId(1)?.cells, rules);
});

Deno.test("highestCell() counts the index range and the mask", () => {
  assert.equal(highestCell([]), -1);
  assert.equal(highestCell([{ cell: 5 }]), 5);
  assert.equal(highestCell([{ cell: 5, index: { arg: 1, limit: 3 } }, { cell: 1 }]), 7);
  assert.equal(highestCell([{ cell: 0, index: { arg: 1, limit: 1 }, mask: 30 }]), 30);
});

Deno.test("cellRulesText() tells apart rules that compile differently", () => {
  const texts = [
    [{ cell: 1 }],
    [{ cell: 2 }],
    [{ cell: 1, store: { arg: 1 } }],
    [{ cell: 1, when: { arg: 1, equals: 0 } }],
    [{ cell: 1, when: { arg: 2, equals: 0 } }],
    [{ cell: 1, index: { arg: 1, limit: 2 } }],
    [{ cell: 1, index: { arg: 1, limit: 2 }, mask: 0 }],
    [{ cell: 1 }, { cell: 2 }],
    [{ cell: 2 }, { cell: 1 }],
  ].map((r) => cellRulesText(r as CellRule[]));
  assert.equal(new Set(texts).size, texts.length);
});
