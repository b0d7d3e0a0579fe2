import assert from "node:assert/strict";
import { Op } from "./catalogue.ts";
import type { CallImpl } from "./call.ts";
import { ProtoopError, ProtoopErrorKind } from "./errors.ts";
import { ProtoopTable } from "./table.ts";
import { attach, line } from "./_testing.ts";
import type { PlugletCall } from "./pluglet.ts";

const HOST = { name: "conn" };
const HEADER = { type: 5 };
const PATH = { id: 0 };

/** header_parsed(header, path, pn, length) on a table with `lines` attached by plugin "p". */
function headerParsed(...lines: Parameters<typeof attach>[2][]): ProtoopTable {
  const t = new ProtoopTable();
  attach(t, "p", ...lines);
  return t;
}

function fire(t: ProtoopTable, pn = 7, length = 1200): void {
  t.call[Op.HEADER_PARSED](HOST, HEADER as never, PATH as never, pn, length);
}

Deno.test("an observer that never reads its inputs registers no handle", () => {
  let scoped = -1;
  const t = headerParsed(line("header_parsed", "post", () => void (scoped = t.handles.scoped)));
  fire(t);
  assert.equal(scoped, 0);
  assert.equal(t.handles.scoped, 0);
});

Deno.test("inputNumber() marshals only the input it reads", () => {
  const seen: number[] = [];
  const t = headerParsed(line("header_parsed", "post", (c) => {
    const call = c as CallImpl;
    seen.push(call.inputNumber(3), t.handles.scoped, call.inputNumber(2), t.handles.scoped);
    const h = call.inputNumber(0);
    seen.push(t.handles.scoped);
    assert.equal(call.handle(BigInt(h)), HEADER);
    seen.push(call.inputNumber(4), call.inputNumber(-1), call.inputNumber(1.5));
  }));
  fire(t, 9, 1350);
  assert.deepEqual(seen, [1350, 0, 9, 0, 1, NaN, NaN, NaN]);
  assert.equal(t.handles.scoped, 0);
});

Deno.test("reading args marshals every input once, with handles to the call's objects", () => {
  const ids: bigint[][] = [];
  const t = headerParsed(
    line("header_parsed", "pre", (c) => void ids.push([...c.args])),
    line("header_parsed", "post", (c) => {
      assert.equal(c.handle(c.args[0]!), HEADER);
      assert.equal(c.handle(c.args[1]!), PATH);
      ids.push([...c.args]);
    }),
  );
  fire(t, 3, 100);
  assert.equal(ids.length, 2);
  assert.deepEqual(ids[0]!.slice(2), [3n, 100n]);
  // Marshalled once: both observers see the same handle ids.
  assert.deepEqual(ids[1], ids[0]);
});

Deno.test("a lazily marshalled handle is refused after the call", () => {
  let kept: PlugletCall | null = null;
  let id = 0n;
  const t = headerParsed(line("header_parsed", "post", (c) => {
    kept = c;
    id = c.args[0]!;
  }));
  fire(t);
  assert.ok(id > 0n);
  assert.throws(
    () => kept!.handle(id),
    (e) => e instanceof ProtoopError && e.kind === ProtoopErrorKind.BadHandle,
  );
  assert.equal(t.handles.get(Number(id)), undefined);
});

Deno.test("each observer reads fresh inputs whether it reads args or inputNumber()", () => {
  const seen: unknown[] = [];
  const t = headerParsed(
    line("header_parsed", "pre", (c) => {
      c.args[2] = 99n; // a private copy: changes nothing for the next pluglet
      seen.push((c as CallImpl).inputNumber(2)); // but this pluglet reads its own write
    }),
    line("header_parsed", "post", (c) => seen.push((c as CallImpl).inputNumber(2))),
    line("header_parsed", "post", (c) => seen.push(c.args[2])),
  );
  fire(t, 4);
  assert.deepEqual(seen, [99, 4, 4n]);
});

Deno.test("inputs read after a nested protoop call are still live handles", () => {
  let obj: unknown = null;
  const t = headerParsed(line("header_parsed", "post", (c) => {
    c.call("segment_aborted", [1n]);
    obj = c.handle(c.args[1]!);
  }));
  fire(t);
  assert.equal(obj, PATH);
});

Deno.test("an observer's result is still checked: a non-bigint is that plugin's fault", () => {
  const t = new ProtoopTable();
  attach(t, "bad", {
    op: "header_parsed",
    anchor: "post",
    pluglet: { run: () => 1 as unknown as bigint },
  });
  assert.throws(
    () => fire(t),
    (e) =>
      e instanceof ProtoopError && e.kind === ProtoopErrorKind.PluginFault && e.plugin === "bad",
  );
});

Deno.test("inputWords() writes the inputs that need no handle, then the marshalled ones too", () => {
  const masks: number[] = [];
  const words: number[][] = [];
  const t = headerParsed(line("header_parsed", "post", (c) => {
    const call = c as CallImpl;
    const dst = new Uint32Array(2 + 2 * 4);
    masks.push(call.inputWords(dst, 2), t.handles.scoped, call.inputCount);
    words.push([...dst]);
    call.inputNumber(0); // marshals the header: now it has a word too
    masks.push(call.inputWords(dst, 2), t.handles.scoped);
    words.push([...dst]);
  }));
  fire(t, 2 ** 40 + 9, 1350);
  // Inputs: header (ref), path (ref), pn, length.
  assert.deepEqual(masks, [0b1100, 0, 4, 0b1101, 1]);
  const lo = (n: number) => n % 2 ** 32;
  const hi = (n: number) => Math.floor(n / 2 ** 32);
  const le = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  const pair = (n: number) => (le ? [lo(n), hi(n)] : [hi(n), lo(n)]);
  assert.deepEqual(words[0], [0, 0, 0, 0, 0, 0, ...pair(2 ** 40 + 9), ...pair(1350)]);
  assert.deepEqual(words[1]!.slice(2, 4), pair(1)); // handle 1
  assert.equal(t.handles.scoped, 0);
});
