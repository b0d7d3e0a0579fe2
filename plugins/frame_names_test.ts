import assert from "node:assert/strict";
import { mapReader } from "./_testing.ts";
import { MAX_FRAME_NAME, parseFrameNames } from "./frame_names.ts";
import { parseManifest } from "./manifest.ts";

Deno.test("parseFrameNames() reads type:NAME pairs in C notation", () => {
  assert.deepEqual(
    [...parseFrameNames("0x30:DATAGRAM,0x31:DATAGRAM,0x3eb0:PING_2,64:X")],
    [[0x30, "DATAGRAM"], [0x31, "DATAGRAM"], [0x3eb0, "PING_2"], [64, "X"]],
  );
});

Deno.test("parseFrameNames() refuses malformed pairs, names and repeated types", () => {
  const cases: [string, RegExp][] = [
    ["", /no frame type is named/],
    ["0x30", /"0x30" is not <type>:<NAME>/],
    ["0x3g:X", /"0x3g" is not a frame type/],
    ["0x30:datagram", /"datagram" is not a frame name/],
    ["0x30:", /"" is not a frame name/],
    [`0x30:${"A".repeat(MAX_FRAME_NAME + 1)}`, /is not a frame name/],
    ["0x30:A,48:B", /frame type 0x30 is named twice/],
  ];
  for (const [spec, re] of cases) assert.throws(() => parseFrameNames(spec), re, spec);
});

Deno.test("parseManifest() takes frames= on the name line, with file and line on errors", () => {
  const read = mapReader({
    "p/a.plugin": "be.x.a memory=1M frames=0x30:DATAGRAM\nop pre a.o\n",
    "p/b.plugin": "be.x.b frames=0x30:bad\nop pre a.o\n",
    "p/c.plugin": "be.x.c frames=0x30:A frames=0x31:B\nop pre a.o\n",
    "p/d.plugin": "be.x.d\nop pre a.o\n",
  });
  const m = parseManifest("p/a.plugin", read);
  assert.deepEqual([...m.options.frames!], [[0x30, "DATAGRAM"]]);
  assert.equal(m.options.memory, 1024 * 1024);
  assert.throws(
    () => parseManifest("p/b.plugin", read),
    /b.plugin:1: option "frames=0x30:bad": "bad" is not a frame name/,
  );
  assert.throws(() => parseManifest("p/c.plugin", read), /option "frames" is given twice/);
  assert.equal(parseManifest("p/d.plugin", read).options.frames, undefined);
});
