import assert from "node:assert/strict";
import { HelperTable } from "./helpers.ts";

Deno.test("HelperTable finds helpers by id and by name", () => {
  const t = new HelperTable();
  t.register({ id: 4, name: "a", call: () => 1n }).register({ id: 9, name: "b", call: () => 2n });
  assert.equal(t.byId(9)?.name, "b");
  assert.equal(t.byName("a")?.id, 4);
  assert.equal(t.byId(5), undefined);
  assert.deepEqual(t.all().map((h) => h.id), [4, 9]);
});

Deno.test("HelperTable.register() refuses duplicate ids, names and invalid ids", () => {
  const t = new HelperTable().register({ id: 1, name: "a", call: () => 0n });
  assert.throws(() => t.register({ id: 1, name: "b", call: () => 0n }), /id 1 is taken/);
  assert.throws(() => t.register({ id: 2, name: "a", call: () => 0n }), /name is taken/);
  assert.throws(() => t.register({ id: -1, name: "c", call: () => 0n }), /invalid id/);
});

Deno.test("HelperTable.register() refuses unknown intrinsics and ones of another arity", () => {
  const t = new HelperTable();
  const bad = "strcpy" as unknown as "memmove";
  assert.throws(
    () => t.register({ id: 1, name: "a", call: () => 0n, intrinsic: bad }),
    /intrinsic "strcpy" is unknown/,
  );
  const proto = "toString" as unknown as "memmove";
  assert.throws(
    () => t.register({ id: 1, name: "a", call: () => 0n, intrinsic: proto }),
    /is unknown/,
  );
  assert.throws(
    () => t.register({ id: 2, name: "b", arity: 2, callNumber: () => 0, intrinsic: "memmove" }),
    /intrinsic "memmove" takes 3 arguments, the helper 2/,
  );
  t.register({ id: 3, name: "c", arity: 1, callNumber: (_c, x) => x, intrinsic: "bswap16" });
  t.register({ id: 4, name: "d", call: (_c, x) => x, intrinsic: "memset" });
  assert.equal(t.byId(3)?.intrinsic, "bswap16");
});
