import assert from "node:assert/strict";
import {
  DEFAULT_PLUGIN_MEMORY,
  type ManifestReader,
  parseCInteger,
  parseManifest,
  parseManifestText,
} from "./manifest.ts";

function reader(files: Record<string, string>): ManifestReader {
  return (p) => files[p] === undefined ? null : new TextEncoder().encode(files[p]);
}

function refusal(files: Record<string, string>, top = "d/top.plugin"): string {
  try {
    parseManifest(top, reader(files));
  } catch (e) {
    assert.ok(e instanceof SyntaxError, `expected SyntaxError, got ${e}`);
    return e.message;
  }
  assert.fail("manifest was accepted");
}

Deno.test("parseManifest() reads the name line, options, params, anchors and comments", () => {
  const m = parseManifest(
    "d/top.plugin",
    reader({
      "d/top.plugin": [
        "# a comment",
        "",
        "be.mpiraux.datagram rate_unlimited dynamic_memory",
        "parse_frame param 0x2c replace parse.o",
        "  # indented comment",
        "process_frame  param 054\tpost sub/process.o\r",
        "send_message extern send.o",
        "update_rtt pre rtt.o",
      ].join("\n"),
    }),
  );
  assert.equal(m.name, "be.mpiraux.datagram");
  assert.deepEqual(m.options, {
    rateUnlimited: true,
    dynamicMemory: true,
    negotiate: false,
    memory: DEFAULT_PLUGIN_MEMORY,
  });
  assert.deepEqual(
    m.pluglets.map((p) => [p.op, p.param, p.anchor, p.path, p.source.line]),
    [
      ["parse_frame", 0x2c, "replace", "d/parse.o", 4],
      ["process_frame", 44, "post", "d/sub/process.o", 6],
      ["send_message", undefined, "extern", "d/send.o", 7],
      ["update_rtt", undefined, "pre", "d/rtt.o", 8],
    ],
  );
});

Deno.test("parseManifest() inlines includes relative to the top manifest's directory", () => {
  const m = parseManifest(
    "d/top.plugin",
    reader({
      "d/top.plugin": "be.x.mp negotiate\ninc/a.plugin include\nschedule_path replace s.o\n",
      "d/inc/a.plugin":
        "write_transport_parameter param 0x40 replace w.o\n-\ninc/b.plugin include\n",
      "d/inc/b.plugin": "update_rtt post u.o\n",
    }),
  );
  assert.deepEqual(m.manifests, ["d/top.plugin", "d/inc/a.plugin", "d/inc/b.plugin"]);
  assert.deepEqual(
    m.pluglets.map((p) => [p.op, p.negotiated, p.source.file]),
    [
      ["write_transport_parameter", false, "d/inc/a.plugin"],
      ["update_rtt", true, "d/inc/b.plugin"],
      ["schedule_path", true, "d/top.plugin"],
    ],
  );
});

Deno.test("parseManifest() accepts memory=<bytes> with K and M suffixes", () => {
  const mem = (opt: string) =>
    parseManifestText(`be.x.y ${opt}\nupdate_rtt post a.o`, "a.plugin", () => null).options.memory;
  assert.equal(mem("memory=0x100000"), 1 << 20);
  assert.equal(mem("memory=512K"), 512 * 1024);
  assert.equal(mem("memory=2M"), 2 << 20);
  assert.match(refusal({ "d/top.plugin": "be.x.y memory=1K\nop pre a.o" }), /outside 65536/);
  assert.match(refusal({ "d/top.plugin": "be.x.y memory=lots\nop pre a.o" }), /not a byte count/);
});

Deno.test("parseManifest() reads max_packet=<bytes>, within QUIC's datagram sizes", () => {
  const opts = (opt: string) =>
    parseManifestText(`be.x.y ${opt}\nupdate_rtt post a.o`, "a.plugin", () => null).options;
  assert.equal(opts("max_packet=1452").maxPacket, 1452);
  assert.equal(opts("max_packet=0xfff7").maxPacket, 65527);
  assert.equal(opts("memory=1M").maxPacket, undefined, "no bound unless given");
  assert.match(refusal({ "d/top.plugin": "be.x.y max_packet=1199\nop pre a.o" }), /outside 1200/);
  assert.match(refusal({ "d/top.plugin": "be.x.y max_packet=65528\nop pre a.o" }), /outside/);
  assert.match(
    refusal({ "d/top.plugin": "be.x.y max_packet=big\nop pre a.o" }),
    /not a byte count/,
  );
  assert.match(
    refusal({ "d/top.plugin": "be.x.y max_packet=1500 max_packet=1400\nop pre a.o" }),
    /option "max_packet" is given twice/,
  );
});

Deno.test("parseManifest() refuses malformed lines naming file, line and the rule", () => {
  const cases: [string, RegExp][] = [
    ["be.x.y frobnicate\nop pre a.o", /top.plugin:1: unknown option "frobnicate"/],
    ["be.x.y negotiate negotiate\nop pre a.o", /:1: option "negotiate" is given twice/],
    ["nodots\nop pre a.o", /:1: plugin name "nodots" is not reverse-DNS/],
    ["be.x.y\nop prefix a.o", /:2: unknown anchor "prefix"/],
    ["be.x.y\nop posts a.o", /:2: unknown anchor "posts"/],
    ["be.x.y\nop param 12x pre a.o", /:2: param "12x" is not an integer/],
    ["be.x.y\nop param 0xffff pre a.o", /:2: param 0xffff is out of range/],
    ["be.x.y\nop param 09 pre a.o", /:2: param "09" is not an integer/],
    ["be.x.y\nop pre", /:2: expected "<protoop> \[param N\] <anchor> <file.o>"/],
    ["be.x.y\nop pre ../a.o", /:2: object file "..\/a.o" must be a relative path/],
    ["be.x.y\nop pre /etc/a.o", /must be a relative path/],
    ["be.x.y\n-\nop pre a.o", /:2: "-" marker in a plugin without the negotiate option/],
    ["be.x.y negotiate\n-\n-\nop pre a.o", /:3: second "-" marker/],
    ["be.x.y\nx.plugin includes", /:2: "includes" is not "include"/],
    ["be.x.y\nx.plugin include", /:2: cannot read included file "x.plugin"/],
    ["be.x.y\n# nothing", /"be.x.y" has no pluglet line/],
    ["# only a comment\n", /no name line/],
    [
      "be.x.y\nop replace a.o\nop replace b.o",
      /:3: second replace of "op" in one plugin \(first replace at d\/top.plugin:2\)/,
    ],
    [
      "be.x.y\nop param 4 replace a.o\nop param 4 extern b.o",
      /:3: extern "op" cannot take a param/,
    ],
    ["be.x.y\nop extern a.o\nop post b.o", /:3: "op" is extern and cannot have observers/],
    ["be.x.y\n9op pre a.o", /:2: "9op" is not a protoop name/],
  ];
  for (const [text, re] of cases) assert.match(refusal({ "d/top.plugin": text }), re, text);
});

Deno.test("parseManifest() allows replaces of one protoop with different params", () => {
  const m = parseManifestText(
    "be.x.y\nparse_frame param 0x30 replace a.o\nparse_frame param 0x31 replace a.o\n",
    "t.plugin",
    () => null,
  );
  assert.equal(m.pluglets.length, 2);
});

Deno.test("parseManifest() refuses an include cycle naming the chain", () => {
  const msg = refusal({
    "d/top.plugin": "be.x.y\na.plugin include\n",
    "d/a.plugin": "op pre x.o\nb.plugin include\n",
    "d/b.plugin": "a.plugin include\n",
  });
  assert.match(
    msg,
    /d\/b.plugin:1: include cycle: d\/top.plugin -> d\/a.plugin -> d\/b.plugin -> d\/a.plugin/,
  );
  assert.match(
    refusal({ "d/top.plugin": "be.x.y\ntop.plugin include\n" }),
    /include cycle: d\/top.plugin -> d\/top.plugin/,
  );
});

Deno.test("parseManifest() allows the same file included twice without a cycle", () => {
  const m = parseManifest(
    "top.plugin",
    reader({
      "top.plugin": "be.x.y\na.plugin include\nb.plugin include\n",
      "a.plugin": "c.plugin include\n",
      "b.plugin": "c.plugin include\n",
      "c.plugin": "update_rtt post r.o\n",
    }),
  );
  assert.equal(m.pluglets.length, 2);
});

Deno.test("parseManifest() refuses an unreadable top file and non-UTF-8 text", () => {
  assert.throws(() => parseManifest("none.plugin", () => null), /none.plugin: file cannot be read/);
  assert.throws(
    () => parseManifest("bin.plugin", () => new Uint8Array([0xff, 0xfe, 0x00])),
    /bin.plugin:1: file is not UTF-8 text/,
  );
});

Deno.test("parseCInteger() follows strtoul base 0 on whole tokens", () => {
  assert.equal(parseCInteger("0"), 0);
  assert.equal(parseCInteger("0x0"), 0);
  assert.equal(parseCInteger("0XfF"), 255);
  assert.equal(parseCInteger("017"), 15);
  assert.equal(parseCInteger("08"), null);
  assert.equal(parseCInteger("-1"), null);
  assert.equal(parseCInteger("0x"), null);
  assert.equal(parseCInteger(""), null);
  assert.equal(parseCInteger("99999999999999999999"), null);
});

Deno.test("parseManifest() on random mutations gives a manifest or a SyntaxError, never another error", () => {
  const base = "be.x.y rate_unlimited\n# c\nparse_frame param 0x30 replace a.o\n" +
    "update_rtt post r.o\ninc.plugin include\n";
  const inc = "stream_opened pre s.o\n";
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const alphabet = " \t\n#-.x0param include replace pre post extern memory=";
  let accepted = 0;
  for (let i = 0; i < 2000; i++) {
    const chars = [...base];
    for (let k = 0, n = 1 + rnd(4); k < n; k++) {
      const at = rnd(chars.length + 1);
      const op = rnd(3);
      const c = alphabet[rnd(alphabet.length)]!;
      if (op === 0) chars.splice(at, 1);
      else if (op === 1) chars.splice(at, 0, c);
      else chars[at] = c;
    }
    const text = chars.join("");
    try {
      const m = parseManifestText(text, "t.plugin", reader({ "inc.plugin": inc }));
      accepted++;
      for (const p of m.pluglets) {
        assert.ok(["replace", "pre", "post", "extern"].includes(p.anchor));
        assert.ok(p.param === undefined || (p.param >= 0 && p.param < 0xffff));
      }
    } catch (e) {
      assert.ok(e instanceof SyntaxError, String(e));
    }
  }
  assert.ok(accepted > 0);
});
