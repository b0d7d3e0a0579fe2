import assert from "node:assert/strict";
import { DEFAULT_SCENARIO, entriesAfter, parseScenario } from "./scenario.ts";

Deno.test("parseScenario() reads picoquicdemo's default scenario as a chain", () => {
  const entries = parseScenario(DEFAULT_SCENARIO);
  assert.deepEqual(entries.map((e) => [e.stream, e.previous, e.path]), [
    [0, null, "index.html"],
    [4, 0, "test.html"],
    [8, 4, "/1234567"],
    [12, 8, "main.jpg"],
    [16, 12, "war-and-peace.txt"],
    [20, 16, "en/latest/"],
    [24, 20, "/file-123K"],
  ]);
  assert.equal(entries[5]!.fileName, "en_latest_");
  assert.deepEqual(entriesAfter(entries, null).map((e) => e.stream), [0]);
  assert.deepEqual(entriesAfter(entries, 8).map((e) => e.stream), [12]);
});

Deno.test("parseScenario() takes repeats, '-' roots, default numbers and post sizes", () => {
  const entries = parseScenario(" *3:0:-:/100 ; 4:-:/200:5000; /300;");
  assert.deepEqual(
    entries.map((e) => [e.repeat, e.stream, e.previous, e.path, e.postSize]),
    [
      [3, 0, null, "/100", 0],
      [1, 4, null, "/200", 5000],
      [1, 8, 4, "/300", 0],
    ],
  );
  // PQUIC's -G form.
  assert.deepEqual(parseScenario("0:/10000\n").map((e) => e.path), ["/10000"]);
});

Deno.test("parseScenario() rejects malformed entries", () => {
  for (const bad of ["12", "0:", "*2", "0:/x:12abc", "*x:/a"]) {
    assert.throws(() => parseScenario(bad), SyntaxError, bad);
  }
});
