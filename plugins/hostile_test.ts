/**
 * The hostile-plugin corpus (testdata/hostile/): each plugin is refused at
 * load time or contained at run time, with the message saying which plugin,
 * which file or pluglet, and which rule — on both engines. A faulted plugin
 * never takes its neighbours down: another connection's instance of another
 * plugin keeps working.
 */

import assert from "node:assert/strict";
import { type EngineFactory, interpreter, PluginFault, wasmCompiler } from "../vm/mod.ts";
import { FakeCall, FakeHost, plugletIndex } from "./_testing.ts";
import { ACCESS_KEYS } from "./helper_ids.ts";
import { FAULT_RESULT, instantiatePlugin } from "./instance.ts";
import { type LoadedPlugin, loadPlugin, PluginLoadError } from "./loader.ts";

const engines: EngineFactory[] = [interpreter, wasmCompiler];
const dir = new URL("./testdata/hostile/", import.meta.url).pathname;

function read(p: string): Uint8Array | null {
  try {
    return Deno.readFileSync(p);
  } catch {
    return null;
  }
}

function load(name: string): LoadedPlugin {
  return loadPlugin(`${dir}${name}.plugin`, read);
}

function refusal(name: string): Error {
  try {
    load(name);
  } catch (e) {
    assert.ok(e instanceof Error);
    return e;
  }
  assert.fail(`${name} was loaded`);
}

Deno.test("hostile manifests are refused with a SyntaxError naming file, line and rule", () => {
  const cases: [string, RegExp][] = [
    ["malformed", /malformed.plugin:3: unknown anchor "postt"/],
    ["unknown_option", /unknown_option.plugin:2: unknown option "sandbox_off"/],
    [
      "cycle_a",
      /cycle_b.plugin:3: include cycle: .*cycle_a.plugin -> .*cycle_b.plugin -> .*cycle_a.plugin/,
    ],
    [
      "double_replace",
      /double_replace.plugin:5: second replace of "update_rtt" in one plugin \(first replace at .*double_replace.plugin:3\)/,
    ],
  ];
  for (const [name, re] of cases) {
    const e = refusal(name);
    assert.ok(e instanceof SyntaxError, `${name}: ${e}`);
    assert.match(e.message, re);
  }
});

Deno.test("hostile objects are refused naming the plugin, the file and the rule", () => {
  const cases: [string, string, RegExp][] = [
    ["missing_object", "absent.o", /object file cannot be read/],
    [
      "socket",
      "socket.o",
      /not a loadable object: relocation at pc \d+: call to unknown helper 'socket'/,
    ],
    ["bad_opcode", "bad_opcode.o", /refused by the verifier: pc 0: /],
  ];
  for (const [name, file, re] of cases) {
    const e = refusal(name);
    assert.ok(e instanceof PluginLoadError, `${name}: ${e}`);
    assert.equal(e.plugin, `be.hostile.${name}`);
    assert.equal(e.file, file);
    assert.ok(
      e.message.startsWith(`Cannot load plugin "be.hostile.${name}": ${file}: `),
      e.message,
    );
    assert.match(e.message, re);
  }
});

const PATH = ACCESS_KEYS.find((k) => k.name === "AK_CNX_PATH")!.value;

/** Run-time cases: plugin → fault kind and message. */
const CONTAINED: [string, string, RegExp][] = [
  ["oob", "out_of_bounds", /out of bounds: write of 8 bytes at 0x1000 \(pc \d+\)/],
  ["loop", "fuel", /fuel exhausted: instruction budget of 100000 spent/],
  ["wild_memcpy", "helper", /my_memcpy: out of bounds: write of 8 bytes at 0x2000/],
  ["wild_length", "helper", /my_memset: n 1099511627776 is too large/],
  ["bad_free", "helper", /my_free: 0x[0-9a-f]+ is not a block returned by my_malloc/],
  ["double_free", "helper", /my_free: double free of 0x[0-9a-f]+/],
  ["bad_key", "helper", /get_cnx: unknown access key 0x7f/],
  ["read_only", "helper", /set_path: AK_PATH_SMOOTHED_RTT is read-only/],
  ["bad_metadata", "helper", /set_cnx_metadata: metadata index 15 is out of range \(0–9\)/],
  ["null_deref", "out_of_bounds", /out of bounds: write of 8 bytes at 0x8 /],
  ["wild_string", "helper", /helper_log: out of bounds: read of 1 bytes at 0x3000/],
];

for (const engine of engines) {
  Deno.test(`hostile pluglets are contained and reported (${engine.name})`, () => {
    for (const [name, kind, re] of CONTAINED) {
      const plugin = load(name);
      const host = new FakeHost().set("path", 0x0e, 1n, 11n).set("cnx", PATH, 11n, 0n, 0);
      const inst = instantiatePlugin(plugin, host, { engine, fuel: 100_000 });
      const call = new FakeCall(host, "update_rtt", { args: [2, 30_000, 0, 0] });
      assert.equal(inst.run(0, call), FAULT_RESULT, name);
      assert.equal(host.faults.length, 1, name);
      const report = host.faults[0]!;
      assert.equal(report.plugin, `be.hostile.${name}`);
      assert.deepEqual(report.pluglet, { op: "update_rtt", anchor: "post", file: `${name}.o` });
      assert.ok(report.fault instanceof PluginFault);
      assert.equal(report.fault.kind, kind, `${name}: ${report.fault.message}`);
      assert.ok(
        report.message.startsWith(
          `plugin "be.hostile.${name}" faulted in update_rtt post (${name}.o): `,
        ),
        report.message,
      );
      assert.match(report.message, re);
      // Contained for good: the next run does nothing and reports nothing.
      assert.equal(inst.run(0, call), FAULT_RESULT);
      assert.equal(host.faults.length, 1);
      assert.equal(inst.stats().pluglets[0]!.faults, 1);
    }
  });

  Deno.test(`a huge allocation gets NULL and the memory stays within the limit (${engine.name})`, () => {
    const plugin = load("huge_alloc");
    assert.equal(plugin.options.memory, 1 << 20);
    const host = new FakeHost();
    const inst = instantiatePlugin(plugin, host, { engine });
    const n = inst.run(0, new FakeCall(host, "update_rtt", { args: [2, 1, 0, 0] }));
    assert.equal(host.faults.length, 0);
    assert.ok(n >= 10n && n < 16n, `got ${n} blocks of 64 KiB in 1 MiB`);
    assert.ok(inst.memory.size <= 1 << 20);
    assert.equal(inst.stats().heapInUse, Number(n) * 65536);
  });

  Deno.test(`a faulted plugin leaves other connections and plugins running (${engine.name})`, () => {
    const bad = load("oob");
    const good = loadPlugin(
      new URL("./monitoring/monitoring.plugin", import.meta.url).pathname,
      read,
    );
    const h1 = new FakeHost();
    const h2 = new FakeHost();
    const badOnFirst = instantiatePlugin(bad, h1, { engine });
    const goodOnFirst = instantiatePlugin(good, h1, { engine });
    const badOnSecond = instantiatePlugin(bad, h2, { engine });
    const opened = plugletIndex(good, "stream_opened");
    const get = plugletIndex(good, "monitoring_get_counter");
    goodOnFirst.run(opened, new FakeCall(h1, "stream_opened", { args: [0] }));
    badOnFirst.run(0, new FakeCall(h1, "update_rtt", { args: [2, 1, 0, 0] }));
    assert.equal(h1.faults.length, 1);
    // The same connection's other plugin still runs until the host detaches the faulty one.
    goodOnFirst.run(opened, new FakeCall(h1, "stream_opened", { args: [4] }));
    assert.equal(
      goodOnFirst.run(get, new FakeCall(h1, "monitoring_get_counter", { args: [9] })),
      2n,
    );
    // The second connection's instance of the faulty plugin is unaffected until it faults itself.
    assert.equal(badOnSecond.fault, null);
    assert.equal(h2.faults.length, 0);
  });
}
