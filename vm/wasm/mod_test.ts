import assert from "node:assert/strict";
import { assemble } from "../assembler.ts";
import type { EngineFactory } from "../engine.ts";
import { PluginFault } from "../fault.ts";
import { HelperTable } from "../helpers.ts";
import { interpreter } from "../interpreter.ts";
import { InstanceMemory, MAX_CALL_DEPTH, MEMORY_BASE } from "../memory.ts";
import { makeProgram, type Program } from "../program.ts";
import { verify } from "../verifier.ts";
import { testHelpers } from "../_test_helpers.ts";
import { ModuleCache, wasmCompiler, wasmCompilerWith, WasmEngine } from "./mod.ts";

interface Run {
  r0?: bigint;
  fault?: PluginFault;
  memory: InstanceMemory;
}

function runText(
  factory: EngineFactory,
  text: string | Program,
  opts: { args?: bigint[]; fuel?: number; helpers?: HelperTable; entry?: number } = {},
): Run {
  const program = typeof text === "string" ? makeProgram(assemble(text)) : text;
  const helpers = opts.helpers ?? testHelpers();
  verify(program, helpers);
  const memory = new InstanceMemory({ heapSize: 256 });
  const engine = factory.create(program, memory, helpers, { memory, data: { log: [] } });
  try {
    const r0 = engine.run(opts.entry ?? program.entry, opts.args ?? [], {
      ...(opts.fuel === undefined ? {} : { fuel: opts.fuel }),
    });
    return { r0, memory };
  } catch (e) {
    if (!(e instanceof PluginFault)) throw e;
    return { fault: e, memory };
  }
}

/** Runs on both engines, asserts they agree, returns the Wasm outcome. */
function both(text: string, opts: Parameters<typeof runText>[2] = {}): Run {
  const a = runText(interpreter, text, opts);
  const b = runText(wasmCompiler, text, opts);
  assert.equal(b.fault?.message, a.fault?.message, "fault message");
  assert.equal(b.fault?.kind, a.fault?.kind, "fault kind");
  assert.equal(b.r0, a.r0, "r0");
  assert.deepEqual(b.memory.bytes(), a.memory.bytes(), "memory");
  return b;
}

Deno.test("wasmCompiler reuses the compiled module for a second instance", () => {
  const cache = new ModuleCache();
  const factory = wasmCompilerWith(cache);
  const text = "mov r0, r1\nadd r0, 1\nexit";
  assert.equal(runText(factory, text, { args: [41n] }).r0, 42n);
  assert.deepEqual(cache.stats, { compiles: 1, hits: 0 });
  // Same code built again: a different Program object with the same digest.
  assert.equal(runText(factory, text, { args: [1n] }).r0, 2n);
  assert.deepEqual(cache.stats, { compiles: 1, hits: 1 });
  assert.equal(cache.size, 1);
  assert.equal(runText(factory, "mov r0, 5\nexit").r0, 5n);
  assert.deepEqual(cache.stats, { compiles: 2, hits: 1 });
});

Deno.test("ModuleCache keys on the entries as well as the digest", () => {
  const cache = new ModuleCache();
  const code = assemble("mov r0, 1\nexit\nmov r0, 2\nexit");
  const one = cache.get(makeProgram(code));
  const two = cache.get(makeProgram(code, { functions: new Map([["main", 0], ["g", 2]]) }));
  assert.notEqual(one, two);
  assert.deepEqual(two.entries, [0, 2]);
  assert.equal(
    runText(wasmCompiler, makeProgram(code, { functions: new Map([["g", 2]]) }), {
      entry: 2,
    }).r0,
    2n,
  );
});

Deno.test("ModuleCache drops the oldest module past its limit", () => {
  const cache = new ModuleCache(2);
  const p = (n: number) => makeProgram(assemble(`mov r0, ${n}\nexit`));
  const first = cache.get(p(1));
  cache.get(p(2));
  cache.get(p(3));
  assert.equal(cache.size, 2);
  assert.notEqual(cache.get(p(1)), first, "recompiled after eviction");
  assert.equal(cache.stats.compiles, 4);
});

Deno.test("wasm engine reports out-of-bounds reads and writes as the interpreter does", () => {
  const cases = [
    "ldxb r0, [r1-1]", // just below MEMORY_BASE
    "lddw r2, 0x100010000\nldxb r0, [r2+0]", // first byte past the end
    "lddw r2, 0x10000fffd\nldxw r0, [r2+0]", // straddling the end
    "lddw r2, 0x10000fffd\nstxdw [r2+0], r1",
    "stw [r0+0], 1", // null pointer
    "lddw r2, 0xfffffffffffffff8\natomic_addw [r2+0], r1",
  ];
  for (const c of cases) {
    const out = both(`${c}\nexit`, { args: [MEMORY_BASE] });
    assert.equal(out.fault?.kind, "out_of_bounds", c);
    assert.match(
      out.fault!.message,
      /out of bounds: (read|write) of \d bytes at 0x[0-9a-f]+ \(pc \d+\)/,
    );
  }
  const last = both("lddw r2, 0x10000fff8\nldxdw r0, [r2+0]\nexit");
  assert.equal(last.r0, 0n, "the last 8 bytes are readable");
});

Deno.test("wasm engine stops an unbounded loop with a fuel fault and keeps working", () => {
  const out = both("mov r0, 0\nloop:\nadd r0, 1\nja loop", { fuel: 10_000 });
  assert.equal(out.fault?.kind, "fuel");
  assert.match(out.fault!.message, /budget of 10000 spent/);
  assert.equal(both("mov r0, 3\nexit").r0, 3n);
});

Deno.test("wasm engine shares one budget across bpf-to-bpf calls", () => {
  // main: 2 + 4 × (call + jne…) ; f: 3 instructions. Count exactly with the engine.
  const text = `mov r6, 4
mov r0, 0
loop:
call local f
sub r6, 1
jne r6, 0, loop
exit
f:
add r0, 2
mov r1, r0
exit`;
  const program = makeProgram(assemble(text));
  const memory = new InstanceMemory();
  const engine = new WasmEngine(
    program,
    new ModuleCache().get(program),
    memory,
    new HelperTable(),
    {
      memory,
      data: null,
    },
  );
  assert.equal(engine.run(0, [], { fuel: 1000 }), 8n);
  const spent = 1000 - engine.fuelLeft;
  assert.equal(spent, 2 + 4 * 3 + 4 * 3 + 1, "every instruction counted once");
  for (const f of [interpreter, wasmCompiler]) {
    assert.equal(runText(f, text, { fuel: spent }).r0, 8n, f.name);
    assert.equal(runText(f, text, { fuel: spent - 1 }).fault?.kind, "fuel", f.name);
  }
});

Deno.test("wasm engine faults on recursion past MAX_CALL_DEPTH frames", () => {
  // f(n) recurses n times: n = MAX_CALL_DEPTH - 1 nested calls fit, one more does not.
  const text = `call local f
exit
f:
jeq r1, 0, done
sub r1, 1
call local f
add r0, 1
exit
done:
mov r0, 0
exit`;
  assert.equal(both(text, { args: [BigInt(MAX_CALL_DEPTH - 2)] }).r0, BigInt(MAX_CALL_DEPTH - 2));
  const deep = both(text, { args: [BigInt(MAX_CALL_DEPTH - 1)] });
  assert.equal(deep.fault?.kind, "stack_overflow");
  assert.equal(both("f:\ncall local f\nexit").fault?.kind, "stack_overflow");
});

Deno.test("wasm engine preserves r6-r9 and gives each frame its own stack", () => {
  const out = both(
    `mov r6, 6
mov r7, 7
mov r8, 8
mov r9, 9
stdw [r10-8], 100
call local f
ldxdw r1, [r10-8]
add r0, r1
add r0, r6
add r0, r7
add r0, r8
add r0, r9
exit
f:
mov r6, 60
mov r7, 70
mov r8, 80
mov r9, 90
stdw [r10-8], 1000
ldxdw r0, [r10-8]
mov r2, r10
exit`,
  );
  assert.equal(out.r0, 1000n + 100n + 6n + 7n + 8n + 9n);
});

Deno.test("wasm engine passes r1-r5 back from a callee as the shared register file does", () => {
  const out = both(
    "mov r1, 1\nmov r3, 3\ncall local f\nadd r0, r1\nadd r0, r3\nexit\nf:\nmov r0, r1\nmov r1, 10\nexit",
  );
  assert.equal(out.r0, 1n + 10n + 3n);
});

Deno.test("wasm engine calls helpers with unsigned arguments and fills in the pc of their faults", () => {
  const seen: bigint[] = [];
  const helpers = new HelperTable()
    .register({
      id: 9,
      name: "echo",
      call: (_c, a, b) => {
        seen.push(a, b);
        return a + b;
      },
    })
    .register({
      id: 10,
      name: "bad",
      call: () => {
        throw new PluginFault("helper", "bad: refused");
      },
    });
  const r = runText(wasmCompiler, "mov r1, -1\nmov r2, 2\ncall 9\nexit", { helpers });
  assert.deepEqual(seen, [(1n << 64n) - 1n, 2n]);
  assert.equal(r.r0, 1n, "the result wraps modulo 2^64");
  const f = both("mov r0, 0\nmov r0, 1\ncall 10\nexit", { helpers });
  assert.equal(f.fault?.kind, "helper");
  assert.equal(f.fault?.pc, 2);
});

Deno.test("wasm engine sees memory a helper grows during the run", () => {
  // grow_heap (6) returns the address of the new pages; store and load there.
  const out = both(`mov r1, 65536
call 6
mov r6, r0
add r6, 65528
stdw [r6+0], 77
ldxdw r0, [r6+0]
exit`);
  assert.equal(out.r0, 77n);
  assert.equal(out.memory.size, 2 * 65536);
});

Deno.test("wasm engine runs again inside a helper without losing the outer budget", () => {
  const helpers = new HelperTable();
  const program = makeProgram(
    assemble("jeq r1, 0, leaf\nmov r1, 0\ncall 1\nadd r0, 1\nexit\nleaf:\nmov r0, 40\nexit"),
  );
  const memory = new InstanceMemory();
  let engine: WasmEngine | null = null;
  helpers.register({ id: 1, name: "again", call: () => engine!.run(0, [0n], { fuel: 100 }) });
  engine = wasmCompiler.create(program, memory, helpers, { memory, data: null }) as WasmEngine;
  assert.equal(engine.run(0, [1n], { fuel: 1000 }), 41n);
  assert.equal(runText(wasmCompiler, program, { args: [1n], helpers, fuel: 1000 }).r0, 41n);
});

Deno.test("wasm engine takes an unbounded budget", () => {
  const text = "mov r0, 0\nmov r1, 3000\nloop:\nadd r0, r1\nsub r1, 1\njne r1, 0, loop\nexit";
  for (const fuel of [Infinity, 2 ** 60, 9003.5]) {
    assert.equal(runText(wasmCompiler, text, { fuel }).r0, 4501500n, String(fuel));
  }
  assert.equal(runText(wasmCompiler, text, { fuel: 9002 }).fault?.kind, "fuel");
});

Deno.test("wasm engine refuses to start outside a function entry", () => {
  const program = makeProgram(assemble("mov r0, 1\nexit"));
  const memory = new InstanceMemory();
  const engine = wasmCompiler.create(program, memory, new HelperTable(), { memory, data: null });
  assert.throws(
    () => engine.run(1, []),
    (e) => e instanceof PluginFault && e.kind === "unsupported",
  );
});

Deno.test("wasm engine follows RFC 9669 division, shift and sign-extension rules", () => {
  const cases: [string, bigint][] = [
    ["lddw r0, 0x8000000000000000\nsdiv r0, -1", 1n << 63n],
    ["lddw r0, 0x8000000000000000\nmov r1, -1\nsdiv r0, r1", 1n << 63n],
    ["lddw r0, 0x8000000000000000\nmov r1, -1\nsmod r0, r1", 0n],
    ["mov32 r0, 0x80000000\nmov32 r1, -1\nsdiv32 r0, r1", 0x80000000n],
    ["mov r0, 7\nmov r1, 0\ndiv r0, r1", 0n],
    ["lddw r0, 0x1234567890\nmov r1, 0\nmod r0, r1", 0x1234567890n],
    ["lddw r0, 0x1234567890\nmov r1, 0\nmod32 r0, r1", 0x34567890n],
    ["mov r0, -7\nsmod r0, 2", (1n << 64n) - 1n],
    ["mov r0, 1\nlsh r0, 65", 2n],
    ["mov r0, 1\nlsh32 r0, 33", 2n],
    ["mov r0, -1\nrsh32 r0, 4", 0x0fffffffn],
    ["mov r0, -16\narsh32 r0, 2", 0xfffffffcn],
    ["mov r1, 0x80\nmovsx8 r0, r1", (1n << 64n) - 128n],
    ["mov r1, 0x8000\nmov32sx16 r0, r1", 0xffff8000n],
    ["lddw r0, 0x0102030405060708\nbe16 r0", 0x0807n],
    ["lddw r0, 0x0102030405060708\nbe32 r0", 0x08070605n],
    ["lddw r0, 0x0102030405060708\nbswap64 r0", 0x0807060504030201n],
    ["lddw r0, 0x0102030405060708\nle32 r0", 0x05060708n],
    ["stdw [r10-8], -1\nmov r0, 5\nldxsw r1, [r10-8]\nadd r0, r1", 4n],
  ];
  for (const [text, want] of cases) assert.equal(both(`${text}\nexit`).r0, want, text);
});

Deno.test("a bound entry computes run()'s r0, whether its registers are exact doubles or not", () => {
  // r0 = r1 + r2 + r5 (64-bit, wrapping): wrong if any register crossed inexactly.
  const program = makeProgram(assemble("mov r0, r1\nadd r0, r2\nadd r0, r5\nexit"));
  const helpers = testHelpers();
  verify(program, helpers);
  const memory = new InstanceMemory({ heapSize: 256 });
  const engine = wasmCompiler.create(program, memory, helpers, { memory, data: { log: [] } });
  const cases: [bigint[], bigint][] = [
    [[1n << 62n, 0n, 0n, 0n, 0n], 1n << 62n], // a pluglet's cnx value: an exact double
    [[(1n << 53n) + 1n, 2n, 0n, 0n, 3n], (1n << 53n) + 6n], // not a double: u64 registers
    [[(1n << 64n) - 1n, 2n, 0n, 0n, 0n], 1n], // wraps
    [[7n], 7n], // missing registers are 0
  ];
  for (const [args, r0] of cases) {
    const run = engine.bind!(program.entry, args);
    assert.equal(run(), r0, `r1..r5 = ${args}`);
    assert.equal(run(), r0, "and again");
    assert.equal(engine.run(program.entry, args), r0, "as run() computes it");
  }
});
