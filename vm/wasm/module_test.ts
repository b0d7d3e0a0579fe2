import assert from "node:assert/strict";
import { BLOCK_VOID, CodeWriter, ModuleBuilder, Op, ValType } from "./module.ts";

const { i32, i64 } = ValType;

Deno.test("CodeWriter.u32() writes unsigned LEB128", () => {
  const cases: [number, number[]][] = [
    [0, [0x00]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [624485, [0xe5, 0x8e, 0x26]],
    [0xffffffff, [0xff, 0xff, 0xff, 0xff, 0x0f]],
  ];
  for (const [v, want] of cases) assert.deepEqual([...new CodeWriter().u32(v).toBytes()], want);
  assert.throws(() => new CodeWriter().u32(-1), RangeError);
  assert.throws(() => new CodeWriter().u32(2 ** 32), RangeError);
});

Deno.test("CodeWriter.i32() and i64() write signed LEB128", () => {
  const cases: [bigint, number[]][] = [
    [0n, [0x00]],
    [63n, [0x3f]],
    [64n, [0xc0, 0x00]],
    [-1n, [0x7f]],
    [-64n, [0x40]],
    [-65n, [0xbf, 0x7f]],
    [-123456n, [0xc0, 0xbb, 0x78]],
    [-0x80000000n, [0x80, 0x80, 0x80, 0x80, 0x78]],
    [0x80000000n, [0x80, 0x80, 0x80, 0x80, 0x08]],
    [-(1n << 63n), [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f]],
  ];
  for (const [v, want] of cases) {
    assert.deepEqual([...new CodeWriter().i64(v).toBytes()], want, `i64 ${v}`);
    if (v >= -0x80000000n && v < 0x80000000n) {
      assert.deepEqual([...new CodeWriter().i32(Number(v)).toBytes()], want, `i32 ${v}`);
    }
  }
  // Unsigned 64-bit values encode as their two's complement.
  assert.deepEqual(
    [...new CodeWriter().i64((1n << 64n) - 1n).toBytes()],
    [...new CodeWriter().i64(-1n).toBytes()],
  );
  assert.throws(() => new CodeWriter().i64(1n << 64n), RangeError);
  assert.throws(() => new CodeWriter().i32(0x80000000), RangeError);
});

Deno.test("ModuleBuilder builds a module that adds two i64s", () => {
  const m = new ModuleBuilder();
  const t = m.type({ params: [i64, i64], results: [i64] });
  const body = new CodeWriter()
    .byte(Op.localGet).u32(0).byte(Op.localGet).u32(1).byte(Op.i64Add).byte(Op.end);
  m.exportFunction("add", m.func(t, [], body.toBytes()));
  const inst = new WebAssembly.Instance(new WebAssembly.Module(m.toBytes()));
  const add = inst.exports.add as (a: bigint, b: bigint) => bigint;
  assert.equal(add(2n, 40n), 42n);
  assert.equal(add(-1n, 1n), 0n);
  assert.equal(add(0x7fffffffffffffffn, 1n), -(1n << 63n));
});

Deno.test("ModuleBuilder imports a memory and a function and calls it", () => {
  const m = new ModuleBuilder();
  const tHost = m.type({ params: [i64, i32], results: [i64] });
  const tMain = m.type({ params: [i32], results: [i64] });
  assert.equal(m.type({ params: [i64, i32], results: [i64] }), tHost, "types are shared");
  const host = m.importFunction("env", "host", tHost);
  m.importMemory("env", "memory", 1);
  const g = m.global(i64, true, 5);
  m.exportGlobal("g", g);
  // main(off) = host(load64(off), off) + g; also stores 0x99 at off+8.
  const body = new CodeWriter()
    .byte(Op.localGet).u32(0).byte(Op.i64Load).memarg(3, 0)
    .byte(Op.localGet).u32(0)
    .byte(Op.call).u32(host)
    .byte(Op.globalGet).u32(g).byte(Op.i64Add)
    .byte(Op.localGet).u32(0).byte(Op.i32Const).i32(0x99).byte(Op.i32Store8).memarg(0, 8)
    .byte(Op.end);
  const fn = m.func(tMain, [i64, i64, i32], body.toBytes());
  assert.equal(fn, 1, "function indices count imports first");
  m.exportFunction("main", fn);
  const memory = new WebAssembly.Memory({ initial: 1 });
  new DataView(memory.buffer).setBigUint64(16, 1000n, true);
  const seen: unknown[] = [];
  const inst = new WebAssembly.Instance(new WebAssembly.Module(m.toBytes()), {
    env: {
      memory,
      host: (a: bigint, b: number) => {
        seen.push(a, b);
        return a * 2n;
      },
    },
  });
  const main = inst.exports.main as (off: number) => bigint;
  assert.equal(main(16), 2005n);
  assert.deepEqual(seen, [1000n, 16]);
  assert.equal(new Uint8Array(memory.buffer)[24], 0x99);
  (inst.exports.g as WebAssembly.Global).value = 7n;
  assert.equal(main(16), 2007n);
});

Deno.test("ModuleBuilder encodes structured control flow the engine accepts", () => {
  // sum(n) = n + (n-1) + ... + 1 with a loop, a block and br_if.
  const m = new ModuleBuilder();
  const t = m.type({ params: [i64], results: [i64] });
  const b = new CodeWriter()
    .byte(Op.block).byte(BLOCK_VOID)
    .byte(Op.loop).byte(BLOCK_VOID)
    .byte(Op.localGet).u32(0).byte(Op.i64Eqz).byte(Op.brIf).u32(1)
    .byte(Op.localGet).u32(1).byte(Op.localGet).u32(0).byte(Op.i64Add).byte(Op.localSet).u32(1)
    .byte(Op.localGet).u32(0).byte(Op.i64Const).i64(1n).byte(Op.i64Sub).byte(Op.localSet).u32(0)
    .byte(Op.br).u32(0)
    .byte(Op.end).byte(Op.end)
    .byte(Op.localGet).u32(1).byte(Op.end);
  m.exportFunction("sum", m.func(t, [i64], b.toBytes()));
  const bytes = m.toBytes();
  assert.ok(WebAssembly.validate(bytes));
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  assert.equal((inst.exports.sum as (n: bigint) => bigint)(100n), 5050n);
});

Deno.test("ModuleBuilder refuses imports after functions", () => {
  const m = new ModuleBuilder();
  const t = m.type({ params: [], results: [] });
  m.func(t, [], new Uint8Array([Op.end]));
  assert.throws(() => m.importFunction("env", "f", t), TypeError);
});
